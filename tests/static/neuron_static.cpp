// Compile-time tests: the scalar path is constexpr, and misuse does not compile.
#include <soma/soma.hpp>

#include <array>
#include <span>
#include <vector>

namespace {

// The tutorial's Example 1 as the README writes it.
constexpr auto n = soma::step_neuron<int, 2>::from_threshold({5, 3}, 4);
static_assert(n({1, 0}) == 1);  // z = 5 >= 4: fires
static_assert(n({0, 1}) == 0);  // z = 3 <  4: silent
static_assert(n({0, 0}) == 0);
static_assert(n({1, 1}) == 1);
static_assert(n.weighted_input({0, 0}) == -4 && n.weighted_input({0, 1}) == -1);
static_assert(n.weighted_input({1, 0}) == 1 && n.weighted_input({1, 1}) == 4);
static_assert(n.fires({1, 0}) && !n.fires({0, 1}));
static_assert(n.bias() == -4 && n.threshold() == 4);
static_assert(n.augmented_weights() == std::array{5, 3, -4});

// The same neuron in floating point, augmented form, and the free functions.
constexpr soma::augmented_neuron<double, 2, soma::step_activation> a({5.0, 3.0, -4.0});
static_assert(a({1.0, 0.0}) == 1.0 && a({0.0, 1.0}) == 0.0);
static_assert(soma::weighted_input(std::array{5, 3}, std::array{1, 1}) == 8);
static_assert(soma::weighted_input(std::array{5, 3}, std::array{1, 1}, -4) == 4);
static_assert(soma::dot(std::array{0.5f, 0.25f}, std::array{2.0f, 4.0f}) == 2.0f);
static_assert(soma::step(0.0) == 1.0 && soma::step(-0.0) == 1.0 && soma::step(-1e-300) == 0.0);
static_assert(soma::fires(4, 4) && !soma::fires(3, 4));
static_assert(soma::bias_from_threshold(4) == -4 && soma::threshold_from_bias(-4.0) == 4.0);
static_assert(soma::augment(std::array{1, 0}) == std::array{1, 0, 1});

// Constant evaluation follows the canonical order: 0.1 summed 100 times, compared
// with the run-time value in the unit tests; here it must at least be a constant.
constexpr std::array<double, 100> tenths = [] {
    std::array<double, 100> v{};
    for (auto& t : v) t = 0.1;
    return v;
}();
constexpr double sum_of_tenths = soma::dot(tenths, std::array<double, 100>{[] {
                                               std::array<double, 100> o{};
                                               for (auto& t : o) t = 1.0;
                                               return o;
                                           }()});
static_assert(sum_of_tenths > 9.99 && sum_of_tenths < 10.01);

// Activations are types usable as template arguments.
static_assert(soma::activation_for<soma::step_activation, int>);
static_assert(soma::activation_for<soma::sigmoid_activation, float>);
static_assert(soma::activation_for<soma::identity_activation, double>);
static_assert(!soma::activation_for<soma::sigmoid_activation, int>);  // σ needs floating point

// Must not compile: sizes fixed at compile time that differ. The pairs dot and
// weighted_input accept are compatible_vectors; any other pair reaches an overload whose
// only purpose is a static_assert saying what to pass (its text is checked by the test
// static_diagnostics, tests/toolchain/diagnostics.cmake), so the negative cases are
// checked on the concept.
template <class W, class X>
concept dot_returns_a_number = requires(W const& w, X const& x) {
    { soma::dot(w, x) } -> soma::scalar;
};
static_assert(dot_returns_a_number<std::array<int, 2>, std::array<int, 2>>);
static_assert(soma::compatible_vectors<std::array<int, 2>, std::array<int, 2>>);
static_assert(!soma::compatible_vectors<std::array<int, 2>, std::array<int, 3>>);
static_assert(!soma::compatible_vectors<std::span<float, 4>, std::array<float, 3>>);
static_assert(dot_returns_a_number<std::span<float>, std::array<float, 3>>);  // run-time check
// Must not compile: mixed element types (no silent conversion).
static_assert(!soma::compatible_vectors<std::array<float, 2>, std::array<double, 2>>);
static_assert(!soma::compatible_vectors<std::vector<int>, std::vector<long>>);
// Must not compile: bool is not a number a neuron computes with.
static_assert(!soma::compatible_vectors<std::array<bool, 2>, std::array<bool, 2>>);

template <class N, class X>
concept callable_with = requires(N const& neuron, X const& x) {
    neuron(x);
};
using example1 = soma::step_neuron<int, 2>;
static_assert(callable_with<example1, std::array<int, 2>>);
static_assert(!callable_with<example1, std::array<int, 3>>);
static_assert(!callable_with<example1, std::array<double, 2>>);
static_assert(callable_with<example1, std::vector<int>>);  // checked at run time

// Must not compile: a threshold for an unsigned type (no bias -θ exists).
template <class T>
concept has_bias_from_threshold = requires(T t) {
    soma::bias_from_threshold(t);
};
static_assert(has_bias_from_threshold<int> && has_bias_from_threshold<float>);
static_assert(!has_bias_from_threshold<unsigned>);

// Must not compile: an activation that is not T -> T.
template <class A>
concept neuron_with = requires {
    typename soma::neuron<float, 2, A>;
}
&&soma::activation_for<A, float>;
struct not_an_activation {};
static_assert(!neuron_with<not_an_activation>);

}  // namespace
