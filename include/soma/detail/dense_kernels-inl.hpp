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
// evaluated in double, on the narrowest register that holds the rows stored: half a
// register (with at most half the lanes in use the upper half is not computed: measured,
// AVX-512, GCC 12, 4 x 4 layer, 25.6 ns with both halves, 11.0 ns with one), or on AVX-512
// a quarter, four doubles in a 256-bit register, whose division costs half a 512-bit one
// (4 x 4 layer: 10.8 ns -> 8.4 ns). The lanes stored have the bits of sigmoid_lanes.
template <ieee_binary T>
[[gnu::always_inline]] inline void dense_sigmoid_store(typename vec<T>::v z, T* out,
                                                       std::size_t count) noexcept {
    using V = vec<T>;
    if constexpr (V::lanes == 1) {
        *out = sigmoid_one(V::reduce(z));
    } else if constexpr (std::same_as<T, float>) {
        if (count * 2 > V::lanes) {
            store_lanes<T>(sigmoid_lanes<T>(z), out, count);
            return;
        }
        auto const half = [z] {
            auto const lo = sigmoid_f32_in_double<vec<double>>(V::widen_lo(z));
            return V::narrow(lo, lo);
        };
        typename V::v y;
        if constexpr (requires { typename V::quarter_double; }) {
            y = count * 4 <= V::lanes
                    ? V::narrow_quarter(
                          sigmoid_f32_in_double<typename V::quarter_double>(V::widen_quarter(z)))
                    : half();
        } else {
            y = half();
        }
        store_lanes<T>(V::select(V::is_nan(z), V::or_bits(z, sigmoid_constants::f32_quiet_bit), y),
                       out, count);
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

// ---------------------------------------------------------------------------------------
// Batches: Y_q = a(W X_q + b) for inputs q < count, X row-major (count x In), Y row-major
// (count x Out). Each partial sum of the canonical order receives the same fused
// multiply-adds in the same order as in dense_fixed, and the same tree combines them; only
// the order in which independent partial sums (chains, rows, inputs) are computed differs,
// so every Y_q is bitwise dense_fixed(X_q).
//
// Rows of more than P terms are a matrix product, and one input at a time it is bound by
// reading the weights: a weight register feeds one FMA, and the 784 x 128 float layer's
// 400 KB of weights come from L2 for every input. Here a tile of R row registers times
// B inputs shares each weight register among B inputs and each broadcast x_k among R row
// registers: a term of a chain is R weight loads and B broadcasts for R B FMAs, and the
// weights are read from L2 once per B inputs.
//
// With two FMAs and two loads per cycle and an FMA latency of 4 cycles (AVX2 and AVX-512 on
// current x86-64 cores; wide NEON cores are alike) a tile needs at least 8 independent
// accumulators, and is FMA-bound when its R + B loads take fewer cycles than its R B FMAs. R = 2
// everywhere (R = 1 for a last register of rows). With C chains of a group in flight per tile
// element there are C R B accumulators:
//   32 registers (AVX-512, NEON), chains of 4 or more terms: C = 1, B = 8: 16 accumulators,
//       2 weights, 1 broadcast; 10 loads (5 cycles) for 16 FMAs (8 cycles). R = 2, B = 12
//       and R = 3, B = 8 (24 accumulators) measured slower, R = 4, B = 4 three times
//       slower; R = 1, B = 16 is load-bound (17 loads for 16 FMAs).
//   16 registers (AVX2; the portable kernel's scalars): C = 1, B = 4: 8 accumulators,
//       2 weights, 1 broadcast and the -0 fill; 6 loads (3 cycles) for 8 FMAs (4 cycles).
// A chain's value waits in memory (one store and one load per chain and tile element) until
// its group's eight chains are done and the tree's first three levels combine them, as
// dense_long_rows does in registers. That costs little against chains of ceil(In / P)
// terms (784 inputs: 13), but with one to three terms per chain half the work is the tree
// and the stores compete with it; then, with 32 registers, C = 2, B = 4 keeps two chains
// in flight (16 accumulators) and combines them before storing, and with 16 registers and
// a single term per chain the one-input kernel (all eight chains in registers) is faster.
// Measured, Intel Xeon (AVX-512, 2.1 GHz, shared), GCC 12, float, one layer, 256 inputs,
// µs, one input at a time / C = 1 / C = 2:
//   AVX-512, B = 8 (C = 1) or 4 (C = 2):  784 x 128: 1416 / 483 / 592;  128 x 128: 242 /
//       147 / 131;  64 x 64: 47 / 61 / 42.
//   AVX2, B = 4 (C = 1) or 2 (C = 2):     784 x 128: 2092 / 962 / 2181; 128 x 128: 234 /
//       203 / 306;  64 x 64: 65 / 78 / 105.
// ---------------------------------------------------------------------------------------

inline constexpr std::size_t dense_batch_registers =
    this_isa == isa::avx512 || this_isa == isa::neon ? 32 : 16;
inline constexpr std::size_t dense_batch_row_registers = 2;

// C and B for rows of In terms (above); C = 0: one input at a time.
template <ieee_binary T, std::size_t In>
inline constexpr std::size_t dense_batch_chains = dense_batch_registers == 32
                                                      ? (In / partial_sums<T> < 4 ? 2 : 1)
                                                      : (In / partial_sums<T> < 2 ? 0 : 1);
template <ieee_binary T, std::size_t In>
inline constexpr std::size_t dense_batch_inputs = dense_batch_registers == 32
                                                      ? (dense_batch_chains<T, In> == 2 ? 4 : 8)
                                                      : 4;

// One term i (at slot `slot` of the layout) of chain e of the tile: R weight loads, B
// broadcasts, R B FMAs.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t C, std::size_t R,
          std::size_t B>
[[gnu::always_inline]] inline void dense_batch_term(
    T const* Wt, T const* X, std::size_t i, std::size_t slot, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero, typename vec<T>::v (&acc)[R][B][C], std::size_t e) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    v w[R];
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
        w[q] =
            dense_slot_column<T, In, Out, Full>(Wt, slot, r0 + q * V::lanes, count, negative_zero);
    }
#pragma GCC unroll 16
    for (std::size_t k = 0; k < B; ++k) {
        v const xk = V::splat(X[k * In + i]);
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) acc[q][k][e] = V::fma(w[q], xk, acc[q][k][e]);
    }
}

// z for rows r0 .. r0 + R L - 1 (or the last `count` < L rows, R = 1) of the B inputs
// X + q In, q < B, stored to Z + q Out + r0 (the tile's rows of each input's output). C
// chains of a group are in flight at once (C in 1, 2, 4, 8), u + (8/C) e for e < C: the
// group's first log2 C levels (member m + 4, m + 2, m + 1 is chain c + P/2, P/4, P/8) then
// combine them in registers into v_u, which covers members u mod 8/C, and the 8/C values
// v_u wait in memory for the group's last levels.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t C, std::size_t R,
          std::size_t B>
inline void dense_batch_long_rows(T const* Wt, T const* X, T const* b, std::size_t r0,
                                  std::size_t count, typename vec<T>::v negative_zero,
                                  T* Z) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t group = 8;
    constexpr std::size_t bases = p / group;
    constexpr std::size_t full_steps = In / p;
    constexpr std::size_t rest = In % p;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t subgroups = group / C;
    static_assert(In >= p && p % group == 0 && bases >= 2 && (Full || R == 1));
    static_assert(C == 1 || C == 2 || C == 4 || C == 8);
    v t[R][B][bases];
    std::size_t start = 0;  // group j's first slot (dense_slot)
#pragma GCC unroll 1
    for (std::size_t j = 0; j < bases; ++j) {
        v g[R][B][subgroups];
#pragma GCC unroll 1
        for (std::size_t u = 0; u < subgroups; ++u) {
            v acc[R][B][C];
#pragma GCC unroll 2
            for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
                for (std::size_t k = 0; k < B; ++k) {
#pragma GCC unroll 8
                    for (std::size_t e = 0; e < C; ++e) acc[q][k][e] = negative_zero;
                }
            }
#pragma GCC unroll 1
            for (std::size_t step = 0; step < full_steps; ++step) {
#pragma GCC unroll 8
                for (std::size_t e = 0; e < C; ++e) {
                    std::size_t const m = u + subgroups * e;
                    dense_batch_term<T, In, Out, Full, C, R, B>(Wt, X, step * p + j + bases * m,
                                                                start + step * group + m, r0, count,
                                                                negative_zero, acc, e);
                }
            }
#pragma GCC unroll 8
            for (std::size_t e = 0; e < C; ++e) {
                std::size_t const c = j + bases * (u + subgroups * e);
                if constexpr (rest != 0) {
                    if (c < rest) {
                        std::size_t const m = u + subgroups * e;
                        dense_batch_term<T, In, Out, Full, C, R, B>(
                            Wt, X, full_steps * p + c, start + full_steps * group + m, r0, count,
                            negative_zero, acc, e);
                    }
                }
                if (c == rest) {
                    // fma(b, 1, s) == s + b, after the chain's last term.
#pragma GCC unroll 2
                    for (std::size_t q = 0; q < R; ++q) {
                        v const bias =
                            dense_biases<T, Full>(b, r0 + q * lanes, count, negative_zero);
#pragma GCC unroll 16
                        for (std::size_t k = 0; k < B; ++k) {
                            acc[q][k][e] = V::add(acc[q][k][e], bias);
                        }
                    }
                }
            }
#pragma GCC unroll 2
            for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
                for (std::size_t k = 0; k < B; ++k) {
                    if constexpr (C > 1) dense_tree<V, C, C / 2>(acc[q][k]);
                    g[q][k][u] = acc[q][k][0];
                }
            }
        }
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
            for (std::size_t k = 0; k < B; ++k) {
                if constexpr (subgroups > 1) dense_tree<V, subgroups, subgroups / 2>(g[q][k]);
                t[q][k][j] = g[q][k][0];
            }
        }
        start += full_steps * group + (rest > j ? (rest - j + bases - 1) / bases : 0);
    }
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
        for (std::size_t k = 0; k < B; ++k) {
            dense_tree<V, bases, bases / 2>(t[q][k]);
            store_lanes<T>(t[q][k][0], Z + k * Out + r0 + q * lanes, count);
        }
    }
}

// Every row of the B inputs X + q In into Z + q Out, q < B (z, before the activation).
template <ieee_binary T, std::size_t In, std::size_t Out, std::size_t C, std::size_t B>
inline void dense_batch_tile(T const* Wt, T const* X, T const* b, typename vec<T>::v negative_zero,
                             T* Z) noexcept {
    constexpr std::size_t lanes = vec<T>::lanes;
    constexpr std::size_t full_blocks = Out / lanes;
    constexpr std::size_t tail = Out % lanes;
    constexpr std::size_t R = dense_batch_row_registers;
    std::size_t k = 0;
    for (; k + R <= full_blocks; k += R) {
        dense_batch_long_rows<T, In, Out, true, C, R, B>(Wt, X, b, k * lanes, lanes, negative_zero,
                                                         Z);
    }
    for (; k < full_blocks; ++k) {
        dense_batch_long_rows<T, In, Out, true, C, 1, B>(Wt, X, b, k * lanes, lanes, negative_zero,
                                                         Z);
    }
    if constexpr (tail != 0) {
        dense_batch_long_rows<T, In, Out, false, C, 1, B>(Wt, X, b, full_blocks * lanes, tail,
                                                          negative_zero, Z);
    }
}

// Inputs per pass of a layer of rows shorter than P terms: the pass's outputs (at most
// 64 Out values) are still in L1 when σ runs over them as one array.
inline constexpr std::size_t dense_batch_chunk = 64;

// Y_q = a(W X_q + b), q < count, each bitwise dense_fixed(X_q) (a = σ when Sigmoid, else
// z). Y must not overlap Wt, X or b.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
void dense_batch(T const* Wt, T const* X, T const* b, T* Y, std::size_t count) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    constexpr bool long_rows = In + 1 > partial_sums<T>;
    if constexpr (Out == 1 || Out == 0) {
        // One row keeps its weights in order (no rows to share a load): the single kernel.
        for (std::size_t q = 0; q < count; ++q) {
            dense_fixed_inline<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
        }
    } else if constexpr (!long_rows) {
        // Each product has a partial sum of its own and the tree costs as many adds as
        // there are FMAs, so a weight load and a broadcast per FMA and tree add already
        // match two loads and two vector operations per cycle: registers gain nothing.
        // The inputs run inside a block of rows instead, whose at most 4 KB of weights stay
        // in L1 however wide the layer.
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t full_blocks = Out / lanes;
        constexpr std::size_t tail = Out % lanes;
        for (std::size_t q0 = 0; q0 < count; q0 += dense_batch_chunk) {
            std::size_t const n = count - q0 < dense_batch_chunk ? count - q0 : dense_batch_chunk;
            T const* const Xc = X + q0 * In;
            T* const Yc = Y + q0 * Out;
            for (std::size_t k = 0; k < full_blocks; ++k) {
                for (std::size_t q = 0; q < n; ++q) {
                    V::store(Yc + q * Out + k * lanes,
                             dense_rows<T, In, Out, true>(Wt, Xc + q * In, b, k * lanes, lanes,
                                                          negative_zero));
                }
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                for (std::size_t q = 0; q < n; ++q) {
                    store_lanes<T>(
                        dense_rows<T, In, Out, false>(Wt, Xc + q * In, b, r0, tail, negative_zero),
                        Yc + q * Out + r0, tail);
                }
            }
            if constexpr (Sigmoid) sigmoid_array<T>(Yc, Yc, n * Out);
        }
    } else if constexpr (dense_batch_chains<T, In> == 0) {
        for (std::size_t q = 0; q < count; ++q) {
            dense_fixed<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
        }
    } else {
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t C = dense_batch_chains<T, In>;
        constexpr std::size_t B = dense_batch_inputs<T, In>;
        std::size_t q = 0;
        // σ over each tile's outputs while they are in L1, as one array (sigmoid_array
        // overlaps the long dependency chains of several registers).
        for (; q + B <= count; q += B) {
            dense_batch_tile<T, In, Out, C, B>(Wt, X + q * In, b, negative_zero, Y + q * Out);
            if constexpr (Sigmoid) sigmoid_array<T>(Y + q * Out, Y + q * Out, B * Out);
        }
        // The remainder: a tile of B/2 inputs, then one at a time.
        if (count - q >= B / 2) {
            dense_batch_tile<T, In, Out, C, B / 2>(Wt, X + q * In, b, negative_zero, Y + q * Out);
            if constexpr (Sigmoid) sigmoid_array<T>(Y + q * Out, Y + q * Out, B / 2 * Out);
            q += B / 2;
        }
        for (; q < count; ++q) dense_fixed<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
    }
}
