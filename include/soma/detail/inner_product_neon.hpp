// soma/detail/inner_product_neon.hpp - the canonical inner product with AArch64 NEON.
//
// Same order, hence same bits, as inner_product_scalar (soma/detail/inner_product.hpp):
// the P = 256 / sizeof(T) partial sums are exactly sixteen 128-bit registers s[0..15],
// lane l of s[k] holding partial sum 4k + l (float) or 2k + l (double).
//
// Why sixteen accumulators: the canonical order fixes them, and sixteen chains cover
// the 4-cycle FMLA latency on cores with up to four SIMD pipes; the other sixteen of the
// thirty-two vector registers hold the loads.
//
// No alignment requirement. NEON has no masked loads, so the remainder of r < P terms is
// copied into a local block padded with w = -0, x = +0: each padding product is -0 and
// s + (-0) == s exactly for every s, so the padding changes no partial sum. The bias is
// placed in that block as the term (b, 1). Nothing past w[n-1] or x[n-1] is read.
#ifndef SOMA_DETAIL_INNER_PRODUCT_NEON_HPP
#define SOMA_DETAIL_INNER_PRODUCT_NEON_HPP

#include <cstddef>

#include "soma/detail/cpu.hpp"
#include "soma/detail/fma.hpp"

#if defined(SOMA_NEON_KERNELS)
#include <arm_neon.h>

namespace soma::detail {

template <ieee_binary T>
struct neon_ops;

template <>
struct neon_ops<float> {
    using v = float32x4_t;
    static constexpr std::size_t lanes = 4;
    static v splat(float a) noexcept { return vdupq_n_f32(a); }
    // -0 in every lane, opaque to the optimizer (see inner_product_avx512.hpp: a known -0
    // addend lets fma(w, x, -0) become w*x, which -ffp-contract=fast may then fuse).
    static v negative_zero() noexcept {
        v z = vdupq_n_f32(-0.0f);
        asm("" : "+w"(z));
        return z;
    }
    static v load(float const* p) noexcept { return vld1q_f32(p); }
    static v fma(v a, v b, v c) noexcept { return vfmaq_f32(c, a, b); }
    static v add(v a, v b) noexcept { return vaddq_f32(a, b); }
    // The tree inside one register: h = 2, 1.
    static float reduce(v s) noexcept {
        return vpadds_f32(vadd_f32(vget_low_f32(s), vget_high_f32(s)));
    }
};

template <>
struct neon_ops<double> {
    using v = float64x2_t;
    static constexpr std::size_t lanes = 2;
    static v splat(double a) noexcept { return vdupq_n_f64(a); }
    static v negative_zero() noexcept {
        v z = vdupq_n_f64(-0.0);
        asm("" : "+w"(z));
        return z;
    }
    static v load(double const* p) noexcept { return vld1q_f64(p); }
    static v fma(v a, v b, v c) noexcept { return vfmaq_f64(c, a, b); }
    static v add(v a, v b) noexcept { return vaddq_f64(a, b); }
    // The tree inside one register: h = 1.
    static double reduce(v s) noexcept { return vpaddd_f64(s); }
};

// z = Σ w_i x_i (+ b) in the canonical order. No alignment requirement; reads exactly
// w[0..n) and x[0..n).
template <ieee_binary T>
inline T inner_product_neon(T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept {
    using ops = neon_ops<T>;
    using v = typename ops::v;
    constexpr std::size_t lanes = ops::lanes;
    constexpr std::size_t p = 16 * lanes;
    if (n == 0 && !has_bias) return T(0);
    v s[16];
#pragma GCC unroll 16
    for (std::size_t k = 0; k < 16; ++k) s[k] = ops::negative_zero();
    std::size_t i = 0;
    for (; i + p <= n; i += p) {
#pragma GCC unroll 16
        for (std::size_t k = 0; k < 16; ++k) {
            s[k] = ops::fma(ops::load(w + i + k * lanes), ops::load(x + i + k * lanes), s[k]);
        }
    }
    std::size_t const r = n - i;
    if (r > 0 || has_bias) {
        T wt[p];
        T xt[p];
        for (std::size_t j = 0; j < p; ++j) {
            wt[j] = T(-0.0);
            xt[j] = T(0);
        }
        for (std::size_t j = 0; j < r; ++j) {
            wt[j] = w[i + j];
            xt[j] = x[i + j];
        }
        if (has_bias) {
            wt[r] = b;  // fma(b, 1, s_r) == s_r + b exactly
            xt[r] = T(1);
        }
#pragma GCC unroll 16
        for (std::size_t k = 0; k < 16; ++k) {
            s[k] = ops::fma(ops::load(wt + k * lanes), ops::load(xt + k * lanes), s[k]);
        }
    }
    // The pairwise tree: h = P/2 .. L across registers, then in-register. With at most L
    // terms only s[0] holds any and the others are -0, which the tree may skip.
    if (n + (has_bias ? 1 : 0) <= lanes) return ops::reduce(s[0]);
#pragma GCC unroll 8
    for (std::size_t k = 0; k < 8; ++k) s[k] = ops::add(s[k], s[k + 8]);
#pragma GCC unroll 4
    for (std::size_t k = 0; k < 4; ++k) s[k] = ops::add(s[k], s[k + 4]);
    s[0] = ops::add(s[0], s[2]);
    s[1] = ops::add(s[1], s[3]);
    return ops::reduce(ops::add(s[0], s[1]));
}

}  // namespace soma::detail

#endif  // SOMA_NEON_KERNELS

#endif  // SOMA_DETAIL_INNER_PRODUCT_NEON_HPP
