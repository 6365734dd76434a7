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
//   |computed - exact| <= gamma_k * Σ|w_i x_i|,  k = ceil(m/P) + log2(P),
//   gamma_k = k u / (1 - k u),
// which is far tighter than the textbook bound n·u·Σ|w_i x_i| for long vectors.
#ifndef SOMA_DETAIL_INNER_PRODUCT_HPP
#define SOMA_DETAIL_INNER_PRODUCT_HPP

#include <array>
#include <cstddef>

#include "soma/detail/fma.hpp"

namespace soma::detail {

template <ieee_binary T>
inline constexpr std::size_t partial_sums = 256 / sizeof(T);

// The canonical order, term by term. has_bias adds b as term n.
template <ieee_binary T>
[[nodiscard]] constexpr T inner_product_scalar(T const* w, T const* x, std::size_t n,
                                               bool has_bias, T b) noexcept {
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

// The entry point every soma inner product goes through: the scalar definition in
// constant evaluation, the best kernel for this machine at run time (same bits).
template <ieee_binary T>
[[nodiscard]] constexpr T inner_product(T const* w, T const* x, std::size_t n, bool has_bias,
                                        T b) noexcept {
    return inner_product_scalar(w, x, n, has_bias, b);
}

}  // namespace soma::detail

#endif  // SOMA_DETAIL_INNER_PRODUCT_HPP
