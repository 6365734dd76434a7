// Compile-time tests of tanh, ReLU and softmax: the scalar paths are constexpr, and misuse
// does not compile.
#include <soma/soma.hpp>

#include <array>
#include <list>
#include <span>
#include <vector>

namespace {

static_assert(soma::tanh(0.0) == 0.0 && soma::tanh(20.0) == 1.0 && soma::tanh(-1e300) == -1.0);
static_assert(soma::tanh(1e-30f) == 1e-30f);  // tanh(z) rounds to z for tiny z
static_assert(soma::tanh(-0.75) == -soma::tanh(0.75));
static_assert(soma::tanh_derivative(0.0f) == 1.0f && soma::tanh_derivative(1e300) == 0.0);
static_assert(soma::relu_activation{}(-3) == 0 && soma::relu_activation{}(3.5f) == 3.5f);

// softmax in constant evaluation: a uniform vector gives 1/n, and the outputs sum to ~1.
constexpr std::array<double, 4> softmax_of_uniform = [] {
    std::array<double, 4> const z{2.0, 2.0, 2.0, 2.0};
    std::array<double, 4> y{};
    soma::softmax<double>(std::span<double const>(z), std::span<double>(y));
    return y;
}();
static_assert(softmax_of_uniform[0] == 0.25 && softmax_of_uniform[3] == 0.25);
constexpr std::array<float, 3> softmax_of_three = [] {
    std::array<float, 3> y{1.0f, 2.0f, 3.0f};
    soma::softmax<float>(std::span<float>(y));  // in place
    return y;
}();
static_assert(softmax_of_three[0] < softmax_of_three[1] &&
              softmax_of_three[1] < softmax_of_three[2]);
static_assert(softmax_of_three[0] + softmax_of_three[1] + softmax_of_three[2] > 0.9999f &&
              softmax_of_three[0] + softmax_of_three[1] + softmax_of_three[2] < 1.0001f);

// Layers take the new activations.
static_assert(soma::activation_for<soma::tanh_activation, double>);
static_assert(soma::activation_for<soma::relu_activation, float>);
static_assert(soma::activation_for<soma::relu_activation, long>);
constexpr soma::dense_layer<float, 2, 2, soma::tanh_activation> tanh_layer({1.0f, 0.0f, 0.0f, 1.0f},
                                                                           {0.0f, 0.0f});
static_assert(tanh_layer({0.5f, -0.5f})[0] == soma::tanh(0.5f) &&
              tanh_layer({0.5f, -0.5f})[1] == -soma::tanh(0.5f));

// Must not compile: tanh and softmax of integers or long double, mixed element types,
// a non-contiguous range; tanh_activation on integers.
template <class T>
concept tanh_takes = requires(T z) {
    soma::tanh(z);
};
static_assert(tanh_takes<float> && tanh_takes<double>);
static_assert(!tanh_takes<int> && !tanh_takes<long double>);
static_assert(!soma::activation_for<soma::tanh_activation, int>);
template <class Z, class Out>
concept softmax_takes = requires(Z const& z, Out& out) {
    soma::softmax(z, out);
};
static_assert(softmax_takes<std::vector<double>, std::vector<double>>);
static_assert(!softmax_takes<std::vector<double>, std::vector<float>>);
static_assert(!softmax_takes<std::vector<int>, std::vector<int>>);
static_assert(!softmax_takes<std::list<double>, std::vector<double>>);

}  // namespace
