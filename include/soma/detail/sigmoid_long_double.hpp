// soma/detail/sigmoid_long_double.hpp - σ(z) for long double.
//
// A plain constexpr evaluation (Cody-Waite reduction, a Taylor series carried to the
// precision of long double, true division) with a weaker bound than float and double;
// not part of the bitwise scalar/SIMD contract.
#ifndef SOMA_DETAIL_SIGMOID_LONG_DOUBLE_HPP
#define SOMA_DETAIL_SIGMOID_LONG_DOUBLE_HPP

#include <limits>

#include "soma/detail/config.hpp"

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// 2^n for a normal power of two, by binary powering (exact, constexpr).
[[nodiscard]] constexpr long double sigmoid_pow2_long(long n) noexcept {
    long double base = n < 0 ? 0.5L : 2.0L;
    unsigned long m = static_cast<unsigned long>(n < 0 ? -n : n);
    long double result = 1.0L;
    while (m != 0U) {
        if ((m & 1U) != 0U) result *= base;
        base *= base;
        m >>= 1U;
    }
    return result;
}

// σ for long double: e^a by Cody-Waite reduction and a Taylor series carried to the
// precision of long double, then 1/(1 + e) or e/(1 + e) by true division. Not fused, not
// bitwise tied to any SIMD kernel. Max error 3 ULP against a binary128 reference where
// long double is the x87 80-bit format (tested with libquadmath where available).
[[nodiscard]] constexpr long double sigmoid_long(long double z) noexcept {
    constexpr int digits = std::numeric_limits<long double>::digits;
    constexpr int min_exp = std::numeric_limits<long double>::min_exponent;
    if (z != z) return z + z;
    long double a = z < 0.0L ? z : -z;
    // Below a_min, e^a < 2^(min_exp - digits - 1): σ rounds to +0.
    constexpr long double a_min =
        -(static_cast<long double>(digits - min_exp + 3) * 0.6931471805599453094172321L);
    if (a < a_min) a = a_min;
    // ln 2 = ln2_hi + ln2_lo with ln2_hi on 48 bits: k·ln2_hi is exact for |k| < 2^15.
    constexpr long double ln2_hi = 195103586505167.0L / 281474976710656.0L;
    constexpr long double ln2_lo = 1.688525005076197806790396056774985255254e-15L;
    constexpr long double log2e = 1.442695040888963407359924681001892137427L;
    long double const kx = a * log2e;
    long const k = static_cast<long>(kx - 0.5L);  // a <= 0: truncation of kx - 0.5
    long double const kf = static_cast<long double>(k);
    long double const r = (a - kf * ln2_hi) - kf * ln2_lo;
    // Taylor series of e^r, |r| < 0.35: stop once r^n/n! < 2^-(digits + 4).
    long double terms[64] = {};
    int n_terms = 1;
    terms[0] = 1.0L;
    long double bound = 1.0L;
    for (int n = 1; n < 64; ++n) {
        terms[n] = terms[n - 1] / static_cast<long double>(n);
        bound = bound * 0.35L / static_cast<long double>(n);
        n_terms = n + 1;
        if (bound < sigmoid_pow2_long(-(digits + 4))) break;
    }
    long double p = terms[n_terms - 1];
    for (int n = n_terms - 2; n >= 0; --n) p = p * r + terms[n];
    // e = p·2^k; 2^k split in two normal factors so the last product rounds once.
    long const k1 = k / 2;
    long const k2 = k - k1;
    long double const e = p * sigmoid_pow2_long(k1) * sigmoid_pow2_long(k2);
    long double const d = 1.0L + e;
    if (z >= 0.0L) return 1.0L / d;
    return p * sigmoid_pow2_long(k1) / d * sigmoid_pow2_long(k2);
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_SIGMOID_LONG_DOUBLE_HPP
