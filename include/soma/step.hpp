// soma/step.hpp - the unit step function u(z) and the firing condition (点火).
#ifndef SOMA_STEP_HPP
#define SOMA_STEP_HPP

#include <bit>
#include <concepts>
#include <cstdint>
#include <limits>
#include <ranges>
#include <span>
#include <type_traits>

#include "soma/concepts.hpp"
#include "soma/detail/dispatch.hpp"
#include "soma/detail/errors.hpp"

namespace soma {

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// The (z, out) pairs step(z, out) takes.
template <class Z, class Out>
concept step_arrays = input_vector<Z> && std::ranges::contiguous_range<Out> &&
    std::ranges::sized_range<Out> && std::same_as<std::ranges::range_value_t<Out>, element_t<Z>> &&
    !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<Out>>>;

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// Unit step (单位阶跃函数): u(z) = 1 for z >= 0, 0 for z < 0.
// The value at the threshold itself is 1 (the tutorial's neuron fires when the weighted
// sum reaches θ), so u(+0) = u(-0) = 1. u(+inf) = 1, u(-inf) = 0, u(NaN) = NaN (the
// same NaN) for floating T. Exact: no rounding is involved, and no floating-point flag is
// raised for a non-NaN z; a NaN may raise FE_INVALID (the comparison z >= 0 signals on
// NaN, here and in the portable array loop; the AVX2 and AVX-512 kernels compare quietly).
template <scalar T>
SOMA_ABI [[nodiscard]] constexpr T step(T z) noexcept {
    if constexpr (std::floating_point<T>) {
        // u is 0 for NaN, and NaN is then OR-ed back in: two compares, two ANDs and an OR
        // per vector when a loop of step neurons is vectorized.
        using bits_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
        if constexpr (sizeof(T) == sizeof(bits_t) && std::numeric_limits<T>::is_iec559) {
            T const u = z >= T(0) ? T(1) : T(0);
            bits_t const nan = z != z ? ~bits_t{0} : bits_t{0};
            return std::bit_cast<T>(
                static_cast<bits_t>(std::bit_cast<bits_t>(u) | (std::bit_cast<bits_t>(z) & nan)));
        } else {
            return z >= T(0) ? T(1) : (z < T(0) ? T(0) : z);
        }
    } else {
        return z >= T(0) ? T(1) : T(0);
    }
}

// fires(z, θ) = (z >= θ): the tutorial's firing condition w·x >= θ, with z = w·x.
// false when either side is NaN. For the weighted input with bias, fires(z, 0).
template <scalar T>
SOMA_ABI [[nodiscard]] constexpr bool fires(T z, T theta) noexcept {
    return z >= theta;
}

// step over a vector: out_i = u(z_i). Sizes must match (a compile error for two static
// extents, else std::invalid_argument naming both sizes). `out` may be `z` itself (in
// place); an `out` that shares only some elements with `z` throws std::invalid_argument
// (at run time; constant evaluation cannot compare unrelated pointers). Nothing is
// written when it throws.
template <class Z, class Out>
requires detail::step_arrays<Z, Out> SOMA_ABI constexpr void step(Z const& z, Out&& out) {
    auto const n = static_cast<std::size_t>(std::ranges::size(z));
    auto const m = static_cast<std::size_t>(std::ranges::size(out));
    if (n != m) detail::throw_size_mismatch("soma::step", "z", n, "out", m);
    auto const* in = std::ranges::data(z);
    auto* o = std::ranges::data(out);
    if (!std::is_constant_evaluated()) {
        if (detail::partial_overlap<element_t<Z>>(o, n, in, n)) {
            detail::throw_overlap("soma::step", "out", "z",
                                  " (out may be z itself, not part of it)");
        }
        if constexpr (detail::ieee_binary<element_t<Z>>) {
            detail::kernels().of<element_t<Z>>().step(in, o, n);
            return;
        }
    }
    for (std::size_t i = 0; i < n; ++i) o[i] = soma::step(in[i]);
}

// A pair step(z, out) cannot take: a compile error saying what to pass.
template <class Z, class Out>
requires std::ranges::range<Z> && std::ranges::range<Out> &&(!detail::step_arrays<Z, Out>)SOMA_ABI
    void step(Z const&, Out&&) {
    static_assert(std::ranges::contiguous_range<Z> && std::ranges::contiguous_range<Out>,
                  "soma::step(z, out): z and out must be contiguous (std::vector, std::array, "
                  "std::span or a C array); copy a std::list, std::deque or a view into a "
                  "std::vector first");
    static_assert(!(std::ranges::contiguous_range<Z> && std::ranges::contiguous_range<Out>) ||
                      std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>>,
                  "soma::step(z, out): z and out must have the same element type (soma never "
                  "converts silently)");
    static_assert(!(std::ranges::contiguous_range<Z> && std::ranges::contiguous_range<Out>) ||
                      !std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>>,
                  "soma::step(z, out): out must be writable and the elements numbers (an "
                  "arithmetic type other than bool)");
}

// In place: z_i <- u(z_i).
template <class Z>
requires input_vector<Z> &&
    (!std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<Z>>>)SOMA_ABI
    constexpr void step(Z&& z) noexcept {
    auto* p = std::ranges::data(z);
    auto const n = static_cast<std::size_t>(std::ranges::size(z));
    if constexpr (detail::ieee_binary<element_t<Z>>) {
        if (!std::is_constant_evaluated()) {
            detail::kernels().of<element_t<Z>>().step(p, p, n);
            return;
        }
    }
    for (std::size_t i = 0; i < n; ++i) p[i] = soma::step(p[i]);
}

}  // namespace soma

#endif  // SOMA_STEP_HPP
