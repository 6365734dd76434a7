// A small sigmoid network with its weights in the source: 2 inputs, a hidden layer of 3
// sigmoid neurons, 1 sigmoid output, y = σ(W2 σ(W1 x + b1) + b2). It is evaluated once at
// compile time (the static_assert below) and again at run time, with the same bits.
#include <array>
#include <cstdio>
#include <soma/soma.hpp>

namespace {

// Weights row-major: row r holds the weights of neuron r.
constexpr soma::dense_layer<double, 2, 3> hidden({4.0, 4.0,    // neuron 0: about OR
                                                  -3.0, -3.0,  // neuron 1: about NAND
                                                  1.0, -1.0},  // neuron 2: x1 - x2
                                                 {-2.0, 4.5, 0.0});
constexpr soma::dense_layer<double, 3, 1> output({5.0, 5.0, 0.5}, {-7.5});
constexpr soma::network net(hidden, output);

// At compile time: the network computes XOR approximately (outputs near 0 or near 1).
constexpr std::array<std::array<double, 2>, 4> inputs{{{0, 0}, {0, 1}, {1, 0}, {1, 1}}};
constexpr std::array<double, 1> y_01 = net(inputs[1]);
static_assert(y_01[0] > 0.75 && y_01[0] < 1.0);
static_assert(net(inputs[0])[0] < 0.25 && net(inputs[3])[0] < 0.25);

}  // namespace

int main() {
    std::printf("x1 x2  y = net(x)\n");
    for (std::array<double, 2> const& x : inputs) {
        std::array<double, 2> const run_time_x = x;
        std::printf(" %.0f  %.0f  %.6f\n", x[0], x[1], net(run_time_x)[0]);
    }
    std::array<double, 2> const x = inputs[1];
    std::printf("compile time and run time agree for (0, 1): %s\n",
                net(x)[0] == y_01[0] ? "yes, bit for bit" : "NO");
    return net(x)[0] == y_01[0] ? 0 : 1;
}
