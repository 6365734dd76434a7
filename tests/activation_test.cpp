// Tests of soma/activation.hpp's tanh_activation and relu_activation: their values and
// derivatives (ReLU exactly, from its definition max(0, z); tanh bitwise soma::tanh and
// soma::tanh_derivative, whose accuracy tests/tanh_test.cpp asserts), the span form
// bitwise the scalar one, and layers with these activations: every output of a dense
// layer, of a run-time-shaped layer and of soma::forward is bitwise its own neuron's.
#include "soma/activation.hpp"
#include "soma/dense_layer.hpp"
#include "soma/layer.hpp"
#include "soma/neuron.hpp"
#include "soma/tanh.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include "support/catch.hpp"
#include "support/values.hpp"

namespace {

using soma_test::bits;
using soma_test::random_values;

constexpr soma::relu_activation relu{};
constexpr soma::tanh_activation tanh_a{};

}  // namespace

// ReLU in constant evaluation: max(0, z), derivative 1 for z > 0 else 0.
static_assert(relu(2.5) == 2.5 && relu(-2.5) == 0.0 && relu(0.0f) == 0.0f);
static_assert(!std::signbit(relu(-0.0)) && !std::signbit(relu(-1e300)));
static_assert(relu(7) == 7 && relu(-7) == 0 && relu(3U) == 3U);
static_assert(relu.derivative(0.5f) == 1.0f && relu.derivative(-0.5f) == 0.0f);
static_assert(relu.derivative(0.0) == 0.0 && relu.derivative(-0.0) == 0.0);
static_assert(relu.derivative(4) == 1 && relu.derivative(-4) == 0);
static_assert(relu(std::numeric_limits<double>::infinity()) ==
              std::numeric_limits<double>::infinity());
static_assert(relu(-std::numeric_limits<float>::infinity()) == 0.0f);
static_assert(tanh_a(0.0) == 0.0 && tanh_a.derivative(0.0f) == 1.0f);
static_assert(soma::activation_for<soma::tanh_activation, float>);
static_assert(soma::activation_for<soma::relu_activation, int>);
static_assert(!soma::activation_for<soma::tanh_activation, int>);

TEMPLATE_TEST_CASE("relu_activation: special values and derivative", "[activation]", float,
                   double) {
    using T = TestType;
    using limits = std::numeric_limits<T>;
    CHECK(bits(relu(-T(0))) == bits(T(0)));  // -0 -> +0
    CHECK(bits(relu(T(0))) == bits(T(0)));
    CHECK(bits(relu(limits::denorm_min())) == bits(limits::denorm_min()));
    CHECK(bits(relu(-limits::denorm_min())) == bits(T(0)));
    CHECK(relu(limits::max()) == limits::max());
    CHECK(bits(relu(limits::lowest())) == bits(T(0)));
    CHECK(relu(limits::infinity()) == limits::infinity());
    CHECK(bits(relu(-limits::infinity())) == bits(T(0)));
    // NaN propagates unchanged, bit for bit, signs and payloads included.
    for (T nan : {limits::quiet_NaN(), -limits::quiet_NaN(), limits::signaling_NaN()}) {
        CHECK(bits(relu(nan)) == bits(nan));
        CHECK(bits(relu.derivative(nan)) == bits(nan));
    }
    CHECK(relu.derivative(limits::infinity()) == T(1));
    CHECK(relu.derivative(-limits::infinity()) == T(0));
    CHECK(relu.derivative(limits::denorm_min()) == T(1));
    CHECK(relu.derivative(-limits::denorm_min()) == T(0));
    CHECK(relu.derivative(T(0)) == T(0));
}

TEMPLATE_TEST_CASE("relu_activation and tanh_activation: the span form is the scalar bits",
                   "[activation]", float, double) {
    using T = TestType;
    using limits = std::numeric_limits<T>;
    std::mt19937_64 rng(5);
    std::vector<T> z = random_values<T>(200, rng, T(6));
    for (T v : {T(0), -T(0), limits::infinity(), -limits::infinity(), limits::quiet_NaN(),
                -limits::quiet_NaN(), limits::denorm_min(), T(25), T(-25), T(1e-9)}) {
        z.push_back(v);
    }
    std::vector<T> y_relu = z;
    relu(std::span<T>(y_relu));
    std::vector<T> y_tanh = z;
    tanh_a(std::span<T>(y_tanh));
    for (std::size_t i = 0; i < z.size(); ++i) {
        CAPTURE(z[i]);
        CHECK(bits(y_relu[i]) == bits(relu(z[i])));
        CHECK(bits(y_tanh[i]) == bits(tanh_a(z[i])));
        CHECK(bits(tanh_a(z[i])) == bits(soma::tanh(z[i])));
        CHECK(bits(tanh_a.derivative(z[i])) == bits(soma::tanh_derivative(z[i])));
        if (!std::isnan(z[i])) {
            CHECK(y_relu[i] == (z[i] > T(0) ? z[i] : T(0)));
            CHECK(relu.derivative(z[i]) == (z[i] > T(0) ? T(1) : T(0)));
        }
    }
}

namespace {

// Every output of a dense layer with activation A is bitwise its neuron's.
template <class T, std::size_t In, std::size_t Out, class A>
void check_layer(std::mt19937_64& rng) {
    auto const W = random_values<T>(In * Out, rng);
    auto const b = random_values<T>(Out, rng);
    auto const x = random_values<T>(In, rng, T(3));
    soma::dense_layer<T, In, Out, A> const layer{W, b};
    auto const y = layer(std::span<T const>(x));
    soma::dynamic_dense_layer<T, A> const dynamic(layer);
    std::vector<T> yd(Out);
    dynamic.forward(std::span<T const>(x), std::span<T>(yd));
    std::vector<T> yf(Out);
    soma::forward<T>(W, Out, x, b, yf, A{});
    bool ok = true;
    for (std::size_t r = 0; r < Out; ++r) {
        T const neuron = layer.neuron(r)(std::span<T const>(x));
        ok = ok && bits(y[r]) == bits(neuron) && bits(yd[r]) == bits(neuron) &&
             bits(yf[r]) == bits(neuron);
    }
    if (!ok) {
        CAPTURE(In, Out);
        CHECK(ok);
    }
}

}  // namespace

TEMPLATE_TEST_CASE("layers with tanh and ReLU: every output is bitwise its neuron's",
                   "[activation]", float, double) {
    using T = TestType;
    std::mt19937_64 rng(93);
    // Small rows (the one-value-at-a-time path), rows around the block widths and at P
    // terms, long rows.
    check_layer<T, 2, 1, soma::tanh_activation>(rng);
    check_layer<T, 3, 2, soma::tanh_activation>(rng);
    check_layer<T, 4, 4, soma::tanh_activation>(rng);
    check_layer<T, 16, 16, soma::tanh_activation>(rng);
    check_layer<T, 9, 33, soma::tanh_activation>(rng);
    check_layer<T, 64, 4, soma::tanh_activation>(rng);
    check_layer<T, 64, 64, soma::tanh_activation>(rng);
    check_layer<T, 130, 3, soma::tanh_activation>(rng);
    check_layer<T, 3, 2, soma::relu_activation>(rng);
    check_layer<T, 16, 16, soma::relu_activation>(rng);
    check_layer<T, 64, 64, soma::relu_activation>(rng);
    check_layer<T, 130, 3, soma::relu_activation>(rng);
}

TEST_CASE("layers with tanh: constant evaluation gives the run-time bits", "[activation]") {
    static constexpr soma::dense_layer<double, 2, 3, soma::tanh_activation> layer(
        {1.0, 2.0, 3.0, 4.0, -1.0, 0.5}, {0.5, -1.0, 0.0});
    static constexpr auto y = layer({0.25, -0.5});
    // z = W x + b = (-0.25, -2.25, -0.5), all exact.
    static_assert(y[0] == soma::tanh(-0.25) && y[1] == soma::tanh(-2.25) &&
                  y[2] == soma::tanh(-0.5));
    auto const run = layer({0.25, -0.5});
    for (std::size_t r = 0; r < 3; ++r) CHECK(bits(run[r]) == bits(y[r]));
}
