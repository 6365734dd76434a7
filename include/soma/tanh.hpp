// soma/tanh.hpp - the hyperbolic tangent tanh(z) = (e^z - e^-z)/(e^z + e^-z), the symmetric
// sigmoid, for one value and for arrays.
#ifndef SOMA_TANH_HPP
#define SOMA_TANH_HPP

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

// tanh(z) = (e^z - e^-z)/(e^z + e^-z) = 2σ(2z) - 1, the activation of a tanh neuron: odd,
// increasing, with values in (-1, 1).
//
// Domain: every z, for float and double. Special values: tanh(±0) = ±0 (the sign kept),
// tanh(±inf) = ±1 (also every |z| >= 20), tanh(NaN) = the same NaN with its quiet bit set
// (bit for bit on every path). tanh(-z) = -tanh(z) bit for bit; the result lies in [-1, 1]
// and is non-decreasing in z.
// Flags: no non-NaN z raises FE_OVERFLOW, FE_INVALID, FE_DIVBYZERO or FE_UNDERFLOW; a quiet
// NaN may raise FE_INVALID in the array kernels (never in the scalar call). FE_INEXACT is
// raised.
//
// Accuracy against the exact value:
//   float   <= 1 ULP over all 2^32 inputs (exhaustive test; evaluated in double and rounded
//           once more: 0.5 ULP + 2^-28 ULP at most, 0.5 measured)
//   double  <= 1 ULP (numerator 1 - e^-2|z| and denominator 1 + e^-2|z| as double-double
//           sums, one rounding; 0.532 ULP measured over a dense sweep + 10^7 random inputs
//           against an x87 long double reference)
//
// Bitwise contract: as soma::sigmoid. The constant evaluation, the scalar call and the
// array forms return identical bits on every target (portable, AVX2, AVX-512, NEON); the
// algorithm is written once, in soma/detail/kernels-inl.hpp (tanh_one, tanh_lanes), and
// shares σ's exponential.
template <detail::ieee_binary T>
SOMA_ABI [[nodiscard]] constexpr T tanh(T z) noexcept {
    if (std::is_constant_evaluated()) return detail::portable::tanh_one(z);
    return detail::kernels().of<T>().tanh_one(z);
}

// tanh'(z) = 1 - tanh(z)², the derivative used by gradient descent.
//
// Evaluated as 4·σ(2z)·σ(-2z), which equals 1 - tanh(z)² = 4e^-2|z|/(1 + e^-2|z|)² and
// avoids the cancellation in 1 - tanh(z)² for large |z| (z is first clamped to [-1000, 1000],
// where tanh' is already +0, so that 2z cannot overflow). Special values: tanh'(±0) = 1,
// tanh'(±inf) = +0, tanh'(NaN) = the same NaN with its quiet bit set. Accuracy: <= 4.5 ULP
// for float and double (two sigmoids within 1 ULP each and one rounded product, as
// soma::sigmoid_derivative), tested against a higher-precision reference.
template <detail::ieee_binary T>
SOMA_ABI [[nodiscard]] constexpr T tanh_derivative(T z) noexcept {
    // NaN: the same NaN quieted, as tanh gives (a product of two NaNs would leave the choice
    // of NaN, and its sign, to the compiler's operand order).
    if (z != z) return detail::portable::tanh_one(z);
    T const c = z > T(1000) ? T(1000) : (z < T(-1000) ? T(-1000) : z);
    T const two_z = c + c;
    return (T(4) * soma::sigmoid(two_z)) * soma::sigmoid(-two_z);
}

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

[[noreturn]] inline void throw_tanh_size_mismatch(std::size_t z_size, std::size_t out_size) {
    throw_size_mismatch("soma::tanh", "z", z_size, "out", out_size);
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// out[i] = tanh(z[i]) for every i: the same bits as the scalar tanh, vectorized (AVX-512 or
// AVX2+FMA chosen once per process at run time on x86, NEON on AArch64).
// Preconditions: out.size() == z.size(), else throws std::invalid_argument naming both
// sizes; out is z itself (in place) or shares no element with z, else throws
// std::invalid_argument ("out overlaps z"). Nothing is written when it throws. Elements
// outside [0, size) are never read or written.
template <detail::ieee_binary T>
SOMA_ABI void tanh(std::span<std::type_identity_t<T> const> z, std::span<T> out) {
    if (z.size() != out.size()) detail::throw_tanh_size_mismatch(z.size(), out.size());
    if (detail::partial_overlap<T>(out.data(), out.size(), z.data(), z.size())) {
        detail::throw_overlap("soma::tanh", "out", "z", " (out may be z itself, not part of it)");
    }
    detail::kernels().of<T>().tanh(z.data(), out.data(), z.size());
}

// z[i] = tanh(z[i]) in place.
template <detail::ieee_binary T>
SOMA_ABI void tanh(std::span<T> z_in_out) noexcept {
    detail::kernels().of<T>().tanh(z_in_out.data(), z_in_out.data(), z_in_out.size());
}

// The same for std::vector, std::array and other contiguous ranges, which do not deduce T
// in the span overloads above.
template <class Z, class Out>
requires detail::sigmoid_input_range<Z> && detail::sigmoid_output_range<Out> &&
    std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>> &&
    detail::ieee_binary<std::ranges::range_value_t<Out>> &&
    (!detail::is_span_v<std::remove_cvref_t<Z>> ||
     !detail::is_span_v<std::remove_cvref_t<Out>>)SOMA_ABI void tanh(Z&& z, Out&& out) {
    using T = std::ranges::range_value_t<Out>;
    soma::tanh<T>(std::span<T const>(std::ranges::data(z), std::ranges::size(z)),
                  std::span<T>(std::ranges::data(out), std::ranges::size(out)));
}

template <class R>
requires detail::sigmoid_output_range<R> && detail::ieee_binary<std::ranges::range_value_t<R>> &&
    (!detail::is_span_v<std::remove_cvref_t<R>>)SOMA_ABI void tanh(R&& z_in_out) noexcept {
    using T = std::ranges::range_value_t<R>;
    soma::tanh<T>(std::span<T>(std::ranges::data(z_in_out), std::ranges::size(z_in_out)));
}

}  // namespace soma

#endif  // SOMA_TANH_HPP
