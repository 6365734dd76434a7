// soma/detail/sigmoid_constants.hpp - the constants of soma's sigmoid algorithm.
//
// Shared by every instantiation of the one algorithm in kernels-inl.hpp (the portable
// scalar definition and each ISA's vector kernel), so that every target computes the same
// operations on the same numbers.
#ifndef SOMA_DETAIL_SIGMOID_CONSTANTS_HPP
#define SOMA_DETAIL_SIGMOID_CONSTANTS_HPP

#include <cstdint>

#include "soma/detail/config.hpp"

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

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

// Constants of tanh and softmax, which evaluate e^a with the double algorithm above.
struct tanh_constants {
    // Above 20, 1 - tanh(|z|) < 2e^-40 < 2^-54 and tanh rounds to 1 in double (and float):
    // clamping |z| there changes no result and keeps k >= -58, so that 2^k is normal.
    static constexpr double x_max = 20.0;
    // Below 2^-27, tanh(z) = z - z³/3 + ... lies within z²/3 < 2^-55.5 relative of z: z is
    // the correctly rounded result (float and double), sign of zero included.
    static constexpr double x_tiny = 0x1p-27;
    // softmax: a term with z_i - m below -1024 is e^(z_i - m) = +0 in double; taking -1024
    // there keeps z_i - m from overflowing for z_i and m of opposite signs.
    static constexpr double softmax_d_min = -1024.0;
};

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_SIGMOID_CONSTANTS_HPP
