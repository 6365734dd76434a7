// soma/layer.hpp - many neurons, or many inputs, at once.
//
// A dense layer of m neurons with n inputs each has row-major weights W (m x n, row r the
// weights w of neuron r) and biases b (m):
//     z = W x + b,   z_r = Σ_i W[r, i] x_i + b_r,   y_r = a(z_r).
// Every z_r is computed in soma's canonical inner-product order (soma/detail/
// inner_product.hpp) and is bitwise equal to the single-neuron weighted input of row r,
// detail::inner_product(W_r, x, n, true, b_r), on every target; accuracy is therefore the
// bound documented there: |z_r - exact| <= gamma_k Σ_i |W[r, i] x_i| + n·eta,
// k = ceil((n+1)/P) + log2(P), P = 256 / sizeof(T), eta the smallest subnormal.
//
// The rows are evaluated several per pass where the ISA has the registers (AVX-512: four
// rows share each load of x), and the bias and the activation are applied to blocks of
// 64 outputs (256 or 512 bytes) while they are still in L1. No function here allocates.
//
// Sizes are checked: a mismatch throws std::invalid_argument naming both sizes. The
// outputs must not overlap the inputs (checked for x, X and W; it would change results).
#ifndef SOMA_LAYER_HPP
#define SOMA_LAYER_HPP

#include <concepts>
#include <cstddef>
#include <functional>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "soma/concepts.hpp"
#include "soma/detail/errors.hpp"
#include "soma/detail/inner_product.hpp"

namespace soma {

// soma's activation types (soma/activation.hpp); declared here so that this header does
// not pull in every activation's implementation.
struct step_activation;
struct sigmoid_activation;
struct identity_activation;

// An activation that also transforms a block of outputs in place, a(std::span<T>):
// soma's step_activation, sigmoid_activation and identity_activation, or any type that
// says so with a member type `block_activation`. (The opt-in keeps generic lambdas, whose
// bodies would not compile for a span, out of the span-overload check.) forward() hands
// such an activation blocks of up to 64 outputs instead of calling it once per output.
template <class A>
concept names_block_activation = requires {
    typename A::block_activation;
};

template <class A>
concept declares_block_activation = names_block_activation<A> || std::same_as<A, step_activation> ||
    std::same_as<A, sigmoid_activation> || std::same_as<A, identity_activation>;

template <class A, class T>
concept block_activation_for =
    activation_for<A, T> && declares_block_activation<A> && std::invocable<A const&, std::span<T>>;

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

[[noreturn]] inline void size_mismatch(char const* function, char const* what, std::size_t got,
                                       char const* expected_what, std::size_t expected) {
    raise<std::invalid_argument>(std::string(function) + ": " + what + " has " +
                                 std::to_string(got) + " elements, but " + expected_what + " is " +
                                 std::to_string(expected));
}

// rows * cols, or a clear error when the product overflows std::size_t.
[[noreturn]] inline void product_overflow(char const* function, std::size_t rows,
                                          std::size_t cols) {
    raise<std::invalid_argument>(std::string(function) + ": rows (" + std::to_string(rows) +
                                 ") * columns (" + std::to_string(cols) +
                                 ") overflows std::size_t");
}

[[nodiscard]] inline std::size_t checked_product(char const* function, std::size_t rows,
                                                 std::size_t cols) {
    std::size_t product = 0;
    if (__builtin_mul_overflow(rows, cols, &product)) product_overflow(function, rows, cols);
    return product;
}

// Any shared element, exact aliasing included: a layer's outputs are not its inputs.
template <class T>
[[nodiscard]] bool overlap(std::span<T const> a, std::span<T const> b) noexcept {
    return ranges_overlap(a.data(), a.size(), b.data(), b.size());
}

[[noreturn]] inline void overlap_error(char const* function, char const* out, char const* in) {
    throw_overlap(function, out, in);
}

inline constexpr std::size_t activation_block = 64;

// y = a(W x + b) for one input, in blocks of 64 rows: weighted inputs, then the
// activation while the block is in L1. Sizes already checked.
template <ieee_binary T, class A>
void forward_blocks(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b, T* y,
                    A const& a) {
    for (std::size_t r = 0; r < rows; r += activation_block) {
        std::size_t const count = rows - r < activation_block ? rows - r : activation_block;
        inner_products(W + r * n, count, n, x, b + r, 1, y + r);
        if constexpr (block_activation_for<A, T>) {
            std::invoke(a, std::span<T>(y + r, count));
        } else {
            for (std::size_t j = 0; j < count; ++j) {
                y[r + j] = static_cast<T>(std::invoke(a, y[r + j]));
            }
        }
    }
}

template <ieee_binary T, class A>
void forward_unchecked(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b, T* y,
                       A const& a) {
    if constexpr (std::same_as<A, sigmoid_activation>) {
        // One pass: the kernel applies σ to each register of weighted inputs.
        (void)a;
        kernels().of<T>().forward_sigmoid(W, rows, n, x, b, y);
    } else {
        forward_blocks(W, rows, n, x, b, y, a);
    }
}

// Inputs per pass of batch_forward_unchecked: a pass's outputs (at most 4096 values, 16 KB
// of float) are still in L1 when the activation runs over them.
inline constexpr std::size_t batch_values = 4096;

// Y_k = a(W X_k + b) for inputs k < count, bitwise forward_unchecked for each: the weighted
// inputs of a pass of inputs through the batch kernel (tiles of rows and inputs sharing
// their loads), then the activation over them, as forward_unchecked applies it (σ by
// register, any other in blocks of activation_block rows per input). Sizes already checked.
template <ieee_binary T, class A>
void batch_forward_unchecked(T const* W, std::size_t rows, std::size_t n, T const* X,
                             std::size_t count, T const* b, T* Y, A const& a) {
    if (rows == 0) return;
    std::size_t const fit = batch_values / rows / 2 * 2;  // whole tiles of two inputs
    std::size_t const pass = fit < 2 ? 2 : fit;
    auto const& k = kernels().of<T>();
    for (std::size_t q = 0; q < count; q += pass) {
        std::size_t const inputs = count - q < pass ? count - q : pass;
        T* const y = Y + q * rows;
        k.batch_inner_products(W, rows, n, X + q * n, inputs, b, y);
        if constexpr (std::same_as<A, sigmoid_activation>) {
            (void)a;
            k.sigmoid(y, y, inputs * rows);
        } else {
            for (std::size_t j = 0; j < inputs; ++j) {
                T* const yj = y + j * rows;
                for (std::size_t r = 0; r < rows; r += activation_block) {
                    std::size_t const c = rows - r < activation_block ? rows - r : activation_block;
                    if constexpr (block_activation_for<A, T>) {
                        std::invoke(a, std::span<T>(yj + r, c));
                    } else {
                        for (std::size_t i = 0; i < c; ++i) {
                            yj[r + i] = static_cast<T>(std::invoke(a, yj[r + i]));
                        }
                    }
                }
            }
        }
    }
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// Inputs take T from the output span (or an explicit template argument), so vectors,
// arrays and spans of T all convert.
template <class T>
using in_span = std::type_identity_t<std::span<T const>>;

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class T>
inline constexpr bool is_dynamic_span_v = false;
template <class T>
inline constexpr bool is_dynamic_span_v<std::span<T, std::dynamic_extent>> = true;

// An output vector of a layer function other than std::span<T> (which the span overloads
// take directly): std::vector<T>, std::array<T, N>, a static-extent span, ...
template <class R>
concept layer_output =
    std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    ieee_binary<std::ranges::range_value_t<R>> &&
    !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<R>>> &&
    !is_dynamic_span_v<std::remove_cvref_t<R>>;

template <class R>
using layer_value_t = std::ranges::range_value_t<R>;

template <class R>
[[nodiscard]] std::span<layer_value_t<R>> as_span(R& r) noexcept {
    return std::span<layer_value_t<R>>(std::ranges::data(r), std::ranges::size(r));
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// z = W x + b: the weighted inputs of a dense layer of `rows` neurons, W row-major
// (rows x x.size()), b and z of size rows. z_r is bitwise the single-neuron weighted
// input of row r. Throws std::invalid_argument on a size mismatch or when z overlaps W
// or x.
template <detail::ieee_binary T>
SOMA_ABI void weighted_inputs(in_span<T> W, std::size_t rows, in_span<T> x, in_span<T> b,
                              std::span<T> z) {
    constexpr char const* f = "soma::weighted_inputs";
    std::size_t const n = x.size();
    if (W.size() != detail::checked_product(f, rows, n)) {
        detail::size_mismatch(f, "W", W.size(), "rows * x.size()", rows * n);
    }
    if (b.size() != rows) detail::size_mismatch(f, "b", b.size(), "rows", rows);
    if (z.size() != rows) detail::size_mismatch(f, "z", z.size(), "rows", rows);
    std::span<T const> const out(z.data(), z.size());
    if (detail::overlap(out, x)) detail::overlap_error(f, "z", "x");
    if (detail::overlap(out, W)) detail::overlap_error(f, "z", "W");
    if (detail::overlap(out, b)) detail::overlap_error(f, "z", "b");
    detail::inner_products(W.data(), rows, n, x.data(), b.data(), 1, z.data());
}

// The same for outputs that are not a std::span: std::vector, std::array, ...
template <detail::layer_output Z>
SOMA_ABI void weighted_inputs(in_span<detail::layer_value_t<Z>> W, std::size_t rows,
                              in_span<detail::layer_value_t<Z>> x,
                              in_span<detail::layer_value_t<Z>> b, Z&& z) {
    soma::weighted_inputs<detail::layer_value_t<Z>>(W, rows, x, b, detail::as_span(z));
}

// y = a(W x + b): a dense layer's outputs, y_r = a(z_r) with z_r as in weighted_inputs,
// computed and activated 64 rows at a time (soma::sigmoid_activation: in one pass, each
// register of weighted inputs activated while in registers). Same checks as
// weighted_inputs.
template <detail::ieee_binary T, activation_for<T> A>
SOMA_ABI void forward(in_span<T> W, std::size_t rows, in_span<T> x, in_span<T> b, std::span<T> y,
                      A const& a) {
    constexpr char const* f = "soma::forward";
    std::size_t const n = x.size();
    if (W.size() != detail::checked_product(f, rows, n)) {
        detail::size_mismatch(f, "W", W.size(), "rows * x.size()", rows * n);
    }
    if (b.size() != rows) detail::size_mismatch(f, "b", b.size(), "rows", rows);
    if (y.size() != rows) detail::size_mismatch(f, "y", y.size(), "rows", rows);
    std::span<T const> const out(y.data(), y.size());
    if (detail::overlap(out, x)) detail::overlap_error(f, "y", "x");
    if (detail::overlap(out, W)) detail::overlap_error(f, "y", "W");
    if (detail::overlap(out, b)) detail::overlap_error(f, "y", "b");
    detail::forward_unchecked(W.data(), rows, n, x.data(), b.data(), y.data(), a);
}

// The same for outputs that are not a std::span: std::vector, std::array, ...
template <detail::layer_output Y, activation_for<detail::layer_value_t<Y>> A>
SOMA_ABI void forward(in_span<detail::layer_value_t<Y>> W, std::size_t rows,
                      in_span<detail::layer_value_t<Y>> x, in_span<detail::layer_value_t<Y>> b,
                      Y&& y, A const& a) {
    soma::forward<detail::layer_value_t<Y>>(W, rows, x, b, detail::as_span(y), a);
}

// Y_k = a(W X_k + b) for every input k: X row-major (inputs x n), Y row-major
// (inputs x rows), inputs = Y.size() / rows. Each Y_k is bitwise forward(W, rows, X_k, b).
// Throws std::invalid_argument on a size mismatch or an overlap of Y with W or X.
template <detail::ieee_binary T, activation_for<T> A>
SOMA_ABI void batch_forward(in_span<T> W, std::size_t rows, std::size_t n, in_span<T> X,
                            in_span<T> b, std::span<T> Y, A const& a) {
    constexpr char const* f = "soma::batch_forward";
    if (W.size() != detail::checked_product(f, rows, n)) {
        detail::size_mismatch(f, "W", W.size(), "rows * n", rows * n);
    }
    if (b.size() != rows) detail::size_mismatch(f, "b", b.size(), "rows", rows);
    std::size_t const inputs = rows != 0 ? Y.size() / rows : 0;
    if (rows != 0 && Y.size() % rows != 0) {
        detail::size_mismatch(f, "Y", Y.size(), "a multiple of rows, rows", rows);
    }
    if (X.size() != detail::checked_product(f, inputs, n)) {
        detail::size_mismatch(f, "X", X.size(), "(Y.size() / rows) * n", inputs * n);
    }
    std::span<T const> const out(Y.data(), Y.size());
    if (detail::overlap(out, X)) detail::overlap_error(f, "Y", "X");
    if (detail::overlap(out, W)) detail::overlap_error(f, "Y", "W");
    if (detail::overlap(out, b)) detail::overlap_error(f, "Y", "b");
    detail::batch_forward_unchecked(W.data(), rows, n, X.data(), inputs, b.data(), Y.data(), a);
}

// The same for outputs that are not a std::span: std::vector, std::array, ...
template <detail::layer_output Y, activation_for<detail::layer_value_t<Y>> A>
SOMA_ABI void batch_forward(in_span<detail::layer_value_t<Y>> W, std::size_t rows, std::size_t n,
                            in_span<detail::layer_value_t<Y>> X,
                            in_span<detail::layer_value_t<Y>> b, Y&& Y_out, A const& a) {
    soma::batch_forward<detail::layer_value_t<Y>>(W, rows, n, X, b, detail::as_span(Y_out), a);
}

// z_k = w · X_k + b: one neuron (weights w, bias b) over many inputs, the rows of X
// (row-major, z.size() x w.size()). z_k is bitwise the neuron's weighted input for X_k,
// detail::inner_product(w, X_k, n, true, b). Throws std::invalid_argument on a size
// mismatch or when z overlaps w or X.
template <detail::ieee_binary T>
SOMA_ABI void batch_weighted_input(in_span<T> w, std::type_identity_t<T> b, in_span<T> X,
                                   std::span<T> z) {
    constexpr char const* f = "soma::batch_weighted_input";
    std::size_t const n = w.size();
    if (X.size() != detail::checked_product(f, z.size(), n)) {
        detail::size_mismatch(f, "X", X.size(), "z.size() * w.size()", z.size() * n);
    }
    std::span<T const> const out(z.data(), z.size());
    if (detail::overlap(out, w)) detail::overlap_error(f, "z", "w");
    if (detail::overlap(out, X)) detail::overlap_error(f, "z", "X");
    // fma(x, w, s) == fma(w, x, s): the rows of X play the weights' part, w the input's.
    detail::inner_products(X.data(), z.size(), n, w.data(), &b, 0, z.data());
}

// The same for outputs that are not a std::span: std::vector, std::array, ...
template <detail::layer_output Z>
SOMA_ABI void batch_weighted_input(in_span<detail::layer_value_t<Z>> w,
                                   std::type_identity_t<detail::layer_value_t<Z>> b,
                                   in_span<detail::layer_value_t<Z>> X, Z&& z) {
    soma::batch_weighted_input<detail::layer_value_t<Z>>(w, b, X, detail::as_span(z));
}

}  // namespace soma

#endif  // SOMA_LAYER_HPP
