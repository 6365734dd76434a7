// soma/detail/fma.hpp - a fused multiply-add that is exact in constant evaluation.
//
// fma(a, b, c) = a*b + c rounded once (IEEE 754 fusedMultiplyAdd, round to nearest even).
//
// Every floating-point kernel in soma is written with explicit fused multiply-adds so
// that its result never depends on the compiler's contraction choices. At run time this
// is std::fma (one instruction where the target has FMA; glibc's correctly rounded
// fallback elsewhere). std::fma is not constexpr in C++20, so constant evaluation uses
// fma_emulated, which returns the same bits for every finite operand, subnormals, signed
// zeros, results that overflow and intermediates beyond the format's range included:
// the operands are unpacked into integer significands and exponents, the product
// (at most 106 bits) and the addend are added exactly in 128-bit integers, and the sum
// is rounded once. A floating-point emulation (Dekker's product, 2Sum, rounding to odd)
// was used before; it is exact only while no intermediate overflows or underflows, and
// constant-evaluated dot products reach both ends of the range.
//
// Infinite and NaN operands are left to the floating-point operations a*b + c, which
// give the IEEE result (an infinite c with finite a and b returns c). Constant evaluation
// rejects an operation whose result is NaN, so such a call does not compile.
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

__extension__ using uint128 = unsigned __int128;

// The binary32 / binary64 encoding.
template <ieee_binary T>
struct binary_format {
    using bits_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    static constexpr int digits = std::numeric_limits<T>::digits;  // 24, 53 (with the hidden bit)
    static constexpr int width = 8 * static_cast<int>(sizeof(T));
    static constexpr int exponent_bits = width - digits;                         // 8, 11
    static constexpr int bias = (1 << (exponent_bits - 1)) - 1;                  // 127, 1023
    static constexpr int max_biased = (1 << exponent_bits) - 1;                  // inf / NaN
    static constexpr int min_normal_exponent = 1 - bias;                         // -126, -1022
    static constexpr int quantum_exponent = min_normal_exponent - (digits - 1);  // -149, -1074
};

// A finite nonzero value as (-1)^negative * significand * 2^exponent.
struct unpacked {
    bool negative;
    int exponent;
    std::uint64_t significand;
};

template <ieee_binary T>
[[nodiscard]] constexpr unpacked unpack(T v) noexcept {
    using f = binary_format<T>;
    auto const bits = static_cast<std::uint64_t>(std::bit_cast<typename f::bits_t>(v));
    auto const biased = static_cast<int>((bits >> (f::digits - 1)) & std::uint64_t(f::max_biased));
    std::uint64_t const fraction = bits & ((std::uint64_t{1} << (f::digits - 1)) - 1U);
    bool const negative = ((bits >> (f::width - 1)) & 1U) != 0U;
    if (biased == 0) return {negative, f::quantum_exponent, fraction};
    return {negative, biased - f::bias - (f::digits - 1),
            fraction | (std::uint64_t{1} << (f::digits - 1))};
}

[[nodiscard]] constexpr int bit_length(uint128 v) noexcept {
    auto const hi = static_cast<std::uint64_t>(v >> 64);
    if (hi != 0U) return 64 + static_cast<int>(std::bit_width(hi));
    return static_cast<int>(std::bit_width(static_cast<std::uint64_t>(v)));
}

// The value (-1)^negative * r * 2^e, r > 0, rounded to T (to nearest, ties to even),
// overflowing to infinity and underflowing gradually. r must be exact or rounded to odd
// at least two bits below T's last bit (see fma_emulated).
template <ieee_binary T>
[[nodiscard]] constexpr T round_to_format(bool negative, uint128 r, int e) noexcept {
    using f = binary_format<T>;
    using bits_t = typename f::bits_t;
    int const length = bit_length(r);
    int const leading = e + length - 1;  // exponent of r's leading bit
    // Bits to drop: down to `digits` significant bits, or to the quantum 2^quantum_exponent
    // for a subnormal result.
    int const shift =
        leading >= f::min_normal_exponent ? length - f::digits : f::quantum_exponent - e;
    uint128 q = 0;
    if (shift <= 0) {
        q = r << -shift;  // exact: fewer than `digits` bits
    } else if (shift < 128) {
        q = r >> shift;
        uint128 const rest = r & ((uint128{1} << shift) - 1U);
        uint128 const half = uint128{1} << (shift - 1);
        if (rest > half || (rest == half && (q & 1U) != 0U)) ++q;
    }  // else r < 2^127 <= half a quantum: rounds to zero
    std::uint64_t magnitude = 0;
    constexpr uint128 hidden = uint128{1} << (f::digits - 1);
    if (q >= hidden) {
        // A normal number; q == 2^digits (a carry out of rounding) lands in the exponent.
        int const biased = e + shift + (f::digits - 1) + f::bias;
        if (biased + static_cast<int>(q >> f::digits) >= f::max_biased) {
            magnitude = std::uint64_t(f::max_biased) << (f::digits - 1);  // infinity
        } else {
            magnitude = (static_cast<std::uint64_t>(biased) << (f::digits - 1)) +
                        static_cast<std::uint64_t>(q - hidden);
        }
    } else {
        magnitude = static_cast<std::uint64_t>(q);  // subnormal or zero (q == hidden is normal)
    }
    std::uint64_t const sign = negative ? std::uint64_t{1} << (f::width - 1) : 0U;
    return std::bit_cast<T>(static_cast<bits_t>(sign | magnitude));
}

// fma(a, b, c) for finite a, b, c, exactly, in integer arithmetic.
//
// Both addends are brought to 126-bit integers with the leading bit at bit 125: the product
// of the significands (at most 2 * digits bits) shifted left by at least 19, the addend's
// significand by at least 72, so each has at least 19 trailing zero bits. The one with the
// smaller exponent is shifted right by d bits, its lost bits ORed into its last bit (rounding
// it to odd). For d <= 19 nothing is lost and the sum is exact, however much cancels. For
// d > 19 the smaller one is below 2^106, so the sum keeps its leading bit at 124 or above,
// at least 70 bits above T's last bit; and since the larger one is even, the sum of it and
// the smaller one rounded to odd is the exact sum rounded to odd. A value rounded to odd
// with two or more bits below the final precision rounds to nearest as the exact value does
// (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms
// using rounding to odd", IEEE TC 2008).
template <ieee_binary T>
[[nodiscard]] constexpr T fma_finite(T a, T b, T c) noexcept {
    if (a == T(0) || b == T(0)) return a * b + c;  // an exact zero product: IEEE signed zeros
    unpacked const ua = unpack(a);
    unpacked const ub = unpack(b);
    constexpr int top = 125;
    uint128 const p = uint128{ua.significand} * ub.significand;
    int const p_shift = top + 1 - bit_length(p);
    uint128 x = p << p_shift;
    int ex = ua.exponent + ub.exponent - p_shift;
    bool nx = ua.negative != ub.negative;
    if (c == T(0)) return round_to_format<T>(nx, x, ex);  // the product rounded once
    unpacked const uc = unpack(c);
    int const c_shift = top + 1 - bit_length(uc.significand);
    uint128 y = uint128{uc.significand} << c_shift;
    int ey = uc.exponent - c_shift;
    bool ny = uc.negative;
    if (ey > ex || (ey == ex && y > x)) {
        uint128 const t = x;
        x = y;
        y = t;
        int const te = ex;
        ex = ey;
        ey = te;
        bool const tn = nx;
        nx = ny;
        ny = tn;
    }
    int const d = ex - ey;
    if (d >= 128) {
        y = 1;  // nonzero, far below x: only its stickiness counts
    } else if (d > 0) {
        bool const lost = (y & ((uint128{1} << d) - 1U)) != 0U;
        y = (y >> d) | (lost ? 1U : 0U);
    }
    uint128 const r = nx == ny ? x + y : x - y;
    if (r == 0U) return T(0);  // exact cancellation: +0 when rounding to nearest
    return round_to_format<T>(nx, r, ex);
}

template <ieee_binary T>
[[nodiscard]] constexpr bool finite_value(T v) noexcept {
    using f = binary_format<T>;
    auto const bits = static_cast<std::uint64_t>(std::bit_cast<typename f::bits_t>(v));
    return ((bits >> (f::digits - 1)) & std::uint64_t(f::max_biased)) !=
           std::uint64_t(f::max_biased);
}

template <ieee_binary T>
[[nodiscard]] constexpr T fma_emulated(T a, T b, T c) noexcept {
    if (finite_value(a) && finite_value(b)) {
        if (finite_value(c)) return fma_finite(a, b, c);
        return c;  // a*b is finite, however large: the sum is c (inf or NaN)
    }
    return a * b + c;  // an infinite or NaN factor: the IEEE product and sum
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
