// soma/detail/fma.hpp - a fused multiply-add that is exact in constant evaluation.
//
// fma(a, b, c) = a*b + c rounded once (IEEE 754 fusedMultiplyAdd, round to nearest even).
//
// Every floating-point kernel in soma is written with explicit fused multiply-adds so
// that its result never depends on the compiler's contraction choices. At run time this
// is std::fma (one instruction where the target has FMA; glibc's correctly rounded
// fallback elsewhere). std::fma is not constexpr in C++20, so constant evaluation uses
// an emulation that returns the same bits:
//   float:  a*b is exact in double; the sum is rounded to odd in double and then to
//           nearest in float, which is a correct single rounding because double carries
//           more than 24 + 2 bits (Boldo and Melquiond, "Emulation of FMA and correctly
//           rounded sums: proved algorithms using rounding to odd", IEEE TC 2008).
//   double: Dekker's exact product, 2Sum, then the same round-to-odd step (ibid.,
//           Algorithm 5). Valid while a*b and c stay clear of overflow and of the
//           subnormal range, which is all that soma's constant-evaluated paths need.
#ifndef SOMA_DETAIL_FMA_HPP
#define SOMA_DETAIL_FMA_HPP

#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "soma/detail/config.hpp"

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class T>
concept ieee_binary = std::same_as<T, float> || std::same_as<T, double>;

template <class T>
struct two_term {
    T hi;
    T lo;
};

// 2Sum (Knuth): hi + lo == a + b exactly, hi = fl(a + b).
template <std::floating_point T>
[[nodiscard]] constexpr two_term<T> two_sum(T a, T b) noexcept {
    T const s = a + b;
    T const bb = s - a;
    T const e = (a - (s - bb)) + (b - bb);
    return {s, e};
}

// Dekker's product: hi + lo == a * b exactly, for |a*b| far from overflow and underflow.
[[nodiscard]] constexpr two_term<double> two_product_dekker(double a, double b) noexcept {
    constexpr double splitter = 134217729.0;  // 2^27 + 1
    double const ca = splitter * a;
    double const a_hi = ca - (ca - a);
    double const a_lo = a - a_hi;
    double const cb = splitter * b;
    double const b_hi = cb - (cb - b);
    double const b_lo = b - b_hi;
    double const p = a * b;
    double const e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo;
    return {p, e};
}

// Rounds hi + lo (an exact 2Sum pair) to odd: if inexact and hi's last bit is even,
// step hi one unit towards lo.
[[nodiscard]] constexpr double round_to_odd(two_term<double> s) noexcept {
    if (s.lo == 0.0) return s.hi;
    auto bits = std::bit_cast<std::uint64_t>(s.hi);
    if ((bits & 1U) != 0U) return s.hi;
    bool const same_sign = (s.hi < 0.0) == (s.lo < 0.0);
    bits = same_sign ? bits + 1U : bits - 1U;
    return std::bit_cast<double>(bits);
}

[[nodiscard]] constexpr float fma_emulated(float a, float b, float c) noexcept {
    double const p = static_cast<double>(a) * static_cast<double>(b);  // exact: 48 bits
    return static_cast<float>(round_to_odd(two_sum(p, static_cast<double>(c))));
}

[[nodiscard]] constexpr double fma_emulated(double a, double b, double c) noexcept {
    if (a == 0.0 || b == 0.0) return a * b + c;  // keeps the sign of zero sums exact
    two_term<double> const u = two_product_dekker(a, b);
    two_term<double> const t = two_sum(c, u.hi);
    double const v = round_to_odd(two_sum(t.lo, u.lo));
    return t.hi + v;
}

// fma(a, b, c) = a*b + c with one rounding, identical bits in constant evaluation and
// at run time.
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] constexpr T fma(T a, T b, T c) noexcept {
    if (std::is_constant_evaluated()) {
        return fma_emulated(a, b, c);
    }
    return std::fma(a, b, c);
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_FMA_HPP
