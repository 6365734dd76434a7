// Small neurons over a stream of inputs, each beside the expression a user would write by
// hand (public API only):
//
//   BM_neuron_example1_step_{soma,hand}<T>
//       the tutorial's Example 1, soma::step_neuron<T, 2>::from_threshold({5, 3}, 4), i.e.
//       w = (5, 3), θ = 4, b = -4, against (5*x0 + 3*x1 - 4 >= 0) ? 1 : 0. The weights are
//       compile-time constants on both sides (constexpr neuron, literal expression); the
//       inputs are random points of {0, 1}^2, the tutorial's domain.
//   BM_neuron_sigmoid2_{soma,hand}<T>
//       a 2-input soma::sigmoid_neuron<T, 2> with weights and bias known only at run time,
//       against 1/(1 + std::exp(-(w0*x0 + w1*x1 + b))); inputs uniform in [-2, 2]^2.
//   BM_neuron_z{2,3}_{soma,hand}<T>
//       the weighted input alone, z = soma::weighted_input(w, x, b) with static extents,
//       against w0*x0 + w1*x1 (+ w2*x2) + b, run-time weights.
//
// Throughput, not latency: every iteration evaluates the neuron on all kStream inputs of
// one array (std::array<T, N> per input, as a user stores them) and writes each output to
// an output array, which is then handed to benchmark::DoNotOptimize. Both sides get the
// same data and the same loop; only the expression inside differs. Before timing, each
// benchmark checks its outputs (Example 1 against the tutorial's table, the others
// against a double-precision evaluation) and reports an error instead of a time on a
// mismatch.
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "soma/soma.hpp"

namespace {

constexpr std::size_t kStream = 4096;

template <class T, std::size_t N>
using input = std::array<T, N>;

template <class T, std::size_t N>
std::vector<input<T, N>> real_inputs(std::uint64_t seed, T lo, T hi) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<T> d(lo, hi);
    std::vector<input<T, N>> x(kStream);
    for (auto& xi : x) {
        for (T& v : xi) v = d(rng);
    }
    return x;
}

template <class T>
std::vector<input<T, 2>> binary_inputs() {
    std::mt19937_64 rng(1);
    std::bernoulli_distribution d(0.5);
    std::vector<input<T, 2>> x(kStream);
    for (auto& xi : x) xi = {d(rng) ? T(1) : T(0), d(rng) ? T(1) : T(0)};
    return x;
}

template <class T>
void count(benchmark::State& state) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(kStream));
    state.counters["ns_per_input"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * double(kStream),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.SetLabel(SOMA_BENCH_VARIANT);
}

// The timed loop shared by every benchmark here: y[i] = f(x[i]) for the whole stream.
template <class T, std::size_t N, class F>
void run_stream(benchmark::State& state, std::vector<input<T, N>> const& x, std::vector<T>& y,
                F f) {
    benchmark::DoNotOptimize(x.data());
    benchmark::DoNotOptimize(y.data());
    for (auto _ : state) {
        benchmark::ClobberMemory();  // x may have changed: no result carries over
        for (std::size_t i = 0; i < kStream; ++i) y[i] = f(x[i]);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    count<T>(state);
}

// ---------------------------------------------------------------------------------------
// Example 1: y = u(5 x0 + 3 x1 - 4)
// ---------------------------------------------------------------------------------------

// The tutorial's table: (0,0) -> 0, (1,0) -> 1, (0,1) -> 0, (1,1) -> 1.
template <class T, class F>
bool example1_table_holds(F f) {
    constexpr std::array<input<T, 2>, 4> x{{{0, 0}, {1, 0}, {0, 1}, {1, 1}}};
    constexpr std::array<T, 4> expected{0, 1, 0, 1};
    for (std::size_t k = 0; k < 4; ++k) {
        if (f(x[k]) != expected[k]) return false;
    }
    return true;
}

template <class T>
constexpr auto example1_neuron = soma::step_neuron<T, 2>::from_threshold({5, 3}, 4);

template <class T>
T example1_soma(input<T, 2> const& x) {
    return example1_neuron<T>(x);
}

template <class T>
T example1_hand(input<T, 2> const& x) {
    return (T(5) * x[0] + T(3) * x[1] - T(4) >= T(0)) ? T(1) : T(0);
}

template <class T, T (*f)(input<T, 2> const&)>
void BM_neuron_example1_step(benchmark::State& state) {
    if (!example1_table_holds<T>(f)) {
        state.SkipWithError("Example 1 outputs differ from the tutorial's table");
        return;
    }
    std::vector<input<T, 2>> const x = binary_inputs<T>();
    std::vector<T> y(kStream);
    run_stream<T, 2>(state, x, y, [](input<T, 2> const& xi) { return f(xi); });
}

// ---------------------------------------------------------------------------------------
// Run-time parameters: the sigmoid neuron and the weighted input alone
// ---------------------------------------------------------------------------------------

template <class T, std::size_t N>
struct params {
    std::array<T, N> w{};
    T b{};
    params() {
        std::mt19937_64 rng(100 + N);
        std::uniform_real_distribution<T> d(T(-3), T(3));
        for (T& v : w) v = d(rng);
        b = d(rng);
    }
    // z in double: the reference for the checks below.
    [[nodiscard]] double z(input<T, N> const& x) const {
        double s = static_cast<double>(b);
        for (std::size_t i = 0; i < N; ++i) s += double(w[i]) * double(x[i]);
        return s;
    }
    // |b| + Σ|w_i x_i|, the scale of z's rounding error.
    [[nodiscard]] double magnitude(input<T, N> const& x) const {
        double s = std::fabs(static_cast<double>(b));
        for (std::size_t i = 0; i < N; ++i) s += std::fabs(double(w[i]) * double(x[i]));
        return s;
    }
};

enum class what { sigmoid, z };

// Relative tolerance of the pre-timing check: a few rounding errors of T, far below any
// real mistake (wrong weight, wrong sign, missing bias).
template <class T>
constexpr double check_tolerance = sizeof(T) == 4 ? 1e-5 : 1e-13;

template <class T, std::size_t N, what W, class F>
void run_params(benchmark::State& state, params<T, N> const& p, F f) {
    std::vector<input<T, N>> const x = real_inputs<T, N>(7, T(-2), T(2));
    std::vector<T> y(kStream);
    for (std::size_t i = 0; i < kStream; ++i) {
        double const z = p.z(x[i]);
        double const ref = W == what::sigmoid ? 1.0 / (1.0 + std::exp(-z)) : z;
        double const got = static_cast<double>(f(x[i]));
        double const scale = W == what::sigmoid ? 1.0 : p.magnitude(x[i]);
        if (!(std::fabs(got - ref) <= check_tolerance<T> * scale)) {
            state.SkipWithError("output differs from the double-precision evaluation");
            return;
        }
    }
    run_stream<T, N>(state, x, y, f);
}

template <class T>
void BM_neuron_sigmoid2_soma(benchmark::State& state) {
    params<T, 2> const p;
    soma::sigmoid_neuron<T, 2> const neuron(p.w, p.b);
    run_params<T, 2, what::sigmoid>(state, p,
                                    [&neuron](input<T, 2> const& x) { return neuron(x); });
}

template <class T>
void BM_neuron_sigmoid2_hand(benchmark::State& state) {
    params<T, 2> const p;
    T const w0 = p.w[0];
    T const w1 = p.w[1];
    T const b = p.b;
    run_params<T, 2, what::sigmoid>(state, p, [w0, w1, b](input<T, 2> const& x) {
        return T(1) / (T(1) + std::exp(-(w0 * x[0] + w1 * x[1] + b)));
    });
}

template <class T, std::size_t N>
void BM_neuron_z_soma(benchmark::State& state) {
    params<T, N> const p;
    run_params<T, N, what::z>(state, p, [&p](input<T, N> const& x) {
        return soma::weighted_input(std::span<T const, N>(p.w), std::span<T const, N>(x), p.b);
    });
}

template <class T, std::size_t N>
void BM_neuron_z_hand(benchmark::State& state) {
    params<T, N> const p;
    std::array<T, N> const w = p.w;
    T const b = p.b;
    run_params<T, N, what::z>(state, p, [w, b](input<T, N> const& x) {
        if constexpr (N == 2) {
            return w[0] * x[0] + w[1] * x[1] + b;
        } else {
            return w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + b;
        }
    });
}

}  // namespace

BENCHMARK_TEMPLATE(BM_neuron_example1_step, float, example1_soma<float>)
    ->Name("BM_neuron_example1_step_soma<float>");
BENCHMARK_TEMPLATE(BM_neuron_example1_step, float, example1_hand<float>)
    ->Name("BM_neuron_example1_step_hand<float>");
BENCHMARK_TEMPLATE(BM_neuron_example1_step, double, example1_soma<double>)
    ->Name("BM_neuron_example1_step_soma<double>");
BENCHMARK_TEMPLATE(BM_neuron_example1_step, double, example1_hand<double>)
    ->Name("BM_neuron_example1_step_hand<double>");

BENCHMARK_TEMPLATE(BM_neuron_sigmoid2_soma, float);
BENCHMARK_TEMPLATE(BM_neuron_sigmoid2_hand, float);
BENCHMARK_TEMPLATE(BM_neuron_sigmoid2_soma, double);
BENCHMARK_TEMPLATE(BM_neuron_sigmoid2_hand, double);

BENCHMARK_TEMPLATE(BM_neuron_z_soma, float, 2)->Name("BM_neuron_z2_soma<float>");
BENCHMARK_TEMPLATE(BM_neuron_z_hand, float, 2)->Name("BM_neuron_z2_hand<float>");
BENCHMARK_TEMPLATE(BM_neuron_z_soma, float, 3)->Name("BM_neuron_z3_soma<float>");
BENCHMARK_TEMPLATE(BM_neuron_z_hand, float, 3)->Name("BM_neuron_z3_hand<float>");
BENCHMARK_TEMPLATE(BM_neuron_z_soma, double, 2)->Name("BM_neuron_z2_soma<double>");
BENCHMARK_TEMPLATE(BM_neuron_z_hand, double, 2)->Name("BM_neuron_z2_hand<double>");
BENCHMARK_TEMPLATE(BM_neuron_z_soma, double, 3)->Name("BM_neuron_z3_soma<double>");
BENCHMARK_TEMPLATE(BM_neuron_z_hand, double, 3)->Name("BM_neuron_z3_hand<double>");

BENCHMARK_MAIN();
