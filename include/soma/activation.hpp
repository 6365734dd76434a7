// soma/activation.hpp - activation functions a(z) (激活函数) as types.
//
// y = a(z): the unit step gives the biological neuron's 0/1 output, the sigmoid a
// smooth degree of excitement in (0, 1), tanh the same centred on 0 in (-1, 1), ReLU
// max(0, z) for deep networks. Each activation here is an empty type usable
// as a template argument (soma::neuron<T, N, Activation>); any user callable T -> T
// serves as well (concept soma::activation_for). An activation that can also be
// called with std::span<T> transforms a whole vector in place (the vectorized path of
// the layer functions).
#ifndef SOMA_ACTIVATION_HPP
#define SOMA_ACTIVATION_HPP

#include <concepts>
#include <span>

#include "soma/concepts.hpp"
#include "soma/detail/fma.hpp"
#include "soma/sigmoid.hpp"
#include "soma/step.hpp"
#include "soma/tanh.hpp"

namespace soma {

// a(z) = u(z), the unit step (soma::step): 1 for z >= 0, else 0; NaN -> NaN.
struct step_activation {
    template <scalar T>
    SOMA_ABI [[nodiscard]] constexpr T operator()(T z) const noexcept {
        return soma::step(z);
    }
    template <scalar T>
    SOMA_ABI constexpr void operator()(std::span<T> z) const noexcept {
        soma::step(z);
    }
};

// a(z) = σ(z) = 1 / (1 + e^-z) (soma::sigmoid), with a'(z) = σ(z)(1 - σ(z)).
struct sigmoid_activation {
    template <std::floating_point T>
    SOMA_ABI [[nodiscard]] constexpr T operator()(T z) const noexcept {
        return soma::sigmoid(z);
    }
    template <std::floating_point T>
    SOMA_ABI void operator()(std::span<T> z) const noexcept {
        if constexpr (requires { soma::sigmoid(z); }) {
            soma::sigmoid(z);
        } else {
            for (T& v : z) v = soma::sigmoid(v);
        }
    }
    template <std::floating_point T>
    SOMA_ABI [[nodiscard]] constexpr T derivative(T z) const noexcept {
        return soma::sigmoid_derivative(z);
    }
    // a'(z) from the output y = σ(z): y(1 - y), two roundings (1 - y is exact for
    // y >= 0.5). What backpropagation uses: the forward pass has y already.
    template <std::floating_point T>
    [[nodiscard]] constexpr T derivative_of_output(T y) const noexcept {
        return y * (T(1) - y);
    }
};

// a(z) = tanh(z) = (e^z - e^-z)/(e^z + e^-z) (soma::tanh), with a'(z) = 1 - tanh(z)²
// (soma::tanh_derivative); float and double.
struct tanh_activation {
    template <detail::ieee_binary T>
    SOMA_ABI [[nodiscard]] constexpr T operator()(T z) const noexcept {
        return soma::tanh(z);
    }
    template <detail::ieee_binary T>
    SOMA_ABI void operator()(std::span<T> z) const noexcept {
        soma::tanh(z);
    }
    template <detail::ieee_binary T>
    SOMA_ABI [[nodiscard]] constexpr T derivative(T z) const noexcept {
        return soma::tanh_derivative(z);
    }
    // a'(z) from the output y = tanh(z): (1 - y)(1 + y) = 1 - y², three roundings (no
    // contraction can fuse it: no product feeds a sum). What backpropagation uses.
    template <detail::ieee_binary T>
    [[nodiscard]] constexpr T derivative_of_output(T y) const noexcept {
        return (T(1) - y) * (T(1) + y);
    }
};

// a(z) = max(0, z), the rectified linear unit, with a'(z) = 1 for z > 0, else 0.
//
// Exact (no rounding). Special values: a(-0) = +0 (every z <= 0 gives +0), a(+inf) = +inf,
// a(-inf) = +0, a(NaN) = the same NaN, bit for bit; a'(NaN) = the same NaN, a'(0) = 0
// (the subgradient at the kink chosen as 0), a'(±inf) = 1 and 0. Any scalar type.
struct relu_activation {
    template <scalar T>
    SOMA_ABI [[nodiscard]] constexpr T operator()(T z) const noexcept {
        if constexpr (std::floating_point<T>) {
            if (z != z) return z;
        }
        return z > T(0) ? z : T(0);
    }
    template <scalar T>
    SOMA_ABI constexpr void operator()(std::span<T> z) const noexcept {
        for (T& v : z) v = (*this)(v);
    }
    template <scalar T>
    SOMA_ABI [[nodiscard]] constexpr T derivative(T z) const noexcept {
        if constexpr (std::floating_point<T>) {
            if (z != z) return z;
        }
        return z > T(0) ? T(1) : T(0);
    }
    // a'(z) from the output y = max(0, z): 1 for y > 0, else 0 (y = 0 for every z <= 0);
    // NaN -> the same NaN.
    template <scalar T>
    [[nodiscard]] constexpr T derivative_of_output(T y) const noexcept {
        return derivative(y);
    }
};

// a(z) = z: the neuron outputs its weighted input (a linear unit).
struct identity_activation {
    template <scalar T>
    [[nodiscard]] constexpr T operator()(T z) const noexcept {
        return z;
    }
    template <scalar T>
    constexpr void operator()(std::span<T>) const noexcept {}
    template <scalar T>
    [[nodiscard]] constexpr T derivative(T) const noexcept {
        return T(1);
    }
    template <scalar T>
    [[nodiscard]] constexpr T derivative_of_output(T) const noexcept {
        return T(1);
    }
};

}  // namespace soma

#endif  // SOMA_ACTIVATION_HPP
