// soma/loss.hpp - how far a network's outputs y are from the targets t: the function that
// learning makes small, and its gradient at the output layer.
//
// Backpropagation (soma/backprop.hpp) starts from δ_j = ∂E/∂z_j, the derivative of the
// loss E with respect to the output layer's weighted inputs z_j; each loss here gives it:
//   output_delta(a, z, y, t, δ)     δ_j from z_j, y_j = a(z_j) and t_j
// and value(y, t), E itself for one example (for reports; the gradients do not use it).
#ifndef SOMA_LOSS_HPP
#define SOMA_LOSS_HPP

#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <type_traits>

#include "soma/activation.hpp"
#include "soma/detail/fma.hpp"
#include "soma/softmax.hpp"

namespace soma {

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// a'(z_j), from y_j = a(z_j) where the activation can (sigmoid: y(1 - y)), else from z_j.
template <class A, class T>
[[nodiscard]] constexpr T activation_derivative(A const& a, T z, T y) noexcept {
    if constexpr (requires { a.derivative_of_output(y); }) {
        (void)z;
        return static_cast<T>(a.derivative_of_output(y));
    } else {
        (void)y;
        return static_cast<T>(a.derivative(z));
    }
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// E = ½ Σ_j (y_j - t_j)²,   ∂E/∂y_j = y_j - t_j,   δ_j = (y_j - t_j) a'(z_j).
// Works with any differentiable output activation (a type with derivative(z) or
// derivative_of_output(y)). value() sums in order with fused multiply-adds (the same bits
// everywhere).
struct squared_error {
    template <std::floating_point T>
    [[nodiscard]] constexpr T value(std::span<T const> y, std::span<T const> t) const noexcept {
        T e = 0;
        for (std::size_t j = 0; j < y.size(); ++j) {
            T const d = y[j] - t[j];
            e = detail::fma(d, d, e);
        }
        return e / 2;
    }
    template <class A, std::floating_point T>
    constexpr void output_delta(A const& a, std::span<T const> z, std::span<T const> y,
                                std::span<T const> t, std::span<T> delta) const noexcept {
        for (std::size_t j = 0; j < y.size(); ++j) {
            delta[j] = (y[j] - t[j]) * detail::activation_derivative(a, z[j], y[j]);
        }
    }
};

// For sigmoid outputs y_j = σ(z_j) read as probabilities, targets t_j in [0, 1]:
//   E = -Σ_j [t_j ln y_j + (1 - t_j) ln(1 - y_j)],   δ_j = ∂E/∂z_j = y_j - t_j,
// since ∂E/∂y_j = (y_j - t_j) / (y_j (1 - y_j)) and σ'(z) = y(1 - y) cancel: no vanishing
// gradient when a sigmoid saturates on the wrong side. The output layer's activation must
// be soma::sigmoid_activation (a compile error otherwise). value() uses std::log (its bits
// are the C library's; only reports use it) and is +inf where y_j is 0 or 1 against the
// opposite target.
struct cross_entropy {
    template <std::floating_point T>
    [[nodiscard]] T value(std::span<T const> y, std::span<T const> t) const noexcept {
        T e = 0;
        for (std::size_t j = 0; j < y.size(); ++j) {
            if (t[j] != 0) e = e - t[j] * std::log(y[j]);
            if (t[j] != 1) e = e - (1 - t[j]) * std::log1p(-y[j]);
        }
        return e;
    }
    template <class A, std::floating_point T>
    constexpr void output_delta(A const&, std::span<T const>, std::span<T const> y,
                                std::span<T const> t, std::span<T> delta) const noexcept {
        static_assert(std::same_as<A, sigmoid_activation>,
                      "soma::cross_entropy: the output layer's activation must be "
                      "soma::sigmoid_activation (use soma::squared_error otherwise)");
        for (std::size_t j = 0; j < y.size(); ++j) delta[j] = y[j] - t[j];
    }
};

// For classification into n >= 2 classes with one-hot targets: the output layer is linear
// (soma::identity_activation), its outputs z are read through softmax,
//   p_j = e^{z_j} / Σ_k e^{z_k}   (soma::softmax),
//   E = -Σ_j t_j ln p_j,   δ_j = ∂E/∂z_j = p_j Σ_k t_k - t_j,
// which is p_j - t_j for one-hot (or any probability) targets, Σ_k t_k = 1; computed as
// fma(p_j, Σ_k t_k, -t_j), the sum in order.
// The output layer's activation must be soma::identity_activation (a compile error
// otherwise). output_delta computes p with soma::softmax (the same bits everywhere);
// value() uses std::log and std::exp (reports only): E = Σ_j t_j (m + ln Σ_k e^{z_k - m} - z_j)
// with m = max z, finite for every finite z.
struct softmax_cross_entropy {
    template <std::floating_point T>
    [[nodiscard]] T value(std::span<T const> z, std::span<T const> t) const noexcept {
        if (z.empty()) return T(0);
        T m = z[0];
        for (T v : z) m = v > m ? v : m;
        T s = 0;
        for (T v : z) s = s + std::exp(v - m);
        T const log_s = std::log(s);
        T e = 0;
        for (std::size_t j = 0; j < z.size(); ++j) {
            if (t[j] != 0) e = e + t[j] * ((m - z[j]) + log_s);
        }
        return e;
    }
    template <class A, std::floating_point T>
    void output_delta(A const&, std::span<T const> z, std::span<T const>, std::span<T const> t,
                      std::span<T> delta) const {
        static_assert(std::same_as<A, identity_activation>,
                      "soma::softmax_cross_entropy: the output layer's activation must be "
                      "soma::identity_activation (softmax is applied by the loss)");
        soma::softmax<T>(z, delta);
        T total = 0;
        for (T v : t) total = total + v;
        for (std::size_t j = 0; j < z.size(); ++j) delta[j] = detail::fma(delta[j], total, -t[j]);
    }
};

}  // namespace soma

#endif  // SOMA_LOSS_HPP
