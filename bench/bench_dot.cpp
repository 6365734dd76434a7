// Dot products z = Σ w_i x_i: soma::dot beside a plain loop, std::inner_product,
// std::transform_reduce, Eigen and OpenBLAS (cblas_sdot / cblas_ddot), for float and
// double. Built with default flags (soma dispatches at run time) and with -march=native
// (SOMA_BENCH_VARIANT). Timings only; correctness is the tests' job.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 reports a false -Wmaybe-uninitialized inside its own AVX-512 headers when Eigen's
// reductions are inlined with -march=native.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <benchmark/benchmark.h>

#include <cstddef>
#include <functional>
#include <numeric>
#include <random>
#include <span>
#include <vector>

#include "soma/weighted_input.hpp"

#if defined(SOMA_BENCH_HAVE_EIGEN)
#include <Eigen/Core>
#endif
#if defined(SOMA_BENCH_HAVE_OPENBLAS)
#include <cblas.h>
#endif

namespace {

template <class T>
struct operands {
    std::vector<T> w;
    std::vector<T> x;
    explicit operands(std::size_t n) : w(n), x(n) {
        std::mt19937_64 rng(n);
        std::uniform_real_distribution<T> d(T(-1), T(1));
        for (T& v : w) v = d(rng);
        for (T& v : x) v = d(rng);
    }
};

template <class T>
void set_counters(benchmark::State& state, std::size_t n) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(n));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(2 * n * sizeof(T)));
}

template <class T>
void BM_dot_soma(benchmark::State& state) {
    auto const n = static_cast<std::size_t>(state.range(0));
    operands<T> const o(n);
    std::span<T const> const w(o.w);
    std::span<T const> const x(o.x);
    for (auto _ : state) {
        benchmark::DoNotOptimize(w.data());
        benchmark::DoNotOptimize(x.data());
        T const z = soma::dot(w, x);
        benchmark::DoNotOptimize(z);
    }
    set_counters<T>(state, n);
}

// The loop a reader would write; without -ffast-math the compiler may not reorder it.
template <class T>
void BM_dot_naive(benchmark::State& state) {
    auto const n = static_cast<std::size_t>(state.range(0));
    operands<T> const o(n);
    for (auto _ : state) {
        T const* w = o.w.data();
        T const* x = o.x.data();
        benchmark::DoNotOptimize(w);
        benchmark::DoNotOptimize(x);
        T z = 0;
        for (std::size_t i = 0; i < n; ++i) z += w[i] * x[i];
        benchmark::DoNotOptimize(z);
    }
    set_counters<T>(state, n);
}

template <class T>
void BM_dot_std_inner_product(benchmark::State& state) {
    auto const n = static_cast<std::size_t>(state.range(0));
    operands<T> const o(n);
    for (auto _ : state) {
        T const* w = o.w.data();
        T const* x = o.x.data();
        benchmark::DoNotOptimize(w);
        benchmark::DoNotOptimize(x);
        T const z = std::inner_product(w, w + n, x, T(0));
        benchmark::DoNotOptimize(z);
    }
    set_counters<T>(state, n);
}

template <class T>
void BM_dot_std_transform_reduce(benchmark::State& state) {
    auto const n = static_cast<std::size_t>(state.range(0));
    operands<T> const o(n);
    for (auto _ : state) {
        T const* w = o.w.data();
        T const* x = o.x.data();
        benchmark::DoNotOptimize(w);
        benchmark::DoNotOptimize(x);
        T const z = std::transform_reduce(w, w + n, x, T(0));
        benchmark::DoNotOptimize(z);
    }
    set_counters<T>(state, n);
}

#if defined(SOMA_BENCH_HAVE_EIGEN)
template <class T>
void BM_dot_eigen(benchmark::State& state) {
    auto const n = static_cast<std::size_t>(state.range(0));
    operands<T> const o(n);
    using vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
    Eigen::Map<vector const> const w(o.w.data(), static_cast<Eigen::Index>(n));
    Eigen::Map<vector const> const x(o.x.data(), static_cast<Eigen::Index>(n));
    for (auto _ : state) {
        benchmark::DoNotOptimize(o.w.data());
        benchmark::DoNotOptimize(o.x.data());
        T const z = w.dot(x);
        benchmark::DoNotOptimize(z);
    }
    set_counters<T>(state, n);
}
#endif

#if defined(SOMA_BENCH_HAVE_OPENBLAS)
template <class T>
void BM_dot_openblas(benchmark::State& state) {
    auto const n = static_cast<std::size_t>(state.range(0));
    operands<T> const o(n);
    auto const blas_n = static_cast<blasint>(n);
    for (auto _ : state) {
        T z;
        if constexpr (sizeof(T) == 4) {
            z = cblas_sdot(blas_n, o.w.data(), 1, o.x.data(), 1);
        } else {
            z = cblas_ddot(blas_n, o.w.data(), 1, o.x.data(), 1);
        }
        benchmark::DoNotOptimize(z);
    }
    set_counters<T>(state, n);
}
#endif

void sizes(benchmark::internal::Benchmark* b) {
    for (std::int64_t n : {2, 3, 4, 8, 16, 64, 256, 1024, 4096, 65536, 1048576}) b->Arg(n);
}

}  // namespace

BENCHMARK_TEMPLATE(BM_dot_soma, float)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_dot_soma, double)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_dot_naive, float)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_dot_naive, double)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_dot_std_inner_product, float)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_dot_std_inner_product, double)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_dot_std_transform_reduce, float)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_dot_std_transform_reduce, double)->Apply(sizes);
#if defined(SOMA_BENCH_HAVE_EIGEN)
BENCHMARK_TEMPLATE(BM_dot_eigen, float)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_dot_eigen, double)->Apply(sizes);
#endif
#if defined(SOMA_BENCH_HAVE_OPENBLAS)
BENCHMARK_TEMPLATE(BM_dot_openblas, float)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_dot_openblas, double)->Apply(sizes);
#endif

BENCHMARK_MAIN();
