// soma/bias.hpp - threshold θ, bias b = -θ (偏置), and the bias as part of an inner product.
#ifndef SOMA_BIAS_HPP
#define SOMA_BIAS_HPP

#include <array>
#include <concepts>
#include <cstddef>
#include <limits>
#include <ranges>
#include <span>
#include <vector>

#include "soma/concepts.hpp"
#include "soma/detail/errors.hpp"

namespace soma {

// A type in which -θ is meaningful: floating point or signed integral. (An unsigned
// threshold has no bias; using one is a compile error.)
template <class T>
concept signed_scalar = scalar<T> &&(std::floating_point<T> || std::signed_integral<T>);

// b = -θ. Exact. For integral T, θ = min() has no negation in T and throws
// std::overflow_error (a compile error in constant evaluation).
template <signed_scalar T>
SOMA_ABI [[nodiscard]] constexpr T bias_from_threshold(T theta) {
    if constexpr (std::integral<T>) {
        if (theta == std::numeric_limits<T>::min())
            detail::throw_overflow("soma::bias_from_threshold");
    }
    return static_cast<T>(-theta);
}

// θ = -b, the inverse of bias_from_threshold.
template <signed_scalar T>
SOMA_ABI [[nodiscard]] constexpr T threshold_from_bias(T b) {
    if constexpr (std::integral<T>) {
        if (b == std::numeric_limits<T>::min()) detail::throw_overflow("soma::threshold_from_bias");
    }
    return static_cast<T>(-b);
}

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class R>
using augmented_t =
    std::conditional_t<static_extent_v<R> == std::dynamic_extent, std::vector<element_t<R>>,
                       std::array<element_t<R>, static_extent_v<R> + 1>>;

template <class R>
constexpr augmented_t<R> append(R const& v, element_t<R> last) {
    auto const n = static_cast<std::size_t>(std::ranges::size(v));
    augmented_t<R> out{};
    if constexpr (static_extent_v<R> == std::dynamic_extent) out.resize(n + 1);
    auto const* p = std::ranges::data(v);
    for (std::size_t i = 0; i < n; ++i) out[i] = p[i];
    out[n] = last;
    return out;
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// augment(x) = (x_1, ..., x_n, 1): the inputs with a constant 1 appended, so that
// z = (x_1..x_n, 1)·(w_1..w_n, b). std::array<T, N+1> for a static extent N, else
// std::vector<T>.
template <input_vector X>
SOMA_ABI [[nodiscard]] constexpr detail::augmented_t<X> augment(X const& x) {
    return detail::append(x, element_t<X>(1));
}

// augment(w, b) = (w_1, ..., w_n, b): the weights with the bias appended.
template <input_vector W>
SOMA_ABI [[nodiscard]] constexpr detail::augmented_t<W> augment(
    W const& w, std::type_identity_t<element_t<W>> b) {
    return detail::append(w, b);
}

}  // namespace soma

#endif  // SOMA_BIAS_HPP
