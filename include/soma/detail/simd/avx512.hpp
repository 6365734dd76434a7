// soma/detail/simd/avx512.hpp - the vocabulary of soma's kernels for x86-64 AVX-512
// (F, BW, DQ, VL; the x86-64-v4 level).
//
// The operations of simd/portable.hpp on 512-bit registers (16 floats, 8 doubles),
// compiled inside an AVX-512 target region, followed by the kernels of
// soma/detail/kernels-inl.hpp. Partial registers use masked loads and stores, which never
// touch memory in the masked-off lanes.
#ifndef SOMA_DETAIL_SIMD_AVX512_HPP
#define SOMA_DETAIL_SIMD_AVX512_HPP

#include <bit>
#include <cstddef>
#include <cstdint>

#include "soma/detail/config.hpp"
#include "soma/detail/cpu.hpp"
#include "soma/detail/kernel_table.hpp"
#include "soma/detail/sigmoid_constants.hpp"
#include "soma/detail/simd/avx2.hpp"  // one_double, and vec<double> for quarter_double
#include "soma/detail/simd/portable.hpp"

#if defined(SOMA_X86_KERNELS)
#include <immintrin.h>

// GCC 12 reports its own _mm512_undefined_* placeholders as "maybe uninitialized" when
// AVX-512 intrinsics are inlined into a target("avx512f") function of a non-AVX-512 build.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

SOMA_DETAIL_TARGET_AVX512_BEGIN

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx512 {

#define SOMA_DETAIL_OP [[nodiscard, gnu::always_inline]] static inline

template <ieee_binary T>
struct vec;

template <>
struct vec<float> {
    using v = __m512;
    using mask = __mmask16;
    static constexpr std::size_t lanes = 16;
    static constexpr mask all = 0xFFFF;

    SOMA_DETAIL_OP mask first(std::size_t c) noexcept {
        return static_cast<mask>((1U << c) - 1U);  // c <= 16
    }
    SOMA_DETAIL_OP v zero() noexcept { return _mm512_setzero_ps(); }
    SOMA_DETAIL_OP v splat(float a) noexcept { return _mm512_set1_ps(a); }
    SOMA_DETAIL_OP v load(float const* p) noexcept { return _mm512_loadu_ps(p); }
    [[gnu::always_inline]] static inline void store(float* p, v a) noexcept {
        _mm512_storeu_ps(p, a);
    }
    // Narrow too, for the same reason as store_first: a 512-bit load covering a recent
    // store to the memory past p[c) would wait for that store.
    SOMA_DETAIL_OP v load_first(float const* p, std::size_t c, v fill) noexcept {
        if (SOMA_DETAIL_KNOWN(c) && c <= 4) {
            __m128 const low =
                c == 4 ? _mm_loadu_ps(p) : _mm_maskz_loadu_ps(static_cast<__mmask8>(first(c)), p);
            return _mm512_mask_broadcast_f32x4(fill, first(c), low);
        }
        if (SOMA_DETAIL_KNOWN(c) && c <= 8) {
            __m256 const low = c == 8 ? _mm256_loadu_ps(p)
                                      : _mm256_maskz_loadu_ps(static_cast<__mmask8>(first(c)), p);
            return _mm512_mask_broadcast_f32x8(fill, first(c), low);
        }
        return _mm512_mask_loadu_ps(fill, first(c), p);
    }
    // As narrow as the lanes stored, when c is known at compile time (the kernels of a
    // static shape; SOMA_DETAIL_KNOWN): a 512-bit masked store also covers the memory past
    // p[c) (its masked-off lanes), and a later load of that memory, such as the input a
    // caller keeps just after its outputs, waits for the store to retire instead of
    // being forwarded (measured, AVX-512, Clang 14: a 4 x 4 layer with x right after y,
    // 41 ns per call with the 512-bit store, 11 ns with a 128-bit one). The narrow value
    // is opaque: otherwise GCC folds cast and store into VEXTRACTF32X4 to memory, which
    // has no fault suppression for its masked-off lanes (the guard-page test).
    [[gnu::always_inline]] static inline void store_first(float* p, v a, std::size_t c) noexcept {
        if (SOMA_DETAIL_KNOWN(c) && c <= 4) {
            __m128 low = _mm512_castps512_ps128(a);
            SOMA_DETAIL_OPAQUE(low);  // kept a masked store, see above
            if (c == 4) {
                _mm_storeu_ps(p, low);
            } else {
                _mm_mask_storeu_ps(p, static_cast<__mmask8>(first(c)), low);
            }
        } else if (SOMA_DETAIL_KNOWN(c) && c <= 8) {
            __m256 low = _mm512_castps512_ps256(a);
            SOMA_DETAIL_OPAQUE(low);  // kept a masked store, see above
            if (c == 8) {
                _mm256_storeu_ps(p, low);
            } else {
                _mm256_mask_storeu_ps(p, static_cast<__mmask8>(first(c)), low);
            }
        } else {
            _mm512_mask_storeu_ps(p, first(c), a);
        }
    }
    SOMA_DETAIL_OP v with_lane(v a, std::size_t l, float t) noexcept {
        return _mm512_mask_mov_ps(a, static_cast<mask>(1U << l), _mm512_set1_ps(t));
    }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return _mm512_add_ps(a, b); }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return _mm512_sub_ps(a, b); }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return _mm512_mul_ps(a, b); }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return _mm512_div_ps(a, b); }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return _mm512_fmadd_ps(a, b, c); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return _mm512_fmsub_ps(a, b, c); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return _mm512_fnmadd_ps(a, b, c); }
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return _mm512_max_ps(lo, a); }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept {
        return _mm512_mask_blend_ps(m, no, yes);
    }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    // The tree inside one register: h = 8, 4, 2, 1, each step bringing lanes j + h down to
    // lanes j with a shuffle (zero-masked forms with a full mask: the plain ones trip a
    // false -Wmaybe-uninitialized in GCC 12's headers).
    SOMA_DETAIL_OP float reduce(v s) noexcept {
        s = _mm512_add_ps(s, _mm512_maskz_shuffle_f32x4(all, s, s, 0x4E));
        s = _mm512_add_ps(s, _mm512_maskz_shuffle_f32x4(all, s, s, 0xB1));
        s = _mm512_add_ps(s, _mm512_maskz_permute_ps(all, s, 0x4E));
        s = _mm512_add_ps(s, _mm512_maskz_permute_ps(all, s, 0xB1));
        return _mm512_cvtss_f32(s);
    }
    SOMA_DETAIL_OP v h8(v p, v q) noexcept {
        return _mm512_add_ps(_mm512_maskz_shuffle_f32x4(all, p, q, 0x44),
                             _mm512_maskz_shuffle_f32x4(all, p, q, 0xEE));
    }
    SOMA_DETAIL_OP v h4(v p, v q) noexcept {
        return _mm512_add_ps(_mm512_maskz_shuffle_f32x4(all, p, q, 0x88),
                             _mm512_maskz_shuffle_f32x4(all, p, q, 0xDD));
    }
    SOMA_DETAIL_OP v h2(v p, v q) noexcept {
        return _mm512_add_ps(_mm512_maskz_shuffle_ps(all, p, q, _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_maskz_shuffle_ps(all, p, q, _MM_SHUFFLE(3, 2, 3, 2)));
    }
    SOMA_DETAIL_OP v h1(v p, v q) noexcept {
        return _mm512_add_ps(_mm512_maskz_shuffle_ps(all, p, q, _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_maskz_shuffle_ps(all, p, q, _MM_SHUFFLE(3, 1, 3, 1)));
    }
    // Sixteen rows' trees at once: h = 8 joins the 256-bit halves of two rows per add,
    // h = 4 the 128-bit blocks of four rows, h = 2 and h = 1 pair lanes inside blocks.
    // The pairing below leaves row g in lane g (30 shuffles and 15 adds for 16 rows).
    SOMA_DETAIL_OP v reduce_rows(v const (&a)[16]) noexcept {
        v const b1 = h4(h8(a[0], a[4]), h8(a[8], a[12]));
        v const b2 = h4(h8(a[1], a[5]), h8(a[9], a[13]));
        v const b3 = h4(h8(a[2], a[6]), h8(a[10], a[14]));
        v const b4 = h4(h8(a[3], a[7]), h8(a[11], a[15]));
        return h1(h2(b1, b2), h2(b3, b4));
    }
    SOMA_DETAIL_OP v or_bits(v a, std::uint32_t u) noexcept {
        return _mm512_castsi512_ps(
            _mm512_or_si512(_mm512_castps_si512(a), _mm512_set1_epi32(static_cast<int>(u))));
    }
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return or_bits(a, 0x80000000U); }
    SOMA_DETAIL_OP __m512d widen_lo(v a) noexcept {
        return _mm512_cvtps_pd(_mm512_castps512_ps256(a));
    }
    SOMA_DETAIL_OP __m512d widen_hi(v a) noexcept {
        return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
    }
    // The first four lanes widened to a 256-bit register of doubles, and back (the
    // others zero): for layers of at most four rows.
    using quarter_double = avx2::vec<double>;
    SOMA_DETAIL_OP __m256d widen_quarter(v a) noexcept {
        return _mm256_cvtps_pd(_mm512_castps512_ps128(a));
    }
    SOMA_DETAIL_OP v narrow_quarter(__m256d a) noexcept {
        return _mm512_zextps128_ps512(_mm256_cvtpd_ps(a));
    }
    SOMA_DETAIL_OP v narrow(__m512d lo, __m512d hi) noexcept {
        return _mm512_castpd_ps(
            _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(_mm512_cvtpd_ps(lo))),
                               _mm256_castps_pd(_mm512_cvtpd_ps(hi)), 1));
    }
};

template <>
struct vec<double> {
    using v = __m512d;
    using mask = __mmask8;
    static constexpr std::size_t lanes = 8;
    static constexpr mask all = 0xFF;

    SOMA_DETAIL_OP mask first(std::size_t c) noexcept {
        return static_cast<mask>((1U << c) - 1U);  // c <= 8
    }
    SOMA_DETAIL_OP v zero() noexcept { return _mm512_setzero_pd(); }
    SOMA_DETAIL_OP v splat(double a) noexcept { return _mm512_set1_pd(a); }
    SOMA_DETAIL_OP v load(double const* p) noexcept { return _mm512_loadu_pd(p); }
    [[gnu::always_inline]] static inline void store(double* p, v a) noexcept {
        _mm512_storeu_pd(p, a);
    }
    // As narrow as the lanes used, when known at compile time (see vec<float>::store_first).
    SOMA_DETAIL_OP v load_first(double const* p, std::size_t c, v fill) noexcept {
        if (SOMA_DETAIL_KNOWN(c) && c <= 2) {
            __m128d const low = c == 2 ? _mm_loadu_pd(p) : _mm_maskz_loadu_pd(first(c), p);
            return _mm512_mask_broadcast_f64x2(fill, first(c), low);
        }
        if (SOMA_DETAIL_KNOWN(c) && c <= 4) {
            __m256d const low = c == 4 ? _mm256_loadu_pd(p) : _mm256_maskz_loadu_pd(first(c), p);
            return _mm512_mask_broadcast_f64x4(fill, first(c), low);
        }
        return _mm512_mask_loadu_pd(fill, first(c), p);
    }
    [[gnu::always_inline]] static inline void store_first(double* p, v a, std::size_t c) noexcept {
        if (SOMA_DETAIL_KNOWN(c) && c <= 2) {
            __m128d low = _mm512_castpd512_pd128(a);
            SOMA_DETAIL_OPAQUE(low);  // kept a masked store, see above
            if (c == 2) {
                _mm_storeu_pd(p, low);
            } else {
                _mm_mask_storeu_pd(p, first(c), low);
            }
        } else if (SOMA_DETAIL_KNOWN(c) && c <= 4) {
            __m256d low = _mm512_castpd512_pd256(a);
            SOMA_DETAIL_OPAQUE(low);  // kept a masked store, see above
            if (c == 4) {
                _mm256_storeu_pd(p, low);
            } else {
                _mm256_mask_storeu_pd(p, first(c), low);
            }
        } else {
            _mm512_mask_storeu_pd(p, first(c), a);
        }
    }
    SOMA_DETAIL_OP v with_lane(v a, std::size_t l, double t) noexcept {
        return _mm512_mask_mov_pd(a, static_cast<mask>(1U << l), _mm512_set1_pd(t));
    }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return _mm512_add_pd(a, b); }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return _mm512_sub_pd(a, b); }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return _mm512_mul_pd(a, b); }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return _mm512_div_pd(a, b); }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return _mm512_fmadd_pd(a, b, c); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return _mm512_fmsub_pd(a, b, c); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return _mm512_fnmadd_pd(a, b, c); }
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return _mm512_max_pd(lo, a); }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept { return _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q); }
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept {
        return _mm512_mask_blend_pd(m, no, yes);
    }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    // The tree inside one register: h = 4, 2, 1.
    SOMA_DETAIL_OP double reduce(v s) noexcept {
        s = _mm512_add_pd(s, _mm512_maskz_shuffle_f64x2(all, s, s, 0x4E));
        s = _mm512_add_pd(s, _mm512_maskz_shuffle_f64x2(all, s, s, 0xB1));
        s = _mm512_add_pd(s, _mm512_maskz_permute_pd(all, s, 0x55));
        return _mm512_cvtsd_f64(s);
    }
    SOMA_DETAIL_OP v h4(v p, v q) noexcept {
        return _mm512_add_pd(_mm512_maskz_shuffle_f64x2(all, p, q, 0x44),
                             _mm512_maskz_shuffle_f64x2(all, p, q, 0xEE));
    }
    SOMA_DETAIL_OP v h2(v p, v q) noexcept {
        return _mm512_add_pd(_mm512_maskz_shuffle_f64x2(all, p, q, 0x88),
                             _mm512_maskz_shuffle_f64x2(all, p, q, 0xDD));
    }
    // Eight rows' trees at once, as for float: h = 4 over pairs of rows, h = 2 over four
    // rows' 128-bit blocks, h = 1 inside blocks; row g ends in lane g.
    SOMA_DETAIL_OP v reduce_rows(v const (&a)[8]) noexcept {
        v const b1 = h2(h4(a[0], a[2]), h4(a[4], a[6]));
        v const b2 = h2(h4(a[1], a[3]), h4(a[5], a[7]));
        return _mm512_add_pd(_mm512_maskz_unpacklo_pd(all, b1, b2),
                             _mm512_maskz_unpackhi_pd(all, b1, b2));
    }
    SOMA_DETAIL_OP __m512i bits(v a) noexcept { return _mm512_castpd_si512(a); }
    SOMA_DETAIL_OP v or_bits(v a, std::uint64_t u) noexcept {
        return _mm512_castsi512_pd(
            _mm512_or_si512(bits(a), _mm512_set1_epi64(static_cast<long long>(u))));
    }
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return or_bits(a, 0x8000000000000000U); }
    SOMA_DETAIL_OP v add_exponent(v p, v t, std::uint64_t e) noexcept {
        __m512i const k = _mm512_slli_epi64(
            _mm512_add_epi64(bits(t), _mm512_set1_epi64(static_cast<long long>(e))), 52);
        return _mm512_castsi512_pd(_mm512_add_epi64(bits(p), k));
    }
    SOMA_DETAIL_OP v exponent_from(v t, std::uint64_t e) noexcept {
        return _mm512_castsi512_pd(_mm512_slli_epi64(
            _mm512_add_epi64(bits(t), _mm512_set1_epi64(static_cast<long long>(e))), 52));
    }
};

using scalar_double = avx2::one_double;

#undef SOMA_DETAIL_OP

inline constexpr isa this_isa = isa::avx512;
inline constexpr feature_set this_isa_requires =
    features_of({feature::avx512f, feature::avx512bw, feature::avx512dq, feature::avx512vl,
                 feature::avx2, feature::fma});

#define SOMA_DETAIL_KERNELS_INL_INSIDE 1
#include "soma/detail/kernels-inl.hpp"
#undef SOMA_DETAIL_KERNELS_INL_INSIDE

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx512

SOMA_DETAIL_TARGET_END

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // SOMA_X86_KERNELS

#endif  // SOMA_DETAIL_SIMD_AVX512_HPP
