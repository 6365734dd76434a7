// Dot products z = Σ w_i x_i: soma::dot beside a plain loop, std::inner_product,
// std::transform_reduce, Eigen and OpenBLAS (cblas_sdot / cblas_ddot), for float and
// double. Built with default flags (soma dispatches at run time) and with -march=native
// (SOMA_BENCH_VARIANT). Timings only; correctness is the tests' job.
//
// Every call sees a run-time size: soma::dot gets std::span<T const> (dynamic extent),
// Eigen a Map of Eigen::Matrix<T, Dynamic, 1>, OpenBLAS its int n, and the pointers and the
// length pass through benchmark::DoNotOptimize in every iteration, the same for every
// implementation, so that no compiler specializes one side on a size it has seen before.
// soma, Eigen and OpenBLAS run at every n in 2..64 and at the large sizes; the plain loop
// and the standard algorithms at the sizes of kSparseSizes.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 reports a false -Wmaybe-uninitialized inside its own AVX-512 headers when Eigen's
// reductions are inlined with -march=native.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <numeric>
#include <random>
#include <span>
#include <vector>

#include "soma/soma.hpp"

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

// The operands of one call, made opaque to the optimizer: each iteration starts from
// pointers and a length the compiler cannot assume to be those of the last iteration.
template <class T>
struct call {
    T const* w;
    T const* x;
    std::size_t n;
    call(operands<T> const& o, std::size_t size) : w(o.w.data()), x(o.x.data()), n(size) {
        benchmark::DoNotOptimize(w);
        benchmark::DoNotOptimize(x);
        benchmark::DoNotOptimize(n);
    }
};

template <class T, class F>
void run(benchmark::State& state, F dot) {
    auto const n = static_cast<std::size_t>(state.range(0));
    operands<T> const o(n);
    for (auto _ : state) {
        call<T> const c(o, n);
        T const z = dot(c);
        benchmark::DoNotOptimize(z);
    }
    set_counters<T>(state, n);
}

template <class T>
void BM_dot_soma(benchmark::State& state) {
    run<T>(state, [](call<T> const& c) {
        return soma::dot(std::span<T const>(c.w, c.n), std::span<T const>(c.x, c.n));
    });
}

// The loop a reader would write; without -ffast-math the compiler may not reorder it.
template <class T>
void BM_dot_naive(benchmark::State& state) {
    run<T>(state, [](call<T> const& c) {
        T z = 0;
        for (std::size_t i = 0; i < c.n; ++i) z += c.w[i] * c.x[i];
        return z;
    });
}

template <class T>
void BM_dot_std_inner_product(benchmark::State& state) {
    run<T>(state, [](call<T> const& c) { return std::inner_product(c.w, c.w + c.n, c.x, T(0)); });
}

template <class T>
void BM_dot_std_transform_reduce(benchmark::State& state) {
    run<T>(state,
           [](call<T> const& c) { return std::transform_reduce(c.w, c.w + c.n, c.x, T(0)); });
}

#if defined(SOMA_BENCH_HAVE_EIGEN)
template <class T>
void BM_dot_eigen(benchmark::State& state) {
    using vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
    run<T>(state, [](call<T> const& c) {
        auto const size = static_cast<Eigen::Index>(c.n);
        return Eigen::Map<vector const>(c.w, size).dot(Eigen::Map<vector const>(c.x, size));
    });
}
#endif

#if defined(SOMA_BENCH_HAVE_OPENBLAS)
template <class T>
void BM_dot_openblas(benchmark::State& state) {
    run<T>(state, [](call<T> const& c) {
        auto const blas_n = static_cast<blasint>(c.n);
        if constexpr (sizeof(T) == 4) {
            return cblas_sdot(blas_n, c.w, 1, c.x, 1);
        } else {
            return cblas_ddot(blas_n, c.w, 1, c.x, 1);
        }
    });
}
#endif

constexpr std::int64_t kLargeSizes[] = {256, 1024, 4096, 65536, 1048576};
constexpr std::int64_t kSparseSizes[] = {2, 3, 4, 8, 16, 64, 256, 1024, 4096, 65536, 1048576};

// soma and the libraries: every n in 2..64, then the large sizes.
void all_sizes(benchmark::internal::Benchmark* b) {
    for (std::int64_t n = 2; n <= 64; ++n) b->Arg(n);
    for (std::int64_t n : kLargeSizes) b->Arg(n);
}

void sparse_sizes(benchmark::internal::Benchmark* b) {
    for (std::int64_t n : kSparseSizes) b->Arg(n);
}

}  // namespace

BENCHMARK_TEMPLATE(BM_dot_soma, float)->Apply(all_sizes);
BENCHMARK_TEMPLATE(BM_dot_soma, double)->Apply(all_sizes);
BENCHMARK_TEMPLATE(BM_dot_naive, float)->Apply(sparse_sizes);
BENCHMARK_TEMPLATE(BM_dot_naive, double)->Apply(sparse_sizes);
BENCHMARK_TEMPLATE(BM_dot_std_inner_product, float)->Apply(sparse_sizes);
BENCHMARK_TEMPLATE(BM_dot_std_inner_product, double)->Apply(sparse_sizes);
BENCHMARK_TEMPLATE(BM_dot_std_transform_reduce, float)->Apply(sparse_sizes);
BENCHMARK_TEMPLATE(BM_dot_std_transform_reduce, double)->Apply(sparse_sizes);
#if defined(SOMA_BENCH_HAVE_EIGEN)
BENCHMARK_TEMPLATE(BM_dot_eigen, float)->Apply(all_sizes);
BENCHMARK_TEMPLATE(BM_dot_eigen, double)->Apply(all_sizes);
#endif
#if defined(SOMA_BENCH_HAVE_OPENBLAS)
BENCHMARK_TEMPLATE(BM_dot_openblas, float)->Apply(all_sizes);
BENCHMARK_TEMPLATE(BM_dot_openblas, double)->Apply(all_sizes);
#endif

BENCHMARK_MAIN();
