// A program a soma user would write: the tutorial's Example 1 (w = (5, 3), θ = 4) with the
// unit step, and the same neuron with the sigmoid. Every packaging test compiles it against
// an installed, fetched, vendored or pkg-config'd soma and runs it; it exits nonzero when a
// result differs from the tutorial's table.
#include <array>
#include <cstdio>
#include <soma/soma.hpp>

int main() {
    // Example 1: y = u(5 x1 + 3 x2 - 4); the tutorial's table gives y = 0, 0, 1, 1.
    auto const n = soma::step_neuron<int, 2>::from_threshold({5, 3}, 4);
    std::array<std::array<int, 2>, 4> const inputs{{{0, 0}, {0, 1}, {1, 0}, {1, 1}}};
    std::array<int, 4> const expected{0, 0, 1, 1};
    int failures = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        int const y = n(inputs[i]);
        std::printf("x = (%d, %d)  y = %d\n", inputs[i][0], inputs[i][1], y);
        if (y != expected[i]) ++failures;
    }

    // σ(0) = 1/2 exactly: inputs (0, 1) with b = -3 give z = 0.
    soma::sigmoid_neuron<double, 2> const s({5.0, 3.0}, -3.0);
    if (s({0.0, 1.0}) != 0.5) ++failures;

    std::printf("soma %d.%d.%d: %s\n", SOMA_VERSION_MAJOR, SOMA_VERSION_MINOR, SOMA_VERSION_PATCH,
                failures == 0 ? "ok" : "FAILED");
    return failures == 0 ? 0 : 1;
}
