// soma/detail/inner_product_avx2.hpp - the canonical inner product with AVX2 + FMA3.
//
// Same order, hence same bits, as inner_product_scalar (soma/detail/inner_product.hpp):
// the P = 256 / sizeof(T) partial sums are exactly eight 256-bit registers s[0..7], lane l
// of s[k] holding partial sum 8k + l (float) or 4k + l (double).
//
// Why eight accumulators: the canonical order fixes them, and eight independent chains
// are what two FMA pipes with 4-cycle latency need to stay busy (2 x 4 = 8 in flight).
// They take half the sixteen YMM registers; the rest hold the loads. A two-row batch
// kernel would need all sixteen for accumulators and spill, so batches run row by row.
//
// No alignment requirement. The remainder of r < P terms uses vmaskmov loads, which never
// fault on or read the masked-off elements, and a blend that keeps the masked-off partial
// sums untouched (an FMA with zero operands would turn a -0 partial sum into +0).
#ifndef SOMA_DETAIL_INNER_PRODUCT_AVX2_HPP
#define SOMA_DETAIL_INNER_PRODUCT_AVX2_HPP

#include <cstddef>
#include <cstdint>

#include "soma/detail/cpu.hpp"
#include "soma/detail/fma.hpp"

#if defined(SOMA_X86_KERNELS)
#include <immintrin.h>

namespace soma::detail {

template <ieee_binary T>
struct avx2_ops;

template <>
struct avx2_ops<float> {
    using v = __m256;
    static constexpr std::size_t lanes = 8;
    SOMA_TARGET_AVX2 static v splat(float a) noexcept { return _mm256_set1_ps(a); }
    // -0 in every lane, opaque to the optimizer (see inner_product_avx512.hpp: a known -0
    // addend lets fma(w, x, -0) become w*x, which -ffp-contract=fast may then fuse).
    SOMA_TARGET_AVX2 static v negative_zero() noexcept {
        v z = _mm256_set1_ps(-0.0f);
        asm("" : "+x"(z));
        return z;
    }
    SOMA_TARGET_AVX2 static v load(float const* p) noexcept { return _mm256_loadu_ps(p); }
    // All-ones in the lanes l < c.
    SOMA_TARGET_AVX2 static __m256i first(std::size_t c) noexcept {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(c)),
                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    SOMA_TARGET_AVX2 static v load(__m256i k, float const* p) noexcept {
        return _mm256_maskload_ps(p, k);
    }
    SOMA_TARGET_AVX2 static v select(__m256i k, v yes, v no) noexcept {
        return _mm256_blendv_ps(no, yes, _mm256_castsi256_ps(k));
    }
    SOMA_TARGET_AVX2 static __m256i only(std::size_t l) noexcept {
        return _mm256_cmpeq_epi32(_mm256_set1_epi32(static_cast<int>(l)),
                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    SOMA_TARGET_AVX2 static v fma(v a, v b, v c) noexcept { return _mm256_fmadd_ps(a, b, c); }
    SOMA_TARGET_AVX2 static v add(v a, v b) noexcept { return _mm256_add_ps(a, b); }
    // The tree inside one register: h = 4, 2, 1.
    SOMA_TARGET_AVX2 static float reduce(v s) noexcept {
        __m128 const s4 = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
        __m128 const s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
        return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
    }
};

template <>
struct avx2_ops<double> {
    using v = __m256d;
    static constexpr std::size_t lanes = 4;
    SOMA_TARGET_AVX2 static v splat(double a) noexcept { return _mm256_set1_pd(a); }
    SOMA_TARGET_AVX2 static v negative_zero() noexcept {
        v z = _mm256_set1_pd(-0.0);
        asm("" : "+x"(z));
        return z;
    }
    SOMA_TARGET_AVX2 static v load(double const* p) noexcept { return _mm256_loadu_pd(p); }
    SOMA_TARGET_AVX2 static __m256i first(std::size_t c) noexcept {
        return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<std::int64_t>(c)),
                                  _mm256_setr_epi64x(0, 1, 2, 3));
    }
    SOMA_TARGET_AVX2 static v load(__m256i k, double const* p) noexcept {
        return _mm256_maskload_pd(p, k);
    }
    SOMA_TARGET_AVX2 static v select(__m256i k, v yes, v no) noexcept {
        return _mm256_blendv_pd(no, yes, _mm256_castsi256_pd(k));
    }
    SOMA_TARGET_AVX2 static __m256i only(std::size_t l) noexcept {
        return _mm256_cmpeq_epi64(_mm256_set1_epi64x(static_cast<std::int64_t>(l)),
                                  _mm256_setr_epi64x(0, 1, 2, 3));
    }
    SOMA_TARGET_AVX2 static v fma(v a, v b, v c) noexcept { return _mm256_fmadd_pd(a, b, c); }
    SOMA_TARGET_AVX2 static v add(v a, v b) noexcept { return _mm256_add_pd(a, b); }
    // The tree inside one register: h = 2, 1.
    SOMA_TARGET_AVX2 static double reduce(v s) noexcept {
        __m128d const s2 = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
        return _mm_cvtsd_f64(_mm_add_sd(s2, _mm_unpackhi_pd(s2, s2)));
    }
};

// z = Σ w_i x_i (+ b) in the canonical order. No alignment requirement; reads exactly
// w[0..n) and x[0..n).
template <ieee_binary T>
SOMA_TARGET_AVX2 inline T inner_product_avx2(T const* w, T const* x, std::size_t n, bool has_bias,
                                             T b) noexcept {
    using ops = avx2_ops<T>;
    using v = typename ops::v;
    constexpr std::size_t lanes = ops::lanes;
    constexpr std::size_t p = 8 * lanes;
    if (n == 0 && !has_bias) return T(0);
    v s[8];
#pragma GCC unroll 8
    for (std::size_t k = 0; k < 8; ++k) s[k] = ops::negative_zero();
    std::size_t i = 0;
    for (; i + p <= n; i += p) {
#pragma GCC unroll 8
        for (std::size_t k = 0; k < 8; ++k) {
            s[k] = ops::fma(ops::load(w + i + k * lanes), ops::load(x + i + k * lanes), s[k]);
        }
    }
    // The last r < P terms into partial sums 0 .. r-1, then the bias into partial sum r.
    std::size_t const r = n - i;
#pragma GCC unroll 8
    for (std::size_t k = 0; k < 8; ++k) {
        if (r > k * lanes) {
            auto const mask = ops::first(r - k * lanes);
            v const t = ops::fma(ops::load(mask, w + i + k * lanes),
                                 ops::load(mask, x + i + k * lanes), s[k]);
            s[k] = ops::select(mask, t, s[k]);
        }
    }
    if (has_bias) {
        // b in lane r % L and -0 elsewhere: adding -0 leaves the other partial sums exact.
        v const bias = ops::select(ops::only(r % lanes), ops::splat(b), ops::splat(T(-0.0)));
#pragma GCC unroll 8
        for (std::size_t k = 0; k < 8; ++k) {
            if (k == r / lanes) s[k] = ops::add(s[k], bias);
        }
    }
    // The pairwise tree: h = P/2, P/4, P/8 across registers, then in-register. With at
    // most L terms only s[0] holds any and the others are -0, which the tree may skip.
    if (n + (has_bias ? 1 : 0) <= lanes) return ops::reduce(s[0]);
#pragma GCC unroll 4
    for (std::size_t k = 0; k < 4; ++k) s[k] = ops::add(s[k], s[k + 4]);
    s[0] = ops::add(s[0], s[2]);
    s[1] = ops::add(s[1], s[3]);
    return ops::reduce(ops::add(s[0], s[1]));
}

}  // namespace soma::detail

#endif  // SOMA_X86_KERNELS

#endif  // SOMA_DETAIL_INNER_PRODUCT_AVX2_HPP
