// soma/detail/simd/neon.hpp - the vocabulary of soma's kernels for AArch64 Advanced SIMD.
//
// The operations of simd/portable.hpp on 128-bit registers (4 floats, 2 doubles), followed
// by the kernels of soma/detail/kernels-inl.hpp. NEON is part of the AArch64 baseline:
// no target region, no run-time choice. NEON has no masked loads, so a partial register
// goes through a small stack copy; nothing past the arrays is read or written.
#ifndef SOMA_DETAIL_SIMD_NEON_HPP
#define SOMA_DETAIL_SIMD_NEON_HPP

#include <bit>
#include <cstddef>
#include <cstdint>

#include "soma/detail/config.hpp"
#include "soma/detail/cpu.hpp"
#include "soma/detail/kernel_table.hpp"
#include "soma/detail/sigmoid_constants.hpp"
#include "soma/detail/simd/portable.hpp"

#if defined(SOMA_NEON_KERNELS)
#include <arm_neon.h>

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::neon {

#define SOMA_DETAIL_OP [[nodiscard, gnu::always_inline]] static inline

template <ieee_binary T>
struct vec;

template <>
struct vec<float> {
    using v = float32x4_t;
    using mask = uint32x4_t;
    static constexpr std::size_t lanes = 4;

    SOMA_DETAIL_OP v zero() noexcept { return vdupq_n_f32(0.0f); }
    SOMA_DETAIL_OP v splat(float a) noexcept { return vdupq_n_f32(a); }
    SOMA_DETAIL_OP v load(float const* p) noexcept { return vld1q_f32(p); }
    [[gnu::always_inline]] static inline void store(float* p, v a) noexcept { vst1q_f32(p, a); }
    SOMA_DETAIL_OP v load_first(float const* p, std::size_t c, v fill) noexcept {
        float buffer[4];
        vst1q_f32(buffer, fill);
        for (std::size_t i = 0; i < c; ++i) buffer[i] = p[i];
        return vld1q_f32(buffer);
    }
    [[gnu::always_inline]] static inline void store_first(float* p, v a, std::size_t c) noexcept {
        float buffer[4];
        vst1q_f32(buffer, a);
        for (std::size_t i = 0; i < c; ++i) p[i] = buffer[i];
    }
    SOMA_DETAIL_OP v with_lane(v a, std::size_t l, float t) noexcept {
        uint32x4_t const index = {0, 1, 2, 3};
        return vbslq_f32(vceqq_u32(index, vdupq_n_u32(static_cast<std::uint32_t>(l))),
                         vdupq_n_f32(t), a);
    }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return vaddq_f32(a, b); }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return vsubq_f32(a, b); }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return vmulq_f32(a, b); }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return vdivq_f32(a, b); }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return vfmaq_f32(c, a, b); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return vfmaq_f32(vnegq_f32(c), a, b); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return vfmsq_f32(c, a, b); }
    // vmaxq differs from MAXPS only in NaN lanes, which the kernels patch afterwards.
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return vmaxq_f32(lo, a); }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return vcltq_f32(a, b); }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return vcgeq_f32(a, b); }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept { return vmvnq_u32(vceqq_f32(a, a)); }
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept { return vbslq_f32(m, yes, no); }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    // The tree inside one register: h = 2 (low + high half), h = 1.
    SOMA_DETAIL_OP float reduce(v s) noexcept {
        return vpadds_f32(vadd_f32(vget_low_f32(s), vget_high_f32(s)));
    }
    // h = 2 for rows (p, q): the low halves against the high halves of both.
    SOMA_DETAIL_OP v h2(v p, v q) noexcept {
        return vaddq_f32(vcombine_f32(vget_low_f32(p), vget_low_f32(q)),
                         vcombine_f32(vget_high_f32(p), vget_high_f32(q)));
    }
    // Four rows' trees at once; row g ends in lane g.
    SOMA_DETAIL_OP v reduce_rows(v const (&a)[4]) noexcept {
        v const x = h2(a[0], a[1]);
        v const y = h2(a[2], a[3]);
        return vaddq_f32(vuzp1q_f32(x, y), vuzp2q_f32(x, y));
    }
    SOMA_DETAIL_OP v or_bits(v a, std::uint32_t u) noexcept {
        return vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(a), vdupq_n_u32(u)));
    }
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return or_bits(a, 0x80000000U); }
    SOMA_DETAIL_OP float64x2_t widen_lo(v a) noexcept { return vcvt_f64_f32(vget_low_f32(a)); }
    SOMA_DETAIL_OP float64x2_t widen_hi(v a) noexcept { return vcvt_high_f64_f32(a); }
    SOMA_DETAIL_OP v narrow(float64x2_t lo, float64x2_t hi) noexcept {
        return vcvt_high_f32_f64(vcvt_f32_f64(lo), hi);
    }
};

template <>
struct vec<double> {
    using v = float64x2_t;
    using mask = uint64x2_t;
    static constexpr std::size_t lanes = 2;

    SOMA_DETAIL_OP v zero() noexcept { return vdupq_n_f64(0.0); }
    SOMA_DETAIL_OP v splat(double a) noexcept { return vdupq_n_f64(a); }
    SOMA_DETAIL_OP v load(double const* p) noexcept { return vld1q_f64(p); }
    [[gnu::always_inline]] static inline void store(double* p, v a) noexcept { vst1q_f64(p, a); }
    SOMA_DETAIL_OP v load_first(double const* p, std::size_t c, v fill) noexcept {
        double buffer[2];
        vst1q_f64(buffer, fill);
        for (std::size_t i = 0; i < c; ++i) buffer[i] = p[i];
        return vld1q_f64(buffer);
    }
    [[gnu::always_inline]] static inline void store_first(double* p, v a, std::size_t c) noexcept {
        double buffer[2];
        vst1q_f64(buffer, a);
        for (std::size_t i = 0; i < c; ++i) p[i] = buffer[i];
    }
    SOMA_DETAIL_OP v with_lane(v a, std::size_t l, double t) noexcept {
        uint64x2_t const index = {0, 1};
        return vbslq_f64(vceqq_u64(index, vdupq_n_u64(l)), vdupq_n_f64(t), a);
    }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return vaddq_f64(a, b); }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return vsubq_f64(a, b); }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return vmulq_f64(a, b); }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return vdivq_f64(a, b); }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return vfmaq_f64(c, a, b); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return vfmaq_f64(vnegq_f64(c), a, b); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return vfmsq_f64(c, a, b); }
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return vmaxq_f64(lo, a); }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return vcltq_f64(a, b); }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return vcgeq_f64(a, b); }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept {
        return vreinterpretq_u64_u32(vmvnq_u32(vreinterpretq_u32_u64(vceqq_f64(a, a))));
    }
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept { return vbslq_f64(m, yes, no); }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    // The tree inside one register: h = 1.
    SOMA_DETAIL_OP double reduce(v s) noexcept { return vpaddd_f64(s); }
    // Two rows at once: lane g = row g's lane 0 + lane 1.
    SOMA_DETAIL_OP v reduce_rows(v const (&a)[2]) noexcept { return vpaddq_f64(a[0], a[1]); }
    SOMA_DETAIL_OP uint64x2_t bits(v a) noexcept { return vreinterpretq_u64_f64(a); }
    SOMA_DETAIL_OP v or_bits(v a, std::uint64_t u) noexcept {
        return vreinterpretq_f64_u64(vorrq_u64(bits(a), vdupq_n_u64(u)));
    }
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return or_bits(a, 0x8000000000000000U); }
    SOMA_DETAIL_OP v add_exponent(v p, v t, std::uint64_t e) noexcept {
        uint64x2_t const k = vshlq_n_u64(vaddq_u64(bits(t), vdupq_n_u64(e)), 52);
        return vreinterpretq_f64_u64(vaddq_u64(bits(p), k));
    }
    SOMA_DETAIL_OP v exponent_from(v t, std::uint64_t e) noexcept {
        return vreinterpretq_f64_u64(vshlq_n_u64(vaddq_u64(bits(t), vdupq_n_u64(e)), 52));
    }
};

using scalar_double = portable::vec<double>;

#undef SOMA_DETAIL_OP

inline constexpr isa this_isa = isa::neon;
inline constexpr feature_set this_isa_requires = features_of({feature::neon});

#define SOMA_DETAIL_KERNELS_INL_INSIDE 1
#include "soma/detail/kernels-inl.hpp"
#undef SOMA_DETAIL_KERNELS_INL_INSIDE

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::neon

#endif  // SOMA_NEON_KERNELS

#endif  // SOMA_DETAIL_SIMD_NEON_HPP
