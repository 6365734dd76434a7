// soma/detail/sigmoid_neon.hpp - σ(z) over arrays with AArch64 Advanced SIMD (NEON).
//
// sigmoid_f32 / sigmoid_f64 of sigmoid_scalar.hpp lane by lane, with vfmaq_f64 for every
// detail::fma, so each lane returns the bits of the scalar definition. NEON is part of
// the AArch64 baseline: no run-time dispatch. The tail goes through a zero-padded stack
// copy, so no element past n is read.
#ifndef SOMA_DETAIL_SIGMOID_NEON_HPP
#define SOMA_DETAIL_SIGMOID_NEON_HPP

#include "soma/detail/cpu.hpp"
#include "soma/detail/sigmoid_scalar.hpp"

#ifdef SOMA_NEON_KERNELS

#include <arm_neon.h>

#include <cstddef>
#include <cstring>

namespace soma::detail {

[[nodiscard]] inline float64x2_t sigmoid_neon_pow2(float64x2_t t, std::uint64_t extra) noexcept {
    uint64x2_t const bits =
        vaddq_u64(vreinterpretq_u64_f64(t), vdupq_n_u64(sigmoid_constants::exponent_bias + extra));
    return vreinterpretq_f64_u64(vshlq_n_u64(bits, 52));
}

// sigmoid_scale_exact: p·2^(k + extra) by an integer add to the exponent field.
[[nodiscard]] inline float64x2_t sigmoid_neon_scale_exact(float64x2_t p, float64x2_t t,
                                                          std::uint64_t extra) noexcept {
    uint64x2_t const k = vshlq_n_u64(vaddq_u64(vreinterpretq_u64_f64(t), vdupq_n_u64(extra)), 52);
    return vreinterpretq_f64_u64(vaddq_u64(vreinterpretq_u64_f64(p), k));
}

[[nodiscard]] inline float64x2_t sigmoid_neon_minus_abs(float64x2_t x) noexcept {
    return vreinterpretq_f64_u64(
        vorrq_u64(vreinterpretq_u64_f64(x), vdupq_n_u64(sigmoid_constants::sign_bit)));
}

// sigmoid_f32 without the NaN patch, on 2 floats widened to double. vmaxq_f64 differs
// from MAXPD only for NaN lanes, which are replaced afterwards.
[[nodiscard]] inline float64x2_t sigmoid_f32_core_neon(float64x2_t x) noexcept {
    using c = sigmoid_constants;
    float64x2_t const a = vmaxq_f64(vdupq_n_f64(c::f32_a_min), sigmoid_neon_minus_abs(x));
    float64x2_t const magic = vdupq_n_f64(c::round_magic);
    float64x2_t const t = vfmaq_f64(magic, a, vdupq_n_f64(c::log2e));
    float64x2_t const k = vsubq_f64(t, magic);
    float64x2_t const r = vfmaq_f64(a, k, vdupq_n_f64(-c::ln2_hi));
    float64x2_t p = vdupq_n_f64(c::f32_p6);
    p = vfmaq_f64(vdupq_n_f64(c::f32_p5), p, r);
    p = vfmaq_f64(vdupq_n_f64(c::f32_p4), p, r);
    p = vfmaq_f64(vdupq_n_f64(c::f32_p3), p, r);
    p = vfmaq_f64(vdupq_n_f64(c::f32_p2), p, r);
    p = vfmaq_f64(vdupq_n_f64(c::f32_p1), p, r);
    float64x2_t const one = vdupq_n_f64(1.0);
    p = vfmaq_f64(one, p, r);
    float64x2_t const e = sigmoid_neon_scale_exact(p, t, 0);
    float64x2_t const d = vaddq_f64(one, e);
    uint64x2_t const negative = vcltq_f64(x, vdupq_n_f64(0.0));
    float64x2_t const numerator = vbslq_f64(negative, e, one);
    return vdivq_f64(numerator, d);
}

[[nodiscard]] inline float32x4_t sigmoid_f32_neon_4(float32x4_t z) noexcept {
    float64x2_t const y_lo = sigmoid_f32_core_neon(vcvt_f64_f32(vget_low_f32(z)));
    float64x2_t const y_hi = sigmoid_f32_core_neon(vcvt_high_f64_f32(z));
    float32x4_t const y = vcvt_high_f32_f64(vcvt_f32_f64(y_lo), y_hi);
    // NaN lanes: z with its quiet bit set (integer OR, no flags), as the scalar code.
    uint32x4_t const not_nan = vceqq_f32(z, z);
    float32x4_t const z_quiet = vreinterpretq_f32_u32(
        vorrq_u32(vreinterpretq_u32_f32(z), vdupq_n_u32(sigmoid_constants::f32_quiet_bit)));
    return vbslq_f32(not_nan, y, z_quiet);
}

inline void sigmoid_neon(float const* z, float* out, std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        float32x4_t const z0 = vld1q_f32(z + i);
        float32x4_t const z1 = vld1q_f32(z + i + 4);
        vst1q_f32(out + i, sigmoid_f32_neon_4(z0));
        vst1q_f32(out + i + 4, sigmoid_f32_neon_4(z1));
    }
    for (; i < n; i += 4) {
        std::size_t const left = n - i < 4 ? n - i : 4;
        float buffer[4] = {};
        std::memcpy(buffer, z + i, left * sizeof(float));
        vst1q_f32(buffer, sigmoid_f32_neon_4(vld1q_f32(buffer)));
        std::memcpy(out + i, buffer, left * sizeof(float));
    }
}

[[nodiscard]] inline float64x2_t sigmoid_f64_neon_2(float64x2_t z) noexcept {
    using c = sigmoid_constants;
    float64x2_t const a = vmaxq_f64(vdupq_n_f64(c::f64_a_min), sigmoid_neon_minus_abs(z));
    float64x2_t const magic = vdupq_n_f64(c::round_magic);
    float64x2_t const t = vfmaq_f64(magic, a, vdupq_n_f64(c::log2e));
    float64x2_t const k = vsubq_f64(t, magic);
    float64x2_t const r = vfmaq_f64(a, k, vdupq_n_f64(-c::ln2_hi));
    float64x2_t const r_lo = vmulq_f64(k, vdupq_n_f64(-c::ln2_lo));

    float64x2_t w = vdupq_n_f64(c::f64_w9);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w8), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w7), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w6), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w5), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w4), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w3), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w2), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w1), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w0), w, r);
    float64x2_t const half_r = vmulq_f64(vdupq_n_f64(0.5), r);
    float64x2_t const h_hi = vmulq_f64(half_r, r);
    float64x2_t const h_lo = vfmaq_f64(vnegq_f64(h_hi), half_r, r);
    float64x2_t const tail = vfmaq_f64(h_lo, h_hi, vmulq_f64(r, w));
    float64x2_t const one = vdupq_n_f64(1.0);
    float64x2_t const s1 = vaddq_f64(one, r);
    float64x2_t const e1 = vaddq_f64(vsubq_f64(one, s1), r);
    float64x2_t const s2 = vaddq_f64(s1, h_hi);
    float64x2_t const e2 = vaddq_f64(vsubq_f64(s1, s2), h_hi);
    float64x2_t lo = vaddq_f64(vaddq_f64(e1, e2), tail);
    lo = vfmaq_f64(lo, r_lo, vaddq_f64(s2, tail));
    float64x2_t const p_hi = vaddq_f64(s2, lo);
    float64x2_t const p_lo = vaddq_f64(vsubq_f64(s2, p_hi), lo);

    float64x2_t const t_d = vmaxq_f64(vdupq_n_f64(c::round_magic + c::f64_k_min_for_d), t);
    float64x2_t const e_hi = sigmoid_neon_scale_exact(p_hi, t_d, 0);
    float64x2_t const d_hi = vaddq_f64(one, e_hi);
    float64x2_t const d_lo =
        vfmaq_f64(vaddq_f64(vsubq_f64(one, d_hi), e_hi), p_lo, sigmoid_neon_pow2(t_d, 0));

    float64x2_t const q = vdivq_f64(one, d_hi);
    float64x2_t rho = vfmsq_f64(one, q, d_hi);
    rho = vfmsq_f64(rho, q, d_lo);
    float64x2_t const y_pos = vfmaq_f64(q, q, rho);

    float64x2_t const q_rho = vmulq_f64(q, rho);
    float64x2_t const y_m = vfmaq_f64(vfmaq_f64(vmulq_f64(p_lo, q), p_hi, q_rho), p_hi, q);
    float64x2_t const y_neg =
        vmulq_f64(sigmoid_neon_scale_exact(y_m, t, c::f64_k_shift), vdupq_n_f64(c::f64_unshift));

    uint64x2_t const negative = vcltq_f64(z, vdupq_n_f64(0.0));
    float64x2_t const y = vbslq_f64(negative, y_neg, y_pos);
    uint64x2_t const not_nan = vceqq_f64(z, z);
    float64x2_t const z_quiet =
        vreinterpretq_f64_u64(vorrq_u64(vreinterpretq_u64_f64(z), vdupq_n_u64(c::f64_quiet_bit)));
    return vbslq_f64(not_nan, y, z_quiet);
}

inline void sigmoid_neon(double const* z, double* out, std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float64x2_t const z0 = vld1q_f64(z + i);
        float64x2_t const z1 = vld1q_f64(z + i + 2);
        vst1q_f64(out + i, sigmoid_f64_neon_2(z0));
        vst1q_f64(out + i + 2, sigmoid_f64_neon_2(z1));
    }
    for (; i < n; i += 2) {
        std::size_t const left = n - i < 2 ? n - i : 2;
        double buffer[2] = {};
        std::memcpy(buffer, z + i, left * sizeof(double));
        vst1q_f64(buffer, sigmoid_f64_neon_2(vld1q_f64(buffer)));
        std::memcpy(out + i, buffer, left * sizeof(double));
    }
}

}  // namespace soma::detail

#endif  // SOMA_NEON_KERNELS

#endif  // SOMA_DETAIL_SIGMOID_NEON_HPP
