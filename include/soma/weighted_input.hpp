// soma/weighted_input.hpp - the weighted input z = w·x + b of a neuron (加权输入).
//
// The tutorial's neuron sums its input signals x_i, each scaled by its weight w_i, and
// compares the sum with the threshold θ; with the bias b = -θ the comparison becomes
// z >= 0 for the weighted input
//
//     z = w_1 x_1 + w_2 x_2 + ... + w_n x_n + b.
//
// This header is the one place that formula is written. How it is summed:
//   - integral T: exactly (signed types in 128-bit integers), the bias last. A result
//     that does not fit T throws std::overflow_error (a compile error in constant
//     evaluation) instead of wrapping or invoking undefined behaviour; partial sums
//     outside T's range do not, when the result fits.
//   - float and double: in soma's canonical order (see soma/detail/inner_product.hpp):
//     64 (float) or 32 (double) fused-multiply-add chains joined by a fixed pairwise
//     tree. The SIMD kernels (AVX2, AVX-512, NEON) follow the same order, so the result
//     has the same bits on every FMA-capable target, compiler and optimisation level.
//     Accuracy: |z - exact| <= gamma_k Σ|w_i x_i| (+|b|) + n·eta, k = ceil(m/P) + log2 P,
//     m the number of terms (n, or n+1 with a bias), eta the smallest subnormal.
//   - long double: left to right, the bias last, without fused operations.
//   NaN in any term gives NaN; +inf and -inf together give NaN (IEEE), also when the
//   infinity comes from finite terms whose product or partial sum overflowed; otherwise
//   an infinite term gives that infinity. The sum may overflow to infinity although the
//   exact sum is finite (partial sums are rounded). In constant evaluation a NaN result
//   does not compile.
//
// The bias is the (n+1)-th term of the inner product (x_1..x_n, 1)·(w_1..w_n, b), so
// weighted_input(w, x, b) == dot(augment(w, b), augment(x)) bit for bit (soma/bias.hpp).
#ifndef SOMA_WEIGHTED_INPUT_HPP
#define SOMA_WEIGHTED_INPUT_HPP

#include <cstddef>
#include <limits>
#include <ranges>
#include <span>
#include <type_traits>

#include "soma/concepts.hpp"
#include "soma/detail/errors.hpp"
#include "soma/detail/inner_product.hpp"

namespace soma {
namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// The exact integer sum Σ w_i x_i (+ b), checked once at the end: a partial sum may leave
// T's range as long as the result fits (dot({INT_MAX, 1, -1}, {1, 1, 1}) is INT_MAX).
// Signed types up to 64 bits are summed in 128 bits with a count of wrap-arounds, which
// holds the exact sum of any number of terms; unsigned sums only grow, so a partial sum
// or product that does not fit T means the result does not either.
template <scalar T>
[[nodiscard]] constexpr T checked_inner_product(T const* w, T const* x, std::size_t n,
                                                bool has_bias, T b) {
    if constexpr (std::is_signed_v<T> && sizeof(T) <= 8) {
        __extension__ using wide = __int128;
        using product_t = std::conditional_t<sizeof(T) <= 4, long long, wide>;
        wide z = 0;
        long long wraps = 0;  // the exact sum is z + wraps * 2^128
        auto add = [&](wide t) {
            if (__builtin_add_overflow(z, t, &z)) wraps += t < 0 ? -1 : 1;
        };
        for (std::size_t i = 0; i < n; ++i) {
            add(static_cast<product_t>(w[i]) * static_cast<product_t>(x[i]));  // exact
        }
        if (has_bias) add(b);
        if (wraps != 0 || z < std::numeric_limits<T>::min() || z > std::numeric_limits<T>::max()) {
            detail::throw_overflow("soma::weighted_input");
        }
        return static_cast<T>(z);
    } else {
        T z = 0;
        for (std::size_t i = 0; i < n; ++i) {
            T p{};
            if (__builtin_mul_overflow(w[i], x[i], &p) || __builtin_add_overflow(z, p, &z)) {
                detail::throw_overflow("soma::weighted_input");
            }
        }
        if (has_bias && __builtin_add_overflow(z, b, &z))
            detail::throw_overflow("soma::weighted_input");
        return z;
    }
}

template <std::floating_point T>
[[nodiscard]] constexpr T sequential_inner_product(T const* w, T const* x, std::size_t n,
                                                   bool has_bias, T b) noexcept {
    T z = 0;
    for (std::size_t i = 0; i < n; ++i) {
        T const p = w[i] * x[i];
        z = z + p;
    }
    if (has_bias) z = z + b;
    return z;
}

// Σ_{i<n} w_i x_i, plus b as the last term when has_bias; N is the static extent when
// one is known (small fixed sizes compile to straight-line code).
template <scalar T, std::size_t N = std::dynamic_extent>
[[nodiscard, gnu::always_inline]] constexpr T weighted_sum(T const* w, T const* x, std::size_t n,
                                                           bool has_bias, T b) {
    if constexpr (std::integral<T>) {
        return checked_inner_product(w, x, n, has_bias, b);
    } else if constexpr (ieee_binary<T>) {
        if constexpr (N != std::dynamic_extent) {
            return detail::inner_product_fixed<T, N>(w, x, has_bias, b);
        } else {
            return detail::inner_product(w, x, n, has_bias, b);
        }
    } else {
        return sequential_inner_product(w, x, n, has_bias, b);
    }
}

template <class A, class B>
constexpr std::size_t checked_size(A const& a, B const& b, char const* where, char const* name_a,
                                   char const* name_b) {
    auto const na = static_cast<std::size_t>(std::ranges::size(a));
    auto const nb = static_cast<std::size_t>(std::ranges::size(b));
    if constexpr (static_extent_v<A> == std::dynamic_extent ||
                  static_extent_v<B> == std::dynamic_extent) {
        if (na != nb) detail::throw_size_mismatch(where, name_a, na, name_b, nb);
    }
    return na;
}

// Why two vector types cannot be paired, as one static_assert that says what to pass (the
// overloads below that take them exist only to report this, instead of the compiler's notes
// on every unsatisfied constraint).
template <class A, class B>
constexpr bool diagnose_vectors() {
    using a_t = std::remove_cvref_t<A>;
    using b_t = std::remove_cvref_t<B>;
    if constexpr (!std::ranges::contiguous_range<a_t> || !std::ranges::sized_range<a_t> ||
                  !std::ranges::contiguous_range<b_t> || !std::ranges::sized_range<b_t>) {
        static_assert(std::ranges::contiguous_range<a_t> && std::ranges::contiguous_range<b_t>,
                      "soma: w and x must be contiguous, sized vectors (std::array, std::vector, "
                      "std::span or a C array); copy a std::list, std::deque or a view into a "
                      "std::vector first");
    } else if constexpr (!input_vector<a_t> || !input_vector<b_t>) {
        static_assert(input_vector<a_t> && input_vector<b_t>,
                      "soma: the elements must be numbers (an arithmetic type other than bool)");
    } else if constexpr (!std::same_as<element_t<a_t>, element_t<b_t>>) {
        static_assert(std::same_as<element_t<a_t>, element_t<b_t>>,
                      "soma: w and x must have the same element type (soma never converts "
                      "silently); convert one, e.g. std::vector<double>(x.begin(), x.end())");
    } else {
        static_assert(compatible_vectors<a_t, b_t>,
                      "soma: the sizes fixed at compile time differ (std::array<T, N> or "
                      "std::span<T, N> of different N)");
    }
    return false;
}

template <class A, class B>
inline constexpr std::size_t common_extent =
    static_extent_v<A> != std::dynamic_extent ? static_extent_v<A> : static_extent_v<B>;

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// dot(a, b) = Σ a_i b_i, the inner product (内积) of two vectors of equal size.
// Sizes known at compile time must agree (else the call does not compile); otherwise a
// mismatch throws std::invalid_argument naming both sizes. dot of two empty vectors is 0.
template <class A, class B>
requires compatible_vectors<A, B> SOMA_ABI [[nodiscard]] constexpr element_t<A> dot(A const& a,
                                                                                    B const& b) {
    std::size_t const n = detail::checked_size(a, b, "soma::dot", "a", "b");
    return detail::weighted_sum<element_t<A>, detail::common_extent<A, B>>(
        std::ranges::data(a), std::ranges::data(b), n, false, element_t<A>{});
}

// Vectors dot cannot pair: a compile error saying why (detail::diagnose_vectors).
template <class A, class B>
requires(!compatible_vectors<A, B>) SOMA_ABI void dot(A const&, B const&) {
    (void)detail::diagnose_vectors<A, B>();
}

// weighted_input(w, x) = Σ w_i x_i: the weighted sum of the inputs, before the bias.
template <class W, class X>
requires compatible_vectors<W, X> SOMA_ABI [[nodiscard]] constexpr element_t<W> weighted_input(
    W const& w, X const& x) {
    std::size_t const n = detail::checked_size(w, x, "soma::weighted_input", "w", "x");
    return detail::weighted_sum<element_t<W>, detail::common_extent<W, X>>(
        std::ranges::data(w), std::ranges::data(x), n, false, element_t<W>{});
}

// weighted_input(w, x, b) = Σ w_i x_i + b = z, the weighted input of a neuron with bias
// b = -θ. The neuron fires when z >= 0.
template <class W, class X>
requires compatible_vectors<W, X> SOMA_ABI [[nodiscard]] constexpr element_t<W> weighted_input(
    W const& w, X const& x, std::type_identity_t<element_t<W>> b) {
    std::size_t const n = detail::checked_size(w, x, "soma::weighted_input", "w", "x");
    return detail::weighted_sum<element_t<W>, detail::common_extent<W, X>>(
        std::ranges::data(w), std::ranges::data(x), n, true, b);
}

// Vectors weighted_input cannot pair: a compile error saying why.
template <class W, class X>
requires(!compatible_vectors<W, X>) SOMA_ABI void weighted_input(W const&, X const&) {
    (void)detail::diagnose_vectors<W, X>();
}
template <class W, class X, class B>
requires(!compatible_vectors<W, X>) SOMA_ABI void weighted_input(W const&, X const&, B const&) {
    (void)detail::diagnose_vectors<W, X>();
}

}  // namespace soma

#endif  // SOMA_WEIGHTED_INPUT_HPP
