// soma/softmax.hpp - softmax over an output vector: y_i = e^(z_i) / Σ_j e^(z_j).
#ifndef SOMA_SOFTMAX_HPP
#define SOMA_SOFTMAX_HPP

#include <concepts>
#include <cstddef>
#include <ranges>
#include <span>
#include <type_traits>

#include "soma/detail/config.hpp"
#include "soma/detail/dispatch.hpp"
#include "soma/detail/errors.hpp"
#include "soma/detail/fma.hpp"
#include "soma/detail/simd/portable.hpp"
#include "soma/sigmoid.hpp"

namespace soma {

// y_i = e^(z_i - m) / Σ_j e^(z_j - m), m = max_j z_j, for i < n = z.size(): the output
// layer of a classifier, y_i > 0 summing to 1 (up to rounding).
//
// Domain: every vector of float or double, stable for all finite z (no overflow, also for
// z = ±1e38 or ±1e308: z_i - m is taken as -1024 where z_i < m - 1024, which gives +0 as
// e^(z_i - m) does). Special values:
//   any NaN in z    every y_i is the first NaN of z with its quiet bit set
//   m = +inf        the k entries equal to +inf share 1/k each (rounded), the others +0
//   z_i = -inf      y_i = +0 (a masked entry) when some z_j is finite
//   every z_i -inf  y_i = 1/n (the limit of softmax(c, ..., c) as c -> -inf)
//   n = 0           nothing is written
// Flags: no FE_OVERFLOW, FE_INVALID or FE_DIVBYZERO for non-NaN z; FE_UNDERFLOW where a
// term e^(z_i - m) is subnormal in double.
//
// Order: terms e_j = e^(z_j - m) are evaluated in double by soma's own exponential (that
// of soma::sigmoid, never the C library) and summed in double in index order,
// s = (...((e_0 + e_1) + e_2) + ...) + e_{n-1}; y_i = e_i / s, one division, rounded to T.
// The same bits on every target and compiler, in constant evaluation too.
//
// Accuracy, with u = 2^-53 and D = max_j min(m - z_j, 746) (the largest shift that still
// yields a nonzero term): for results above the smallest normal number,
//   double  |y_i - exact_i| <= (n + 3 + 2D)·u·exact_i  (the rounding of z_i - m, the
//           exponential, n - 1 additions and one division; first order)
//   float   <= 0.5 ULP + (n + 3 + 2D)·2^-29 ULP, i.e. <= 1 ULP for n + 2D <= 2^28
// tested against an x87 long double reference.
//
// Preconditions: out.size() == z.size(), else throws std::invalid_argument naming both
// sizes; out is z itself (in place) or shares no element with z, else throws
// std::invalid_argument ("out overlaps z"). Nothing is written when it throws. Elements
// outside [0, n) are never read or written.
template <detail::ieee_binary T>
SOMA_ABI constexpr void softmax(std::span<std::type_identity_t<T> const> z, std::span<T> out) {
    if (z.size() != out.size()) {
        detail::throw_size_mismatch("soma::softmax", "z", z.size(), "out", out.size());
    }
    if (std::is_constant_evaluated()) {
        detail::portable::softmax_values<T>(z.data(), out.data(), z.size());
        return;
    }
    if (detail::partial_overlap<T>(out.data(), out.size(), z.data(), z.size())) {
        detail::throw_overlap("soma::softmax", "out", "z",
                              " (out may be z itself, not part of it)");
    }
    detail::kernels().of<T>().softmax(z.data(), out.data(), z.size());
}

// z = softmax(z) in place.
template <detail::ieee_binary T>
SOMA_ABI constexpr void softmax(std::span<T> z_in_out) noexcept {
    if (std::is_constant_evaluated()) {
        detail::portable::softmax_values<T>(z_in_out.data(), z_in_out.data(), z_in_out.size());
        return;
    }
    detail::kernels().of<T>().softmax(z_in_out.data(), z_in_out.data(), z_in_out.size());
}

// The same for std::vector and other contiguous ranges, which do not deduce T in the span
// overloads above.
template <class Z, class Out>
requires detail::sigmoid_input_range<Z> && detail::sigmoid_output_range<Out> &&
    std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>> &&
    detail::ieee_binary<std::ranges::range_value_t<Out>> &&
    (!detail::is_span_v<std::remove_cvref_t<Z>> ||
     !detail::is_span_v<std::remove_cvref_t<Out>>)SOMA_ABI void softmax(Z&& z, Out&& out) {
    using T = std::ranges::range_value_t<Out>;
    soma::softmax<T>(std::span<T const>(std::ranges::data(z), std::ranges::size(z)),
                     std::span<T>(std::ranges::data(out), std::ranges::size(out)));
}

template <class R>
requires detail::sigmoid_output_range<R> && detail::ieee_binary<std::ranges::range_value_t<R>> &&
    (!detail::is_span_v<std::remove_cvref_t<R>>)SOMA_ABI void softmax(R&& z_in_out) noexcept {
    using T = std::ranges::range_value_t<R>;
    soma::softmax<T>(std::span<T>(std::ranges::data(z_in_out), std::ranges::size(z_in_out)));
}

}  // namespace soma

#endif  // SOMA_SOFTMAX_HPP
