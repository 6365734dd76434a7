// Calls that must not compile, one per CASE, each with the static_assert that says what to
// pass (tests/toolchain/diagnostics.cmake compiles every case and checks the message).
#include <soma/sigmoid.hpp>
#include <soma/step.hpp>
#include <soma/weighted_input.hpp>

#include <array>
#include <list>
#include <vector>

void must_not_compile() {
#if CASE == 1  // mixed element types
    std::vector<float> const w(2);
    std::vector<double> const x(2);
    soma::dot(w, x);
#elif CASE == 2  // a non-contiguous range
    std::list<float> const w(2);
    std::vector<float> const x(2);
    soma::weighted_input(w, x, 1.0f);
#elif CASE == 3  // static sizes that differ
    std::array<float, 2> const w{};
    std::array<float, 3> const x{};
    soma::dot(w, x);
#elif CASE == 4  // bool elements
    std::array<bool, 2> const w{};
    std::array<bool, 2> const x{};
    soma::weighted_input(w, x);
#elif CASE == 5  // sigmoid over mixed element types
    std::vector<float> const z(2);
    std::vector<double> out(2);
    soma::sigmoid(z, out);
#elif CASE == 6  // sigmoid over a non-contiguous range
    std::list<float> const z(2);
    std::vector<float> out(2);
    soma::sigmoid(z, out);
#elif CASE == 7  // step over mixed element types
    std::vector<double> const z(2);
    std::vector<float> out(2);
    soma::step(z, out);
#elif CASE == 8  // step into a non-contiguous range
    std::vector<float> const z(2);
    std::list<float> out(2);
    soma::step(z, out);
#endif
}
