// soma/sigmoid.hpp - the logistic sigmoid σ(z) = 1/(1 + e^-z), for one value and for arrays.
#ifndef SOMA_SIGMOID_HPP
#define SOMA_SIGMOID_HPP

#include <concepts>
#include <cstddef>
#include <limits>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "soma/detail/config.hpp"
#include "soma/detail/dispatch.hpp"
#include "soma/detail/errors.hpp"
#include "soma/detail/sigmoid_long_double.hpp"
#include "soma/detail/simd/portable.hpp"

namespace soma {

// σ(z) = 1 / (1 + e^-z), the activation of the sigmoid neuron.
//
// Domain: every z. Special values: σ(±0) = 0.5 exactly, σ(+inf) = 1, σ(-inf) = +0,
// σ(NaN) = the same NaN with its quiet bit set (bit for bit on every path). The result
// always lies in [0, 1] and is non-decreasing in z.
// Flags: no non-NaN z raises FE_OVERFLOW, FE_INVALID or FE_DIVBYZERO; a quiet NaN may raise
// FE_INVALID in the array kernels (never in the scalar call). FE_INEXACT is raised.
// FE_UNDERFLOW: float exactly where σ(z) is subnormal or +0 (z < -87.336); double never for
// 2^-340 <= |z| <= 708.39, possibly outside (where σ(z) or e^-|z| is subnormal, and for
// |z| < 2^-340, where a power of z underflows and σ(z) = 0.5 exactly); long double never
// for 2^-16300 <= |z| <= 11355. Table and tests: docs/sigmoid.md, tests/fp_flags_test.cpp.
//
// Accuracy against the exact value:
//   float        <= 1 ULP over all 2^32 inputs (exhaustive test; evaluated in double,
//                   0.5 + 2^-4 ULP by analysis)
//   double       <= 1 ULP (double-double evaluation; dense sweep + 10^7 random inputs
//                   against an x87 long double reference)
//   long double  <= 3 ULP for the x87 80-bit format (against binary128); where long
//                   double is binary64, the double algorithm is used.
// Subnormal results are correct to the same bound (float: z in (-103.98, -87.34);
// double: z in (-745.14, -708.4)); below those σ is +0.
//
// Bitwise contract: for float and double, the constant evaluation, the scalar call and
// the array forms below return identical bits on every target (portable, AVX2, AVX-512,
// NEON). The algorithm is written once, in soma/detail/kernels-inl.hpp (sigmoid_one for
// one value, sigmoid_lanes for a register); at run time a build without -march reaches it
// compiled with FMA instructions through the kernel table when the CPU has them.
template <std::floating_point T>
SOMA_ABI [[nodiscard]] constexpr T sigmoid(T z) noexcept {
    if constexpr (std::same_as<T, float> || std::same_as<T, double>) {
        if (std::is_constant_evaluated()) return detail::portable::sigmoid_one(z);
        return detail::kernels().of<T>().sigmoid_one(z);
    } else if constexpr (std::same_as<T, long double> &&
                         std::numeric_limits<long double>::digits == 53) {
        return static_cast<long double>(soma::sigmoid(static_cast<double>(z)));
    } else {
        static_assert(std::same_as<T, long double>,
                      "soma::sigmoid supports float, double and long double");
        return detail::sigmoid_long(z);
    }
}

// σ'(z) = σ(z)(1 - σ(z)), the derivative used by gradient descent.
//
// Evaluated as σ(z)·σ(-z), which equals σ(z)(1 - σ(z)) and avoids the cancellation
// in 1 - σ(z) for large z. Special values: σ'(±0) = 0.25, σ'(±inf) = +0, NaN -> NaN.
// Accuracy: <= 4.5 ULP for float and double (two factors within 1 ULP each plus one
// rounding, measured with ULPs of the product), tested against a higher-precision
// reference.
template <std::floating_point T>
SOMA_ABI [[nodiscard]] constexpr T sigmoid_derivative(T z) noexcept {
    return sigmoid(z) * sigmoid(-z);
}

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class T>
inline constexpr bool is_span_v = false;
template <class T, std::size_t N>
inline constexpr bool is_span_v<std::span<T, N>> = N == std::dynamic_extent;

// A contiguous range of mutable floating-point values that is not already a std::span
// (spans take the span overloads directly).
template <class R>
concept sigmoid_output_range = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    std::floating_point<std::ranges::range_value_t<R>> &&
    !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<R>>>;

template <class R>
concept sigmoid_input_range = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    std::floating_point<std::ranges::range_value_t<R>>;

[[noreturn]] inline void throw_sigmoid_size_mismatch(std::size_t z_size, std::size_t out_size) {
    throw_size_mismatch("soma::sigmoid", "z", z_size, "out", out_size);
}

template <class T>
SOMA_ABI void sigmoid_span(std::span<T const> z, std::span<T> out) noexcept {
    if constexpr (std::same_as<T, float> || std::same_as<T, double>) {
        detail::kernels().of<T>().sigmoid(z.data(), out.data(), z.size());
    } else {
        for (std::size_t i = 0; i < z.size(); ++i) out[i] = soma::sigmoid(z[i]);
    }
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// out[i] = σ(z[i]) for every i: the same bits as the scalar σ, vectorized (AVX-512 or
// AVX2+FMA chosen once per process at run time on x86, NEON on AArch64).
// Preconditions: out.size() == z.size(), else throws std::invalid_argument naming both
// sizes; out is z itself (in place) or shares no element with z, else throws
// std::invalid_argument ("out overlaps z"). Nothing is written when it throws. Elements
// outside [0, size) are never read or written.
template <std::floating_point T>
SOMA_ABI void sigmoid(std::span<std::type_identity_t<T> const> z, std::span<T> out) {
    if (z.size() != out.size()) detail::throw_sigmoid_size_mismatch(z.size(), out.size());
    if (detail::partial_overlap<T>(out.data(), out.size(), z.data(), z.size())) {
        detail::throw_overlap("soma::sigmoid", "out", "z",
                              " (out may be z itself, not part of it)");
    }
    detail::sigmoid_span<T>(z, out);
}

// z[i] = σ(z[i]) in place.
template <std::floating_point T>
SOMA_ABI void sigmoid(std::span<T> z_in_out) noexcept {
    detail::sigmoid_span<T>(z_in_out, z_in_out);
}

// The same for std::vector, std::array and other contiguous ranges, which do not deduce T
// in the span overloads above.
template <class Z, class Out>
requires detail::sigmoid_input_range<Z> && detail::sigmoid_output_range<Out> &&
    std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>> &&
    (!detail::is_span_v<std::remove_cvref_t<Z>> ||
     !detail::is_span_v<std::remove_cvref_t<Out>>)SOMA_ABI void sigmoid(Z&& z, Out&& out) {
    using T = std::ranges::range_value_t<Out>;
    soma::sigmoid<T>(std::span<T const>(std::ranges::data(z), std::ranges::size(z)),
                     std::span<T>(std::ranges::data(out), std::ranges::size(out)));
}

// A pair of ranges sigmoid(z, out) cannot take: a compile error saying what to pass, instead
// of the notes on every unsatisfied constraint.
template <class Z, class Out>
requires std::ranges::range<Z> && std::ranges::range<Out> &&
    (!std::ranges::contiguous_range<Z> || !std::ranges::contiguous_range<Out> ||
     !std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>>)SOMA_ABI
    void sigmoid(Z&&, Out&&) {
    static_assert(std::ranges::contiguous_range<Z> && std::ranges::contiguous_range<Out>,
                  "soma::sigmoid(z, out): z and out must be contiguous (std::vector, std::array, "
                  "std::span or a C array); copy a std::list, std::deque or a view into a "
                  "std::vector first");
    static_assert(!(std::ranges::contiguous_range<Z> && std::ranges::contiguous_range<Out>) ||
                      std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>>,
                  "soma::sigmoid(z, out): z and out must have the same element type (soma never "
                  "converts silently)");
}

template <class R>
requires detail::sigmoid_output_range<R> &&(!detail::is_span_v<std::remove_cvref_t<R>>)SOMA_ABI
    void sigmoid(R&& z_in_out) noexcept {
    using T = std::ranges::range_value_t<R>;
    soma::sigmoid<T>(std::span<T>(std::ranges::data(z_in_out), std::ranges::size(z_in_out)));
}

}  // namespace soma

#endif  // SOMA_SIGMOID_HPP
