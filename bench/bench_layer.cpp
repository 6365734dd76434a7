// Dense layers y = σ(W x + b), float, W with `out` rows (outputs) and `in` columns
// (inputs); shapes are named out x in (rows x n) throughout, e.g. out:1/in:2 is the layer
// with two inputs and one output.
//
//   BM_layer_soma                  soma::forward<float>(W, rows, x, b, y, sigmoid_activation{})
//   BM_layer_soma_weighted_inputs  soma::weighted_inputs (z = W x + b, no activation)
//   BM_layer_naive                 the plain loop: per row z = Σ w·x + b, y = 1/(1+exp(-z))
//   BM_layer_openblas              y = b; cblas_sgemv (beta = 1); then y = 1/(1+exp(-y))
//   BM_layer_eigen                 Eigen, dynamic sizes: y = W*x + b, then logistic()
//   BM_layer_eigen_fixed           Eigen, compile-time sizes (Eigen::Matrix<float, Out, In>,
//                                  as in RTNeural's compile-time dense layers):
//                                  y = W*x + b, then logistic(); shapes up to 64 x 64
//   BM_batch_soma / BM_batch_openblas  64 inputs through one layer: soma::batch_forward
//                                  vs one cblas_sgemm plus the activation loop
//
// Every implementation gets the same W, x and b (uniform in [-1, 1]); the Eigen ones copy
// them once, before timing, into Eigen's own (column-major) matrices, which is how an
// Eigen user stores a layer. The buffers escape to the optimizer before timing and every
// iteration starts and ends with a memory clobber, so each one reads W and x from memory
// and stores y. After timing, each benchmark checks its y against a double-precision
// evaluation and reports an error instead of a time on a mismatch.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 reports a false -Wmaybe-uninitialized inside its own AVX-512 headers when Eigen's
// reductions are inlined with -march=native.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "soma/soma.hpp"

#if defined(SOMA_BENCH_HAVE_EIGEN)
#include <Eigen/Core>
#endif
#if defined(SOMA_BENCH_HAVE_OPENBLAS)
#include <cblas.h>
#endif

namespace {

// The activation a user writes: σ(z) = 1/(1 + e^-z) in float.
inline float logistic(float z) {
    return 1.0f / (1.0f + std::exp(-z));
}

struct layer_data {
    std::size_t rows;
    std::size_t n;
    std::vector<float> W;  // row-major, rows x n
    std::vector<float> x;
    std::vector<float> b;
    std::vector<float> y;
    layer_data(std::size_t out, std::size_t in)
        : rows(out), n(in), W(out * in), x(in), b(out), y(out) {
        std::mt19937_64 rng(out * 131 + in);
        std::uniform_real_distribution<float> d(-1.0f, 1.0f);
        for (float& v : W) v = d(rng);
        for (float& v : x) v = d(rng);
        for (float& v : b) v = d(rng);
    }
    // Before timing: the optimizer must assume the buffers are read and written elsewhere.
    void escape() {
        benchmark::DoNotOptimize(W.data());
        benchmark::DoNotOptimize(x.data());
        benchmark::DoNotOptimize(b.data());
        benchmark::DoNotOptimize(y.data());
    }
    // Output r in double: σ(Σ w·x + b).
    [[nodiscard]] double reference(std::size_t r, bool activate) const {
        double z = static_cast<double>(b[r]);
        for (std::size_t i = 0; i < n; ++i) {
            z += static_cast<double>(W[r * n + i]) * static_cast<double>(x[i]);
        }
        return activate ? 1.0 / (1.0 + std::exp(-z)) : z;
    }
    void count(benchmark::State& state) const {
        state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                                static_cast<std::int64_t>(rows * n));
        state.SetLabel(SOMA_BENCH_VARIANT);
    }
};

// Float sums of n products in [-1, 1] in any order are within about n·2^-24·n of the exact
// value (far less in practice); a wrong layout, sign or missing bias is off by O(1).
bool close(double got, double ref, std::size_t n, bool activate) {
    double const tol = 1e-6 * static_cast<double>(n + 1) * (activate ? 1.0 : 4.0) + 1e-5;
    return std::fabs(got - ref) <= tol;
}

void check(benchmark::State& state, layer_data const& d, std::span<float const> y,
           bool activate = true) {
    for (std::size_t r = 0; r < d.rows; ++r) {
        if (!close(static_cast<double>(y[r]), d.reference(r, activate), d.n, activate)) {
            state.SkipWithError("layer output differs from the double-precision evaluation");
            return;
        }
    }
}

layer_data make(benchmark::State const& state) {
    return layer_data(static_cast<std::size_t>(state.range(0)),
                      static_cast<std::size_t>(state.range(1)));
}

void BM_layer_soma(benchmark::State& state) {
    layer_data d = make(state);
    d.escape();
    for (auto _ : state) {
        benchmark::ClobberMemory();
        soma::forward<float>(d.W, d.rows, d.x, d.b, d.y, soma::sigmoid_activation{});
        benchmark::ClobberMemory();
    }
    d.count(state);
    check(state, d, d.y);
}

void BM_layer_soma_weighted_inputs(benchmark::State& state) {
    layer_data d = make(state);
    d.escape();
    for (auto _ : state) {
        benchmark::ClobberMemory();
        soma::weighted_inputs<float>(d.W, d.rows, d.x, d.b, d.y);
        benchmark::ClobberMemory();
    }
    d.count(state);
    check(state, d, d.y, false);
}

void BM_layer_naive(benchmark::State& state) {
    layer_data d = make(state);
    d.escape();
    for (auto _ : state) {
        benchmark::ClobberMemory();
        for (std::size_t r = 0; r < d.rows; ++r) {
            float const* w = d.W.data() + r * d.n;
            float z = 0.0f;
            for (std::size_t i = 0; i < d.n; ++i) z += w[i] * d.x[i];
            z += d.b[r];
            d.y[r] = logistic(z);
        }
        benchmark::ClobberMemory();
    }
    d.count(state);
    check(state, d, d.y);
}

#if defined(SOMA_BENCH_HAVE_OPENBLAS)
// y = b; y = W x + y (sgemv); then the activation in a separate pass.
void BM_layer_openblas(benchmark::State& state) {
    layer_data d = make(state);
    d.escape();
    auto const m = static_cast<blasint>(d.rows);
    auto const n = static_cast<blasint>(d.n);
    for (auto _ : state) {
        benchmark::ClobberMemory();
        std::memcpy(d.y.data(), d.b.data(), d.rows * sizeof(float));
        cblas_sgemv(CblasRowMajor, CblasNoTrans, m, n, 1.0f, d.W.data(), n, d.x.data(), 1, 1.0f,
                    d.y.data(), 1);
        for (float& v : d.y) v = logistic(v);
        benchmark::ClobberMemory();
    }
    d.count(state);
    check(state, d, d.y);
}
#endif

#if defined(SOMA_BENCH_HAVE_EIGEN)
// Eigen with run-time sizes: MatrixXf / VectorXf holding the layer.
void BM_layer_eigen(benchmark::State& state) {
    layer_data const d = make(state);
    auto const rows = static_cast<Eigen::Index>(d.rows);
    auto const cols = static_cast<Eigen::Index>(d.n);
    Eigen::MatrixXf W(rows, cols);
    Eigen::VectorXf x(cols);
    Eigen::VectorXf b(rows);
    Eigen::VectorXf y(rows);
    for (Eigen::Index r = 0; r < rows; ++r) {
        for (Eigen::Index c = 0; c < cols; ++c)
            W(r, c) = d.W[static_cast<std::size_t>(r * cols + c)];
        b(r) = d.b[static_cast<std::size_t>(r)];
    }
    for (Eigen::Index c = 0; c < cols; ++c) x(c) = d.x[static_cast<std::size_t>(c)];
    benchmark::DoNotOptimize(W.data());
    benchmark::DoNotOptimize(x.data());
    benchmark::DoNotOptimize(b.data());
    benchmark::DoNotOptimize(y.data());
    for (auto _ : state) {
        benchmark::ClobberMemory();
        y.noalias() = W * x + b;
        y.array() = y.array().logistic();
        benchmark::ClobberMemory();
    }
    d.count(state);
    check(state, d, std::span<float const>(y.data(), d.rows));
}

// Eigen with compile-time sizes: Eigen::Matrix<float, Out, In> (column-major), the way
// compile-time dense layers of real-time inference code (RTNeural's, for one) hold their
// weights.
template <int Out, int In>
void BM_layer_eigen_fixed(benchmark::State& state) {
    layer_data const d(Out, In);
    Eigen::Matrix<float, Out, In> W;
    Eigen::Matrix<float, In, 1> x;
    Eigen::Matrix<float, Out, 1> b;
    Eigen::Matrix<float, Out, 1> y;
    for (int r = 0; r < Out; ++r) {
        for (int c = 0; c < In; ++c) W(r, c) = d.W[static_cast<std::size_t>(r * In + c)];
        b(r) = d.b[static_cast<std::size_t>(r)];
    }
    for (int c = 0; c < In; ++c) x(c) = d.x[static_cast<std::size_t>(c)];
    benchmark::DoNotOptimize(W.data());
    benchmark::DoNotOptimize(x.data());
    benchmark::DoNotOptimize(b.data());
    benchmark::DoNotOptimize(y.data());
    for (auto _ : state) {
        benchmark::ClobberMemory();
        y.noalias() = W * x + b;
        y.array() = y.array().logistic();
        benchmark::ClobberMemory();
    }
    d.count(state);
    check(state, d, std::span<float const>(y.data(), d.rows));
}
#endif

// 64 inputs through one layer: soma::batch_forward vs cblas_sgemm + activation.
constexpr std::size_t kBatch = 64;

std::vector<float> batch_inputs(layer_data const& d) {
    std::vector<float> X(kBatch * d.n);
    for (std::size_t i = 0; i < X.size(); ++i) X[i] = d.x[i % d.n] * 0.5f;
    return X;
}

void count_batch(benchmark::State& state, layer_data const& d) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(kBatch * d.rows * d.n));
    state.SetLabel(SOMA_BENCH_VARIANT);
}

void BM_batch_soma(benchmark::State& state) {
    layer_data d = make(state);
    d.escape();
    std::vector<float> const X = batch_inputs(d);
    std::vector<float> Y(kBatch * d.rows);
    benchmark::DoNotOptimize(X.data());
    benchmark::DoNotOptimize(Y.data());
    for (auto _ : state) {
        benchmark::ClobberMemory();
        soma::batch_forward<float>(d.W, d.rows, d.n, X, d.b, Y, soma::sigmoid_activation{});
        benchmark::ClobberMemory();
    }
    count_batch(state, d);
}

#if defined(SOMA_BENCH_HAVE_OPENBLAS)
void BM_batch_openblas(benchmark::State& state) {
    layer_data d = make(state);
    d.escape();
    std::vector<float> const X = batch_inputs(d);
    std::vector<float> Y(kBatch * d.rows);
    benchmark::DoNotOptimize(X.data());
    benchmark::DoNotOptimize(Y.data());
    auto const m = static_cast<blasint>(d.rows);
    auto const n = static_cast<blasint>(d.n);
    for (auto _ : state) {
        benchmark::ClobberMemory();
        for (std::size_t k = 0; k < kBatch; ++k) {
            std::memcpy(Y.data() + k * d.rows, d.b.data(), d.rows * sizeof(float));
        }
        // Y (inputs x rows) = X (inputs x n) * W^T (n x rows) + Y
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(kBatch), m, n,
                    1.0f, X.data(), n, d.W.data(), n, 1.0f, Y.data(), m);
        for (float& v : Y) v = logistic(v);
        benchmark::ClobberMemory();
    }
    count_batch(state, d);
}
#endif

// out x in. The shapes with an Eigen fixed-size version are those of kFixedShapes.
constexpr std::pair<int, int> kShapes[] = {{1, 2},   {4, 4},     {16, 16},
                                           {64, 64}, {256, 256}, {1024, 1024}};

void shapes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"out", "in"});
    for (auto const& s : kShapes) b->Args({s.first, s.second});
}

void batch_shapes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"out", "in"});
    for (auto const& s : {std::pair{16, 16}, std::pair{64, 64}, std::pair{256, 256}}) {
        b->Args({s.first, s.second});
    }
}

}  // namespace

BENCHMARK(BM_layer_soma)->Apply(shapes);
BENCHMARK(BM_layer_soma_weighted_inputs)->Apply(shapes);
BENCHMARK(BM_layer_naive)->Apply(shapes);
#if defined(SOMA_BENCH_HAVE_OPENBLAS)
BENCHMARK(BM_layer_openblas)->Apply(shapes);
#endif
#if defined(SOMA_BENCH_HAVE_EIGEN)
BENCHMARK(BM_layer_eigen)->Apply(shapes);
// Named like the others (out:<rows>/in:<n>) so that the tables line up.
BENCHMARK_TEMPLATE(BM_layer_eigen_fixed, 1, 2)->Name("BM_layer_eigen_fixed/out:1/in:2");
BENCHMARK_TEMPLATE(BM_layer_eigen_fixed, 4, 4)->Name("BM_layer_eigen_fixed/out:4/in:4");
BENCHMARK_TEMPLATE(BM_layer_eigen_fixed, 16, 16)->Name("BM_layer_eigen_fixed/out:16/in:16");
BENCHMARK_TEMPLATE(BM_layer_eigen_fixed, 64, 64)->Name("BM_layer_eigen_fixed/out:64/in:64");
#endif
BENCHMARK(BM_batch_soma)->Apply(batch_shapes);
#if defined(SOMA_BENCH_HAVE_OPENBLAS)
BENCHMARK(BM_batch_openblas)->Apply(batch_shapes);
#endif

BENCHMARK_MAIN();
