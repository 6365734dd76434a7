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
// The layer: Out rows of In + 1 terms each (In weights and the bias), weights interleaved
// across rows in blocks of 64 bytes of rows (dense_offset in dense_layer.hpp), so that one
// load brings weight i of L consecutive rows. P = 256 / sizeof(T) is the canonical order's
// number of partial sums (soma/detail/inner_product.hpp). With In + 1 <= P, that is
// fewer than P terms, every term has a partial sum of its own, so the canonical order is
//     s_i = fma(W[r, i], x_i, -0) = round(W[r, i] x_i)  (i < In),   s_In = b_r,
// then the fixed pairwise tree of inner_product_scalar over the In + 1 partial sums. Here
// each s_i is a register holding that partial sum for L rows at once, and the tree adds
// whole registers: every lane of the result is bitwise the single-neuron z_r, with no
// in-register reduction at all (the reason for the interleaved layout). Shapes are
// template arguments, so the loops are straight-line code: no size tests, no dispatch.
//
// Longer rows: see dense_long_rows below.
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

// Weight i of rows r0 .. r0 + count - 1 (count <= L, r0 a multiple of L, so the rows are
// in one block of the layout, dense_layer.hpp's dense_offset; the lanes above are -0).
// Full: count == L, known at compile time so that no load tests it.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_column(
    T const* Wt, std::size_t i, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    T const* const c = Wt + dense_offset<T, In, Out>(r0, i);
    if constexpr (Full) {
        return vec<T>::load(c);
    } else {
        return vec<T>::load_first(c, count, negative_zero);
    }
}

// Slot `slot` of the block of row r0 (the layout of long rows, dense_slot).
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_slot_column(
    T const* Wt, std::size_t slot, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    constexpr std::size_t block = dense_block<T>;
    std::size_t const first = r0 / block * block;
    std::size_t const width = Out - first < block ? Out - first : block;
    T const* const c = Wt + first * In + slot * width + (r0 - first);
    if constexpr (Full) {
        return vec<T>::load(c);
    } else {
        return vec<T>::load_first(c, count, negative_zero);
    }
}

// The biases b_r0 .. b_(r0+count-1).
template <ieee_binary T, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_biases(
    T const* b, std::size_t r0, std::size_t count, typename vec<T>::v negative_zero) noexcept {
    if constexpr (Full) {
        return vec<T>::load(b + r0);
    } else {
        return vec<T>::load_first(b + r0, count, negative_zero);
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
        s[i] = V::fma(dense_column<T, In, Out, Full>(Wt, i, r0, count, negative_zero),
                      V::splat(x[i]), negative_zero);
    }
    s[In] = dense_biases<T, Full>(b, r0, count, negative_zero);
    dense_tree<V, In + 1, partial_sums<T> / 2>(s);
    return s[0];
}

// σ on the rows of one register of which only the first `count` are stored. float is
// evaluated in double, half a register at a time; with at most half the lanes in use the
// upper half is not computed (measured, AVX-512, GCC 12, 4 x 4 layer: 25.6 ns with both
// halves, 11.0 ns with one). The lanes stored have the bits of sigmoid_lanes.
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
// s_c = fma(W[r, i], x_i, s_c) for i = c, c + P, c + 2P, ... in increasing i, the bias
// added to s_(In mod P), then the tree over all P. The chains are taken eight at a time,
// c = j + (P/8) m for m = 0..7: exactly the eight partial sums the first three levels of
// the tree (h = P/2, P/4, P/8) combine into its value t_j. So each group's eight
// accumulators stay in registers (eight independent FMA chains also hide the 4-cycle
// latency at two FMAs per cycle), its three levels are applied at once, and only the P/8
// values t_j wait for the last levels: nothing is stored, no register is reduced across
// its lanes.
//
// R row registers (R L rows) are evaluated together, sharing each x_i: a broadcast is one
// load, as a weight register is, and the loads are the limit (two per cycle); with R = 2
// a term costs 1.5 loads instead of 2.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t R>
inline void dense_long_rows(T const* Wt, T const* x, T const* b, std::size_t r0, std::size_t count,
                            typename vec<T>::v negative_zero, typename vec<T>::v (&z)[R]) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t group = 8;
    constexpr std::size_t bases = p / group;    // groups, and the t_j after three levels
    constexpr std::size_t full_steps = In / p;  // every chain gets a term in these
    constexpr std::size_t rest = In % p;        // chains c < rest get one more
    constexpr std::size_t lanes = V::lanes;
    static_assert(In >= p && p % group == 0 && bases >= 2 && (Full || R == 1));
    v t[R][bases];
    std::size_t start = 0;  // group j's first slot (dense_slot)
    // Not unrolled: unrolled, the compiler hoisted the broadcasts of x and every group's
    // FMAs to the front and spilled them to the stack (measured, AVX-512, GCC 12, 64 x 64
    // without σ: 356 ns unrolled, 146 ns not).
#pragma GCC unroll 1
    for (std::size_t j = 0; j < bases; ++j) {
        v acc[R][group];
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) acc[q][m] = negative_zero;
        }
        for (std::size_t step = 0; step < full_steps; ++step) {
            std::size_t const i = step * p + j;
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) {
                std::size_t const k = i + m * bases;
                std::size_t const slot = start + step * group + m;
                v const xk = V::splat(x[k]);
#pragma GCC unroll 2
                for (std::size_t q = 0; q < R; ++q) {
                    acc[q][m] = V::fma(dense_slot_column<T, In, Out, Full>(Wt, slot, r0 + q * lanes,
                                                                           count, negative_zero),
                                       xk, acc[q][m]);
                }
            }
        }
        if constexpr (rest != 0) {
            std::size_t const i = full_steps * p + j;
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) {
                if (j + m * bases < rest) {
                    std::size_t const k = i + m * bases;
                    v const xk = V::splat(x[k]);
#pragma GCC unroll 2
                    for (std::size_t q = 0; q < R; ++q) {
                        acc[q][m] = V::fma(dense_slot_column<T, In, Out, Full>(
                                               Wt, start + full_steps * group + m, r0 + q * lanes,
                                               count, negative_zero),
                                           xk, acc[q][m]);
                    }
                }
            }
        }
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
            if (j == rest % bases) {
                // fma(b, 1, s) == s + b, after the chain's last term.
                constexpr std::size_t m = rest / bases;
                acc[q][m] = V::add(acc[q][m],
                                   dense_biases<T, Full>(b, r0 + q * lanes, count, negative_zero));
            }
            // Levels h = P/2, P/4, P/8: member m + 4, m + 2, m + 1 is chain c + h.
#pragma GCC unroll 4
            for (std::size_t m = 0; m < 4; ++m) acc[q][m] = V::add(acc[q][m], acc[q][m + 4]);
            acc[q][0] = V::add(acc[q][0], acc[q][2]);
            acc[q][1] = V::add(acc[q][1], acc[q][3]);
            t[q][j] = V::add(acc[q][0], acc[q][1]);
        }
        start += full_steps * group + (rest > j ? (rest - j + bases - 1) / bases : 0);
    }
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
        dense_tree<V, bases, bases / 2>(t[q]);
        z[q] = t[q][0];
    }
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
    if constexpr (Out == 1 && (lanes > 1 || long_rows)) {
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
        // σ of one register is one long dependency chain (about 100 cycles); with several
        // blocks, σ over the stored z two registers at a time (sigmoid_array) overlaps them
        // (measured, AVX-512, GCC 12, 64 x 64 layer: 434 ns with σ per block, 300 ns).
        constexpr bool sigmoid_per_block = Sigmoid && Out <= lanes;
        if constexpr (long_rows) {
            std::size_t k = 0;
            for (; k + 2 <= full_blocks; k += 2) {
                typename V::v z[2];
                dense_long_rows<T, In, Out, true, 2>(Wt, x, b, k * lanes, lanes, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + k * lanes, lanes);
                dense_finish<T, sigmoid_per_block>(z[1], out + (k + 1) * lanes, lanes);
            }
            if (k < full_blocks) {
                typename V::v z[1];
                dense_long_rows<T, In, Out, true, 1>(Wt, x, b, k * lanes, lanes, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + k * lanes, lanes);
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                typename V::v z[1];
                dense_long_rows<T, In, Out, false, 1>(Wt, x, b, r0, tail, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + r0, tail);
            }
        } else {
#pragma GCC unroll 16
            for (std::size_t k = 0; k < full_blocks; ++k) {
                dense_finish<T, sigmoid_per_block>(
                    dense_rows<T, In, Out, true>(Wt, x, b, k * lanes, lanes, negative_zero),
                    out + k * lanes, lanes);
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                dense_finish<T, sigmoid_per_block>(
                    dense_rows<T, In, Out, false>(Wt, x, b, r0, tail, negative_zero), out + r0,
                    tail);
            }
        }
        if constexpr (Sigmoid && !sigmoid_per_block) sigmoid_array<T>(out, out, Out);
    }
}

// The same, out of line: the entry of the per-shape dispatch (dense_layer.hpp), and the
// direct call for layers too large to inline.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
void dense_fixed(T const* Wt, T const* x, T const* b, T* out) noexcept {
    dense_fixed_inline<T, In, Out, Sigmoid>(Wt, x, b, out);
}
