// Compiled by tests/toolchain/fast_math.cmake with and without -ffast-math: soma's headers
// must warn once under -ffast-math, and not otherwise.
#include <soma/soma.hpp>

int main() {
    return soma::sigmoid(0.0) == 0.5 ? 0 : 1;
}
