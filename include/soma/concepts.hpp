// soma/concepts.hpp - the kinds of values and vectors soma computes with.
#ifndef SOMA_CONCEPTS_HPP
#define SOMA_CONCEPTS_HPP

#include <array>
#include <concepts>
#include <cstddef>
#include <functional>
#include <ranges>
#include <span>
#include <type_traits>

#include "soma/detail/config.hpp"

namespace soma {

// A number a neuron can compute with: any arithmetic type but bool. The tutorial's
// Example 1 is integral (w = (5, 3), θ = 4); learning needs floating point.
template <class T>
concept scalar = std::is_arithmetic_v<T> && !std::same_as<std::remove_cv_t<T>, bool>;

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class R>
struct static_extent : std::integral_constant<std::size_t, std::dynamic_extent> {};
template <class T, std::size_t N>
struct static_extent<std::array<T, N>> : std::integral_constant<std::size_t, N> {};
template <class T, std::size_t N>
struct static_extent<std::span<T, N>> : std::integral_constant<std::size_t, N> {};
template <class T, std::size_t N>
struct static_extent<T[N]> : std::integral_constant<std::size_t, N> {};

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// The size a vector type fixes at compile time, or std::dynamic_extent.
template <class R>
inline constexpr std::size_t static_extent_v = detail::static_extent<std::remove_cvref_t<R>>::value;

// A vector of inputs or weights: contiguous, sized, of a scalar element type
// (std::array, std::span of static or dynamic extent, std::vector, a C array, ...).
template <class R>
concept input_vector = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    scalar<std::ranges::range_value_t<R>>;

template <input_vector R>
using element_t = std::ranges::range_value_t<R>;

// Two vectors an inner product can pair: the same element type (mixing types is a
// compile error, never a silent conversion) and sizes that are not known to differ.
template <class A, class B>
concept compatible_vectors = input_vector<A> && input_vector<B> &&
    std::same_as<element_t<A>, element_t<B>> &&
    (static_extent_v<A> == std::dynamic_extent || static_extent_v<B> == std::dynamic_extent ||
     static_extent_v<A> == static_extent_v<B>);

// An activation a(z) for element type T: any callable T -> T (the tutorial allows any
// monotonically increasing differentiable function; soma does not check monotonicity).
template <class A, class T>
concept activation_for = scalar<T> && std::regular_invocable<A const&, T> &&
    std::convertible_to<std::invoke_result_t<A const&, T>, T>;

}  // namespace soma

#endif  // SOMA_CONCEPTS_HPP
