// soma/sigmoid.hpp - placeholder being replaced by the real implementation.
#ifndef SOMA_SIGMOID_HPP
#define SOMA_SIGMOID_HPP

#include <cmath>
#include <concepts>
#include <span>

namespace soma {

template <std::floating_point T>
[[nodiscard]] constexpr T sigmoid(T z) noexcept {
    return T(1) / (T(1) + std::exp(-z));
}

template <std::floating_point T>
[[nodiscard]] constexpr T sigmoid_derivative(T z) noexcept {
    T const s = sigmoid(z);
    return s * (T(1) - s);
}

}  // namespace soma

#endif
