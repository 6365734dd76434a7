// The tutorial "Mathematical foundations of deep learning: how a neuron is built", step
// by step, computed with soma. Run it and read it beside docs/math.md.
#include <array>
#include <cstdio>
#include <soma/soma.hpp>

namespace {

void rule(char const* title) {
    std::printf("\n== %s ==\n", title);
}

}  // namespace

int main() {
    // §2.4 Example 1: two inputs x1, x2 with weights w1 = 5, w2 = 3 and threshold θ = 4.
    // The neuron fires (y = 1) when w1 x1 + w2 x2 >= θ.
    constexpr std::array<int, 2> w{5, 3};
    constexpr int theta = 4;
    constexpr auto neuron = soma::step_neuron<int, 2>::from_threshold(w, theta);
    constexpr std::array<std::array<int, 2>, 4> inputs{{{0, 0}, {0, 1}, {1, 0}, {1, 1}}};

    // This table has no bias yet: its sum is w.x, compared with the threshold. The weighted
    // input z = w.x + b of every later table includes the bias b = -threshold.
    rule("Example 1: w1 = 5, w2 = 3, threshold = 4");
    std::printf("x1  x2  w.x = w1*x1 + w2*x2  y = (w.x >= 4)\n");
    for (auto const& x : inputs) {
        int const wx = soma::weighted_input(w, x);  // the sum of the weighted signals
        int const y = soma::fires(wx, theta) ? 1 : 0;
        std::printf("%2d  %2d  %19d  %d\n", x[0], x[1], wx, y);
    }

    // §2.5 The unit step u(z): y = u(w1 x1 + w2 x2 - θ).
    // §2.7 The bias b = -θ turns it into z = w1 x1 + w2 x2 + b, y = u(z).
    constexpr int b = soma::bias_from_threshold(theta);
    rule("The same neuron in bias form: b = -threshold = -4");
    std::printf("x1  x2  z = w1*x1 + w2*x2 + b  y = u(z)\n");
    for (auto const& x : inputs) {
        std::printf("%2d  %2d  %21d  %d\n", x[0], x[1], neuron.weighted_input(x), neuron(x));
    }

    // §2.8 The bias as an inner product: z = (x1, x2, 1)·(w1, w2, b).
    constexpr auto wb = soma::augment(w, b);
    rule("Inner-product form: z = (x1, x2, 1).(w1, w2, b) = (x1, x2, 1).(5, 3, -4)");
    std::printf("(x1, x2, 1)  z  y\n");
    for (auto const& x : inputs) {
        auto const xa = soma::augment(x);
        int const z = soma::dot(xa, wb);
        std::printf("(%d, %d, %d)   %2d  %d\n", xa[0], xa[1], xa[2], z, soma::step(z));
    }

    // §2.6 Activation functions: the step answers fire / silent, the sigmoid
    // σ(z) = 1 / (1 + e^-z) a degree of excitement in (0, 1).
    rule("Unit step u(z) beside the sigmoid sigma(z) and its derivative");
    std::printf("     z   u(z)  sigma(z)  sigma'(z)\n");
    for (int i = -6; i <= 6; i += 1) {
        double const z = i;
        std::printf("%6.1f  %5.0f  %8.6f  %9.6f\n", z, soma::step(z), soma::sigmoid(z),
                    soma::sigmoid_derivative(z));
    }

    // Example 1's neuron with the sigmoid: the output is no longer 0 or 1.
    soma::sigmoid_neuron<double, 2> const soft({5.0, 3.0}, -4.0);
    rule("Example 1 with the sigmoid: y = sigma(5 x1 + 3 x2 - 4)");
    std::printf("x1  x2   z   y = sigma(z)\n");
    for (auto const& x : inputs) {
        std::array<double, 2> const xd{double(x[0]), double(x[1])};
        std::printf("%2d  %2d  %2.0f   %.6f\n", x[0], x[1], soft.weighted_input(xd), soft(xd));
    }

    // A three-input neuron of soma's own (the tutorial's table for it did not survive):
    // w = (2, -1, 3), b = -2, so z = 2 x1 - x2 + 3 x3 - 2.
    constexpr soma::step_neuron<int, 3> three({2, -1, 3}, -2);
    rule("Three inputs: w = (2, -1, 3), b = -2");
    std::printf("x1  x2  x3   z  y = u(z)\n");
    for (int i = 0; i < 8; ++i) {
        std::array<int, 3> const x{(i >> 2) & 1, (i >> 1) & 1, i & 1};
        std::printf("%2d  %2d  %2d  %2d  %d\n", x[0], x[1], x[2], three.weighted_input(x),
                    three(x));
    }
    return 0;
}
