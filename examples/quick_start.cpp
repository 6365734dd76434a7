#include <cstdio>
#include <soma/soma.hpp>

int main() {
    // Example 1 of the tutorial: weights w1 = 5, w2 = 3, threshold θ = 4.
    constexpr auto n = soma::step_neuron<int, 2>::from_threshold({5, 3}, 4);
    static_assert(n({1, 0}) == 1);  // z = 5 >= 4: fires
    static_assert(n({0, 1}) == 0);  // z = 3 <  4: silent

    // The same weights with the sigmoid: y = σ(w·x + b), bias b = -θ = -4.
    soma::sigmoid_neuron<double, 2> const s({5.0, 3.0}, -4.0);
    std::printf("y = sigma(5*1 + 3*0 - 4) = %.6f\n", s({1.0, 0.0}));  // σ(1) = 0.731059
}
