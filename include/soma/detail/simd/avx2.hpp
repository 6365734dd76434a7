// soma/detail/simd/avx2.hpp - the vocabulary of soma's kernels for x86-64 AVX2 + FMA3.
//
// The operations of simd/portable.hpp on 256-bit registers (8 floats, 4 doubles), compiled
// inside an AVX2 target region, followed by the kernels of soma/detail/kernels-inl.hpp.
// Partial registers use vmaskmov, which neither faults on nor reads the masked-off
// elements.
#ifndef SOMA_DETAIL_SIMD_AVX2_HPP
#define SOMA_DETAIL_SIMD_AVX2_HPP

#include <bit>
#include <cstddef>
#include <cstdint>

#include "soma/detail/config.hpp"
#include "soma/detail/cpu.hpp"
#include "soma/detail/kernel_table.hpp"
#include "soma/detail/sigmoid_constants.hpp"
#include "soma/detail/simd/portable.hpp"

#if defined(SOMA_X86_KERNELS)
#include <immintrin.h>

SOMA_DETAIL_TARGET_AVX2_BEGIN

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx2 {

#define SOMA_DETAIL_OP [[nodiscard, gnu::always_inline]] static inline

template <ieee_binary T>
struct vec;

template <>
struct vec<float> {
    using v = __m256;
    using mask = __m256;
    static constexpr std::size_t lanes = 8;

    // All-ones in the lanes l < c.
    SOMA_DETAIL_OP __m256i first(std::size_t c) noexcept {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(c)),
                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    SOMA_DETAIL_OP v zero() noexcept { return _mm256_setzero_ps(); }
    SOMA_DETAIL_OP v splat(float a) noexcept { return _mm256_set1_ps(a); }
    SOMA_DETAIL_OP v load(float const* p) noexcept { return _mm256_loadu_ps(p); }
    [[gnu::always_inline]] static inline void store(float* p, v a) noexcept {
        _mm256_storeu_ps(p, a);
    }
    // At most four lanes known at compile time (SOMA_DETAIL_KNOWN): 128-bit accesses. A
    // 256-bit masked access also covers the memory past p[c), and a load of memory that a
    // recent store covers waits for that store instead of being forwarded (see the
    // AVX-512 vocabulary's store_first).
    SOMA_DETAIL_OP v load_first(float const* p, std::size_t c, v fill) noexcept {
        __m256i const k = first(c);
        if (SOMA_DETAIL_KNOWN(c) && c <= 4) {
            __m128 const low =
                c == 4 ? _mm_loadu_ps(p) : _mm_maskload_ps(p, _mm256_castsi256_si128(k));
            return _mm256_blendv_ps(fill, _mm256_castps128_ps256(low), _mm256_castsi256_ps(k));
        }
        return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, k), _mm256_castsi256_ps(k));
    }
    [[gnu::always_inline]] static inline void store_first(float* p, v a, std::size_t c) noexcept {
        if (SOMA_DETAIL_KNOWN(c) && c <= 4) {
            __m128 const low = _mm256_castps256_ps128(a);
            if (c == 4) {
                _mm_storeu_ps(p, low);
            } else {
                _mm_maskstore_ps(p, _mm256_castsi256_si128(first(c)), low);
            }
        } else {
            _mm256_maskstore_ps(p, first(c), a);
        }
    }
    SOMA_DETAIL_OP v with_lane(v a, std::size_t l, float t) noexcept {
        __m256i const k = _mm256_cmpeq_epi32(_mm256_set1_epi32(static_cast<int>(l)),
                                             _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        return _mm256_blendv_ps(a, _mm256_set1_ps(t), _mm256_castsi256_ps(k));
    }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return _mm256_add_ps(a, b); }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return _mm256_sub_ps(a, b); }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return _mm256_mul_ps(a, b); }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return _mm256_div_ps(a, b); }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return _mm256_fmadd_ps(a, b, c); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return _mm256_fmsub_ps(a, b, c); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return _mm256_fnmadd_ps(a, b, c); }
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return _mm256_max_ps(lo, a); }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept { return _mm256_blendv_ps(no, yes, m); }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    // The tree inside one register: h = 4, 2, 1.
    SOMA_DETAIL_OP float reduce(v s) noexcept {
        __m128 const s4 = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
        __m128 const s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
        return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
    }
    SOMA_DETAIL_OP v h4(v p, v q) noexcept {
        return _mm256_add_ps(_mm256_permute2f128_ps(p, q, 0x20),
                             _mm256_permute2f128_ps(p, q, 0x31));
    }
    // Eight rows' trees at once. h = 4 joins the 128-bit halves of rows (g, g+4) in one
    // register; h = 2 and h = 1 pair lanes of two registers with shuffles; the row order
    // chosen here leaves row g in lane g.
    SOMA_DETAIL_OP v reduce_rows(v const (&a)[8]) noexcept {
        v const a04 = h4(a[0], a[4]);
        v const a15 = h4(a[1], a[5]);
        v const a26 = h4(a[2], a[6]);
        v const a37 = h4(a[3], a[7]);
        v const b0 = _mm256_add_ps(_mm256_shuffle_ps(a04, a15, _MM_SHUFFLE(1, 0, 1, 0)),
                                   _mm256_shuffle_ps(a04, a15, _MM_SHUFFLE(3, 2, 3, 2)));
        v const b1 = _mm256_add_ps(_mm256_shuffle_ps(a26, a37, _MM_SHUFFLE(1, 0, 1, 0)),
                                   _mm256_shuffle_ps(a26, a37, _MM_SHUFFLE(3, 2, 3, 2)));
        return _mm256_add_ps(_mm256_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm256_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1)));
    }
    SOMA_DETAIL_OP v or_bits(v a, std::uint32_t u) noexcept {
        return _mm256_or_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(u))));
    }
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return or_bits(a, 0x80000000U); }
    SOMA_DETAIL_OP __m256d widen_lo(v a) noexcept {
        return _mm256_cvtps_pd(_mm256_castps256_ps128(a));
    }
    SOMA_DETAIL_OP __m256d widen_hi(v a) noexcept {
        return _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1));
    }
    SOMA_DETAIL_OP v narrow(__m256d lo, __m256d hi) noexcept {
        return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)),
                                    _mm256_cvtpd_ps(hi), 1);
    }
};

template <>
struct vec<double> {
    using v = __m256d;
    using mask = __m256d;
    static constexpr std::size_t lanes = 4;

    SOMA_DETAIL_OP __m256i first(std::size_t c) noexcept {
        return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<std::int64_t>(c)),
                                  _mm256_setr_epi64x(0, 1, 2, 3));
    }
    SOMA_DETAIL_OP v zero() noexcept { return _mm256_setzero_pd(); }
    SOMA_DETAIL_OP v splat(double a) noexcept { return _mm256_set1_pd(a); }
    SOMA_DETAIL_OP v load(double const* p) noexcept { return _mm256_loadu_pd(p); }
    [[gnu::always_inline]] static inline void store(double* p, v a) noexcept {
        _mm256_storeu_pd(p, a);
    }
    // At most two lanes known at compile time: 128-bit accesses (see vec<float>::load_first).
    SOMA_DETAIL_OP v load_first(double const* p, std::size_t c, v fill) noexcept {
        __m256i const k = first(c);
        if (SOMA_DETAIL_KNOWN(c) && c <= 2) {
            __m128d const low =
                c == 2 ? _mm_loadu_pd(p) : _mm_maskload_pd(p, _mm256_castsi256_si128(k));
            return _mm256_blendv_pd(fill, _mm256_castpd128_pd256(low), _mm256_castsi256_pd(k));
        }
        return _mm256_blendv_pd(fill, _mm256_maskload_pd(p, k), _mm256_castsi256_pd(k));
    }
    [[gnu::always_inline]] static inline void store_first(double* p, v a, std::size_t c) noexcept {
        if (SOMA_DETAIL_KNOWN(c) && c <= 2) {
            __m128d const low = _mm256_castpd256_pd128(a);
            if (c == 2) {
                _mm_storeu_pd(p, low);
            } else {
                _mm_maskstore_pd(p, _mm256_castsi256_si128(first(c)), low);
            }
        } else {
            _mm256_maskstore_pd(p, first(c), a);
        }
    }
    SOMA_DETAIL_OP v with_lane(v a, std::size_t l, double t) noexcept {
        __m256i const k = _mm256_cmpeq_epi64(_mm256_set1_epi64x(static_cast<std::int64_t>(l)),
                                             _mm256_setr_epi64x(0, 1, 2, 3));
        return _mm256_blendv_pd(a, _mm256_set1_pd(t), _mm256_castsi256_pd(k));
    }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return _mm256_add_pd(a, b); }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return _mm256_sub_pd(a, b); }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return _mm256_mul_pd(a, b); }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return _mm256_div_pd(a, b); }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return _mm256_fmadd_pd(a, b, c); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return _mm256_fmsub_pd(a, b, c); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return _mm256_fnmadd_pd(a, b, c); }
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return _mm256_max_pd(lo, a); }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return _mm256_cmp_pd(a, b, _CMP_GE_OQ); }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept { return _mm256_cmp_pd(a, a, _CMP_UNORD_Q); }
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept { return _mm256_blendv_pd(no, yes, m); }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    // The tree inside one register: h = 2, 1.
    SOMA_DETAIL_OP double reduce(v s) noexcept {
        __m128d const s2 = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
        return _mm_cvtsd_f64(_mm_add_sd(s2, _mm_unpackhi_pd(s2, s2)));
    }
    // Four rows' trees at once: h = 2 joins the halves of rows (0, 2) and (1, 3), h = 1
    // pairs lanes of the two results; row g ends in lane g.
    SOMA_DETAIL_OP v reduce_rows(v const (&a)[4]) noexcept {
        v const a02 = _mm256_add_pd(_mm256_permute2f128_pd(a[0], a[2], 0x20),
                                    _mm256_permute2f128_pd(a[0], a[2], 0x31));
        v const a13 = _mm256_add_pd(_mm256_permute2f128_pd(a[1], a[3], 0x20),
                                    _mm256_permute2f128_pd(a[1], a[3], 0x31));
        return _mm256_add_pd(_mm256_unpacklo_pd(a02, a13), _mm256_unpackhi_pd(a02, a13));
    }
    SOMA_DETAIL_OP __m256i bits(v a) noexcept { return _mm256_castpd_si256(a); }
    SOMA_DETAIL_OP v or_bits(v a, std::uint64_t u) noexcept {
        return _mm256_castsi256_pd(
            _mm256_or_si256(bits(a), _mm256_set1_epi64x(static_cast<long long>(u))));
    }
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return or_bits(a, 0x8000000000000000U); }
    SOMA_DETAIL_OP v add_exponent(v p, v t, std::uint64_t e) noexcept {
        __m256i const k = _mm256_slli_epi64(
            _mm256_add_epi64(bits(t), _mm256_set1_epi64x(static_cast<long long>(e))), 52);
        return _mm256_castsi256_pd(_mm256_add_epi64(bits(p), k));
    }
    SOMA_DETAIL_OP v exponent_from(v t, std::uint64_t e) noexcept {
        return _mm256_castsi256_pd(_mm256_slli_epi64(
            _mm256_add_epi64(bits(t), _mm256_set1_epi64x(static_cast<long long>(e))), 52));
    }
};

// One double in the low lane of an SSE register, with the operations of vec<double>: the
// vocabulary of σ and tanh of one value (sigmoid_one, tanh_one) on x86-64. The portable
// vocabulary compiled for this target does the same operations with the same roundings,
// but its selects, maxima and exponent arithmetic go through the integer registers;
// here every step stays in SSE registers (measured, AVX-512, GCC 12, -O3: the scalar
// float σ 4.55 ns -> 3.83 ns per call, a 2-input layer 5.87 -> 4.94 ns).
struct one_double {
    using v = __m128d;
    using mask = __m128d;
    static constexpr std::size_t lanes = 1;

    SOMA_DETAIL_OP v zero() noexcept { return _mm_setzero_pd(); }
    SOMA_DETAIL_OP v splat(double a) noexcept { return _mm_set_sd(a); }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return _mm_add_sd(a, b); }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return _mm_sub_sd(a, b); }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return _mm_mul_sd(a, b); }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return _mm_div_sd(a, b); }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return _mm_fmadd_sd(a, b, c); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return _mm_fmsub_sd(a, b, c); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return _mm_fnmadd_sd(a, b, c); }
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return _mm_max_sd(lo, a); }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return _mm_cmp_sd(a, b, _CMP_LT_OQ); }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return _mm_cmp_sd(a, b, _CMP_GE_OQ); }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept { return _mm_cmp_sd(a, a, _CMP_UNORD_Q); }
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept { return _mm_blendv_pd(no, yes, m); }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    SOMA_DETAIL_OP __m128i bits(v a) noexcept { return _mm_castpd_si128(a); }
    SOMA_DETAIL_OP v or_bits(v a, std::uint64_t u) noexcept {
        return _mm_castsi128_pd(_mm_or_si128(bits(a), _mm_set1_epi64x(static_cast<long long>(u))));
    }
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return or_bits(a, 0x8000000000000000U); }
    SOMA_DETAIL_OP v add_exponent(v p, v t, std::uint64_t e) noexcept {
        __m128i const k =
            _mm_slli_epi64(_mm_add_epi64(bits(t), _mm_set1_epi64x(static_cast<long long>(e))), 52);
        return _mm_castsi128_pd(_mm_add_epi64(bits(p), k));
    }
    SOMA_DETAIL_OP v exponent_from(v t, std::uint64_t e) noexcept {
        return _mm_castsi128_pd(
            _mm_slli_epi64(_mm_add_epi64(bits(t), _mm_set1_epi64x(static_cast<long long>(e))), 52));
    }
    SOMA_DETAIL_OP v from(double a) noexcept { return _mm_set_sd(a); }
    SOMA_DETAIL_OP double to(v a) noexcept { return _mm_cvtsd_f64(a); }
};
using scalar_double = one_double;

#undef SOMA_DETAIL_OP

inline constexpr isa this_isa = isa::avx2_fma;
inline constexpr feature_set this_isa_requires = features_of({feature::avx2, feature::fma});

#define SOMA_DETAIL_KERNELS_INL_INSIDE 1
#include "soma/detail/kernels-inl.hpp"
#undef SOMA_DETAIL_KERNELS_INL_INSIDE

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx2

SOMA_DETAIL_TARGET_END

#endif  // SOMA_X86_KERNELS

#endif  // SOMA_DETAIL_SIMD_AVX2_HPP
