// soma/perceptron.hpp - Rosenblatt's perceptron learning rule for the step neuron.
//
// The neuron y = u(w·x + b) (soma::step_neuron: fires, y = 1, when z = w·x + b >= 0)
// learns from examples (x_p, t_p) with targets t_p ∈ {0, 1}. For each example in the
// given order:
//     y = u(w·x_p + b)
//     w ← w + η (t_p − y) x_p
//     b ← b + η (t_p − y)
// so nothing changes when the neuron is right (t_p = y), and a mistake moves w·x_p + b
// towards the target by η (|x_p|² + 1). One pass over the examples is an epoch.
//
// Convergence theorem (Rosenblatt 1962; Novikoff 1962): if some (w*, b*) classifies every
// example correctly (the data are linearly separable), the rule makes finitely many
// mistakes, whatever η > 0 and the initial (w, b), in exact arithmetic: an epoch without
// a mistake then comes, and training stops there (converged).
//
// Cycles. The epoch maps the state (w, b) at its start to the state at its end, a function
// of the state alone (the examples come in the same order every epoch). If the state at
// the start of an epoch equals the state at the start of an earlier one, the run repeats
// the epochs in between forever; each of them made a mistake (else training would have
// stopped), so this run never converges. By the theorem, in exact arithmetic, the data
// are then not linearly separable. train_perceptron detects such a repetition with
// Brent's algorithm (two stored states, no history): it stops within about
// 2 max(μ, λ) + λ epochs for a run that enters a cycle of λ epochs after μ, and reports
// cycled = true and period = λ. Exact arithmetic holds for integral T, and for
// floating-point T when every update is exact (0/1 inputs and η = 1, say, as for logic
// gates); with rounded updates a cycle still proves that this run does not converge.
// States compare with == (so +0 and −0 are equal: they classify every input alike).
//
// Arithmetic. z is the neuron's own weighted input (soma's inner product, so the learned
// neuron classifies as training saw it). For float and double each update is one fused
// multiply-add, w_i ← fma(±η, x_i, w_i), so a run gives the same bits on every CPU and in
// constant evaluation, whatever the compiler contracts; integral updates are exact and
// checked (std::overflow_error).
#ifndef SOMA_PERCEPTRON_HPP
#define SOMA_PERCEPTRON_HPP

#include <array>
#include <concepts>
#include <cstddef>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "soma/bias.hpp"
#include "soma/concepts.hpp"
#include "soma/data.hpp"
#include "soma/detail/errors.hpp"
#include "soma/detail/fma.hpp"
#include "soma/neuron.hpp"
#include "soma/step.hpp"
#include "soma/weighted_input.hpp"

namespace soma {

// How train_perceptron runs.
template <signed_scalar T>
struct perceptron_options {
    // η, the learning rate: > 0 (else std::invalid_argument).
    T eta = T(1);
    // The most epochs (passes over the examples) to run.
    std::size_t max_epochs = 100;
    // Stop when the state (w, b) at the start of an epoch repeats an earlier one (see
    // the top of this file); false runs max_epochs on data that never converge.
    bool stop_on_cycle = true;
};

// What train_perceptron learned.
template <signed_scalar T, std::size_t N = std::dynamic_extent>
struct perceptron_result {
    // (w, b) at the end of the last epoch run.
    step_neuron<T, N> neuron{};
    // The epochs run, the mistake-free last one included when converged.
    std::size_t epochs = 0;
    // The examples the last epoch run classified wrongly (0 when converged).
    std::size_t mistakes = 0;
    // The last epoch made no mistake: the neuron classifies every example as its target.
    bool converged = false;
    // The state repeated: this run never converges (in exact arithmetic: the data are not
    // linearly separable). Only with stop_on_cycle.
    bool cycled = false;
    // The length of the cycle in epochs when cycled, else 0.
    std::size_t period = 0;
};

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// A range of examples for train_perceptron: contiguous vectors of one static extent.
template <class Xs>
concept static_examples = std::ranges::random_access_range<Xs> && std::ranges::sized_range<Xs> &&
    input_vector<std::ranges::range_value_t<Xs>> && static_extent_v<std::ranges::range_value_t<Xs>>
!= std::dynamic_extent;

template <class Xs>
using example_element_t = element_t<std::ranges::range_value_t<Xs>>;
template <class Xs>
inline constexpr std::size_t example_extent = static_extent_v<std::ranges::range_value_t<Xs>>;

template <class Xs, class Ts>
concept perceptron_examples = static_examples<Xs> && input_vector<Ts> &&
    std::same_as<element_t<Ts>, example_element_t<Xs>> && signed_scalar<element_t<Ts>>;

// v + d·x: checked for integers, one rounding (fused) for float and double, so that
// run time and constant evaluation give the same bits whatever the compiler contracts.
template <signed_scalar T>
[[nodiscard]] constexpr T add_scaled(T v, T d, T x) {
    if constexpr (std::integral<T>) {
        T p{};
        T s{};
        if (__builtin_mul_overflow(d, x, &p) || __builtin_add_overflow(v, p, &s))
            throw_overflow("soma::train_perceptron");
        return s;
    } else if constexpr (ieee_binary<T>) {
        return detail::fma(d, x, v);
    } else {
        return v + d * x;
    }
}

// The rule over m examples; x_at(p) is a pointer to the n inputs of example p, t_at(p)
// its target.
template <class T, std::size_t N, class XAt, class TAt>
constexpr perceptron_result<T, N> perceptron(std::size_t m, XAt x_at, TAt t_at,
                                             perceptron_options<T> const& o,
                                             step_neuron<T, N> const& initial) {
    char const* const f = "soma::train_perceptron";
    if (!(o.eta > T(0))) raise<std::invalid_argument>(std::string(f) + ": eta must be > 0");
    for (std::size_t p = 0; p < m; ++p) {
        T const t = t_at(p);
        if (t != T(0) && t != T(1)) {
            raise<std::invalid_argument>(std::string(f) + ": t[" + std::to_string(p) +
                                         "] is neither 0 nor 1");
        }
    }
    using weights_t = typename step_neuron<T, N>::weights_type;
    std::size_t const n = initial.size();
    weights_t w{};
    if constexpr (N == std::dynamic_extent) w.resize(n);
    for (std::size_t i = 0; i < n; ++i) w[i] = initial.weights()[i];
    T b = initial.bias();

    // Brent's cycle detection: `saved` is the state at the start of epoch 2^k - 1; each
    // later state is compared with it until `power` epochs have passed, then saved anew.
    weights_t saved_w = w;
    T saved_b = b;
    std::size_t power = 1;
    std::size_t since_saved = 0;

    perceptron_result<T, N> r{};
    while (r.epochs < o.max_epochs) {
        r.mistakes = 0;
        for (std::size_t p = 0; p < m; ++p) {
            T const* const x = x_at(p);
            T const y = soma::step(weighted_sum<T, N>(w.data(), x, n, true, b));
            T const e = t_at(p) - y;
            if (e == T(0)) continue;
            ++r.mistakes;
            T const d = o.eta * e;  // ±η: exact
            for (std::size_t i = 0; i < n; ++i) w[i] = add_scaled(w[i], d, x[i]);
            b = add_scaled(b, d, T(1));
        }
        ++r.epochs;
        if (r.mistakes == 0) {
            r.converged = true;
            break;
        }
        if (o.stop_on_cycle) {
            ++since_saved;
            bool same = b == saved_b;
            for (std::size_t i = 0; same && i < n; ++i) same = w[i] == saved_w[i];
            if (same) {
                r.cycled = true;
                r.period = since_saved;
                break;
            }
            if (since_saved == power) {
                saved_w = w;
                saved_b = b;
                power *= 2;
                since_saved = 0;
            }
        }
    }
    r.neuron = step_neuron<T, N>(std::move(w), b);
    return r;
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// For p = 0, 1, ... in every epoch: y = u(w·x_p + b), w ← w + η (t_p − y) x_p,
// b ← b + η (t_p − y), until an epoch without a mistake, a repeated state (w, b) or
// max_epochs. Trains a step_neuron<T, N>, N the static extent of the examples x_p
// (std::array<T, N> or std::span<T const, N>), on targets t_p ∈ {0, 1}, starting from
// `initial` (default w = 0, b = 0). Requires
// x.size() == t.size() (else std::invalid_argument naming both sizes), η > 0 and every
// t_p 0 or 1 (else std::invalid_argument naming the first other one). Integral T: an
// update that overflows T throws std::overflow_error. constexpr: a static_assert can check
// what is learned. See the top of this file for convergence and cycles.
template <class Xs, class Ts>
requires detail::perceptron_examples<Xs, Ts> SOMA_ABI
    [[nodiscard]] constexpr perceptron_result<element_t<Ts>, detail::example_extent<Xs>>
    train_perceptron(Xs const& x, Ts const& t,
                     perceptron_options<element_t<Ts>> const& options = {},
                     step_neuron<element_t<Ts>, detail::example_extent<Xs>> const& initial = {}) {
    using T = element_t<Ts>;
    constexpr std::size_t N = detail::example_extent<Xs>;
    auto const m = static_cast<std::size_t>(std::ranges::size(x));
    auto const mt = static_cast<std::size_t>(std::ranges::size(t));
    if (m != mt) detail::throw_size_mismatch("soma::train_perceptron", "x", m, "t", mt);
    auto const first = std::ranges::begin(x);
    T const* const targets = std::ranges::data(t);
    return detail::perceptron<T, N>(
        m,
        [&](std::size_t p) {
            return std::ranges::data(first[static_cast<std::ranges::range_difference_t<Xs>>(p)]);
        },
        [&](std::size_t p) { return targets[p]; }, options, initial);
}

// The same rule on a dataset with one output per pair, t_p = d.output(p)[0] ∈ {0, 1},
// x_p = d.input(p), starting from w = 0, b = 0; a step_neuron<T> of run-time size.
// Requires d.outputs() == 1 (else std::invalid_argument), and as above.
template <signed_scalar T>
SOMA_ABI [[nodiscard]] perceptron_result<T> train_perceptron(
    dataset<T> const& d, perceptron_options<T> const& options = {}) {
    return train_perceptron(d, options, step_neuron<T>(std::vector<T>(d.inputs()), T(0)));
}

// The same from `initial`, which must have d.inputs() weights (else std::invalid_argument
// naming both sizes).
template <signed_scalar T>
SOMA_ABI [[nodiscard]] perceptron_result<T> train_perceptron(dataset<T> const& d,
                                                             perceptron_options<T> const& options,
                                                             step_neuron<T> const& initial) {
    if (d.outputs() != 1) {
        detail::throw_size_mismatch("soma::train_perceptron", "each pair's output", d.outputs(),
                                    "a step neuron's output", 1);
    }
    if (initial.size() != d.inputs()) {
        detail::throw_size_mismatch("soma::train_perceptron", "initial w", initial.size(),
                                    "each pair's input", d.inputs());
    }
    std::span<T const> const X = d.inputs_matrix();
    std::span<T const> const Y = d.outputs_matrix();
    std::size_t const n = d.inputs();
    return detail::perceptron<T, std::dynamic_extent>(
        d.size(), [&](std::size_t p) { return X.data() + p * n; },
        [&](std::size_t p) { return Y[p]; }, options, initial);
}

}  // namespace soma

#endif  // SOMA_PERCEPTRON_HPP
