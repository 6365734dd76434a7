// soma's static dense layers and networks against RTNeural's compile-time models, float,
// y = σ(W x + b), one input vector per call. Shapes are In x Out (inputs x outputs).
//
//   BM_dense_soma/InxOut           soma::dense_layer<float, In, Out>::forward(x, y)
//   BM_dense_rtneural/InxOut       RTNeural::ModelT<float, In, Out, DenseT<float, In, Out>,
//                                  SigmoidActivationT<float, Out>>::forward(x), Eigen backend
//   BM_network_soma/A-B-C          soma::network of two static sigmoid dense_layers
//   BM_network_rtneural/A-B-C      ModelT<float, A, C, DenseT<A, B>, SigmoidActivationT<B>,
//                                  DenseT<B, C>, SigmoidActivationT<C>>
//
// RTNeural is not part of soma and is not shipped with it: this file measures a local
// RTNeural source tree when CMake is given one (-DSOMA_RTNEURAL_DIR=<tree>, see
// docs/rtneural.md), which defines SOMA_BENCH_HAVE_RTNEURAL and RTNEURAL_USE_EIGEN.
// Without it the program registers one benchmark that reports how to configure it.
//
// Both sides get the same W, b and x (uniform in [-1, 1]); RTNeural's weights are loaded
// through its own setWeights / setBias. The model or layer, x and the outputs escape to the
// optimizer before timing and every iteration starts and ends with a memory clobber, so
// each call reads the parameters and x from memory and stores y. After timing, each
// benchmark checks its outputs against a double-precision evaluation and reports an error
// instead of a time when they differ by more than the rounding of a float sum allows.
//
// The outputs are not the same bits: soma's sigmoid is within 1 ULP and gives the same
// bits on every CPU (its sums are in one fixed order); RTNeural computes 1/(e^-z + 1)
// with Eigen's vectorized exp and Eigen's matrix-vector product, whose results depend on
// the ISA Eigen compiles for. Counters: max_abs_err, the largest |y - y_double| over the
// outputs; the RTNeural benchmarks also report max_ulp_vs_soma, the largest distance in
// float ULPs between RTNeural's and soma's outputs for the same input.
//
// The program's context (printed before the table, and in --benchmark_format=json) names
// the CPU, the ISA soma's kernels use and the SIMD instruction sets Eigen was compiled for.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 reports a false -Wmaybe-uninitialized inside its own AVX-512 headers when Eigen's
// reductions are inlined with -march=native.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "soma/soma.hpp"

#if defined(SOMA_BENCH_HAVE_RTNEURAL)
// As RTNeural's CMake sets it: 32-byte alignment when the flags enable AVX, 16 otherwise.
#if !defined(RTNEURAL_DEFAULT_ALIGNMENT)
#if defined(__AVX__)
#define RTNEURAL_DEFAULT_ALIGNMENT 32
#else
#define RTNEURAL_DEFAULT_ALIGNMENT 16
#endif
#endif
#include <RTNeural/RTNeural.h>
#endif

namespace {

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            std::size_t const colon = line.find(':');
            if (colon != std::string::npos && colon + 2 <= line.size())
                return line.substr(colon + 2);
        }
    }
    return "unknown";
}

#if defined(SOMA_BENCH_HAVE_RTNEURAL)

// W row-major (Out x In), b, x: uniform in [-1, 1].
struct layer_values {
    std::size_t in;
    std::size_t out;
    std::vector<float> W;
    std::vector<float> b;
    layer_values(std::size_t in_, std::size_t out_, std::uint64_t seed)
        : in(in_), out(out_), W(in * out), b(out) {
        std::mt19937_64 rng(seed);
        std::uniform_real_distribution<float> d(-1.0f, 1.0f);
        for (float& v : W) v = d(rng);
        for (float& v : b) v = d(rng);
    }
    // σ(W h + b) in double.
    [[nodiscard]] std::vector<double> reference(std::vector<double> const& h) const {
        std::vector<double> y(out);
        for (std::size_t r = 0; r < out; ++r) {
            double z = static_cast<double>(b[r]);
            for (std::size_t i = 0; i < in; ++i) z += static_cast<double>(W[r * in + i]) * h[i];
            y[r] = 1.0 / (1.0 + std::exp(-z));
        }
        return y;
    }
    // RTNeural's setWeights takes weights[out][in].
    [[nodiscard]] std::vector<std::vector<float>> rows() const {
        std::vector<std::vector<float>> w(out, std::vector<float>(in));
        for (std::size_t r = 0; r < out; ++r) {
            std::copy_n(W.begin() + static_cast<std::ptrdiff_t>(r * in), in, w[r].begin());
        }
        return w;
    }
};

std::vector<float> random_input(std::size_t n) {
    std::mt19937_64 rng(n * 7919 + 1);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    std::vector<float> x(n);
    for (float& v : x) v = d(rng);
    return x;
}

// Layers of sizes S0 -> S1 -> ...
template <std::size_t... S>
struct chain_values {
    static constexpr std::array<std::size_t, sizeof...(S)> sizes{S...};
    static constexpr std::size_t in = sizes[0];
    static constexpr std::size_t out = sizes[sizes.size() - 1];
    std::vector<layer_values> layers;
    std::vector<float> x = random_input(in);
    chain_values() {
        for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
            layers.emplace_back(sizes[k], sizes[k + 1], sizes[k] * 131 + sizes[k + 1] + k);
        }
    }
    [[nodiscard]] std::vector<double> reference() const {
        std::vector<double> h(x.begin(), x.end());
        for (layer_values const& l : layers) h = l.reference(h);
        return h;
    }
};

// A sum of n products in [-1, 1] in any float order is within a few n·2^-24 of the exact
// value in practice (σ' <= 1/4 shrinks it); a wrong layout, sign or bias is off by O(1).
// Eigen's exp adds a few ULPs of the result.
bool close(double got, double ref, std::size_t n) {
    return std::fabs(got - ref) <= 1e-6 * static_cast<double>(n + 1) + 1e-5;
}

// Distance in representable floats between two finite floats of the same sign.
std::int64_t ulp_distance(float a, float b) {
    auto const ia = static_cast<std::int64_t>(std::bit_cast<std::int32_t>(a));
    auto const ib = static_cast<std::int64_t>(std::bit_cast<std::int32_t>(b));
    return ia > ib ? ia - ib : ib - ia;
}

// Checks y against the double evaluation; sets max_abs_err. False (and an error in place
// of the time) on a mismatch.
template <class V>
bool check(benchmark::State& state, V const& v, std::span<float const> y) {
    std::vector<double> const ref = v.reference();
    std::size_t const n = v.layers.back().in;
    double worst = 0.0;
    bool ok = true;
    for (std::size_t r = 0; r < ref.size(); ++r) {
        double const e = std::fabs(static_cast<double>(y[r]) - ref[r]);
        worst = std::max(worst, e);
        if (!close(static_cast<double>(y[r]), ref[r], n) || !std::isfinite(y[r])) ok = false;
    }
    state.counters["max_abs_err"] = worst;
    if (!ok) state.SkipWithError("output differs from the double-precision evaluation");
    return ok;
}

void count(benchmark::State& state, std::size_t multiply_adds) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(multiply_adds));
    state.SetLabel(SOMA_BENCH_VARIANT);
}

template <std::size_t A, std::size_t B>
using soma_dense = soma::dense_layer<float, A, B>;

template <std::size_t A, std::size_t B>
soma_dense<A, B> make_soma_layer(layer_values const& l) {
    return soma_dense<A, B>(std::span<float const>(l.W), std::span<float const>(l.b));
}

// soma's model for a chain: one dense_layer, or a network of two.
template <std::size_t... S>
struct soma_model;
template <std::size_t A, std::size_t B>
struct soma_model<A, B> {
    using type = soma_dense<A, B>;
    static std::unique_ptr<type> make(std::vector<layer_values> const& l) {
        return std::make_unique<type>(make_soma_layer<A, B>(l[0]));
    }
};
template <std::size_t A, std::size_t B, std::size_t C>
struct soma_model<A, B, C> {
    using type = soma::network<soma_dense<A, B>, soma_dense<B, C>>;
    static std::unique_ptr<type> make(std::vector<layer_values> const& l) {
        return std::make_unique<type>(make_soma_layer<A, B>(l[0]), make_soma_layer<B, C>(l[1]));
    }
};

// RTNeural's compile-time model for a chain: dense + sigmoid per layer.
template <std::size_t... S>
struct rtneural_model;
template <std::size_t A, std::size_t B>
struct rtneural_model<A, B> {
    static constexpr int a = static_cast<int>(A);
    static constexpr int b = static_cast<int>(B);
    using type = RTNeural::ModelT<float, a, b, RTNeural::DenseT<float, a, b>,
                                  RTNeural::SigmoidActivationT<float, b>>;
    static std::unique_ptr<type> make(std::vector<layer_values> const& l) {
        auto m = std::make_unique<type>();
        m->template get<0>().setWeights(l[0].rows());
        m->template get<0>().setBias(l[0].b.data());
        return m;
    }
};
template <std::size_t A, std::size_t B, std::size_t C>
struct rtneural_model<A, B, C> {
    static constexpr int a = static_cast<int>(A);
    static constexpr int b = static_cast<int>(B);
    static constexpr int c = static_cast<int>(C);
    using type =
        RTNeural::ModelT<float, a, c, RTNeural::DenseT<float, a, b>,
                         RTNeural::SigmoidActivationT<float, b>, RTNeural::DenseT<float, b, c>,
                         RTNeural::SigmoidActivationT<float, c>>;
    static std::unique_ptr<type> make(std::vector<layer_values> const& l) {
        auto m = std::make_unique<type>();
        m->template get<0>().setWeights(l[0].rows());
        m->template get<0>().setBias(l[0].b.data());
        m->template get<2>().setWeights(l[1].rows());
        m->template get<2>().setBias(l[1].b.data());
        return m;
    }
};

// RTNeural maps its input with RTNEURAL_DEFAULT_ALIGNMENT; 64 covers every setting.
template <std::size_t N>
struct alignas(64) aligned_floats {
    std::array<float, N> v{};
};

template <std::size_t... S>
void BM_soma(benchmark::State& state) {
    using V = chain_values<S...>;
    V const v;
    // On the heap: 128 x 128 floats is 64 KiB.
    auto const model = soma_model<S...>::make(v.layers);
    aligned_floats<V::in> x;
    std::copy(v.x.begin(), v.x.end(), x.v.begin());
    aligned_floats<V::out> y;
    benchmark::DoNotOptimize(model.get());
    benchmark::DoNotOptimize(x.v.data());
    benchmark::DoNotOptimize(y.v.data());
    for (auto _ : state) {
        benchmark::ClobberMemory();
        model->forward(x.v, y.v);
        benchmark::ClobberMemory();
    }
    std::size_t madds = 0;
    for (layer_values const& l : v.layers) madds += l.in * l.out;
    count(state, madds);
    check(state, v, y.v);
}

template <std::size_t... S>
void BM_rtneural(benchmark::State& state) {
    using V = chain_values<S...>;
    V const v;
    auto const model = rtneural_model<S...>::make(v.layers);
    aligned_floats<V::in> x;
    std::copy(v.x.begin(), v.x.end(), x.v.begin());
    benchmark::DoNotOptimize(model.get());
    benchmark::DoNotOptimize(x.v.data());
    for (auto _ : state) {
        benchmark::ClobberMemory();
        float const first = model->forward(x.v.data());
        benchmark::DoNotOptimize(first);
        benchmark::ClobberMemory();
    }
    std::size_t madds = 0;
    for (layer_values const& l : v.layers) madds += l.in * l.out;
    count(state, madds);
    std::span<float const> const y(model->getOutputs(), V::out);
    if (!check(state, v, y)) return;
    // soma's outputs for the same input, for the distance counter.
    auto const reference_model = soma_model<S...>::make(v.layers);
    std::array<float, V::out> ys{};
    reference_model->forward(x.v, ys);
    std::int64_t worst = 0;
    for (std::size_t r = 0; r < V::out; ++r) worst = std::max(worst, ulp_distance(y[r], ys[r]));
    state.counters["max_ulp_vs_soma"] = static_cast<double>(worst);
}

#else  // !SOMA_BENCH_HAVE_RTNEURAL

void BM_rtneural_not_configured(benchmark::State& state) {
    for (auto _ : state) {
    }
    state.SkipWithError(
        "RTNeural not found: configure with -DSOMA_RTNEURAL_DIR=<path to an RTNeural source "
        "tree>");
}

#endif

}  // namespace

#if defined(SOMA_BENCH_HAVE_RTNEURAL)

#define SOMA_BENCH_RTN_DENSE(in, out)                                          \
    BENCHMARK_TEMPLATE(BM_soma, in, out)->Name("BM_dense_soma/" #in "x" #out); \
    BENCHMARK_TEMPLATE(BM_rtneural, in, out)->Name("BM_dense_rtneural/" #in "x" #out);
#define SOMA_BENCH_RTN_NETWORK(a, b, c)                                              \
    BENCHMARK_TEMPLATE(BM_soma, a, b, c)->Name("BM_network_soma/" #a "-" #b "-" #c); \
    BENCHMARK_TEMPLATE(BM_rtneural, a, b, c)->Name("BM_network_rtneural/" #a "-" #b "-" #c);

SOMA_BENCH_RTN_DENSE(2, 1)
SOMA_BENCH_RTN_DENSE(3, 1)
SOMA_BENCH_RTN_DENSE(4, 4)
SOMA_BENCH_RTN_DENSE(8, 8)
SOMA_BENCH_RTN_DENSE(16, 16)
SOMA_BENCH_RTN_DENSE(24, 1)
SOMA_BENCH_RTN_DENSE(64, 64)
SOMA_BENCH_RTN_DENSE(128, 128)
SOMA_BENCH_RTN_NETWORK(16, 16, 16)
SOMA_BENCH_RTN_NETWORK(64, 64, 64)

#else
BENCHMARK(BM_rtneural_not_configured);
#endif

int main(int argc, char** argv) {
    benchmark::AddCustomContext("cpu_model", cpu_model());
    benchmark::AddCustomContext("soma_isa", soma::detail::isa_name(soma::detail::best_isa()));
    benchmark::AddCustomContext("variant", SOMA_BENCH_VARIANT);
#if defined(SOMA_BENCH_HAVE_RTNEURAL)
    benchmark::AddCustomContext("eigen_simd", Eigen::SimdInstructionSetsInUse());
    benchmark::AddCustomContext("rtneural_alignment", std::to_string(RTNEURAL_DEFAULT_ALIGNMENT));
#endif
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
