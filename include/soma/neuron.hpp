// soma/neuron.hpp - the artificial neuron: y = a(z), z = w·x + b.
//
// The tutorial's two starting formulas of neural networks:
//     z = w_1 x_1 + w_2 x_2 + ... + w_n x_n + b      (weighted input, b = -θ)
//     y = a(z)                                       (a the activation function)
// soma::neuron stores the weights w and the bias b; soma::augmented_neuron stores the
// single augmented vector (w_1, ..., w_n, b) and computes z as the inner product with
// (x_1, ..., x_n, 1). Both give the same bits for the same parameters, and converting
// between them is lossless.
//
// N is the number of inputs, fixed at compile time (size mismatches do not compile), or
// std::dynamic_extent for a size known only at run time (a mismatch throws
// std::invalid_argument naming both sizes). Evaluation never allocates.
#ifndef SOMA_NEURON_HPP
#define SOMA_NEURON_HPP

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <ranges>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "soma/activation.hpp"
#include "soma/bias.hpp"
#include "soma/concepts.hpp"
#include "soma/detail/errors.hpp"
#include "soma/step.hpp"
#include "soma/weighted_input.hpp"

namespace soma {

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class T, std::size_t N>
using fixed_or_vector =
    std::conditional_t<N == std::dynamic_extent, std::vector<T>, std::array<T, N>>;

template <std::size_t N>
inline constexpr std::size_t plus_one = N == std::dynamic_extent ? N : N + 1;

// A vector x that can be fed to a neuron with N inputs of type T.
template <class X, class T, std::size_t N>
concept input_for = input_vector<X> && std::same_as<element_t<X>, T> &&
    (N == std::dynamic_extent || static_extent_v<X> == std::dynamic_extent ||
     static_extent_v<X> == N);

template <class T, std::size_t N>
using braced_input =
    std::conditional_t<N == std::dynamic_extent, std::initializer_list<T>, std::array<T, N>>;

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

template <scalar T, std::size_t N, class Activation>
requires activation_for<Activation, T>
class augmented_neuron;

// A neuron with weights w_1..w_n, bias b and activation a.
template <scalar T, std::size_t N = std::dynamic_extent, class Activation = sigmoid_activation>
requires activation_for<Activation, T>
class neuron {
public:
    using value_type = T;
    using activation_type = Activation;
    using weights_type = detail::fixed_or_vector<T, N>;
    using augmented_weights_type = detail::fixed_or_vector<T, detail::plus_one<N>>;
    using input_list = detail::braced_input<T, N>;
    static constexpr std::size_t extent = N;

    constexpr neuron() = default;

    // A neuron in bias form: z = w·x + b.
    constexpr neuron(weights_type w, T b, Activation a = Activation{})
        : w_(std::move(w)), b_(b), a_(std::move(a)) {}

    // A neuron in threshold form (the tutorial's first form): fires when w·x >= θ;
    // stored as b = -θ (exact).
    [[nodiscard]] static constexpr neuron from_threshold(
        weights_type w, T theta, Activation a = Activation{}) requires signed_scalar<T> {
        return neuron(std::move(w), bias_from_threshold(theta), std::move(a));
    }

    // The lossless conversion from the augmented form.
    constexpr explicit neuron(augmented_neuron<T, N, Activation> const& n);

    [[nodiscard]] constexpr std::size_t size() const noexcept { return w_.size(); }
    [[nodiscard]] constexpr std::span<T const, N> weights() const noexcept {
        return std::span<T const, N>(w_.data(), w_.size());
    }
    [[nodiscard]] constexpr T bias() const noexcept { return b_; }
    [[nodiscard]] constexpr T threshold() const requires signed_scalar<T> {
        return threshold_from_bias(b_);
    }
    [[nodiscard]] constexpr Activation const& activation() const noexcept { return a_; }

    // (w_1, ..., w_n, b), the parameter vector of the inner-product form.
    SOMA_ABI [[nodiscard]] constexpr augmented_weights_type augmented_weights() const {
        return augment(w_, b_);
    }

    // z = w·x + b.
    SOMA_ABI [[nodiscard]] constexpr T weighted_input(input_list const& x) const {
        return z_of(std::ranges::data(x), std::ranges::size(x));
    }
    template <detail::input_for<T, N> X>
    SOMA_ABI [[nodiscard]] constexpr T weighted_input(X const& x) const {
        return z_of(std::ranges::data(x), static_cast<std::size_t>(std::ranges::size(x)));
    }

    // y = a(z).
    SOMA_ABI [[nodiscard]] constexpr T operator()(input_list const& x) const {
        return a_(weighted_input(x));
    }
    template <detail::input_for<T, N> X>
    SOMA_ABI [[nodiscard]] constexpr T operator()(X const& x) const {
        return a_(weighted_input(x));
    }

    // Whether the neuron fires (点火): z >= 0, i.e. w·x >= θ; false when z is NaN.
    // For integral T this is exactly w·x >= θ; in floating point, z = w·x + b is
    // rounded, so it can differ from a separately rounded w·x >= θ by that rounding.
    SOMA_ABI [[nodiscard]] constexpr bool fires(input_list const& x) const {
        return soma::fires(weighted_input(x), T(0));
    }
    template <detail::input_for<T, N> X>
    SOMA_ABI [[nodiscard]] constexpr bool fires(X const& x) const {
        return soma::fires(weighted_input(x), T(0));
    }

    SOMA_ABI friend constexpr bool operator==(neuron const& p, neuron const& q) {
        return std::ranges::equal(p.w_, q.w_) && p.b_ == q.b_;
    }

private:
    SOMA_ABI constexpr T z_of(T const* x, std::size_t n) const {
        if constexpr (N == std::dynamic_extent) {
            if (n != w_.size()) detail::throw_size_mismatch("soma::neuron", "w", w_.size(), "x", n);
        } else {
            if (n != N) detail::throw_size_mismatch("soma::neuron", "w", N, "x", n);
        }
        return detail::weighted_sum<T, N>(w_.data(), x, w_.size(), true, b_);
    }

    weights_type w_{};
    T b_{};
    [[no_unique_address]] Activation a_{};
};

// The same neuron with its parameters in one vector (w_1, ..., w_n, b): z is the inner
// product (w_1, ..., w_n, b)·(x_1, ..., x_n, 1), the form the tutorial says computers
// prefer. The constant 1 is implicit (no copy of x is made).
template <scalar T, std::size_t N = std::dynamic_extent, class Activation = sigmoid_activation>
requires activation_for<Activation, T>
class augmented_neuron {
public:
    using value_type = T;
    using activation_type = Activation;
    using augmented_weights_type = detail::fixed_or_vector<T, detail::plus_one<N>>;
    using input_list = detail::braced_input<T, N>;
    static constexpr std::size_t extent = N;

    constexpr augmented_neuron() requires(N != std::dynamic_extent) = default;

    // From (w_1, ..., w_n, b). A dynamic vector must hold at least the bias.
    constexpr explicit augmented_neuron(augmented_weights_type wb, Activation a = Activation{})
        : wb_(std::move(wb)), a_(std::move(a)) {
        if constexpr (N == std::dynamic_extent) {
            if (wb_.empty())
                detail::throw_size_mismatch("soma::augmented_neuron", "(w, b)", 0, "at least (b)",
                                            1);
        }
    }

    // The lossless conversion from the bias form.
    constexpr explicit augmented_neuron(neuron<T, N, Activation> const& n)
        : wb_(n.augmented_weights()), a_(n.activation()) {}

    [[nodiscard]] constexpr std::size_t size() const noexcept { return wb_.size() - 1; }
    [[nodiscard]] constexpr std::span<T const, detail::plus_one<N>> augmented_weights()
        const noexcept {
        return std::span<T const, detail::plus_one<N>>(wb_.data(), wb_.size());
    }
    [[nodiscard]] constexpr std::span<T const, N> weights() const noexcept {
        return std::span<T const, N>(wb_.data(), size());
    }
    [[nodiscard]] constexpr T bias() const noexcept { return wb_[size()]; }
    [[nodiscard]] constexpr Activation const& activation() const noexcept { return a_; }

    // z = (w_1..w_n, b)·(x_1..x_n, 1).
    SOMA_ABI [[nodiscard]] constexpr T weighted_input(input_list const& x) const {
        return z_of(std::ranges::data(x), std::ranges::size(x));
    }
    template <detail::input_for<T, N> X>
    SOMA_ABI [[nodiscard]] constexpr T weighted_input(X const& x) const {
        return z_of(std::ranges::data(x), static_cast<std::size_t>(std::ranges::size(x)));
    }
    SOMA_ABI [[nodiscard]] constexpr T operator()(input_list const& x) const {
        return a_(weighted_input(x));
    }
    template <detail::input_for<T, N> X>
    SOMA_ABI [[nodiscard]] constexpr T operator()(X const& x) const {
        return a_(weighted_input(x));
    }
    SOMA_ABI [[nodiscard]] constexpr bool fires(input_list const& x) const {
        return soma::fires(weighted_input(x), T(0));
    }
    template <detail::input_for<T, N> X>
    SOMA_ABI [[nodiscard]] constexpr bool fires(X const& x) const {
        return soma::fires(weighted_input(x), T(0));
    }

private:
    SOMA_ABI constexpr T z_of(T const* x, std::size_t n) const {
        if (n != size()) detail::throw_size_mismatch("soma::augmented_neuron", "w", size(), "x", n);
        // The last augmented input is the constant 1: term n is b * 1 == b, exactly the
        // bias term of weighted_input(w, x, b), so both forms give the same bits.
        return detail::weighted_sum<T, N>(wb_.data(), x, n, true, wb_[n]);
    }

    augmented_weights_type wb_{};
    [[no_unique_address]] Activation a_{};
};

template <scalar T, std::size_t N, class Activation>
requires activation_for<Activation, T>
constexpr neuron<T, N, Activation>::neuron(augmented_neuron<T, N, Activation> const& n)
    : b_(n.bias()), a_(n.activation()) {
    auto const w = n.weights();
    if constexpr (N == std::dynamic_extent) w_.resize(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) w_[i] = w[i];
}

// The tutorial's neuron: fires (y = 1) when w·x >= θ, else y = 0.
template <scalar T, std::size_t N = std::dynamic_extent>
using step_neuron = neuron<T, N, step_activation>;

// The neuron of the rest of the chapter: y = σ(w·x + b).
template <std::floating_point T, std::size_t N = std::dynamic_extent>
using sigmoid_neuron = neuron<T, N, sigmoid_activation>;

}  // namespace soma

#endif  // SOMA_NEURON_HPP
