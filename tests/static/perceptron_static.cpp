// Compile-time tests: the perceptron rule runs in constant evaluation.
#include <soma/perceptron.hpp>

#include <array>

namespace {

constexpr std::array<std::array<int, 2>, 4> corners{{{0, 0}, {0, 1}, {1, 0}, {1, 1}}};

// AND is learned: the neuron's truth table is AND's.
constexpr auto and_run = soma::train_perceptron(corners, std::array{0, 0, 0, 1});
static_assert(and_run.converged && !and_run.cycled);
static_assert(and_run.neuron({0, 0}) == 0 && and_run.neuron({0, 1}) == 0);
static_assert(and_run.neuron({1, 0}) == 0 && and_run.neuron({1, 1}) == 1);

// The same in double, through the constant-evaluated fused multiply-add.
constexpr std::array<std::array<double, 2>, 4> corners_d{
    {{0.0, 0.0}, {0.0, 1.0}, {1.0, 0.0}, {1.0, 1.0}}};
constexpr auto or_run = soma::train_perceptron(corners_d, std::array{0.0, 1.0, 1.0, 1.0});
static_assert(or_run.converged);
static_assert(or_run.neuron({0.0, 0.0}) == 0.0 && or_run.neuron({0.0, 1.0}) == 1.0);
static_assert(or_run.neuron({1.0, 0.0}) == 1.0 && or_run.neuron({1.0, 1.0}) == 1.0);

// XOR: the state repeats, the run stops early without converging.
constexpr auto xor_run = soma::train_perceptron(corners, std::array{0, 1, 1, 0});
static_assert(xor_run.cycled && !xor_run.converged && xor_run.epochs < 100);

}  // namespace
