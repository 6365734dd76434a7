// soma/detail/simd/sse2_short.hpp - short inner products inline, with the x86-64 baseline.
//
// An ISA-specific override of the canonical order for one case: a build without -march
// (x86-64 baseline, SSE2, no FMA instruction) and fewer than P terms. There every term has
// a partial sum of its own, so the canonical result is the rounded products plus the fixed
// tree, which needs no fused multiply-add: it can run inline, in the caller's own code,
// instead of through the kernel table's indirect call. Measured (Intel Xeon, AVX-512, GCC
// 12, -O3, dot of 8 floats): 2.3 ns inline against 4.5 ns through the table; above
// sse2_short_max the AVX-512 / AVX2 kernels' wider registers win (docs/benchmarks.md).
//
// Only when the flags enable no FMA: with FMA available (say -mfma without -mavx2) the
// compiler could fuse a product into the tree's additions under -ffp-contract=fast.
//
// Registers s[0..R-1] of L = 4 floats (2 doubles): partial sum kL + l in lane l of s[k],
// as in every kernel. The last register is read as the last L elements of the array moved
// down (the array has more than L elements here, so nothing outside it is read), its
// lanes past the array set to -0 and the bias put in its lane, as the term (b, 1) would.
#ifndef SOMA_DETAIL_SIMD_SSE2_SHORT_HPP
#define SOMA_DETAIL_SIMD_SSE2_SHORT_HPP

#include <cstddef>
#include <cstdint>
#include <utility>

#include "soma/detail/config.hpp"
#include "soma/detail/kernel_table.hpp"

#if defined(SOMA_X86_KERNELS) && defined(__SSE2__) && !defined(__FMA__) && !defined(__AVX__)
#define SOMA_DETAIL_SSE2_SHORT 1
#include <emmintrin.h>

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::sse2 {

template <ieee_binary T>
struct vec;

template <>
struct vec<float> {
    using v = __m128;
    static constexpr std::size_t lanes = 4;
    [[gnu::always_inline]] static v load(float const* p) noexcept { return _mm_loadu_ps(p); }
    [[gnu::always_inline]] static v mul(v a, v b) noexcept { return _mm_mul_ps(a, b); }
    [[gnu::always_inline]] static v add(v a, v b) noexcept { return _mm_add_ps(a, b); }
    // Elements end-c .. end-1 in lanes 0 .. c-1, +0 above (1 <= c <= 4, end >= 4).
    [[gnu::always_inline]] static v load_last(float const* end, std::size_t c) noexcept {
        __m128i const a = _mm_castps_si128(_mm_loadu_ps(end - 4));
        switch (c) {
            case 1:
                return _mm_castsi128_ps(_mm_srli_si128(a, 12));
            case 2:
                return _mm_castsi128_ps(_mm_srli_si128(a, 8));
            case 3:
                return _mm_castsi128_ps(_mm_srli_si128(a, 4));
            default:
                return _mm_castsi128_ps(a);
        }
    }
    // Lanes >= c set to -0 (they hold +0 products), then lane c set to b when has_bias.
    [[gnu::always_inline]] static v finish(v p, std::size_t c, bool has_bias, float b) noexcept {
        __m128i const cv = _mm_set1_epi32(static_cast<int>(c));
        __m128i const above = _mm_cmpgt_epi32(_mm_setr_epi32(1, 2, 3, 4), cv);  // lanes >= c
        p = _mm_or_ps(p, _mm_castsi128_ps(_mm_and_si128(above, _mm_set1_epi32(INT32_MIN))));
        if (has_bias) {
            __m128 const k = _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_setr_epi32(0, 1, 2, 3), cv));
            p = _mm_or_ps(_mm_andnot_ps(k, p), _mm_and_ps(k, _mm_set1_ps(b)));
        }
        return p;
    }
    // The tree inside one register: h = 2, 1.
    [[gnu::always_inline]] static float reduce(v s) noexcept {
        __m128 const s2 = _mm_add_ps(s, _mm_movehl_ps(s, s));
        return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
    }
};

template <>
struct vec<double> {
    using v = __m128d;
    static constexpr std::size_t lanes = 2;
    [[gnu::always_inline]] static v load(double const* p) noexcept { return _mm_loadu_pd(p); }
    [[gnu::always_inline]] static v mul(v a, v b) noexcept { return _mm_mul_pd(a, b); }
    [[gnu::always_inline]] static v add(v a, v b) noexcept { return _mm_add_pd(a, b); }
    [[gnu::always_inline]] static v load_last(double const* end, std::size_t c) noexcept {
        __m128i const a = _mm_castpd_si128(_mm_loadu_pd(end - 2));
        return c == 1 ? _mm_castsi128_pd(_mm_srli_si128(a, 8)) : _mm_castsi128_pd(a);
    }
    [[gnu::always_inline]] static v finish(v p, std::size_t c, bool has_bias, double b) noexcept {
        // 64-bit lane masks from 32-bit compares of duplicated lane indices (SSE2 has no
        // 64-bit compare).
        __m128i const cv = _mm_set1_epi32(static_cast<int>(c));
        __m128i const above = _mm_cmpgt_epi32(_mm_setr_epi32(1, 1, 2, 2), cv);
        p = _mm_or_pd(p,
                      _mm_castsi128_pd(_mm_and_si128(
                          above, _mm_set1_epi64x(static_cast<long long>(0x8000000000000000ULL)))));
        if (has_bias) {
            __m128d const k = _mm_castsi128_pd(_mm_cmpeq_epi32(_mm_setr_epi32(0, 0, 1, 1), cv));
            p = _mm_or_pd(_mm_andnot_pd(k, p), _mm_and_pd(k, _mm_set1_pd(b)));
        }
        return p;
    }
    // The tree inside one register: h = 1.
    [[gnu::always_inline]] static double reduce(v s) noexcept {
        return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
    }
};

// Inline up to this many terms (n + bias); beyond, the kernel table (see the measurement
// above).
template <ieee_binary T>
inline constexpr std::size_t short_max = 64 / sizeof(T);  // 16 floats, 8 doubles

// Σ w_i x_i (+ b) for L < n and n + bias <= short_max, in R registers.
template <ieee_binary T, std::size_t R>
[[nodiscard, gnu::always_inline]] inline T short_sum(T const* w, T const* x, std::size_t n,
                                                     bool has_bias, T b) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    v s[R];
    for (std::size_t k = 0; k + 1 < R; ++k) {
        s[k] = V::mul(V::load(w + k * lanes), V::load(x + k * lanes));
    }
    constexpr std::size_t base = (R - 1) * lanes;
    std::size_t const c = n - base;  // 0 .. L terms in the last register
    v last = c != 0 ? V::mul(V::load_last(w + n, c), V::load_last(x + n, c)) : v{};
    s[R - 1] = V::finish(last, c, has_bias, b);
    // The levels of the canonical tree that pair registers (the others add -0 only).
    if constexpr (R > 2) {
        s[0] = V::add(s[0], s[2]);
        if constexpr (R > 3) s[1] = V::add(s[1], s[3]);
    }
    if constexpr (R > 1) s[0] = V::add(s[0], s[1]);
    return V::reduce(s[0]);
}

template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline T inner_product(T const* w, T const* x, std::size_t n,
                                                         bool has_bias, T b) noexcept {
    static_assert(short_max<T> / vec<T>::lanes == 4);
    switch ((n + (has_bias ? 1 : 0) + vec<T>::lanes - 1) / vec<T>::lanes) {
        case 1:
            return short_sum<T, 1>(w, x, n, has_bias, b);
        case 2:
            return short_sum<T, 2>(w, x, n, has_bias, b);
        case 3:
            return short_sum<T, 3>(w, x, n, has_bias, b);
        default:
            return short_sum<T, 4>(w, x, n, has_bias, b);
    }
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::sse2

#endif

#endif  // SOMA_DETAIL_SIMD_SSE2_SHORT_HPP
