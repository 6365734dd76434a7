// Dense layers and networks of static shape, float, y = σ(W x + b), one input per call
// unless said otherwise. Shapes are named In x Out (inputs x outputs): 2x1 is the layer of
// one neuron with two inputs.
//
//   BM_dense_soma<In, Out>        soma::dense_layer<float, In, Out>::forward(x, y)
//   BM_dense_loop<In, Out>        the plain loop: per row z = Σ w·x + b, y = 1/(1+exp(-z))
//   BM_dense_eigen_fixed<In, Out> Eigen, compile-time sizes (Eigen::Matrix<float, Out, In>):
//                                 y = W*x + b, then logistic()
//   BM_network_soma<...>/batch    soma::network of static dense_layers: net.forward(x, y), or
//                                 net.batch_forward(X, Y) for 256 inputs
//   BM_network_eigen<...>/batch   Eigen, dynamic sizes, per layer h = (W h + b).logistic();
//                                 for 256 inputs one matrix product (GEMM) per layer
//
// Every implementation gets the same W, x and b (uniform in [-1, 1]). The buffers escape to
// the optimizer before timing and every iteration starts and ends with a memory clobber,
// so each one reads the parameters and x from memory and stores y. After timing, each
// benchmark checks y against a double-precision evaluation and reports an error instead of
// a time on a mismatch.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 reports a false -Wmaybe-uninitialized inside its own AVX-512 headers when Eigen's
// reductions are inlined with -march=native.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "soma/soma.hpp"

#if defined(SOMA_BENCH_HAVE_EIGEN)
#include <Eigen/Core>
#endif

namespace {

// The activation a user writes: σ(z) = 1/(1 + e^-z) in float.
inline float logistic(float z) {
    return 1.0f / (1.0f + std::exp(-z));
}

// W row-major (Out x In), b, x: uniform in [-1, 1], the same for every implementation.
struct layer_values {
    std::size_t in;
    std::size_t out;
    std::vector<float> W;
    std::vector<float> b;
    std::vector<float> x;
    layer_values(std::size_t in_, std::size_t out_)
        : in(in_), out(out_), W(in * out), b(out), x(in) {
        std::mt19937_64 rng(in * 131 + out);
        std::uniform_real_distribution<float> d(-1.0f, 1.0f);
        for (float& v : W) v = d(rng);
        for (float& v : b) v = d(rng);
        for (float& v : x) v = d(rng);
    }
    // y_r in double: σ(Σ w·x + b), from the input h.
    [[nodiscard]] std::vector<double> reference(std::vector<double> const& h) const {
        std::vector<double> y(out);
        for (std::size_t r = 0; r < out; ++r) {
            double z = static_cast<double>(b[r]);
            for (std::size_t i = 0; i < in; ++i) z += static_cast<double>(W[r * in + i]) * h[i];
            y[r] = 1.0 / (1.0 + std::exp(-z));
        }
        return y;
    }
};

// Sums of n products in [-1, 1] in any float order are within about n·2^-24·n of the
// exact value (far less in practice); a wrong layout, sign or missing bias is off by O(1).
bool close(double got, double ref, std::size_t n) {
    return std::fabs(got - ref) <= 1e-6 * static_cast<double>(n + 1) + 1e-5;
}

void check(benchmark::State& state, std::vector<layer_values> const& layers,
           std::vector<float> const& x, std::span<float const> y) {
    std::vector<double> h(x.begin(), x.end());
    for (layer_values const& l : layers) h = l.reference(h);
    for (std::size_t r = 0; r < h.size(); ++r) {
        if (!close(static_cast<double>(y[r]), h[r], layers.back().in)) {
            state.SkipWithError("output differs from the double-precision evaluation");
            return;
        }
    }
}

void count(benchmark::State& state, std::size_t multiply_adds) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(multiply_adds));
    state.SetLabel(SOMA_BENCH_VARIANT);
}

template <std::size_t In, std::size_t Out>
void BM_dense_soma(benchmark::State& state) {
    layer_values const v(In, Out);
    // On the heap: 128 x 128 floats is 64 KiB.
    auto const layer = std::make_unique<soma::dense_layer<float, In, Out>>(
        std::span<float const>(v.W), std::span<float const>(v.b));
    std::array<float, In> x{};
    std::copy(v.x.begin(), v.x.end(), x.begin());
    std::array<float, Out> y{};
    benchmark::DoNotOptimize(layer.get());
    benchmark::DoNotOptimize(x.data());
    benchmark::DoNotOptimize(y.data());
    for (auto _ : state) {
        benchmark::ClobberMemory();
        layer->forward(x, y);
        benchmark::ClobberMemory();
    }
    count(state, In * Out);
    check(state, {v}, v.x, y);
}

template <std::size_t In, std::size_t Out>
void BM_dense_loop(benchmark::State& state) {
    layer_values v(In, Out);
    std::vector<float> y(Out);
    benchmark::DoNotOptimize(v.W.data());
    benchmark::DoNotOptimize(v.b.data());
    benchmark::DoNotOptimize(v.x.data());
    benchmark::DoNotOptimize(y.data());
    for (auto _ : state) {
        benchmark::ClobberMemory();
        for (std::size_t r = 0; r < Out; ++r) {
            float const* w = v.W.data() + r * In;
            float z = 0.0f;
            for (std::size_t i = 0; i < In; ++i) z += w[i] * v.x[i];
            y[r] = logistic(z + v.b[r]);
        }
        benchmark::ClobberMemory();
    }
    count(state, In * Out);
    check(state, {v}, v.x, y);
}

#if defined(SOMA_BENCH_HAVE_EIGEN)
template <std::size_t In, std::size_t Out>
void BM_dense_eigen_fixed(benchmark::State& state) {
    layer_values const v(In, Out);
    constexpr int rows = static_cast<int>(Out);
    constexpr int cols = static_cast<int>(In);
    struct eigen_layer {
        Eigen::Matrix<float, rows, cols> W;
        Eigen::Matrix<float, rows, 1> b;
        Eigen::Matrix<float, cols, 1> x;
        Eigen::Matrix<float, rows, 1> y;
    };
    auto const e = std::make_unique<eigen_layer>();
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) e->W(r, c) = v.W[static_cast<std::size_t>(r * cols + c)];
        e->b(r) = v.b[static_cast<std::size_t>(r)];
    }
    for (int c = 0; c < cols; ++c) e->x(c) = v.x[static_cast<std::size_t>(c)];
    benchmark::DoNotOptimize(e.get());
    for (auto _ : state) {
        benchmark::ClobberMemory();
        e->y.noalias() = e->W * e->x + e->b;
        e->y.array() = e->y.array().logistic();
        benchmark::ClobberMemory();
    }
    count(state, In * Out);
    check(state, {v}, v.x, std::span<float const>(e->y.data(), Out));
}
#endif

// Networks: layers of sigmoid neurons, sizes S0 -> S1 -> ... ; `batch` inputs per call.
template <std::size_t... S>
struct network_values {
    static constexpr std::array<std::size_t, sizeof...(S)> sizes{S...};
    std::vector<layer_values> layers;
    std::vector<float> X;  // batch x S0, row-major
    explicit network_values(std::size_t batch) {
        for (std::size_t k = 0; k + 1 < sizes.size(); ++k)
            layers.emplace_back(sizes[k], sizes[k + 1]);
        std::mt19937_64 rng(batch);
        std::uniform_real_distribution<float> d(-1.0f, 1.0f);
        X.resize(batch * sizes[0]);
        for (float& v : X) v = d(rng);
    }
    // Input k's outputs must match the double-precision evaluation (checked for a few k).
    void check(benchmark::State& state, std::span<float const> Y, std::size_t batch) const {
        constexpr std::size_t out = sizes[sizes.size() - 1];
        for (std::size_t k = 0; k < batch; k += 37) {
            std::vector<float> const x(X.begin() + static_cast<std::ptrdiff_t>(k * sizes[0]),
                                       X.begin() + static_cast<std::ptrdiff_t>((k + 1) * sizes[0]));
            ::check(state, layers, x, Y.subspan(k * out, out));
        }
    }
};

template <std::size_t A, std::size_t B, std::size_t C, std::size_t D = 0>
struct soma_network;
template <std::size_t A, std::size_t B, std::size_t C>
struct soma_network<A, B, C, 0> {
    using type = soma::network<soma::dense_layer<float, A, B>, soma::dense_layer<float, B, C>>;
    static std::unique_ptr<type> make(std::vector<layer_values> const& l) {
        return std::make_unique<type>(
            soma::dense_layer<float, A, B>(std::span<float const>(l[0].W),
                                           std::span<float const>(l[0].b)),
            soma::dense_layer<float, B, C>(std::span<float const>(l[1].W),
                                           std::span<float const>(l[1].b)));
    }
};

template <std::size_t A, std::size_t B, std::size_t C>
void BM_network_soma(benchmark::State& state) {
    auto const batch = static_cast<std::size_t>(state.range(0));
    network_values<A, B, C> const v(batch);
    auto const net = soma_network<A, B, C>::make(v.layers);
    std::vector<float> Y(batch * C);
    benchmark::DoNotOptimize(net.get());
    benchmark::DoNotOptimize(Y.data());
    for (auto _ : state) {
        benchmark::ClobberMemory();
        if (batch == 1) {
            net->forward(std::span<float const, A>(v.X.data(), A),
                         std::span<float, C>(Y.data(), C));
        } else {
            net->batch_forward(v.X, Y);
        }
        benchmark::ClobberMemory();
    }
    count(state, batch * (A * B + B * C));
    v.check(state, Y, batch);
}

#if defined(SOMA_BENCH_HAVE_EIGEN)
template <std::size_t A, std::size_t B, std::size_t C>
void BM_network_eigen(benchmark::State& state) {
    auto const batch = static_cast<std::size_t>(state.range(0));
    network_values<A, B, C> const v(batch);
    std::vector<Eigen::MatrixXf> W;
    std::vector<Eigen::VectorXf> b;
    for (layer_values const& l : v.layers) {
        auto const rows = static_cast<Eigen::Index>(l.out);
        auto const cols = static_cast<Eigen::Index>(l.in);
        Eigen::MatrixXf m(rows, cols);
        Eigen::VectorXf c(rows);
        for (Eigen::Index r = 0; r < rows; ++r) {
            for (Eigen::Index i = 0; i < cols; ++i)
                m(r, i) = l.W[static_cast<std::size_t>(r * cols + i)];
            c(r) = l.b[static_cast<std::size_t>(r)];
        }
        W.push_back(m);
        b.push_back(c);
    }
    auto const n = static_cast<Eigen::Index>(batch);
    // Column k is input k.
    Eigen::MatrixXf X(static_cast<Eigen::Index>(A), n);
    for (Eigen::Index k = 0; k < n; ++k) {
        for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(A); ++i) {
            X(i, k) = v.X[static_cast<std::size_t>(k) * A + static_cast<std::size_t>(i)];
        }
    }
    Eigen::MatrixXf H(static_cast<Eigen::Index>(B), n);
    Eigen::MatrixXf Y(static_cast<Eigen::Index>(C), n);
    benchmark::DoNotOptimize(X.data());
    benchmark::DoNotOptimize(H.data());
    benchmark::DoNotOptimize(Y.data());
    for (auto _ : state) {
        benchmark::ClobberMemory();
        H.noalias() = W[0] * X;
        H.colwise() += b[0];
        H.array() = H.array().logistic();
        Y.noalias() = W[1] * H;
        Y.colwise() += b[1];
        Y.array() = Y.array().logistic();
        benchmark::ClobberMemory();
    }
    count(state, batch * (A * B + B * C));
    v.check(state, std::span<float const>(Y.data(), batch * C), batch);
}
#endif

}  // namespace

#define SOMA_BENCH_DENSE(in, out)                                                    \
    BENCHMARK_TEMPLATE(BM_dense_soma, in, out)->Name("BM_dense_soma/" #in "x" #out); \
    BENCHMARK_TEMPLATE(BM_dense_loop, in, out)->Name("BM_dense_loop/" #in "x" #out);
#if defined(SOMA_BENCH_HAVE_EIGEN)
#define SOMA_BENCH_DENSE_EIGEN(in, out) \
    BENCHMARK_TEMPLATE(BM_dense_eigen_fixed, in, out)->Name("BM_dense_eigen_fixed/" #in "x" #out);
#else
#define SOMA_BENCH_DENSE_EIGEN(in, out)
#endif

SOMA_BENCH_DENSE(2, 1)
SOMA_BENCH_DENSE_EIGEN(2, 1)
SOMA_BENCH_DENSE(3, 1)
SOMA_BENCH_DENSE_EIGEN(3, 1)
SOMA_BENCH_DENSE(4, 4)
SOMA_BENCH_DENSE_EIGEN(4, 4)
SOMA_BENCH_DENSE(8, 8)
SOMA_BENCH_DENSE_EIGEN(8, 8)
SOMA_BENCH_DENSE(16, 16)
SOMA_BENCH_DENSE_EIGEN(16, 16)
SOMA_BENCH_DENSE(24, 1)
SOMA_BENCH_DENSE_EIGEN(24, 1)
SOMA_BENCH_DENSE(64, 64)
SOMA_BENCH_DENSE_EIGEN(64, 64)
SOMA_BENCH_DENSE(128, 128)
SOMA_BENCH_DENSE_EIGEN(128, 128)

// 784-128-10 (MNIST-sized) and 64-64-64, one input and 256 per call.
BENCHMARK_TEMPLATE(BM_network_soma, 784, 128, 10)
    ->Name("BM_network_soma/784-128-10")
    ->ArgName("batch")
    ->Arg(1)
    ->Arg(256);
BENCHMARK_TEMPLATE(BM_network_soma, 64, 64, 64)
    ->Name("BM_network_soma/64-64-64")
    ->ArgName("batch")
    ->Arg(1)
    ->Arg(256);
#if defined(SOMA_BENCH_HAVE_EIGEN)
BENCHMARK_TEMPLATE(BM_network_eigen, 784, 128, 10)
    ->Name("BM_network_eigen/784-128-10")
    ->ArgName("batch")
    ->Arg(1)
    ->Arg(256);
BENCHMARK_TEMPLATE(BM_network_eigen, 64, 64, 64)
    ->Name("BM_network_eigen/64-64-64")
    ->ArgName("batch")
    ->Arg(1)
    ->Arg(256);
#endif

BENCHMARK_MAIN();
