// soma/detail/inner_product_avx512.hpp - the canonical inner product with AVX-512.
//
// Same order, hence same bits, as inner_product_scalar (soma/detail/inner_product.hpp):
// the P = 256 / sizeof(T) partial sums are exactly four 512-bit registers s[0..3], lane l
// of s[k] holding partial sum 16k + l (float) or 8k + l (double).
//
// Why four accumulators: the canonical order fixes them (256 bytes), and four is also what
// the load ports allow: every fused multiply-add needs two 64-byte loads, and two such
// loads per cycle give one FMA per cycle, which four independent chains of 4-cycle
// latency sustain. The batch kernel evaluates four rows per pass (16 accumulators), so
// each load of x serves four FMAs and two FMAs per cycle become possible.
//
// No alignment requirement. The remainder of r < P terms uses masked loads, which never
// touch memory past the end, and masked FMAs that leave the lanes past the end untouched
// (an FMA with zero operands would turn a -0 partial sum into +0). Because a 64-byte load
// that straddles two cache lines costs two load slots, long vectors are peeled until w is
// aligned, and a still misaligned x is read as aligned blocks joined by a permute; both
// change only which lane holds which partial sum or how a chunk of x is assembled, never
// an arithmetic operation. Vectors of at most L terms use one register and its tree.
#ifndef SOMA_DETAIL_INNER_PRODUCT_AVX512_HPP
#define SOMA_DETAIL_INNER_PRODUCT_AVX512_HPP

#include <cstddef>
#include <cstdint>
#include <utility>

#include "soma/detail/cpu.hpp"
#include "soma/detail/fma.hpp"

#if defined(SOMA_X86_KERNELS)
#include <immintrin.h>

namespace soma::detail {

template <ieee_binary T>
struct avx512_ops;

template <>
struct avx512_ops<float> {
    using v = __m512;
    using mask = __mmask16;
    static constexpr std::size_t lanes = 16;
    SOMA_TARGET_AVX512 static v splat(float a) noexcept { return _mm512_set1_ps(a); }
    // -0 in every lane, opaque to the optimizer: a compiler that knows an addend is -0 may
    // turn fma(w, x, -0) into w*x and then, under -ffp-contract=fast, fuse that product
    // into a later addition of the tree, which would change the bits.
    SOMA_TARGET_AVX512 static v negative_zero() noexcept {
        v z = _mm512_set1_ps(-0.0f);
        asm("" : "+v"(z));
        return z;
    }
    SOMA_TARGET_AVX512 static v load(float const* p) noexcept { return _mm512_loadu_ps(p); }
    SOMA_TARGET_AVX512 static v load(mask k, float const* p) noexcept {
        return _mm512_maskz_loadu_ps(k, p);
    }
    // The first popcount(k) elements of p into the lanes set in k, in order.
    SOMA_TARGET_AVX512 static v expand(mask k, float const* p) noexcept {
        return _mm512_maskz_expandloadu_ps(k, p);
    }
    // Lanes L-k .. L-1 of lo followed by lanes 0 .. L-k-1 of hi.
    SOMA_TARGET_AVX512 static v rotate(v lo, v hi, std::size_t k) noexcept {
        __m512i const idx = _mm512_add_epi32(
            _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
            _mm512_set1_epi32(static_cast<int>(lanes - k)));
        return _mm512_permutex2var_ps(lo, idx, hi);
    }
    // Lanes d .. L-1 of lo followed by lanes 0 .. d-1 of hi (join with shift_index(d)).
    SOMA_TARGET_AVX512 static __m512i shift_index(std::size_t d) noexcept {
        return _mm512_add_epi32(
            _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
            _mm512_set1_epi32(static_cast<int>(d)));
    }
    SOMA_TARGET_AVX512 static v join(v lo, v hi, __m512i idx) noexcept {
        return _mm512_permutex2var_ps(lo, idx, hi);
    }
    SOMA_TARGET_AVX512 static v fma(v a, v b, v c) noexcept { return _mm512_fmadd_ps(a, b, c); }
    SOMA_TARGET_AVX512 static v fma(v a, v b, v c, mask k) noexcept {
        return _mm512_mask3_fmadd_ps(a, b, c, k);
    }
    SOMA_TARGET_AVX512 static v add(v a, v b) noexcept { return _mm512_add_ps(a, b); }
    SOMA_TARGET_AVX512 static v add(v a, v b, mask k) noexcept {
        return _mm512_mask_add_ps(a, k, a, b);
    }
    // The tree inside one register: h = 8, 4, 2, 1, each step bringing lanes j + h down to
    // lanes j with a shuffle. Zero-masked forms with a full mask: the plain ones (and the
    // 512-to-256 casts) trip a false -Wmaybe-uninitialized in GCC 12's headers.
    SOMA_TARGET_AVX512 static float reduce(v s) noexcept {
        constexpr mask all = 0xFFFF;
        s = _mm512_add_ps(s, _mm512_maskz_shuffle_f32x4(all, s, s, 0x4E));  // h = 8: 256-bit halves
        s = _mm512_add_ps(s, _mm512_maskz_shuffle_f32x4(all, s, s, 0xB1));  // h = 4: 128-bit blocks
        s = _mm512_add_ps(s, _mm512_maskz_permute_ps(all, s, 0x4E));        // h = 2
        s = _mm512_add_ps(s, _mm512_maskz_permute_ps(all, s, 0xB1));        // h = 1
        return _mm512_cvtss_f32(s);
    }
    // The same in-register tree for four rows at once, writing z[0..3]: h = 8 pairs the
    // 256-bit halves of two rows per add, h = 4 the 128-bit blocks of four rows per add,
    // then h = 2 and 1 inside each block. Each row sees exactly its own pairwise sums.
    SOMA_TARGET_AVX512 static void reduce4(v a, v b, v c, v d, float* z) noexcept {
        constexpr mask all = 0xFFFF;
        v const ab = _mm512_add_ps(_mm512_maskz_shuffle_f32x4(all, a, b, 0x44),
                                   _mm512_maskz_shuffle_f32x4(all, a, b, 0xEE));
        v const cd = _mm512_add_ps(_mm512_maskz_shuffle_f32x4(all, c, d, 0x44),
                                   _mm512_maskz_shuffle_f32x4(all, c, d, 0xEE));
        v t = _mm512_add_ps(_mm512_maskz_shuffle_f32x4(all, ab, cd, 0x88),
                            _mm512_maskz_shuffle_f32x4(all, ab, cd, 0xDD));
        t = _mm512_add_ps(t, _mm512_maskz_permute_ps(all, t, 0x4E));
        t = _mm512_add_ps(t, _mm512_maskz_permute_ps(all, t, 0xB1));
        _mm512_mask_storeu_ps(z, 0x000F, _mm512_maskz_compress_ps(0x1111, t));
    }
};

template <>
struct avx512_ops<double> {
    using v = __m512d;
    using mask = __mmask8;
    static constexpr std::size_t lanes = 8;
    SOMA_TARGET_AVX512 static v splat(double a) noexcept { return _mm512_set1_pd(a); }
    SOMA_TARGET_AVX512 static v negative_zero() noexcept {
        v z = _mm512_set1_pd(-0.0);
        asm("" : "+v"(z));
        return z;
    }
    SOMA_TARGET_AVX512 static v load(double const* p) noexcept { return _mm512_loadu_pd(p); }
    SOMA_TARGET_AVX512 static v load(mask k, double const* p) noexcept {
        return _mm512_maskz_loadu_pd(k, p);
    }
    SOMA_TARGET_AVX512 static v expand(mask k, double const* p) noexcept {
        return _mm512_maskz_expandloadu_pd(k, p);
    }
    SOMA_TARGET_AVX512 static v rotate(v lo, v hi, std::size_t k) noexcept {
        __m512i const idx = _mm512_add_epi64(_mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0),
                                             _mm512_set1_epi64(static_cast<long long>(lanes - k)));
        return _mm512_permutex2var_pd(lo, idx, hi);
    }
    SOMA_TARGET_AVX512 static __m512i shift_index(std::size_t d) noexcept {
        return _mm512_add_epi64(_mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0),
                                _mm512_set1_epi64(static_cast<long long>(d)));
    }
    SOMA_TARGET_AVX512 static v join(v lo, v hi, __m512i idx) noexcept {
        return _mm512_permutex2var_pd(lo, idx, hi);
    }
    SOMA_TARGET_AVX512 static v fma(v a, v b, v c) noexcept { return _mm512_fmadd_pd(a, b, c); }
    SOMA_TARGET_AVX512 static v fma(v a, v b, v c, mask k) noexcept {
        return _mm512_mask3_fmadd_pd(a, b, c, k);
    }
    SOMA_TARGET_AVX512 static v add(v a, v b) noexcept { return _mm512_add_pd(a, b); }
    SOMA_TARGET_AVX512 static v add(v a, v b, mask k) noexcept {
        return _mm512_mask_add_pd(a, k, a, b);
    }
    // The tree inside one register: h = 4, 2, 1, as for float.
    SOMA_TARGET_AVX512 static double reduce(v s) noexcept {
        constexpr mask all = 0xFF;
        s = _mm512_add_pd(s, _mm512_maskz_shuffle_f64x2(all, s, s, 0x4E));  // h = 4: 256-bit halves
        s = _mm512_add_pd(s, _mm512_maskz_shuffle_f64x2(all, s, s, 0xB1));  // h = 2: 128-bit blocks
        s = _mm512_add_pd(s, _mm512_maskz_permute_pd(all, s, 0x55));        // h = 1
        return _mm512_cvtsd_f64(s);
    }
    // Four rows at once, as for float: h = 4 over pairs of rows, h = 2 over four rows'
    // 128-bit blocks, h = 1 inside each block.
    SOMA_TARGET_AVX512 static void reduce4(v a, v b, v c, v d, double* z) noexcept {
        constexpr mask all = 0xFF;
        v const ab = _mm512_add_pd(_mm512_maskz_shuffle_f64x2(all, a, b, 0x44),
                                   _mm512_maskz_shuffle_f64x2(all, a, b, 0xEE));
        v const cd = _mm512_add_pd(_mm512_maskz_shuffle_f64x2(all, c, d, 0x44),
                                   _mm512_maskz_shuffle_f64x2(all, c, d, 0xEE));
        v t = _mm512_add_pd(_mm512_maskz_shuffle_f64x2(all, ab, cd, 0x88),
                            _mm512_maskz_shuffle_f64x2(all, ab, cd, 0xDD));
        t = _mm512_add_pd(t, _mm512_maskz_permute_pd(all, t, 0x55));
        _mm512_mask_storeu_pd(z, 0x0F, _mm512_maskz_compress_pd(0x55, t));
    }
};

// The four accumulators of one inner product, partial sum j in lane j % L of s[j / L].
template <ieee_binary T>
struct avx512_sums {
    using ops = avx512_ops<T>;
    using v = typename ops::v;
    static constexpr std::size_t lanes = ops::lanes;
    static constexpr std::size_t p = 4 * lanes;
    v s0, s1, s2, s3;

    SOMA_TARGET_AVX512 static avx512_sums start() noexcept {
        v const z = ops::negative_zero();
        return {z, z, z, z};
    }
    // Terms i .. i+P-1 with x already loaded (shared between rows).
    SOMA_TARGET_AVX512 void block(T const* w, v x0, v x1, v x2, v x3) noexcept {
        s0 = ops::fma(ops::load(w), x0, s0);
        s1 = ops::fma(ops::load(w + lanes), x1, s1);
        s2 = ops::fma(ops::load(w + 2 * lanes), x2, s2);
        s3 = ops::fma(ops::load(w + 3 * lanes), x3, s3);
    }
    // Alignment peeling. Full-width loads that straddle two cache lines cost two load slots,
    // so for long vectors the main loop starts at the first i = k (< L) where w + i is
    // 64-byte aligned. The registers then hold the partial sums rotated by k: storage
    // position q = (i - k) mod P receives term i, i.e. partial sum (q + k) mod P. The k
    // peeled terms 0 .. k-1 belong at positions P-k .. P-1, the top lanes of s3; the tail
    // and the bias land at positions r = (n - k) mod P as before; unrotate() restores
    // the canonical layout before the tree. Only the placement changes, not one operation.
    SOMA_TARGET_AVX512 void peel(T const* w, T const* x, std::size_t k) noexcept {
        using m = typename ops::mask;
        auto const top = static_cast<m>(static_cast<m>(~m{0}) << (lanes - k));
        s3 = ops::fma(ops::expand(top, w), ops::expand(top, x), s3, top);
    }
    SOMA_TARGET_AVX512 void unrotate(std::size_t k) noexcept {
        if (k == 0) return;
        v const t0 = ops::rotate(s3, s0, k);
        v const t1 = ops::rotate(s0, s1, k);
        v const t2 = ops::rotate(s1, s2, k);
        s3 = ops::rotate(s2, s3, k);
        s0 = t0;
        s1 = t1;
        s2 = t2;
    }
    // Elements to skip until w is 64-byte aligned (w is T-aligned), for long vectors.
    SOMA_TARGET_AVX512 static std::size_t peel_count(T const* w, std::size_t n) noexcept {
        if (n < 4 * p) return 0;
        auto const address = reinterpret_cast<std::uintptr_t>(w);
        return ((64U - (address & 63U)) & 63U) / sizeof(T);
    }
    // Where the last r < P terms and the bias go: per register, the lanes of the tail
    // terms (partial sums 0 .. r-1) and the lane of the bias (partial sum r). Computed once
    // and shared by every row of a batch, since all rows have the same r.
    struct tail {
        using m = typename ops::mask;
        m t0, t1, t2, t3;
        m b0, b1, b2, b3;
        SOMA_TARGET_AVX512 static m first(std::size_t r, std::size_t from) noexcept {
            if (r <= from) return 0;
            std::size_t const c = r - from;
            return c >= lanes ? static_cast<m>(~m{0}) : static_cast<m>((1U << c) - 1U);
        }
        SOMA_TARGET_AVX512 static tail make(std::size_t r, bool has_bias) noexcept {
            // A one-hot mask over the P partial sums, split per register (a switch on the
            // register index instead makes compilers address s0..s3 through memory).
            std::uint64_t const one_hot = has_bias ? std::uint64_t{1} << r : 0;
            return {first(r, 0),
                    first(r, lanes),
                    first(r, 2 * lanes),
                    first(r, 3 * lanes),
                    static_cast<m>(one_hot),
                    static_cast<m>(one_hot >> lanes),
                    static_cast<m>(one_hot >> (2 * lanes)),
                    static_cast<m>(one_hot >> (3 * lanes))};
        }
    };
    SOMA_TARGET_AVX512 static v tail_step(v s, T const* w, T const* x,
                                          typename ops::mask k) noexcept {
        return ops::fma(ops::load(k, w), ops::load(k, x), s, k);
    }
    // The last r < P terms into partial sums 0 .. r-1, then the bias into partial sum r.
    SOMA_TARGET_AVX512 void finish_terms(T const* w, T const* x, tail const& t, T b) noexcept {
        if (t.t0 != 0) s0 = tail_step(s0, w, x, t.t0);
        if (t.t1 != 0) s1 = tail_step(s1, w + lanes, x + lanes, t.t1);
        if (t.t2 != 0) s2 = tail_step(s2, w + 2 * lanes, x + 2 * lanes, t.t2);
        if (t.t3 != 0) s3 = tail_step(s3, w + 3 * lanes, x + 3 * lanes, t.t3);
        v const bv = ops::splat(b);
        if (t.b0 != 0) s0 = ops::add(s0, bv, t.b0);
        if (t.b1 != 0) s1 = ops::add(s1, bv, t.b1);
        if (t.b2 != 0) s2 = ops::add(s2, bv, t.b2);
        if (t.b3 != 0) s3 = ops::add(s3, bv, t.b3);
    }
    // finish_terms for four rows sharing one tail: each test is made once per group and
    // each tail load of x serves four rows.
    template <v avx512_sums::*s>
    SOMA_TARGET_AVX512 static void tail4(avx512_sums& a0, avx512_sums& a1, avx512_sums& a2,
                                         avx512_sums& a3, T const* w0, T const* w1, T const* w2,
                                         T const* w3, T const* x, typename ops::mask k) noexcept {
        v const xv = ops::load(k, x);
        a0.*s = ops::fma(ops::load(k, w0), xv, a0.*s, k);
        a1.*s = ops::fma(ops::load(k, w1), xv, a1.*s, k);
        a2.*s = ops::fma(ops::load(k, w2), xv, a2.*s, k);
        a3.*s = ops::fma(ops::load(k, w3), xv, a3.*s, k);
    }
    template <v avx512_sums::*s>
    SOMA_TARGET_AVX512 static void bias4(avx512_sums& a0, avx512_sums& a1, avx512_sums& a2,
                                         avx512_sums& a3, T b0, T b1, T b2, T b3,
                                         typename ops::mask k) noexcept {
        a0.*s = ops::add(a0.*s, ops::splat(b0), k);
        a1.*s = ops::add(a1.*s, ops::splat(b1), k);
        a2.*s = ops::add(a2.*s, ops::splat(b2), k);
        a3.*s = ops::add(a3.*s, ops::splat(b3), k);
    }
    SOMA_TARGET_AVX512 static void finish4(avx512_sums& a0, avx512_sums& a1, avx512_sums& a2,
                                           avx512_sums& a3, T const* w0, T const* w1, T const* w2,
                                           T const* w3, T const* x, tail const& t, T b0, T b1, T b2,
                                           T b3) noexcept {
        constexpr std::size_t l = lanes;
        if (t.t0 != 0) tail4<&avx512_sums::s0>(a0, a1, a2, a3, w0, w1, w2, w3, x, t.t0);
        if (t.t1 != 0) {
            tail4<&avx512_sums::s1>(a0, a1, a2, a3, w0 + l, w1 + l, w2 + l, w3 + l, x + l, t.t1);
        }
        if (t.t2 != 0) {
            tail4<&avx512_sums::s2>(a0, a1, a2, a3, w0 + 2 * l, w1 + 2 * l, w2 + 2 * l, w3 + 2 * l,
                                    x + 2 * l, t.t2);
        }
        if (t.t3 != 0) {
            tail4<&avx512_sums::s3>(a0, a1, a2, a3, w0 + 3 * l, w1 + 3 * l, w2 + 3 * l, w3 + 3 * l,
                                    x + 3 * l, t.t3);
        }
        if (t.b0 != 0) bias4<&avx512_sums::s0>(a0, a1, a2, a3, b0, b1, b2, b3, t.b0);
        if (t.b1 != 0) bias4<&avx512_sums::s1>(a0, a1, a2, a3, b0, b1, b2, b3, t.b1);
        if (t.b2 != 0) bias4<&avx512_sums::s2>(a0, a1, a2, a3, b0, b1, b2, b3, t.b2);
        if (t.b3 != 0) bias4<&avx512_sums::s3>(a0, a1, a2, a3, b0, b1, b2, b3, t.b3);
    }
    // One row of a batch with at most 2L terms: s0 and s1 only (the others stay -0 and
    // their tree level is skipped); returns the register the in-register tree starts from.
    SOMA_TARGET_AVX512 static v short_row(T const* w, v x0, v x1, typename ops::mask k0,
                                          typename ops::mask k1, typename ops::mask b0,
                                          typename ops::mask b1, T bias, bool two,
                                          v zero) noexcept {
        v s0 = ops::fma(ops::load(k0, w), x0, zero, k0);
        if (b0 != 0) s0 = ops::add(s0, ops::splat(bias), b0);
        if (!two) return s0;
        v s1 = ops::fma(ops::load(k1, w + lanes), x1, zero, k1);
        if (b1 != 0) s1 = ops::add(s1, ops::splat(bias), b1);
        return ops::add(s0, s1);
    }
    // The levels h = P/2 (s0 += s2, s1 += s3) and h = P/4 (s0 += s1) of the tree; levels
    // whose upper half holds no term (all -0) are skipped.
    SOMA_TARGET_AVX512 v combine(std::size_t m) const noexcept {
        if (m <= lanes) return s0;
        if (m <= 2 * lanes) return ops::add(s0, s1);
        return ops::add(ops::add(s0, s2), ops::add(s1, s3));
    }
    SOMA_TARGET_AVX512 T reduce(std::size_t m) const noexcept { return ops::reduce(combine(m)); }
};

// z = Σ w_i x_i (+ b) in the canonical order. No alignment requirement; reads exactly
// w[0..n) and x[0..n).
template <ieee_binary T>
SOMA_TARGET_AVX512 inline T inner_product_avx512(T const* w, T const* x, std::size_t n,
                                                 bool has_bias, T b) noexcept {
    using sums = avx512_sums<T>;
    using ops = typename sums::ops;
    using v = typename ops::v;
    constexpr std::size_t lanes = sums::lanes;
    if (n == 0 && !has_bias) return T(0);
    if (n + (has_bias ? 1 : 0) <= lanes) {
        // Short vectors: one register of partial sums, the rest of the tree is all -0.
        using m = typename ops::mask;
        auto const k = static_cast<m>((1U << n) - 1U);
        v s = ops::fma(ops::load(k, w), ops::load(k, x), ops::negative_zero(), k);
        if (has_bias) s = ops::add(s, ops::splat(b), static_cast<m>(1U << n));
        return ops::reduce(s);
    }
    if (n + (has_bias ? 1 : 0) <= 2 * lanes) {
        // Two registers: s0 full (n >= L here), s1 the rest and the bias; the tree's first
        // level (s0 += s2, s1 += s3) only adds -0 and is skipped.
        using m = typename ops::mask;
        v const z = ops::negative_zero();
        std::size_t const c = n - lanes;
        auto const k = c >= lanes ? static_cast<m>(~m{0}) : static_cast<m>((1U << c) - 1U);
        v const s0 = ops::fma(ops::load(w), ops::load(x), z);
        v s1 = ops::fma(ops::load(k, w + lanes), ops::load(k, x + lanes), z, k);
        if (has_bias) s1 = ops::add(s1, ops::splat(b), static_cast<m>(1U << c));
        return ops::reduce(ops::add(s0, s1));
    }
    sums a = sums::start();
    std::size_t const k = sums::peel_count(w, n);
    if (k != 0) a.peel(w, x, k);
    std::size_t i = k;
    // With w aligned, x may still straddle cache lines (its own alignment d elements
    // off). Then x is read as aligned blocks, each 16-lane chunk assembled from two
    // neighbours by one permute: two load slots and a permute per FMA instead of three
    // load slots. The first block is a masked load of its lanes >= d (x[i] on, nothing
    // before x); the loop stops while the next full block still lies inside x.
    auto const address = reinterpret_cast<std::uintptr_t>(x + i);
    std::size_t const d = (address & 63U) / sizeof(T);
    if (d != 0 && i + sums::p + lanes <= n) {
        using m = typename ops::mask;
        auto const shift = ops::shift_index(d);
        auto const* xb = reinterpret_cast<T const*>(address - d * sizeof(T));
        v x0 = ops::load(static_cast<m>(static_cast<m>(~m{0}) << d), xb);
        for (; i + sums::p + lanes <= n; i += sums::p) {
            v x1 = ops::load(xb + lanes);
            v x2 = ops::load(xb + 2 * lanes);
            v x3 = ops::load(xb + 3 * lanes);
            v x4 = ops::load(xb + 4 * lanes);
            // Each block is loaded once: without these, GCC re-reads blocks as memory
            // operands of the permutes (which overwrite a table register) instead of
            // copying a register, spending the load slots this loop exists to save.
            asm("" : "+v"(x1), "+v"(x2), "+v"(x3), "+v"(x4));
            a.block(w + i, ops::join(x0, x1, shift), ops::join(x1, x2, shift),
                    ops::join(x2, x3, shift), ops::join(x3, x4, shift));
            x0 = x4;
            xb += sums::p;
        }
    }
    for (; i + sums::p <= n; i += sums::p) {
        a.block(w + i, ops::load(x + i), ops::load(x + i + lanes), ops::load(x + i + 2 * lanes),
                ops::load(x + i + 3 * lanes));
    }
    if (i != n || has_bias) a.finish_terms(w + i, x + i, sums::tail::make(n - i, has_bias), b);
    a.unrotate(k);
    return a.reduce(n + (has_bias ? 1 : 0));
}

// z_r = Σ_i W[r*n + i] x_i (+ b[r * b_stride]) for r < rows: each z_r bitwise equal to
// inner_product_avx512(W + r*n, x, n, b != nullptr, b[r * b_stride]). b may be null (no
// bias). Four rows per pass share every load of x.
template <ieee_binary T>
SOMA_TARGET_AVX512 inline void inner_products_avx512(T const* W, std::size_t rows, std::size_t n,
                                                     T const* x, T const* b, std::size_t b_stride,
                                                     T* z) noexcept {
    using sums = avx512_sums<T>;
    using ops = typename sums::ops;
    constexpr std::size_t lanes = sums::lanes;
    bool const has_bias = b != nullptr;
    std::size_t const m = n + (has_bias ? 1 : 0);
    std::size_t r = 0;
    if (m > 0 && m <= 2 * lanes) {
        // Short rows (small layers): x's two registers are loaded once for all rows.
        using mk = typename ops::mask;
        std::size_t const c0 = n < lanes ? n : lanes;
        mk const k0 = sums::tail::first(c0, 0);
        mk const k1 = sums::tail::first(n, lanes);
        mk const b0 = has_bias && n < lanes ? static_cast<mk>(1U << n) : mk{0};
        mk const b1 = has_bias && n >= lanes ? static_cast<mk>(1U << (n - lanes)) : mk{0};
        bool const two = m > lanes;
        auto const x0 = ops::load(k0, x);
        auto const x1 = ops::load(k1, x + lanes);
        auto const zero = ops::negative_zero();
        for (; r + 4 <= rows; r += 4) {
            T const* w0 = W + r * n;
            auto bias = [&](std::size_t j) { return has_bias ? b[(r + j) * b_stride] : T(0); };
            ops::reduce4(sums::short_row(w0, x0, x1, k0, k1, b0, b1, bias(0), two, zero),
                         sums::short_row(w0 + n, x0, x1, k0, k1, b0, b1, bias(1), two, zero),
                         sums::short_row(w0 + 2 * n, x0, x1, k0, k1, b0, b1, bias(2), two, zero),
                         sums::short_row(w0 + 3 * n, x0, x1, k0, k1, b0, b1, bias(3), two, zero),
                         z + r);
        }
    } else if (m > 0 && rows >= 4) {
        // Software pipelining: the in-register trees of a group run after the next group's
        // FMAs are issued, so the two overlap instead of waiting on each other.
        using v = typename ops::v;
        v c0{}, c1{}, c2{}, c3{};
        T* pending = nullptr;
        // Without peeling (k = 0) every group has the same remainder: its masks once.
        auto const t_unpeeled = sums::tail::make(n % sums::p, has_bias);
        for (; r + 4 <= rows; r += 4) {
            T const* w0 = W + r * n;
            T const* w1 = w0 + n;
            T const* w2 = w1 + n;
            T const* w3 = w2 + n;
            sums a0 = sums::start();
            sums a1 = a0;
            sums a2 = a0;
            sums a3 = a0;
            // One peel count for the four rows (rows of the same alignment when n * sizeof(T)
            // is a multiple of 64); any count gives the same result.
            std::size_t const k = sums::peel_count(w0, n);
            if (k != 0) {
                a0.peel(w0, x, k);
                a1.peel(w1, x, k);
                a2.peel(w2, x, k);
                a3.peel(w3, x, k);
            }
            std::size_t i = k;
            for (; i + sums::p <= n; i += sums::p) {
                auto const x0 = ops::load(x + i);
                auto const x1 = ops::load(x + i + lanes);
                auto const x2 = ops::load(x + i + 2 * lanes);
                auto const x3 = ops::load(x + i + 3 * lanes);
                a0.block(w0 + i, x0, x1, x2, x3);
                a1.block(w1 + i, x0, x1, x2, x3);
                a2.block(w2 + i, x0, x1, x2, x3);
                a3.block(w3 + i, x0, x1, x2, x3);
            }
            T const* const br = has_bias ? b + r * b_stride : nullptr;
            if (i != n || has_bias) {
                auto const t = k == 0 ? t_unpeeled : sums::tail::make(n - i, has_bias);
                sums::finish4(a0, a1, a2, a3, w0 + i, w1 + i, w2 + i, w3 + i, x + i, t,
                              has_bias ? br[0] : T(0), has_bias ? br[b_stride] : T(0),
                              has_bias ? br[2 * b_stride] : T(0),
                              has_bias ? br[3 * b_stride] : T(0));
            }
            a0.unrotate(k);
            a1.unrotate(k);
            a2.unrotate(k);
            a3.unrotate(k);
            if (pending != nullptr) ops::reduce4(c0, c1, c2, c3, pending);
            c0 = a0.combine(m);
            c1 = a1.combine(m);
            c2 = a2.combine(m);
            c3 = a3.combine(m);
            pending = z + r;
        }
        ops::reduce4(c0, c1, c2, c3, pending);
    }
    for (; r < rows; ++r) {
        T const br = has_bias ? b[r * b_stride] : T(0);
        z[r] = inner_product_avx512(W + r * n, x, n, has_bias, br);
    }
}

}  // namespace soma::detail

#endif  // SOMA_X86_KERNELS

#endif  // SOMA_DETAIL_INNER_PRODUCT_AVX512_HPP
