// soma/detail/dense_kernels-inl.hpp - a dense layer of a shape fixed at compile time, written
// once over an ISA's vocabulary.
//
// No include guard, on purpose: soma/dense_layer.hpp includes this file (with
// SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE defined) inside each ISA's namespace
// (soma::detail::avx512, ::avx2, ::neon, ::portable) and, on x86-64, inside that ISA's
// target region, after the ISA's vocabulary header has defined vec<T> and the kernels of
// kernels-inl.hpp there. So every function below is compiled for that ISA, with its fused
// multiply-add, whatever the command line says.
//
// The layer: Out rows of In + 1 terms each (In weights and the bias), In + 1 <= P
// (P = 256 / sizeof(T), soma/detail/inner_product.hpp), weights interleaved across rows:
// Wt[i * Out + r] = W[r, i], so that one load brings weight i of L consecutive rows. With
// fewer than P terms every term has a partial sum of its own, so the canonical order is
//     s_i = fma(W[r, i], x_i, -0) = round(W[r, i] x_i)  (i < In),   s_In = b_r,
// then the fixed pairwise tree of inner_product_scalar over the In + 1 partial sums. Here
// each s_i is a register holding that partial sum for L rows at once, and the tree adds
// whole registers: every lane of the result is bitwise the single-neuron z_r, with no
// in-register reduction at all (the reason for the interleaved layout). Shapes are
// template arguments, so the loops are straight-line code: no size tests, no dispatch.
//
// Registers past the last row hold products of -0 padding (masked loads read nothing
// outside the arrays); they are computed but never stored.

#if !defined(SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE)
#error "soma/detail/dense_kernels-inl.hpp is included by soma/dense_layer.hpp only"
#endif

// Levels h = H, H/2, ..., 1 of the canonical tree over M <= P partial sums, each a register
// of L rows (the same levels as fixed_tree in inner_product.hpp).
template <class V, std::size_t M, std::size_t H>
[[gnu::always_inline]] inline void dense_tree(typename V::v (&s)[M]) noexcept {
    constexpr std::size_t live = M < 2 * H ? M : 2 * H;
    if constexpr (live > H) {
#pragma GCC unroll 64
        for (std::size_t j = 0; j + H < live; ++j) s[j] = V::add(s[j], s[j + H]);
    }
    if constexpr (H > 1) dense_tree<V, M, H / 2>(s);
}

// Weight i of rows r0 .. r0 + count - 1 (count <= L; the lanes above are -0).
// Full: count == L, known at compile time so that no load tests it.
template <ieee_binary T, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_column(
    T const* Wt, std::size_t i, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    T const* const c = Wt + i * Out + r0;
    if constexpr (Full) {
        return vec<T>::load(c);
    } else {
        return vec<T>::load_first(c, count, negative_zero);
    }
}

// z_r for rows r0 .. r0 + count - 1 (count <= L) in one register, lane g for row r0 + g.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_rows(
    T const* Wt, T const* x, T const* b, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    v s[In + 1];
#pragma GCC unroll 64
    for (std::size_t i = 0; i < In; ++i) {
        s[i] = V::fma(dense_column<T, Out, Full>(Wt, i, r0, count, negative_zero), V::splat(x[i]),
                      negative_zero);
    }
    s[In] = dense_column<T, 0, Full>(b, 0, r0, count, negative_zero);
    dense_tree<V, In + 1, partial_sums<T> / 2>(s);
    return s[0];
}

// σ on the rows of one register of which only the first `count` are stored. float is
// evaluated in double, half a register at a time; with at most half the lanes in use the
// upper half is not computed (measured, AVX-512, 4 x 4: the second half's double division
// was a third of the layer's time). The lanes stored have the bits of sigmoid_lanes.
template <ieee_binary T>
[[gnu::always_inline]] inline void dense_sigmoid_store(typename vec<T>::v z, T* out,
                                                       std::size_t count) noexcept {
    using V = vec<T>;
    if constexpr (V::lanes == 1) {
        *out = sigmoid_one(V::reduce(z));
    } else if constexpr (std::same_as<T, float>) {
        if (count * 2 <= V::lanes) {
            using D = vec<double>;
            auto const lo = sigmoid_f32_in_double<D>(V::widen_lo(z));
            auto const y = V::select(V::is_nan(z), V::or_bits(z, sigmoid_constants::f32_quiet_bit),
                                     V::narrow(lo, lo));
            store_lanes<T>(y, out, count);
        } else {
            store_lanes<T>(sigmoid_lanes<T>(z), out, count);
        }
    } else {
        store_lanes<T>(sigmoid_lanes<T>(z), out, count);
    }
}

// Rows of more than P terms (In + 1 > P): the P partial sums are P registers of L rows,
// s_j = fma(W[r, i], x_i, s_j) for i = j, j + P, j + 2P, ... in increasing i, then the bias
// into s_(In mod P) and the tree over all P. Eight chains are carried at a time, in
// registers (eight independent FMAs hide the 4-cycle latency at two per cycle), and each
// finished chain is parked in s (on the stack: P registers would not fit in 32), so the
// weights are read once, in order, with no reduction inside a register.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard]] inline typename vec<T>::v dense_long_rows(T const* Wt, T const* x, T const* b,
                                                        std::size_t r0, std::size_t count,
                                                        typename vec<T>::v negative_zero) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t group = 8;
    constexpr std::size_t full_steps = In / p;  // every chain gets a term in these
    constexpr std::size_t rest = In % p;        // chains j < rest get one more
    static_assert(In >= p && p % group == 0);
    v s[p];
#pragma GCC unroll 8
    for (std::size_t j0 = 0; j0 < p; j0 += group) {
        v acc[group];
#pragma GCC unroll 8
        for (std::size_t g = 0; g < group; ++g) acc[g] = negative_zero;
        for (std::size_t t = 0; t < full_steps; ++t) {
            std::size_t const i = t * p + j0;
#pragma GCC unroll 8
            for (std::size_t g = 0; g < group; ++g) {
                acc[g] = V::fma(dense_column<T, Out, Full>(Wt, i + g, r0, count, negative_zero),
                                V::splat(x[i + g]), acc[g]);
            }
        }
        if constexpr (rest != 0) {
            std::size_t const i = full_steps * p + j0;
#pragma GCC unroll 8
            for (std::size_t g = 0; g < group; ++g) {
                if (j0 + g < rest)
                    acc[g] = V::fma(dense_column<T, Out, Full>(Wt, i + g, r0, count, negative_zero),
                                    V::splat(x[i + g]), acc[g]);
            }
        }
#pragma GCC unroll 8
        for (std::size_t g = 0; g < group; ++g) s[j0 + g] = acc[g];
    }
    s[rest] = V::add(s[rest], dense_column<T, 0, Full>(b, 0, r0, count,
                                                       negative_zero));  // fma(b, 1, s) == s + b
    dense_tree<V, p, p / 2>(s);
    return s[0];
}

template <ieee_binary T, bool Sigmoid>
[[gnu::always_inline]] inline void dense_finish(typename vec<T>::v z, T* out,
                                                std::size_t count) noexcept {
    if constexpr (Sigmoid) {
        dense_sigmoid_store<T>(z, out, count);
    } else {
        store_lanes<T>(z, out, count);
    }
}

// out_r = a(z_r) for every row r < Out, z_r = Σ_i W[r, i] x_i + b_r in the canonical order,
// a = σ when Sigmoid (applied to each register while it is in registers), else the
// identity (the caller applies its activation). out must not overlap Wt, x or b.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
[[gnu::always_inline]] inline void dense_fixed_inline(T const* Wt, T const* x, T const* b,
                                                      T* out) noexcept {
    using V = vec<T>;
    using finish = std::conditional_t<Sigmoid, store_sigmoid, store_weighted_inputs>;
    constexpr std::size_t lanes = V::lanes;
    constexpr bool long_rows = In + 1 > partial_sums<T>;
    if constexpr (Out == 1 && lanes > 1) {
        // One row: its terms along a register (the kernels' short form, R registers known
        // at compile time, or the general inner product for long rows), or, for at most
        // four terms, one value at a time.
        T z;
        if constexpr (long_rows) {
            z = inner_product<T>(Wt, x, In, true, b[0]);
        } else if constexpr (In + 1 <= 4) {
            z = small_sum(Wt, x, In, true, b[0]);
        } else {
            constexpr std::size_t regs = (In + 1 + lanes - 1) / lanes;
            z = V::reduce(
                short_lanes<T, regs>(Wt, x, In, true, b[0], V::opaque(V::splat(T(-0.0)))));
        }
        finish::template one<T>(z, out);
    } else {
        // -0 opaque: a known -0 addend would let the compiler turn fma(w, x, -0) into w*x
        // and fuse that product into the tree (see SOMA_DETAIL_OPAQUE).
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t full_blocks = Out / lanes;
        constexpr std::size_t tail = Out % lanes;
        if constexpr (long_rows) {
            for (std::size_t k = 0; k < full_blocks; ++k) {
                dense_finish<T, Sigmoid>(
                    dense_long_rows<T, In, Out, true>(Wt, x, b, k * lanes, lanes, negative_zero),
                    out + k * lanes, lanes);
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                dense_finish<T, Sigmoid>(
                    dense_long_rows<T, In, Out, false>(Wt, x, b, r0, tail, negative_zero), out + r0,
                    tail);
            }
        } else {
#pragma GCC unroll 16
            for (std::size_t k = 0; k < full_blocks; ++k) {
                dense_finish<T, Sigmoid>(
                    dense_rows<T, In, Out, true>(Wt, x, b, k * lanes, lanes, negative_zero),
                    out + k * lanes, lanes);
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                dense_finish<T, Sigmoid>(
                    dense_rows<T, In, Out, false>(Wt, x, b, r0, tail, negative_zero), out + r0,
                    tail);
            }
        }
    }
}

// The same, out of line: the entry of the per-shape dispatch (dense_layer.hpp), and the
// direct call for layers too large to inline.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
void dense_fixed(T const* Wt, T const* x, T const* b, T* out) noexcept {
    dense_fixed_inline<T, In, Out, Sigmoid>(Wt, x, b, out);
}
