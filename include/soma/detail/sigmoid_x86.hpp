// soma/detail/sigmoid_x86.hpp - σ(z) over arrays with AVX2+FMA and AVX-512F.
//
// Each kernel is sigmoid_f32 / sigmoid_f64 of sigmoid_scalar.hpp, lane by lane: the same
// constants, the same fused and unfused operations in the same order, so every lane
// returns the bits of the scalar definition (the tests check this on every float and on
// millions of doubles). Only the NaN lanes are patched at the end (z with its quiet bit
// set, by an integer OR, as the scalar code returns), which keeps the main path free of
// branches and of floating-point flags.
//
// The kernels are compiled with function-level target attributes, so a default build
// (no -march) still contains them; sigmoid_array.hpp picks one once per array call.
// Loads and stores are unaligned; the tail is handled with masked loads/stores
// (AVX-512) or a zero-padded stack copy (AVX2), so no element past n is ever read.
#ifndef SOMA_DETAIL_SIGMOID_X86_HPP
#define SOMA_DETAIL_SIGMOID_X86_HPP

#include "soma/detail/cpu.hpp"

#ifdef SOMA_X86_KERNELS

#include <immintrin.h>

#include <cstddef>
#include <cstring>

#include "soma/detail/sigmoid_scalar.hpp"

// GCC 12 reports its own _mm512_undefined_* placeholders as "maybe uninitialized" when
// AVX-512 intrinsics are inlined into a target("avx512f") function of a non-AVX-512 build
// (-Wmaybe-uninitialized at -O2, -Wuninitialized at -O3).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace soma::detail {

// ---------------------------------------------------------------------------------------
// AVX-512F
// ---------------------------------------------------------------------------------------

// sigmoid_f32 without the NaN patch, on 8 floats widened to double.
SOMA_TARGET_AVX512 inline __m512d sigmoid_f32_core_avx512(__m512d x) noexcept {
    using c = sigmoid_constants;
    __m512i const sign = _mm512_set1_epi64(static_cast<long long>(c::sign_bit));
    __m512d const minus_abs = _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(x), sign));
    __m512d const a = _mm512_max_pd(_mm512_set1_pd(c::f32_a_min), minus_abs);
    __m512d const magic = _mm512_set1_pd(c::round_magic);
    __m512d const t = _mm512_fmadd_pd(a, _mm512_set1_pd(c::log2e), magic);
    __m512d const k = _mm512_sub_pd(t, magic);
    __m512d const r = _mm512_fmadd_pd(k, _mm512_set1_pd(-c::ln2_hi), a);
    __m512d p = _mm512_set1_pd(c::f32_p6);
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c::f32_p5));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c::f32_p4));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c::f32_p3));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c::f32_p2));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c::f32_p1));
    __m512d const one = _mm512_set1_pd(1.0);
    p = _mm512_fmadd_pd(p, r, one);
    // p·2^k by an integer add to the exponent field (sigmoid_scale_exact): the multiplier
    // ports are this kernel's bottleneck, the integer ones are not.
    __m512d const e = _mm512_castsi512_pd(
        _mm512_add_epi64(_mm512_castpd_si512(p), _mm512_slli_epi64(_mm512_castpd_si512(t), 52)));
    __m512d const d = _mm512_add_pd(one, e);
    __mmask8 const negative = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_LT_OQ);
    __m512d const numerator = _mm512_mask_blend_pd(negative, one, e);
    return _mm512_div_pd(numerator, d);
}

SOMA_TARGET_AVX512 inline __m512 sigmoid_f32_avx512_16(__m512 z) noexcept {
    __m256 const z_lo = _mm512_castps512_ps256(z);
    __m256 const z_hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(z), 1));
    __m256 const y_lo = _mm512_cvtpd_ps(sigmoid_f32_core_avx512(_mm512_cvtps_pd(z_lo)));
    __m256 const y_hi = _mm512_cvtpd_ps(sigmoid_f32_core_avx512(_mm512_cvtps_pd(z_hi)));
    __m512 const y = _mm512_castpd_ps(_mm512_insertf64x4(
        _mm512_castpd256_pd512(_mm256_castps_pd(y_lo)), _mm256_castps_pd(y_hi), 1));
    __mmask16 const nan = _mm512_cmp_ps_mask(z, z, _CMP_UNORD_Q);
    __m512i const quiet = _mm512_set1_epi32(static_cast<int>(sigmoid_constants::f32_quiet_bit));
    return _mm512_castsi512_ps(
        _mm512_mask_or_epi32(_mm512_castps_si512(y), nan, _mm512_castps_si512(z), quiet));
}

SOMA_TARGET_AVX512 inline void sigmoid_avx512(float const* z, float* out, std::size_t n) noexcept {
    // Two independent vectors per iteration: the body is one long dependency chain
    // (about 40 cycles), so the out-of-order core needs several in flight.
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 const z0 = _mm512_loadu_ps(z + i);
        __m512 const z1 = _mm512_loadu_ps(z + i + 16);
        _mm512_storeu_ps(out + i, sigmoid_f32_avx512_16(z0));
        _mm512_storeu_ps(out + i + 16, sigmoid_f32_avx512_16(z1));
    }
    for (; i < n; i += 16) {
        std::size_t const left = n - i < 16 ? n - i : 16;
        auto const m = static_cast<__mmask16>((1U << left) - 1U);
        __m512 const z0 = _mm512_maskz_loadu_ps(m, z + i);
        _mm512_mask_storeu_ps(out + i, m, sigmoid_f32_avx512_16(z0));
    }
}

SOMA_TARGET_AVX512 inline __m512d sigmoid_f64_avx512_8(__m512d z) noexcept {
    using c = sigmoid_constants;
    __m512i const sign = _mm512_set1_epi64(static_cast<long long>(c::sign_bit));
    __m512d const minus_abs = _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(z), sign));
    __m512d const a = _mm512_max_pd(_mm512_set1_pd(c::f64_a_min), minus_abs);
    __m512d const magic = _mm512_set1_pd(c::round_magic);
    __m512d const t = _mm512_fmadd_pd(a, _mm512_set1_pd(c::log2e), magic);
    __m512d const k = _mm512_sub_pd(t, magic);
    __m512d const r = _mm512_fmadd_pd(k, _mm512_set1_pd(-c::ln2_hi), a);
    __m512d const r_lo = _mm512_mul_pd(k, _mm512_set1_pd(-c::ln2_lo));

    __m512d w = _mm512_set1_pd(c::f64_w9);
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w8));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w7));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w6));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w5));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w4));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w3));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w2));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w1));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w0));
    __m512d const half_r = _mm512_mul_pd(_mm512_set1_pd(0.5), r);
    __m512d const h_hi = _mm512_mul_pd(half_r, r);
    __m512d const h_lo = _mm512_fmsub_pd(half_r, r, h_hi);
    __m512d const tail = _mm512_fmadd_pd(h_hi, _mm512_mul_pd(r, w), h_lo);
    __m512d const one = _mm512_set1_pd(1.0);
    __m512d const s1 = _mm512_add_pd(one, r);
    __m512d const e1 = _mm512_add_pd(_mm512_sub_pd(one, s1), r);
    __m512d const s2 = _mm512_add_pd(s1, h_hi);
    __m512d const e2 = _mm512_add_pd(_mm512_sub_pd(s1, s2), h_hi);
    __m512d lo = _mm512_add_pd(_mm512_add_pd(e1, e2), tail);
    lo = _mm512_fmadd_pd(r_lo, _mm512_add_pd(s2, tail), lo);
    __m512d const p_hi = _mm512_add_pd(s2, lo);
    __m512d const p_lo = _mm512_add_pd(_mm512_sub_pd(s2, p_hi), lo);

    __m512i const bias = _mm512_set1_epi64(static_cast<long long>(c::exponent_bias));
    __m512d const t_d = _mm512_max_pd(_mm512_set1_pd(c::round_magic + c::f64_k_min_for_d), t);
    __m512i const t_d_bits = _mm512_castpd_si512(t_d);
    __m512d const e_hi = _mm512_castsi512_pd(
        _mm512_add_epi64(_mm512_castpd_si512(p_hi), _mm512_slli_epi64(t_d_bits, 52)));
    __m512d const scale_d =
        _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_add_epi64(t_d_bits, bias), 52));
    __m512d const d_hi = _mm512_add_pd(one, e_hi);
    __m512d const d_lo =
        _mm512_fmadd_pd(p_lo, scale_d, _mm512_add_pd(_mm512_sub_pd(one, d_hi), e_hi));

    __m512d const q = _mm512_div_pd(one, d_hi);
    __m512d rho = _mm512_fnmadd_pd(q, d_hi, one);
    rho = _mm512_fnmadd_pd(q, d_lo, rho);
    __m512d const y_pos = _mm512_fmadd_pd(q, rho, q);

    __m512d const q_rho = _mm512_mul_pd(q, rho);
    __m512d const y_m =
        _mm512_fmadd_pd(p_hi, q, _mm512_fmadd_pd(p_hi, q_rho, _mm512_mul_pd(p_lo, q)));
    __m512i const shift = _mm512_set1_epi64(static_cast<long long>(c::f64_k_shift));
    __m512i const k_shift = _mm512_slli_epi64(_mm512_add_epi64(_mm512_castpd_si512(t), shift), 52);
    __m512d const y_shifted =
        _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(y_m), k_shift));
    __m512d const y_neg = _mm512_mul_pd(y_shifted, _mm512_set1_pd(c::f64_unshift));

    __mmask8 const negative = _mm512_cmp_pd_mask(z, _mm512_setzero_pd(), _CMP_LT_OQ);
    __m512d const y = _mm512_mask_blend_pd(negative, y_pos, y_neg);
    __mmask8 const nan = _mm512_cmp_pd_mask(z, z, _CMP_UNORD_Q);
    __m512i const quiet = _mm512_set1_epi64(static_cast<long long>(c::f64_quiet_bit));
    return _mm512_castsi512_pd(
        _mm512_mask_or_epi64(_mm512_castpd_si512(y), nan, _mm512_castpd_si512(z), quiet));
}

SOMA_TARGET_AVX512 inline void sigmoid_avx512(double const* z, double* out,
                                              std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512d const z0 = _mm512_loadu_pd(z + i);
        __m512d const z1 = _mm512_loadu_pd(z + i + 8);
        _mm512_storeu_pd(out + i, sigmoid_f64_avx512_8(z0));
        _mm512_storeu_pd(out + i + 8, sigmoid_f64_avx512_8(z1));
    }
    for (; i < n; i += 8) {
        std::size_t const left = n - i < 8 ? n - i : 8;
        auto const m = static_cast<__mmask8>((1U << left) - 1U);
        __m512d const z0 = _mm512_maskz_loadu_pd(m, z + i);
        _mm512_mask_storeu_pd(out + i, m, sigmoid_f64_avx512_8(z0));
    }
}

// ---------------------------------------------------------------------------------------
// AVX2 + FMA
// ---------------------------------------------------------------------------------------

SOMA_TARGET_AVX2 inline __m256d sigmoid_f32_core_avx2(__m256d x) noexcept {
    using c = sigmoid_constants;
    __m256i const sign = _mm256_set1_epi64x(static_cast<long long>(c::sign_bit));
    __m256d const minus_abs = _mm256_castsi256_pd(_mm256_or_si256(_mm256_castpd_si256(x), sign));
    __m256d const a = _mm256_max_pd(_mm256_set1_pd(c::f32_a_min), minus_abs);
    __m256d const magic = _mm256_set1_pd(c::round_magic);
    __m256d const t = _mm256_fmadd_pd(a, _mm256_set1_pd(c::log2e), magic);
    __m256d const k = _mm256_sub_pd(t, magic);
    __m256d const r = _mm256_fmadd_pd(k, _mm256_set1_pd(-c::ln2_hi), a);
    __m256d p = _mm256_set1_pd(c::f32_p6);
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c::f32_p5));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c::f32_p4));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c::f32_p3));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c::f32_p2));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c::f32_p1));
    __m256d const one = _mm256_set1_pd(1.0);
    p = _mm256_fmadd_pd(p, r, one);
    __m256d const e = _mm256_castsi256_pd(
        _mm256_add_epi64(_mm256_castpd_si256(p), _mm256_slli_epi64(_mm256_castpd_si256(t), 52)));
    __m256d const d = _mm256_add_pd(one, e);
    __m256d const negative = _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_LT_OQ);
    __m256d const numerator = _mm256_blendv_pd(one, e, negative);
    return _mm256_div_pd(numerator, d);
}

SOMA_TARGET_AVX2 inline __m256 sigmoid_f32_avx2_8(__m256 z) noexcept {
    __m128 const y_lo =
        _mm256_cvtpd_ps(sigmoid_f32_core_avx2(_mm256_cvtps_pd(_mm256_castps256_ps128(z))));
    __m128 const y_hi =
        _mm256_cvtpd_ps(sigmoid_f32_core_avx2(_mm256_cvtps_pd(_mm256_extractf128_ps(z, 1))));
    __m256 const y = _mm256_insertf128_ps(_mm256_castps128_ps256(y_lo), y_hi, 1);
    __m256 const nan = _mm256_cmp_ps(z, z, _CMP_UNORD_Q);
    __m256 const quiet =
        _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(sigmoid_constants::f32_quiet_bit)));
    return _mm256_blendv_ps(y, _mm256_or_ps(z, quiet), nan);
}

SOMA_TARGET_AVX2 inline void sigmoid_avx2(float const* z, float* out, std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 const z0 = _mm256_loadu_ps(z + i);
        __m256 const z1 = _mm256_loadu_ps(z + i + 8);
        _mm256_storeu_ps(out + i, sigmoid_f32_avx2_8(z0));
        _mm256_storeu_ps(out + i + 8, sigmoid_f32_avx2_8(z1));
    }
    for (; i < n; i += 8) {
        std::size_t const left = n - i < 8 ? n - i : 8;
        float buffer[8] = {};
        std::memcpy(buffer, z + i, left * sizeof(float));
        _mm256_storeu_ps(buffer, sigmoid_f32_avx2_8(_mm256_loadu_ps(buffer)));
        std::memcpy(out + i, buffer, left * sizeof(float));
    }
}

SOMA_TARGET_AVX2 inline __m256d sigmoid_f64_avx2_4(__m256d z) noexcept {
    using c = sigmoid_constants;
    __m256i const sign = _mm256_set1_epi64x(static_cast<long long>(c::sign_bit));
    __m256d const minus_abs = _mm256_castsi256_pd(_mm256_or_si256(_mm256_castpd_si256(z), sign));
    __m256d const a = _mm256_max_pd(_mm256_set1_pd(c::f64_a_min), minus_abs);
    __m256d const magic = _mm256_set1_pd(c::round_magic);
    __m256d const t = _mm256_fmadd_pd(a, _mm256_set1_pd(c::log2e), magic);
    __m256d const k = _mm256_sub_pd(t, magic);
    __m256d const r = _mm256_fmadd_pd(k, _mm256_set1_pd(-c::ln2_hi), a);
    __m256d const r_lo = _mm256_mul_pd(k, _mm256_set1_pd(-c::ln2_lo));

    __m256d w = _mm256_set1_pd(c::f64_w9);
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w8));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w7));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w6));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w5));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w4));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w3));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w2));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w1));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w0));
    __m256d const half_r = _mm256_mul_pd(_mm256_set1_pd(0.5), r);
    __m256d const h_hi = _mm256_mul_pd(half_r, r);
    __m256d const h_lo = _mm256_fmsub_pd(half_r, r, h_hi);
    __m256d const tail = _mm256_fmadd_pd(h_hi, _mm256_mul_pd(r, w), h_lo);
    __m256d const one = _mm256_set1_pd(1.0);
    __m256d const s1 = _mm256_add_pd(one, r);
    __m256d const e1 = _mm256_add_pd(_mm256_sub_pd(one, s1), r);
    __m256d const s2 = _mm256_add_pd(s1, h_hi);
    __m256d const e2 = _mm256_add_pd(_mm256_sub_pd(s1, s2), h_hi);
    __m256d lo = _mm256_add_pd(_mm256_add_pd(e1, e2), tail);
    lo = _mm256_fmadd_pd(r_lo, _mm256_add_pd(s2, tail), lo);
    __m256d const p_hi = _mm256_add_pd(s2, lo);
    __m256d const p_lo = _mm256_add_pd(_mm256_sub_pd(s2, p_hi), lo);

    __m256i const bias = _mm256_set1_epi64x(static_cast<long long>(c::exponent_bias));
    __m256d const t_d = _mm256_max_pd(_mm256_set1_pd(c::round_magic + c::f64_k_min_for_d), t);
    __m256i const t_d_bits = _mm256_castpd_si256(t_d);
    __m256d const e_hi = _mm256_castsi256_pd(
        _mm256_add_epi64(_mm256_castpd_si256(p_hi), _mm256_slli_epi64(t_d_bits, 52)));
    __m256d const scale_d =
        _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(t_d_bits, bias), 52));
    __m256d const d_hi = _mm256_add_pd(one, e_hi);
    __m256d const d_lo =
        _mm256_fmadd_pd(p_lo, scale_d, _mm256_add_pd(_mm256_sub_pd(one, d_hi), e_hi));

    __m256d const q = _mm256_div_pd(one, d_hi);
    __m256d rho = _mm256_fnmadd_pd(q, d_hi, one);
    rho = _mm256_fnmadd_pd(q, d_lo, rho);
    __m256d const y_pos = _mm256_fmadd_pd(q, rho, q);

    __m256d const q_rho = _mm256_mul_pd(q, rho);
    __m256d const y_m =
        _mm256_fmadd_pd(p_hi, q, _mm256_fmadd_pd(p_hi, q_rho, _mm256_mul_pd(p_lo, q)));
    __m256i const shift = _mm256_set1_epi64x(static_cast<long long>(c::f64_k_shift));
    __m256i const k_shift = _mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t), shift), 52);
    __m256d const y_shifted =
        _mm256_castsi256_pd(_mm256_add_epi64(_mm256_castpd_si256(y_m), k_shift));
    __m256d const y_neg = _mm256_mul_pd(y_shifted, _mm256_set1_pd(c::f64_unshift));

    __m256d const negative = _mm256_cmp_pd(z, _mm256_setzero_pd(), _CMP_LT_OQ);
    __m256d const y = _mm256_blendv_pd(y_pos, y_neg, negative);
    __m256d const nan = _mm256_cmp_pd(z, z, _CMP_UNORD_Q);
    __m256d const quiet =
        _mm256_castsi256_pd(_mm256_set1_epi64x(static_cast<long long>(c::f64_quiet_bit)));
    return _mm256_blendv_pd(y, _mm256_or_pd(z, quiet), nan);
}

SOMA_TARGET_AVX2 inline void sigmoid_avx2(double const* z, double* out, std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256d const z0 = _mm256_loadu_pd(z + i);
        __m256d const z1 = _mm256_loadu_pd(z + i + 4);
        _mm256_storeu_pd(out + i, sigmoid_f64_avx2_4(z0));
        _mm256_storeu_pd(out + i + 4, sigmoid_f64_avx2_4(z1));
    }
    for (; i < n; i += 4) {
        std::size_t const left = n - i < 4 ? n - i : 4;
        double buffer[4] = {};
        std::memcpy(buffer, z + i, left * sizeof(double));
        _mm256_storeu_pd(buffer, sigmoid_f64_avx2_4(_mm256_loadu_pd(buffer)));
        std::memcpy(out + i, buffer, left * sizeof(double));
    }
}

}  // namespace soma::detail

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // SOMA_X86_KERNELS

#endif  // SOMA_DETAIL_SIGMOID_X86_HPP
