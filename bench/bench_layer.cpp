// Dense layers y = a(W x + b), W row-major (out x in), float, with a = ReLU:
// soma::forward (rows sharing loads of x, bias and activation fused per block of 16)
// beside OpenBLAS cblas_sgemv followed by a separate activation loop, Eigen, and a plain
// loop. Also soma::weighted_inputs (z = W x + b, no activation) and a batch of inputs.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 reports a false -Wmaybe-uninitialized inside its own AVX-512 headers when Eigen's
// reductions are inlined with -march=native.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <random>
#include <span>
#include <vector>

#include "soma/layer.hpp"

#if defined(SOMA_BENCH_HAVE_EIGEN)
#include <Eigen/Core>
#endif
#if defined(SOMA_BENCH_HAVE_OPENBLAS)
#include <cblas.h>
#endif

namespace {

struct layer_data {
    std::size_t rows;
    std::size_t n;
    std::vector<float> W;
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
    void count(benchmark::State& state) const {
        state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                                static_cast<std::int64_t>(rows * n));
    }
};

struct relu {
    float operator()(float z) const { return z > 0.0f ? z : 0.0f; }
};

layer_data make(benchmark::State const& state) {
    return layer_data(static_cast<std::size_t>(state.range(0)),
                      static_cast<std::size_t>(state.range(1)));
}

void BM_layer_soma(benchmark::State& state) {
    layer_data d = make(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(d.x.data());
        soma::forward<float>(d.W, d.rows, d.x, d.b, d.y, relu{});
        benchmark::ClobberMemory();
    }
    d.count(state);
}

void BM_layer_soma_weighted_inputs(benchmark::State& state) {
    layer_data d = make(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(d.x.data());
        soma::weighted_inputs<float>(d.W, d.rows, d.x, d.b, d.y);
        benchmark::ClobberMemory();
    }
    d.count(state);
}

void BM_layer_naive(benchmark::State& state) {
    layer_data d = make(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(d.x.data());
        for (std::size_t r = 0; r < d.rows; ++r) {
            float z = d.b[r];
            float const* w = d.W.data() + r * d.n;
            for (std::size_t i = 0; i < d.n; ++i) z += w[i] * d.x[i];
            d.y[r] = relu{}(z);
        }
        benchmark::ClobberMemory();
    }
    d.count(state);
}

#if defined(SOMA_BENCH_HAVE_OPENBLAS)
// y = b; y = W x + y (sgemv); then the activation in a separate pass.
void BM_layer_openblas(benchmark::State& state) {
    layer_data d = make(state);
    auto const m = static_cast<blasint>(d.rows);
    auto const n = static_cast<blasint>(d.n);
    for (auto _ : state) {
        std::memcpy(d.y.data(), d.b.data(), d.rows * sizeof(float));
        cblas_sgemv(CblasRowMajor, CblasNoTrans, m, n, 1.0f, d.W.data(), n, d.x.data(), 1, 1.0f,
                    d.y.data(), 1);
        for (float& v : d.y) v = relu{}(v);
        benchmark::ClobberMemory();
    }
    d.count(state);
}
#endif

#if defined(SOMA_BENCH_HAVE_EIGEN)
void BM_layer_eigen(benchmark::State& state) {
    layer_data d = make(state);
    using matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using vector = Eigen::Matrix<float, Eigen::Dynamic, 1>;
    auto const rows = static_cast<Eigen::Index>(d.rows);
    auto const cols = static_cast<Eigen::Index>(d.n);
    Eigen::Map<matrix const> const W(d.W.data(), rows, cols);
    Eigen::Map<vector const> const x(d.x.data(), cols);
    Eigen::Map<vector const> const b(d.b.data(), rows);
    Eigen::Map<vector> y(d.y.data(), rows);
    for (auto _ : state) {
        benchmark::DoNotOptimize(d.x.data());
        y.noalias() = W * x;
        y = (y + b).cwiseMax(0.0f);
        benchmark::ClobberMemory();
    }
    d.count(state);
}
#endif

// 64 inputs through one layer: soma::batch_forward vs cblas_sgemm + activation.
void BM_batch_soma(benchmark::State& state) {
    layer_data d = make(state);
    std::size_t const inputs = 64;
    std::vector<float> X(inputs * d.n);
    std::vector<float> Y(inputs * d.rows);
    for (std::size_t i = 0; i < X.size(); ++i) X[i] = d.x[i % d.n] * 0.5f;
    for (auto _ : state) {
        soma::batch_forward<float>(d.W, d.rows, d.n, X, d.b, Y, relu{});
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(inputs * d.rows * d.n));
}

#if defined(SOMA_BENCH_HAVE_OPENBLAS)
void BM_batch_openblas(benchmark::State& state) {
    layer_data d = make(state);
    std::size_t const inputs = 64;
    std::vector<float> X(inputs * d.n);
    std::vector<float> Y(inputs * d.rows);
    for (std::size_t i = 0; i < X.size(); ++i) X[i] = d.x[i % d.n] * 0.5f;
    auto const m = static_cast<blasint>(d.rows);
    auto const n = static_cast<blasint>(d.n);
    for (auto _ : state) {
        for (std::size_t k = 0; k < inputs; ++k) {
            std::memcpy(Y.data() + k * d.rows, d.b.data(), d.rows * sizeof(float));
        }
        // Y (inputs x rows) = X (inputs x n) * W^T (n x rows) + Y
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(inputs), m, n,
                    1.0f, X.data(), n, d.W.data(), n, 1.0f, Y.data(), m);
        for (float& v : Y) v = relu{}(v);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(inputs * d.rows * d.n));
}
#endif

void shapes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"out", "in"});
    for (auto const& s : {std::pair{4, 3}, std::pair{16, 16}, std::pair{64, 64},
                          std::pair{256, 256}, std::pair{1024, 1024}, std::pair{4096, 1024}}) {
        b->Args({s.first, s.second});
    }
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
#endif
BENCHMARK(BM_batch_soma)->Apply(batch_shapes);
#if defined(SOMA_BENCH_HAVE_OPENBLAS)
BENCHMARK(BM_batch_openblas)->Apply(batch_shapes);
#endif

BENCHMARK_MAIN();
