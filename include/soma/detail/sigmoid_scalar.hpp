// soma/detail/sigmoid_scalar.hpp - the definition of σ(z) = 1/(1 + e^-z), one value at a time.
//
// This file is the readable definition of soma's sigmoid. The SIMD kernels in
// sigmoid_x86.hpp and sigmoid_neon.hpp perform exactly the same operations, in the same
// order, lane by lane, so that every target returns the same bits as this code (and as
// its constant evaluation, because detail::fma is exact there too). Nothing here relies
// on the compiler fusing a*b + c: every fused operation is an explicit detail::fma and
// every other product or sum is rounded on its own.
//
// Shared idea, with a = -|z| <= 0 and e = e^a in (0, 1]:
//     σ(z) = 1 / (1 + e)   for z >= 0,
//     σ(z) = e / (1 + e)   for z <  0,
// so e never overflows and 1 + e lies in (1, 2]. e = 2^k · e^r with k = round(a/ln 2)
// and r = a - k·ln 2 in [-ln2/2, ln2/2] (Cody and Waite), e^r by a polynomial.
//
// float is evaluated in double (z, e and the quotient in binary64, one rounding to
// binary32 at the end), which keeps the whole error below 0.5 + 2^-4 ULP including
// subnormal results, with one division and a degree-6 polynomial.
//
// double has no wider type to borrow, so e^r and 1/(1 + e) are carried as unevaluated
// sums hi + lo (double-double) and rounded once at the end; for subnormal results the
// final scaling by 2^k adds a second rounding, still within 1 ULP.
//
// long double uses a plain constexpr evaluation (Taylor series, true division), with a
// weaker bound; it is not part of the bitwise scalar/SIMD contract.
#ifndef SOMA_DETAIL_SIGMOID_SCALAR_HPP
#define SOMA_DETAIL_SIGMOID_SCALAR_HPP

#include <bit>
#include <cstdint>
#include <limits>

#include "soma/detail/fma.hpp"

namespace soma::detail {

// Constants shared by the scalar definition and every SIMD kernel.
struct sigmoid_constants {
    static constexpr std::uint64_t sign_bit = 0x8000000000000000U;
    // σ(NaN) is the input NaN with its quiet bit set, made by an integer OR: no floating
    // operation, so no flag even where a compiler evaluates that branch speculatively.
    static constexpr std::uint32_t f32_quiet_bit = 0x00400000U;
    static constexpr std::uint64_t f64_quiet_bit = 0x0008000000000000U;
    static constexpr double log2e = 0x1.71547652b82fep+0;
    static constexpr double ln2_hi = 0x1.62e42fefa39efp-1;   // ln 2 rounded to double
    static constexpr double ln2_lo = 0x1.abc9e3b39803fp-56;  // ln 2 - ln2_hi
    // t = a·log2e + 1.5·2^52 rounds a·log2e to the integer k in t's low bits.
    static constexpr double round_magic = 0x1.8p52;
    static constexpr std::uint64_t exponent_bias = 1023;

    // float, evaluated in double. Below a = -104, e^a < 2^-150 and σ rounds to +0 in
    // float, so clamping there changes no result; k >= -151 keeps 2^k a normal double.
    static constexpr double f32_a_min = -104.0;
    // e^r on [-0.3466, 0.3466]: Chebyshev fit of degree 6, |error| < 2^-28.9.
    static constexpr double f32_p6 = 0x1.6d753216c60e8p-10;
    static constexpr double f32_p5 = 0x1.126fa72958a72p-7;
    static constexpr double f32_p4 = 0x1.5554ace0f68fap-5;
    static constexpr double f32_p3 = 0x1.5554043dd438bp-3;
    static constexpr double f32_p2 = 0x1.00000028795d2p-1;
    static constexpr double f32_p1 = 0x1.000000a1fda73p+0;

    // double. Below a = -746, e^a < 2^-1075 and σ rounds to +0; k >= -1076.
    static constexpr double f64_a_min = -746.0;
    // e^r = 1 + r + r²/2 + (r²/2)·r·w(r), w(r) ≈ 2(e^r - 1 - r - r²/2)/r³: Chebyshev fit
    // of degree 9 on [-0.3466, 0.3466]; the term it feeds is off by < 2^-61.3.
    static constexpr double f64_w9 = 4.182245959112723e-09;
    static constexpr double f64_w8 = 5.0200751849419434e-08;
    static constexpr double f64_w7 = 5.511456596783511e-07;
    static constexpr double f64_w6 = 5.5114536960232666e-06;
    static constexpr double f64_w5 = 4.9603174634270504e-05;
    static constexpr double f64_w4 = 0.0003968253972608134;
    static constexpr double f64_w3 = 0.002777777777777311;
    static constexpr double f64_w2 = 0.01666666666666013;
    static constexpr double f64_w1 = 0.08333333333333333;
    static constexpr double f64_w0 = 0.33333333333333337;
    // 1 + e only needs e above 2^-120 (below, e moves the quotient by < 2^-120);
    // clamping k there keeps e's low part a normal number.
    static constexpr double f64_k_min_for_d = -120.0;
    // 2^k for k in [-1076, 0] as 2^(k + 600) · 2^-600: the first product is exact, the
    // second rounds once when the result is subnormal.
    static constexpr std::uint64_t f64_k_shift = 600;
    static constexpr double f64_unshift = 0x1p-600;
};

// p·2^(k + extra) for a normal p and a normal result, by adding to p's exponent field:
// t's low 12 bits hold k (two's complement), so (bits(t) + extra) << 52 is
// (k + extra)·2^52 modulo 2^64. Exact, and integer operations only (the floating-point
// multiplier ports are the kernels' bottleneck, the integer ones are not).
[[nodiscard]] constexpr double sigmoid_scale_exact(double p, double t,
                                                   std::uint64_t extra = 0) noexcept {
    std::uint64_t const bits = std::bit_cast<std::uint64_t>(p);
    return std::bit_cast<double>(bits + ((std::bit_cast<std::uint64_t>(t) + extra) << 52));
}

// 2^k from t = k + round_magic (k an integer in t's low mantissa bits), plus extra:
// (bits(t) + 1023 + extra) << 52 leaves exactly k + 1023 + extra in the exponent field.
[[nodiscard]] constexpr double sigmoid_pow2(double t, std::uint64_t extra) noexcept {
    std::uint64_t const bits = std::bit_cast<std::uint64_t>(t);
    return std::bit_cast<double>((bits + sigmoid_constants::exponent_bias + extra) << 52);
}

[[nodiscard]] constexpr double sigmoid_minus_abs(double x) noexcept {
    return std::bit_cast<double>(std::bit_cast<std::uint64_t>(x) | sigmoid_constants::sign_bit);
}

// max(lo, x) with x86 MAXPD semantics (x if either is NaN); NaN never reaches it here.
[[nodiscard]] constexpr double sigmoid_max(double lo, double x) noexcept {
    return lo > x ? lo : x;
}

// σ for float: max error 0.5 + 2^-4 ULP by analysis; the exhaustive test asserts <= 1 ULP
// over all 2^32 inputs.
[[nodiscard]] constexpr float sigmoid_f32(float z) noexcept {
    using c = sigmoid_constants;
    if (z != z) return std::bit_cast<float>(std::bit_cast<std::uint32_t>(z) | c::f32_quiet_bit);
    double const x = z;  // exact
    double const a = sigmoid_max(c::f32_a_min, sigmoid_minus_abs(x));
    double const t = detail::fma(a, c::log2e, c::round_magic);
    double const k = t - c::round_magic;
    // One-constant reduction: r = a - k·ln2_hi is exact and the omitted k·ln2_lo is below
    // 151·2^-55 < 2^-47, far under float's resolution.
    double const r = detail::fma(k, -c::ln2_hi, a);
    double p = c::f32_p6;
    p = detail::fma(p, r, c::f32_p5);
    p = detail::fma(p, r, c::f32_p4);
    p = detail::fma(p, r, c::f32_p3);
    p = detail::fma(p, r, c::f32_p2);
    p = detail::fma(p, r, c::f32_p1);
    p = detail::fma(p, r, 1.0);
    double const e = sigmoid_scale_exact(p, t);  // p·2^k, k >= -151: normal, exact
    double const d = 1.0 + e;
    double const numerator = x < 0.0 ? e : 1.0;
    return static_cast<float>(numerator / d);
}

// σ for double: max error 1 ULP (the tests assert exactly that; analysis gives
// 0.5 + 2^-5 ULP for normal results, 0.75 + 2^-5 ULP for subnormal ones).
[[nodiscard]] constexpr double sigmoid_f64(double z) noexcept {
    using c = sigmoid_constants;
    if (z != z) return std::bit_cast<double>(std::bit_cast<std::uint64_t>(z) | c::f64_quiet_bit);
    double const a = sigmoid_max(c::f64_a_min, sigmoid_minus_abs(z));
    double const t = detail::fma(a, c::log2e, c::round_magic);
    double const k = t - c::round_magic;
    // r is exact: k·ln2_hi and a are multiples of 2^-54 and |r| < 2^-1.
    double const r = detail::fma(k, -c::ln2_hi, a);
    double const r_lo = k * -c::ln2_lo;  // e^(r + r_lo) = e^r·(1 + r_lo) + O(2^-90)

    double w = c::f64_w9;
    w = detail::fma(w, r, c::f64_w8);
    w = detail::fma(w, r, c::f64_w7);
    w = detail::fma(w, r, c::f64_w6);
    w = detail::fma(w, r, c::f64_w5);
    w = detail::fma(w, r, c::f64_w4);
    w = detail::fma(w, r, c::f64_w3);
    w = detail::fma(w, r, c::f64_w2);
    w = detail::fma(w, r, c::f64_w1);
    w = detail::fma(w, r, c::f64_w0);
    // h = r²/2 exactly as h_hi + h_lo; the cubic tail h·r·w is below 2^-7.
    double const half_r = 0.5 * r;
    double const h_hi = half_r * r;
    double const h_lo = detail::fma(half_r, r, -h_hi);
    double const tail = detail::fma(h_hi, r * w, h_lo);
    // 1 + r + h_hi by two exact Fast2Sums (|1| >= |r|, |1 + r| >= |h_hi|).
    double const s1 = 1.0 + r;
    double const e1 = (1.0 - s1) + r;
    double const s2 = s1 + h_hi;
    double const e2 = (s1 - s2) + h_hi;
    double lo = (e1 + e2) + tail;
    lo = detail::fma(r_lo, s2 + tail, lo);  // e^r·r_lo needs e^r only to 2^-20
    double const p_hi = s2 + lo;            // e^(a - k ln2) = p_hi + p_lo, error < 2^-60
    double const p_lo = (s2 - p_hi) + lo;

    // d = 1 + e as d_hi + d_lo, e = (p_hi + p_lo)·2^max(k, -120).
    double const t_d = sigmoid_max(c::round_magic + c::f64_k_min_for_d, t);
    double const e_hi = sigmoid_scale_exact(p_hi, t_d);  // p_hi normal, k >= -120
    double const d_hi = 1.0 + e_hi;
    // d_lo = (1 - d_hi) + e_hi + p_lo·2^k: the product is fused on purpose, so that a
    // compiler contracting a*b + c (GCC's default -ffp-contract=fast) has nothing to fuse.
    double const d_lo = detail::fma(p_lo, sigmoid_pow2(t_d, 0), (1.0 - d_hi) + e_hi);

    // 1/d = q·(1 + rho) + O(rho²): q = 1/d_hi correctly rounded, so 1 - q·d_hi is exact.
    double const q = 1.0 / d_hi;
    double rho = detail::fma(-q, d_hi, 1.0);
    rho = detail::fma(-q, d_lo, rho);
    double const y_pos = detail::fma(q, rho, q);

    // e/d = 2^k·(p_hi + p_lo)·q·(1 + rho), rounded once (y_m in [0.35, 1.42]) before the
    // exact 2^(k+600) scaling; 2^-600 rounds a second time only for subnormal results.
    double const q_rho = q * rho;
    double const y_m = detail::fma(p_hi, q, detail::fma(p_hi, q_rho, p_lo * q));
    double const y_neg = sigmoid_scale_exact(y_m, t, c::f64_k_shift) * c::f64_unshift;
    return z < 0.0 ? y_neg : y_pos;
}

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

}  // namespace soma::detail

#endif  // SOMA_DETAIL_SIGMOID_SCALAR_HPP
