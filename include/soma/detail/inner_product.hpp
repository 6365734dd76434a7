// soma/detail/inner_product.hpp - the canonical summation order of every floating-point
// inner product in soma, written as plain scalar code.
//
// Mathematically z = Σ_{i<n} w_i x_i (+ b). Floating-point addition is not associative,
// so soma fixes one order, independent of any vector width, and every kernel (this
// scalar one, AVX2, AVX-512, NEON) follows it exactly; hence the same bits on every
// FMA-capable target:
//
//   1. P partial sums, P = 256 / sizeof(T) (64 for float, 32 for double), each starting
//      at -0.0 (the identity of addition, so an all-(-0) sum stays -0).
//   2. Term i goes to partial sum i mod P, in increasing i, accumulated with one fused
//      multiply-add: s_j = fma(w_i, x_i, s_j). The bias, when present, is term n with
//      x_n = 1 (so weighted_input(w, x, b) is bitwise dot((w, b), (x, 1))).
//   3. The partial sums are combined by a fixed pairwise tree: for h = P/2, ..., 2, 1,
//      s_j = s_j + s_{j+h} for j < h. Partial sums that received no term are -0.0 and
//      x + (-0.0) == x exactly, so a kernel may skip them without changing a bit.
//      The empty sum (n = 0, no bias) is +0.0.
//
// Why P this large: 256 bytes of accumulators is four AVX-512 or eight AVX2 registers,
// enough independent FMA chains to hide the 4-cycle FMA latency at two FMAs per cycle.
//
// Error bound (Higham, "Accuracy and Stability of Numerical Algorithms", §3.1): with
// m = n (+1 with a bias) terms, unit roundoff u = epsilon/2, chains of at most
// ceil(m/P) fused terms and a tree of depth log2(P),
//   |computed - exact| <= gamma_k * Σ|w_i x_i| + n·eta,  k = ceil(m/P) + log2(P),
//   gamma_k = k u / (1 - k u),
// which is far tighter than the textbook bound n·u·Σ|w_i x_i| for long vectors. The term
// n·eta (eta the smallest subnormal, n the number of products) is the underflow part:
// each fused multiply-add whose result is subnormal errs by up to eta/2 absolutely, not
// relatively (fl(v) = v(1 + d) + e, |e| <= eta/2, Higham §2.1); a sum of two floating-
// point numbers that is subnormal is exact, and the later roundings scale each e by at most
// (1 + u)^k < 2. Example: 2^-600 * 2^-475 = 2^-1075 rounds to +0.
//
// The same order, with the same bits, is computed by:
//   inner_product_scalar   the definition below (readable, constexpr, one term at a time);
//   the kernels            soma/detail/kernels-inl.hpp, written once over each ISA's
//                          vocabulary (soma/detail/simd/: AVX2, AVX-512, NEON, portable);
//   inner_product_fixed    a straight-line form for a static extent N < P (below).
// inner_product() picks one: the scalar definition in constant evaluation; at run time
// inner_product_fixed for n <= 4 (a jump on n), in a build without -march short vectors
// inline with SSE2 (soma/detail/simd/sse2_short.hpp), otherwise the table of kernels
// chosen once (soma/detail/dispatch.hpp). inner_products() does the same for a batch of rows
// sharing x.
//
// The contract: results are identical on every target with a fused multiply-add (scalar
// with FMA, AVX2, AVX-512, NEON), with GCC and Clang, at -O1 to -O3, for any alignment;
// without hardware FMA the scalar definition still gives these bits (std::fma is exact),
// only slower. Not part of the contract: which NaN payload a NaN result carries.
// tests/inner_product_test.cpp checks every kernel against the scalar definition bit for
// bit and the gamma_k bound against a double-double reference; tests/hash builds one
// program with both compilers for every ISA and compares a hash of many results.
//
// No kernel requires alignment or reads outside w[0..n) and x[0..n) (masked loads for
// partial blocks; full-width loads only inside the arrays).
#ifndef SOMA_DETAIL_INNER_PRODUCT_HPP
#define SOMA_DETAIL_INNER_PRODUCT_HPP

#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "soma/detail/config.hpp"
#include "soma/detail/dispatch.hpp"
#include "soma/detail/fma.hpp"
#include "soma/detail/kernel_table.hpp"
#include "soma/detail/simd/sse2_short.hpp"

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// The canonical order, term by term. has_bias adds b as term n.
template <ieee_binary T>
[[nodiscard]] constexpr T inner_product_scalar(T const* w, T const* x, std::size_t n, bool has_bias,
                                               T b) noexcept {
    constexpr std::size_t p = partial_sums<T>;
    std::array<T, p> s{};
    for (T& v : s) v = T(-0.0);
    std::size_t i = 0;
    for (; i + p <= n; i += p) {
        for (std::size_t j = 0; j < p; ++j) s[j] = detail::fma(w[i + j], x[i + j], s[j]);
    }
    for (std::size_t j = 0; i + j < n; ++j) s[j] = detail::fma(w[i + j], x[i + j], s[j]);
    std::size_t used = n < p ? n : p;
    if (has_bias) {
        std::size_t const j = n % p;
        s[j] = s[j] + b;  // fma(b, 1, s_j) == s_j + b exactly
        if (used < p && j + 1 > used) used = j + 1;
    }
    if (used == 0) return T(0);  // the empty sum is +0
    for (std::size_t h = p / 2; h >= 1; h /= 2) {
        for (std::size_t j = 0; j < h && j + h < used; ++j) s[j] = s[j] + s[j + h];
        if (used > h) used = h;
    }
    return s[0];
}

// Vectors this short take the straight-line fixed-size path: a jump on n and a few
// scalar multiplies and adds beat a vector kernel's masked loads and in-register tree
// (measured crossover against the AVX-512 kernel's one-register path: about 4 terms).
inline constexpr std::size_t short_length = 4;

template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline T inner_product_short(T const* w, T const* x,
                                                               std::size_t n, bool has_bias,
                                                               T b) noexcept;

// The entry point every soma inner product goes through: the scalar definition in
// constant evaluation, the best kernel for this machine at run time (same bits).
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] constexpr T inner_product(T const* w, T const* x, std::size_t n,
                                                            bool has_bias, T b) noexcept {
    if (std::is_constant_evaluated()) return inner_product_scalar(w, x, n, has_bias, b);
    if (n <= short_length) return inner_product_short(w, x, n, has_bias, b);
#if defined(SOMA_DETAIL_SSE2_SHORT)
    // A build without -march: short vectors inline with SSE2 (simd/sse2_short.hpp).
    if (n + (has_bias ? 1 : 0) <= sse2::short_max<T>) {
        return sse2::inner_product(w, x, n, has_bias, b);
    }
#endif
    return kernels().of<T>().inner_product(w, x, n, has_bias, b);
}

// A batch of inner products with one weight row each and a shared x:
// z_r = inner_product(W + r*n, x, n, b != nullptr, b[r * b_stride]) bitwise, for r < rows;
// W is row-major rows x n; b null (no bias), or b_stride 1 (one bias per row), or
// b_stride 0 (one bias for all rows). The kernels evaluate L rows per pass and reduce
// them together (kernels-inl.hpp). z must not overlap W, x or b.
template <ieee_binary T>
constexpr void inner_products(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                              std::size_t b_stride, T* z) noexcept {
    if (std::is_constant_evaluated()) {
        for (std::size_t r = 0; r < rows; ++r) {
            z[r] = inner_product_scalar(W + r * n, x, n, b != nullptr,
                                        b != nullptr ? b[r * b_stride] : T(0));
        }
        return;
    }
    kernels().of<T>().inner_products(W, rows, n, x, b, b_stride, z);
}

// The bits of -0, in a variable the optimizer cannot prove constant (nothing writes it, but
// another translation unit could): fma(w, x, -0) with this addend cannot be folded into
// w*x (Clang does fold a literal -0), yet, unlike an asm barrier, a load from it does not
// stop a loop of neurons from being vectorized. An integer type, so that no float store
// can alias it and the load is hoisted out of such loops.
template <ieee_binary T>
inline constinit std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>
    negative_zero_bits =
        std::bit_cast<std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>(T(-0.0));

// round(w * x) as a value the compiler cannot fuse into a later addition: with
// -ffp-contract=fast (GCC's default in GNU mode) a*b + c may become one FMA, which would
// change the bits. Where the flags give no FMA instruction nothing can be fused, and the
// plain product leaves the compiler free to vectorize a loop of neurons. Where they do,
// fma(w, x, -0) is the same rounded product and leaves nothing to fuse.
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] constexpr T unfused_product(T w, T x) noexcept {
    if (std::is_constant_evaluated()) return w * x;
#if defined(__FMA__) || defined(__aarch64__) || defined(__ARM_FEATURE_FMA)
    return std::fma(w, x, std::bit_cast<T>(negative_zero_bits<T>));
#else
    return w * x;
#endif
}

template <ieee_binary T, std::size_t M, std::size_t H, std::size_t... J>
constexpr void fixed_tree_level(std::array<T, M>& s, std::index_sequence<J...>) noexcept {
    ((s[J] = s[J] + s[J + H]), ...);
}

// Levels h = H, H/2, ..., 1 of the canonical tree over M < P used partial sums; at level
// h the live partial sums are the first min(M, 2h), and s_j += s_{j+h} for j + h < that.
template <ieee_binary T, std::size_t M, std::size_t H>
constexpr void fixed_tree(std::array<T, M>& s) noexcept {
    constexpr std::size_t live = M < 2 * H ? M : 2 * H;
    if constexpr (live > H) fixed_tree_level<T, M, H>(s, std::make_index_sequence<live - H>{});
    if constexpr (H > 1) fixed_tree<T, M, H / 2>(s);
}

template <ieee_binary T, std::size_t N, bool has_bias, std::size_t... I>
constexpr T fixed_sum(T const* w, T const* x, T b, std::index_sequence<I...>) noexcept {
    constexpr std::size_t m = N + (has_bias ? 1 : 0);
    if constexpr (m == 0) {
        return T(0);  // the empty sum is +0
    } else {
        std::array<T, m> s{unfused_product(w[I], x[I])...};
        if constexpr (has_bias) s[N] = b;
        fixed_tree<T, m, partial_sums<T> / 2>(s);
        return s[0];
    }
}

// The canonical inner product for a static extent N, as straight-line code: no call, no
// dispatch, no loop. For N < P every term has its own partial sum, which starts at -0, so
// s_i = fma(w_i, x_i, -0) = round(w_i x_i) exactly, the bias is s_N = b, and the tree
// skips the partial sums that stay -0 (exact). Bitwise equal to inner_product(w, x, N,
// has_bias, b); larger N use that. Needs no hardware FMA for N < P.
template <ieee_binary T, std::size_t N>
[[nodiscard]] constexpr T inner_product_fixed(T const* w, T const* x, bool has_bias, T b) noexcept {
    if constexpr (N + 1 > partial_sums<T>) {
        return inner_product(w, x, N, has_bias, b);
    } else {
        if (has_bias) return fixed_sum<T, N, true>(w, x, b, std::make_index_sequence<N>{});
        return fixed_sum<T, N, false>(w, x, b, std::make_index_sequence<N>{});
    }
}

// inner_product for n <= short_length through the fixed-size path (same bits). Inline, with
// no case for longer n: a fallback to the general definition here gave every call the
// definition's stack frame of P partial sums and six saved registers (35 instructions for
// a dot of 2 floats, against 8 now).
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline T inner_product_short(T const* w, T const* x,
                                                               std::size_t n, bool has_bias,
                                                               T b) noexcept {
    static_assert(short_length == 4);
#if defined(__GNUC__) || defined(__clang__)
    // The switch below has cases for lengths the caller's arrays may not have; GCC's
    // -Warray-bounds sees the (unreachable) larger cases after inlining into code with a
    // fixed-size array. An empty asm hides the pointers' provenance at no run-time cost.
    asm("" : "+r"(w), "+r"(x));
#endif
    switch (n) {
        case 0:
            return inner_product_fixed<T, 0>(w, x, has_bias, b);
        case 1:
            return inner_product_fixed<T, 1>(w, x, has_bias, b);
        case 2:
            return inner_product_fixed<T, 2>(w, x, has_bias, b);
        case 3:
            return inner_product_fixed<T, 3>(w, x, has_bias, b);
        default:  // 4: the caller passes n <= short_length
            return inner_product_fixed<T, 4>(w, x, has_bias, b);
    }
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_INNER_PRODUCT_HPP
