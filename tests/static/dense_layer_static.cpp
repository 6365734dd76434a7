// Compile-time tests of soma/dense_layer.hpp and soma/network.hpp: static layers and
// networks evaluate in constant expressions, and shape mismatches do not compile.
#include <soma/soma.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <vector>

namespace {

// The tutorial's Example 1 (w = (5, 3), θ = 4) and AND (w = (1, 1), θ = 2) as one layer of
// step neurons, weights in the source.
constexpr soma::dense_layer<int, 2, 2, soma::step_activation> gates({5, 3, 1, 1}, {-4, -2});
static_assert(gates({0, 0}) == std::array{0, 0});
static_assert(gates({1, 0}) == std::array{1, 0});
static_assert(gates({0, 1}) == std::array{0, 0});
static_assert(gates({1, 1}) == std::array{1, 1});
static_assert(gates.weight(0, 1) == 3 && gates.bias(1) == -2);
static_assert(gates.weights() == std::array{5, 3, 1, 1});
static_assert(gates.neuron(0)({1, 0}) == 1 && gates.neuron(0).threshold() == 4);
static_assert(gates.inputs() == 2 && gates.outputs() == 2);

// Floating point: z exact here (dyadic weights), so z and σ(z) can be stated.
constexpr soma::dense_layer<double, 2, 1, soma::identity_activation> linear({0.5, 0.25}, {-1.0});
static_assert(linear({2.0, 4.0})[0] == 1.0);
constexpr soma::dense_layer<float, 3, 2> sigmoid_layer({1, 0, 0, 0, 0, 0}, {0, 0});
static_assert(sigmoid_layer({0.0f, 5.0f, 7.0f})[0] == 0.5f);  // σ(0) = 0.5 exactly
static_assert(sigmoid_layer({0.0f, 5.0f, 7.0f})[1] == 0.5f);

// XOR as a network: hidden OR and NAND, output AND.
constexpr soma::network xor_net(
    soma::dense_layer<float, 2, 2, soma::step_activation>({1, 1, -1, -1}, {-0.5f, 1.5f}),
    soma::dense_layer<float, 2, 1, soma::step_activation>({1, 1}, {-1.5f}));
static_assert(xor_net({0, 0})[0] == 0 && xor_net({0, 1})[0] == 1);
static_assert(xor_net({1, 0})[0] == 1 && xor_net({1, 1})[0] == 0);
static_assert(decltype(xor_net)::depth == 2);
static_assert(xor_net.layer<1>().bias(0) == -1.5f);

// Static layers are literal types without allocation.
static_assert(sizeof(soma::dense_layer<float, 4, 4>) == (16 + 4) * sizeof(float));

// Must not compile: parameter vectors of the wrong static size.
template <class L, class W, class B>
concept constructible_from = requires(W const& w, B const& b) {
    L(w, b);
};
using layer_3x2 = soma::dense_layer<float, 3, 2>;
static_assert(constructible_from<layer_3x2, std::array<float, 6>, std::array<float, 2>>);
static_assert(!constructible_from<layer_3x2, std::array<float, 5>, std::array<float, 2>>);
static_assert(!constructible_from<layer_3x2, std::array<float, 6>, std::array<float, 3>>);
static_assert(!constructible_from<layer_3x2, std::array<double, 6>, std::array<double, 2>>);
static_assert(constructible_from<layer_3x2, std::vector<float>, std::vector<float>>);  // run time

// Must not compile: braced lists of the wrong length.
template <class L>
concept from_five_weights = requires {
    L({1, 2, 3, 4, 5}, {1, 2});
};
template <class L>
concept from_six_weights = requires {
    L({1, 2, 3, 4, 5, 6}, {1, 2});
};
static_assert(from_six_weights<layer_3x2>);
static_assert(!from_five_weights<layer_3x2>);

// Must not compile: inputs and outputs of the wrong static size or type.
template <class L, class X>
concept callable_with = requires(L const& l, X const& x) {
    l(x);
};
template <class L, class X, class Y>
concept forward_with = requires(L const& l, X const& x, Y& y) {
    l.forward(x, y);
};
static_assert(callable_with<layer_3x2, std::array<float, 3>>);
static_assert(!callable_with<layer_3x2, std::array<float, 2>>);
static_assert(!callable_with<layer_3x2, std::array<double, 3>>);
static_assert(!callable_with<layer_3x2, std::span<float, 4>>);
static_assert(callable_with<layer_3x2, std::vector<float>>);  // checked at run time
static_assert(forward_with<layer_3x2, std::array<float, 3>, std::array<float, 2>>);
static_assert(!forward_with<layer_3x2, std::array<float, 3>, std::array<float, 3>>);
static_assert(!forward_with<layer_3x2, std::array<float, 3>, std::array<float, 2> const>);
static_assert(forward_with<layer_3x2, std::array<float, 3>, std::vector<float>>);

// Must not compile: a layer of one static and one run-time extent; σ of an integer.
template <class T, std::size_t In, std::size_t Out, class A = soma::sigmoid_activation>
concept valid_layer = requires {
    typename soma::dense_layer<T, In, Out, A>::value_type;
};
static_assert(valid_layer<float, 3, 2>);
static_assert(valid_layer<float, std::dynamic_extent, std::dynamic_extent>);
static_assert(!valid_layer<float, 3, std::dynamic_extent>);
static_assert(!valid_layer<int, 3, 2>);
static_assert(valid_layer<int, 3, 2, soma::step_activation>);

// Must not compile: layers whose sizes do not chain (the network's static_assert is this
// concept, with the layer and both sizes in its error).
using layer_2x3 = soma::dense_layer<float, 2, 3>;
using layer_3x1 = soma::dense_layer<float, 3, 1>;
using layer_4x1 = soma::dense_layer<float, 4, 1>;
using run_time = soma::dynamic_dense_layer<float>;
static_assert(soma::chainable<layer_2x3, layer_3x1>);
static_assert(!soma::chainable<layer_2x3, layer_4x1>);
static_assert(!soma::chainable<layer_2x3, layer_3x1, layer_3x1>);
static_assert(soma::chainable<layer_2x3, run_time, layer_4x1>);  // checked at run time
static_assert(!soma::chainable<layer_2x3, soma::dense_layer<double, 3, 1>>);
static_assert(!soma::chainable<>);

// Must not compile: a network called with an input of the wrong static size.
using net_2_3_1 = soma::network<layer_2x3, layer_3x1>;
static_assert(callable_with<net_2_3_1, std::array<float, 2>>);
static_assert(!callable_with<net_2_3_1, std::array<float, 3>>);
static_assert(net_2_3_1::in_extent == 2 && net_2_3_1::out_extent == 1);

}  // namespace
