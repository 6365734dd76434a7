// soma/detail/kernel_table.hpp - the kernels of one instruction set, as one table.
//
// Every ISA (soma/detail/simd/*.hpp) fills one kernel_table with its instantiations of
// the algorithms in soma/detail/kernels-inl.hpp; dispatch.hpp chooses one table, once.
// Every entry of every table returns the bits of the portable table's entry (the tests
// check this for each ISA the CPU can run), so the choice only changes speed.
#ifndef SOMA_DETAIL_KERNEL_TABLE_HPP
#define SOMA_DETAIL_KERNEL_TABLE_HPP

#include <concepts>
#include <cstddef>

#include "soma/detail/config.hpp"
#include "soma/detail/cpu.hpp"
#include "soma/detail/fma.hpp"

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// The canonical order's number of partial sums (soma/detail/inner_product.hpp).
template <ieee_binary T>
inline constexpr std::size_t partial_sums = 256 / sizeof(T);

template <ieee_binary T>
struct kernels_of {
    // Σ_{i<n} w_i x_i (+ b as term n) in the canonical order.
    T (*inner_product)(T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept;
    // z_r = inner_product(W + r*n, x, n, b != nullptr, b[r * b_stride]) for r < rows.
    void (*inner_products)(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                           std::size_t b_stride, T* z) noexcept;
    // y_r = σ(inner_product(W + r*n, x, n, true, b[r])) for r < rows.
    void (*forward_sigmoid)(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                            T* y) noexcept;
    // out_i = σ(z_i) for i < n; out == z allowed.
    void (*sigmoid)(T const* z, T* out, std::size_t n) noexcept;
    // σ(z) for one value.
    T (*sigmoid_one)(T z) noexcept;
    // out_i = u(z_i) (unit step) for i < n; out == z allowed.
    void (*step)(T const* z, T* out, std::size_t n) noexcept;
    // out_i = tanh(z_i) for i < n; out == z allowed.
    void (*tanh)(T const* z, T* out, std::size_t n) noexcept;
    // tanh(z) for one value.
    T (*tanh_one)(T z) noexcept;
    // out = softmax(z) over n values; out == z allowed.
    void (*softmax)(T const* z, T* out, std::size_t n) noexcept;
    // Z[q rows + r] = inner_product(W + r*n, X + q*n, n, true, b[r]) for q < count, r < rows.
    void (*batch_inner_products)(T const* W, std::size_t rows, std::size_t n, T const* X,
                                 std::size_t count, T const* b, T* Z) noexcept;
};

struct kernel_table {
    isa id;
    feature_set needs;  // the CPU features these kernels execute
    kernels_of<float> f32;
    kernels_of<double> f64;

    template <ieee_binary T>
    [[nodiscard]] constexpr kernels_of<T> const& of() const noexcept {
        if constexpr (std::same_as<T, float>) {
            return f32;
        } else {
            return f64;
        }
    }
};

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_KERNEL_TABLE_HPP
