// Logic gates from the tutorial's step neuron: AND, OR and NAND are single neurons (each
// fires when w·x >= θ), and XOR, which no single neuron computes (its 1s and 0s are not
// separated by one line), is a network of two layers: hidden OR and NAND, output AND.
// Then the same neurons are learned from their truth tables by the perceptron rule
// (w += η (t - y) x, b += η (t - y)), which fails on XOR; and XOR is learned by a 2-2-1
// network of sigmoid neurons through backpropagation, from a fixed seed.
#include <array>
#include <cstddef>
#include <cstdio>
#include <soma/soma.hpp>
#include <span>

namespace {

using gate = soma::step_neuron<int, 2>;

// AND fires when both inputs are 1: x1 + x2 >= 2.
constexpr gate and_gate = gate::from_threshold({1, 1}, 2);
// OR fires when at least one is: x1 + x2 >= 1.
constexpr gate or_gate = gate::from_threshold({1, 1}, 1);
// NAND fires unless both are: -x1 - x2 >= -1.
constexpr gate nand_gate = gate::from_threshold({-1, -1}, -1);

// XOR(x1, x2) = AND(OR(x1, x2), NAND(x1, x2)): the hidden layer is the OR and NAND
// neurons, the output layer the AND neuron.
constexpr soma::network xor_net(
    soma::dense_layer<int, 2, 2, soma::step_activation>(std::array<gate, 2>{or_gate, nand_gate}),
    soma::dense_layer<int, 2, 1, soma::step_activation>(std::array<gate, 1>{and_gate}));

constexpr std::array<std::array<int, 2>, 4> inputs{{{0, 0}, {0, 1}, {1, 0}, {1, 1}}};

static_assert(xor_net({0, 0})[0] == 0 && xor_net({0, 1})[0] == 1);
static_assert(xor_net({1, 0})[0] == 1 && xor_net({1, 1})[0] == 0);

// The truth tables, in the order of `inputs`.
constexpr std::array<int, 4> and_table{0, 0, 0, 1};
constexpr std::array<int, 4> or_table{0, 1, 1, 1};
constexpr std::array<int, 4> nand_table{1, 1, 1, 0};
constexpr std::array<int, 4> xor_table{0, 1, 1, 0};

// Learned at compile time, from w = 0, b = 0 with η = 1.
constexpr auto learned_and = soma::train_perceptron(inputs, and_table);
static_assert(learned_and.converged && learned_and.neuron({1, 1}) == 1 &&
              learned_and.neuron({0, 1}) == 0 && learned_and.neuron({1, 0}) == 0);

void print_gate(char const* name, gate const& g) {
    auto const w = g.weights();
    std::printf("%s: w = (%d, %d), threshold = %d\n", name, w[0], w[1], g.threshold());
    std::printf("x1 x2  y\n");
    for (auto const& x : inputs) std::printf(" %d  %d  %d\n", x[0], x[1], g(x));
}

void print_learned(char const* name, std::array<int, 4> const& t) {
    auto const r = soma::train_perceptron(inputs, t);
    auto const w = r.neuron.weights();
    if (r.converged) {
        std::printf("%s: w = (%d, %d), b = %d, learned in %zu epochs\n", name, w[0], w[1],
                    r.neuron.bias(), r.epochs);
        std::printf("x1 x2  y\n");
        for (auto const& x : inputs) std::printf(" %d  %d  %d\n", x[0], x[1], r.neuron(x));
        return;
    }
    if (r.cycled) {
        std::printf("%s: not linearly separable after %zu epochs ((w, b) repeats every %zu %s)\n",
                    name, r.epochs, r.period, r.period == 1 ? "epoch" : "epochs");
    } else {
        std::printf("%s: not learned in %zu epochs\n", name, r.epochs);
    }
    std::printf("last: w = (%d, %d), b = %d\n", w[0], w[1], r.neuron.bias());
    std::printf("x1 x2  y  t\n");
    for (std::size_t p = 0; p < inputs.size(); ++p) {
        auto const& x = inputs[p];
        std::printf(" %d  %d  %d  %d\n", x[0], x[1], r.neuron(x), t[p]);
    }
}

// XOR by gradient descent: a 2-2-1 sigmoid network, initial weights from seed 1, Adam
// (learning rate 0.1) on the cross-entropy of the four examples, 1000 epochs. The same
// weights on every CPU and compiler.
void print_backprop_xor() {
    using net_type = soma::network<soma::dense_layer<float, 2, 2>, soma::dense_layer<float, 2, 1>>;
    net_type net;
    soma::initialize(net, 1);
    soma::backprop bp(net, soma::cross_entropy{});
    std::array<float, 8> const X{0, 0, 0, 1, 1, 0, 1, 1};
    std::array<float, 4> const Y{0, 1, 1, 0};
    soma::adam<float> adam(0.1f);
    auto const losses = soma::fit(bp, std::span<float const>(X), std::span<float const>(Y), adam,
                                  {.epochs = 1000, .batch_size = 0});
    bp.store(net);
    std::printf("XOR learned by a 2-2-1 sigmoid network (backpropagation, Adam, seed 1)\n");
    std::printf("loss: epoch 1 %.4f, epoch 100 %.4f, epoch 1000 %.6f\n", losses[0], losses[99],
                losses[999]);
    auto const& hidden = net.layer<0>();
    auto const& output = net.layer<1>();
    for (std::size_t r = 0; r < 2; ++r) {
        std::printf("hidden %zu: w = (%.3f, %.3f), b = %.3f\n", r + 1,
                    static_cast<double>(hidden.weight(r, 0)),
                    static_cast<double>(hidden.weight(r, 1)), static_cast<double>(hidden.bias(r)));
    }
    std::printf("output:   w = (%.3f, %.3f), b = %.3f\n", static_cast<double>(output.weight(0, 0)),
                static_cast<double>(output.weight(0, 1)), static_cast<double>(output.bias(0)));
    std::printf("x1 x2  y      t\n");
    for (std::size_t p = 0; p < 4; ++p) {
        float const y = net({X[2 * p], X[2 * p + 1]})[0];
        std::printf(" %d  %d  %.4f %d\n", static_cast<int>(X[2 * p]),
                    static_cast<int>(X[2 * p + 1]), static_cast<double>(y), static_cast<int>(Y[p]));
    }
}

}  // namespace

int main() {
    print_gate("AND", and_gate);
    print_gate("OR", or_gate);
    print_gate("NAND", nand_gate);

    std::printf("XOR = AND(OR, NAND), a two-layer network\n");
    std::printf("x1 x2  OR NAND  y\n");
    for (auto const& x : inputs) {
        auto const hidden = xor_net.layer<0>()(x);
        std::printf(" %d  %d   %d    %d  %d\n", x[0], x[1], hidden[0], hidden[1], xor_net(x)[0]);
    }

    std::printf("Learned by the perceptron rule (eta = 1, from w = 0, b = 0)\n");
    print_learned("AND", and_table);
    print_learned("OR", or_table);
    print_learned("NAND", nand_table);
    print_learned("XOR", xor_table);

    print_backprop_xor();
}
