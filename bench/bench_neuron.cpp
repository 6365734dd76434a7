// Small static neurons: the tutorial's Example 1 (w = (5, 3), θ = 4, b = -4, unit step)
// over its four binary inputs, and static 2- and 3-input neurons, each beside the
// hand-written expression w0*x0 + w1*x1 (+ w2*x2) + b. soma's paths: the straight-line
// canonical-order inner product for a static extent (detail::inner_product_fixed) and the
// public soma::weighted_input with static extents. The Example 1 outputs are checked
// against the tutorial's table before timing.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <random>
#include <span>
#include <vector>

#include "soma/detail/inner_product.hpp"
#include "soma/weighted_input.hpp"

namespace {

// Example 1: inputs (0,0), (1,0), (0,1), (1,1); w·x = 0, 5, 3, 8; y = u(w·x - θ) = 0, 1, 0, 1.
template <class T>
struct example1 {
    std::array<T, 2> w{5, 3};
    T b = -4;
    std::array<std::array<T, 2>, 4> x{{{0, 0}, {1, 0}, {0, 1}, {1, 1}}};
    static constexpr std::array<T, 4> expected_wx{0, 5, 3, 8};
    static constexpr std::array<T, 4> expected_y{0, 1, 0, 1};
};

template <class T>
T step(T z) {
    return z >= T(0) ? T(1) : T(0);
}

// The Example 1 table, computed through the path `f` (z = f(w, x, b)); false on mismatch.
template <class T, class F>
bool matches_table(F f) {
    example1<T> const e;
    for (std::size_t k = 0; k < 4; ++k) {
        if (f(e.w, e.x[k], T(0)) != example1<T>::expected_wx[k]) return false;
        if (step(f(e.w, e.x[k], e.b)) != example1<T>::expected_y[k]) return false;
    }
    return true;
}

template <class T>
T z_fixed(std::array<T, 2> const& w, std::array<T, 2> const& x, T b) {
    return soma::detail::inner_product_fixed<T, 2>(w.data(), x.data(), true, b);
}
template <class T>
T z_public(std::array<T, 2> const& w, std::array<T, 2> const& x, T b) {
    return soma::weighted_input(std::span<T const, 2>(w), std::span<T const, 2>(x), b);
}
template <class T>
T z_hand(std::array<T, 2> const& w, std::array<T, 2> const& x, T b) {
    return w[0] * x[0] + w[1] * x[1] + b;
}

// Example 1: the four outputs per iteration.
template <class T, T (*z_of)(std::array<T, 2> const&, std::array<T, 2> const&, T)>
void BM_example1(benchmark::State& state) {
    if (!matches_table<T>(z_of)) {
        state.SkipWithError("Example 1 outputs differ from the tutorial's table");
        return;
    }
    example1<T> e;
    for (auto _ : state) {
        benchmark::DoNotOptimize(e);
        T y = 0;
        for (auto const& x : e.x) y += step(z_of(e.w, x, e.b));
        benchmark::DoNotOptimize(y);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 4);
}

// A static N-input neuron over 256 inputs (throughput) or one input per iteration
// (latency of one evaluation).
template <class T, std::size_t N>
struct inputs {
    std::array<T, N> w{};
    T b = T(0.125);
    std::vector<std::array<T, N>> x;
    inputs() : x(256) {
        std::mt19937_64 rng(N);
        std::uniform_real_distribution<T> d(T(-1), T(1));
        for (T& v : w) v = d(rng);
        for (auto& xi : x) {
            for (T& v : xi) v = d(rng);
        }
    }
};

template <class T, std::size_t N>
T static_fixed(std::array<T, N> const& w, std::array<T, N> const& x, T b) {
    return soma::detail::inner_product_fixed<T, N>(w.data(), x.data(), true, b);
}
template <class T, std::size_t N>
T static_public(std::array<T, N> const& w, std::array<T, N> const& x, T b) {
    return soma::weighted_input(std::span<T const, N>(w), std::span<T const, N>(x), b);
}
template <class T, std::size_t N>
T static_hand(std::array<T, N> const& w, std::array<T, N> const& x, T b) {
    if constexpr (N == 2) {
        return w[0] * x[0] + w[1] * x[1] + b;
    } else {
        return w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + b;
    }
}

template <class T, std::size_t N, T (*z_of)(std::array<T, N> const&, std::array<T, N> const&, T)>
void BM_static_throughput(benchmark::State& state) {
    inputs<T, N> in;
    for (auto _ : state) {
        benchmark::DoNotOptimize(in.w);
        T acc = 0;
        for (auto const& x : in.x) acc += step(z_of(in.w, x, in.b));
        benchmark::DoNotOptimize(acc);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(in.x.size()));
}

template <class T, std::size_t N, T (*z_of)(std::array<T, N> const&, std::array<T, N> const&, T)>
void BM_static_latency(benchmark::State& state) {
    inputs<T, N> in;
    std::array<T, N> x = in.x[0];
    for (auto _ : state) {
        benchmark::DoNotOptimize(x);
        T const z = z_of(in.w, x, in.b);
        benchmark::DoNotOptimize(z);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

BENCHMARK_TEMPLATE(BM_example1, float, z_fixed<float>)->Name("BM_example1_soma_fixed<float>");
BENCHMARK_TEMPLATE(BM_example1, float, z_public<float>)->Name("BM_example1_soma_public<float>");
BENCHMARK_TEMPLATE(BM_example1, float, z_hand<float>)->Name("BM_example1_handwritten<float>");
BENCHMARK_TEMPLATE(BM_example1, double, z_fixed<double>)->Name("BM_example1_soma_fixed<double>");
BENCHMARK_TEMPLATE(BM_example1, double, z_public<double>)->Name("BM_example1_soma_public<double>");
BENCHMARK_TEMPLATE(BM_example1, double, z_hand<double>)->Name("BM_example1_handwritten<double>");

#define SOMA_BENCH_STATIC(T, N)                                         \
    BENCHMARK_TEMPLATE(BM_static_throughput, T, N, static_fixed<T, N>)  \
        ->Name("BM_static" #N "_throughput_soma_fixed<" #T ">");        \
    BENCHMARK_TEMPLATE(BM_static_throughput, T, N, static_public<T, N>) \
        ->Name("BM_static" #N "_throughput_soma_public<" #T ">");       \
    BENCHMARK_TEMPLATE(BM_static_throughput, T, N, static_hand<T, N>)   \
        ->Name("BM_static" #N "_throughput_handwritten<" #T ">");       \
    BENCHMARK_TEMPLATE(BM_static_latency, T, N, static_fixed<T, N>)     \
        ->Name("BM_static" #N "_latency_soma_fixed<" #T ">");           \
    BENCHMARK_TEMPLATE(BM_static_latency, T, N, static_public<T, N>)    \
        ->Name("BM_static" #N "_latency_soma_public<" #T ">");          \
    BENCHMARK_TEMPLATE(BM_static_latency, T, N, static_hand<T, N>)      \
        ->Name("BM_static" #N "_latency_handwritten<" #T ">")

SOMA_BENCH_STATIC(float, 2);
SOMA_BENCH_STATIC(float, 3);
SOMA_BENCH_STATIC(double, 2);
SOMA_BENCH_STATIC(double, 3);

BENCHMARK_MAIN();
