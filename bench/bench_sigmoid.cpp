// σ(z) = 1/(1 + e^-z) over arrays: soma beside its baselines.
//
//   BM_sigmoid_soma<T>             soma::sigmoid(span, span) (dispatches to AVX-512 / AVX2)
//   BM_sigmoid_soma_scalar<T>      soma::sigmoid(T) called in a loop
//   BM_sigmoid_naive<T>            out[i] = 1 / (1 + std::exp(-z[i]))
//   BM_sigmoid_eigen<T>            Eigen 3.4: out = z.array().logistic()
//   BM_sigmoid_xnnpack_style       float, AVX-512F: e^-|z| by one-constant Cody-Waite
//                                  reduction, degree-5 polynomial, scalef, true division
//                                  (the structure of XNNPACK's avx512f-rr1-p5-scalef-div
//                                  kernels, written here from that description)
//
// Every benchmark measures throughput over one array of n inputs per iteration (the same
// random inputs, uniform in [-12, 12], for every kernel; n = 256, 4096, 65536), not the
// latency of one call: BM_sigmoid_soma_scalar and BM_sigmoid_naive are the loops a user
// writes, one call per element, and the compiler may unroll or vectorize them as it can.
// The outputs go to an array handed to benchmark::DoNotOptimize.
//
// Each benchmark reports ns_per_elem, items (elements) per second and two accuracy
// counters: max_ulp, the largest error of that kernel in ULPs of T over a fixed sweep
// (every 61st float bit pattern that is not NaN, resp. 2·10^6 doubles over [-750, 750])
// against 1/(1 + exp(-z)) computed in double (float) or x87 long double (double), and
// max_ulp_normal, the same restricted to |z| <= 87 (float) / 708 (double) where σ(z) is a
// normal number (kernels that flush e^-z to 0 or inf fail only outside that range).
#include <soma/soma.hpp>

#include <benchmark/benchmark.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <span>
#include <vector>

// GCC 12 flags its own _mm512_undefined_* placeholders once AVX-512 intrinsics are inlined
// (Eigen's packet math with -march=native, the target("avx512f")
// kernel below); the state must hold where Eigen's templates are defined).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#if defined(SOMA_BENCH_HAVE_EIGEN)
#include <Eigen/Core>
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SOMA_BENCH_HAVE_XNNPACK_STYLE 1
#endif

namespace {

template <class T>
std::vector<T> random_inputs(std::size_t n) {
    // Activations of a layer: mostly moderate, a few saturated values on both sides.
    std::mt19937_64 random(42);
    std::uniform_real_distribution<double> uniform(-12.0, 12.0);
    std::vector<T> z(n);
    for (auto& v : z) v = static_cast<T>(uniform(random));
    return z;
}

// ---------------------------------------------------------------------------------------
// Kernels
// ---------------------------------------------------------------------------------------

template <class T>
void sigmoid_soma(T const* z, T* out, std::size_t n) {
    soma::sigmoid(std::span<T const>(z, n), std::span<T>(out, n));
}

template <class T>
void sigmoid_soma_scalar(T const* z, T* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = soma::sigmoid(z[i]);
}

template <class T>
void sigmoid_naive(T const* z, T* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = T(1) / (T(1) + std::exp(-z[i]));
}

#if defined(SOMA_BENCH_HAVE_EIGEN)
template <class T>
void sigmoid_eigen(T const* z, T* out, std::size_t n) {
    using array_t = Eigen::Array<T, Eigen::Dynamic, 1>;
    auto const size = static_cast<Eigen::Index>(n);
    Eigen::Map<array_t const> z_map(z, size);
    Eigen::Map<array_t> out_map(out, size);
    out_map = z_map.logistic();
}
#endif

#if defined(SOMA_BENCH_HAVE_XNNPACK_STYLE)
// e^-|z| = 2^n · p(t), n = round(-|z|·log2e), t = -|z| - n·ln2 (one constant), p of
// degree 5 (Chebyshev fit on [-ln2/2, ln2/2]); σ(-|z|) = e/(1 + e) by true division,
// σ(z) = 1 - σ(-|z|) for z > 0. _mm512_scalef_ps applies 2^n with gradual underflow;
// -|z| is clamped at -104 (below, σ rounds to 0) so that infinities stay finite.
__attribute__((target("avx512f"))) inline __m512 sigmoid_xnnpack_style_16(__m512 x) {
    __m512i const sign = _mm512_set1_epi32(static_cast<int>(0x80000000U));
    __m512 const one = _mm512_set1_ps(1.0f);
    __m512 const minus_abs =
        _mm512_max_ps(_mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(x), sign)),
                      _mm512_set1_ps(-104.0f));
    __m512 const k = _mm512_roundscale_ps(_mm512_mul_ps(minus_abs, _mm512_set1_ps(0x1.715476p+0f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 const t = _mm512_fmadd_ps(k, _mm512_set1_ps(-0x1.62e430p-1f), minus_abs);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(0x1.123d91p-7f), t, _mm512_set1_ps(0x1.57637ep-5f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0x1.55547cp-3f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0x1.fffd08p-2f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0x1.000000p+0f));
    p = _mm512_fmadd_ps(p, t, one);
    __m512 const e = _mm512_scalef_ps(p, k);
    __m512 const f = _mm512_div_ps(e, _mm512_add_ps(e, one));
    __mmask16 const positive = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ);
    return _mm512_mask_sub_ps(f, positive, one, f);
}

__attribute__((target("avx512f"))) void sigmoid_xnnpack_style(float const* z, float* out,
                                                              std::size_t n) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        _mm512_storeu_ps(out + i, sigmoid_xnnpack_style_16(_mm512_loadu_ps(z + i)));
    }
    if (i < n) {
        auto const m = static_cast<__mmask16>((1U << (n - i)) - 1U);
        _mm512_mask_storeu_ps(out + i, m,
                              sigmoid_xnnpack_style_16(_mm512_maskz_loadu_ps(m, z + i)));
    }
}
#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// ---------------------------------------------------------------------------------------
// Accuracy of each kernel (computed once per kernel, reported as a counter)
// ---------------------------------------------------------------------------------------

template <class T>
double ulp_error(T got, long double exact) {
    if (std::isnan(exact)) return std::isnan(got) ? 0.0 : std::numeric_limits<double>::infinity();
    if (std::isnan(got)) return std::numeric_limits<double>::infinity();
    long double const a = std::fabs(exact);
    int e = 0;
    (void)std::frexp(a, &e);
    int const min_e = std::numeric_limits<T>::min_exponent;
    if (a == 0 || e < min_e) e = min_e;
    long double const ulp = std::ldexp(1.0L, e - std::numeric_limits<T>::digits);
    return static_cast<double>(std::fabs(static_cast<long double>(got) - exact) / ulp);
}

template <class T>
using kernel_t = void (*)(T const*, T*, std::size_t);

struct accuracy {
    double max_ulp = 0.0;         // whole sweep
    double max_ulp_normal = 0.0;  // where σ(z) is a normal number: |z| <= 87 (float), 708 (double)
};

template <class T>
accuracy max_ulp_of(kernel_t<T> kernel) {
    std::vector<T> z;
    if constexpr (sizeof(T) == 4) {
        for (std::uint64_t b = 0; b < (std::uint64_t(1) << 32); b += 61) {
            float const v = std::bit_cast<float>(static_cast<std::uint32_t>(b));
            if (!std::isnan(v)) z.push_back(v);
        }
    } else {
        for (int i = 0; i <= 2000000; ++i) z.push_back(-750.0 + 1500.0 * i / 2000000.0);
    }
    std::vector<T> out(z.size());
    kernel(z.data(), out.data(), z.size());
    accuracy worst;
    T const normal_limit = sizeof(T) == 4 ? T(87) : T(708);
    for (std::size_t i = 0; i < z.size(); ++i) {
        long double exact = 0.0L;
        if constexpr (sizeof(T) == 4) {
            exact = 1.0 / (1.0 + std::exp(-static_cast<double>(z[i])));
        } else {
            exact = 1.0L / (1.0L + std::exp(-static_cast<long double>(z[i])));
        }
        double const err = ulp_error(out[i], exact);
        if (err > worst.max_ulp) worst.max_ulp = err;
        if (std::fabs(z[i]) <= normal_limit && err > worst.max_ulp_normal) {
            worst.max_ulp_normal = err;
        }
    }
    return worst;
}

template <class T>
void run(benchmark::State& state, kernel_t<T> kernel, accuracy const& max_ulp) {
    auto const n = static_cast<std::size_t>(state.range(0));
    std::vector<T> const z = random_inputs<T>(n);
    std::vector<T> out(n);
    for (auto _ : state) {
        kernel(z.data(), out.data(), n);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(n));
    state.counters["ns_per_elem"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(n),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["max_ulp"] = max_ulp.max_ulp;
    state.counters["max_ulp_normal"] = max_ulp.max_ulp_normal;
    state.SetLabel(SOMA_BENCH_VARIANT);
}

template <class T>
void BM_sigmoid_soma(benchmark::State& state) {
    static accuracy const max_ulp = max_ulp_of<T>(sigmoid_soma<T>);
    run<T>(state, sigmoid_soma<T>, max_ulp);
}

template <class T>
void BM_sigmoid_soma_scalar(benchmark::State& state) {
    static accuracy const max_ulp = max_ulp_of<T>(sigmoid_soma_scalar<T>);
    run<T>(state, sigmoid_soma_scalar<T>, max_ulp);
}

template <class T>
void BM_sigmoid_naive(benchmark::State& state) {
    static accuracy const max_ulp = max_ulp_of<T>(sigmoid_naive<T>);
    run<T>(state, sigmoid_naive<T>, max_ulp);
}

#if defined(SOMA_BENCH_HAVE_EIGEN)
template <class T>
void BM_sigmoid_eigen(benchmark::State& state) {
    static accuracy const max_ulp = max_ulp_of<T>(sigmoid_eigen<T>);
    run<T>(state, sigmoid_eigen<T>, max_ulp);
}
#endif

#if defined(SOMA_BENCH_HAVE_XNNPACK_STYLE)
void BM_sigmoid_xnnpack_style(benchmark::State& state) {
    if (!__builtin_cpu_supports("avx512f")) {
        state.SkipWithError("needs AVX-512F");
        return;
    }
    static accuracy const max_ulp = max_ulp_of<float>(sigmoid_xnnpack_style);
    run<float>(state, sigmoid_xnnpack_style, max_ulp);
}
#endif

void sizes(benchmark::internal::Benchmark* b) {
    for (std::int64_t n : {256, 4096, 65536}) b->Arg(n);
}

}  // namespace

BENCHMARK_TEMPLATE(BM_sigmoid_soma, float)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_sigmoid_soma_scalar, float)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_sigmoid_naive, float)->Apply(sizes);
#if defined(SOMA_BENCH_HAVE_EIGEN)
BENCHMARK_TEMPLATE(BM_sigmoid_eigen, float)->Apply(sizes);
#endif
#if defined(SOMA_BENCH_HAVE_XNNPACK_STYLE)
BENCHMARK(BM_sigmoid_xnnpack_style)->Apply(sizes);
#endif
BENCHMARK_TEMPLATE(BM_sigmoid_soma, double)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_sigmoid_soma_scalar, double)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_sigmoid_naive, double)->Apply(sizes);
#if defined(SOMA_BENCH_HAVE_EIGEN)
BENCHMARK_TEMPLATE(BM_sigmoid_eigen, double)->Apply(sizes);
#endif

BENCHMARK_MAIN();
