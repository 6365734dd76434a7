// The kernel tables of the unit tests, compiled once (SOMA_SEPARATE_KERNELS, defined for
// this file and the tests that link it: soma/detail/config.hpp, tests/CMakeLists.txt).
#define SOMA_KERNELS_IMPLEMENTATION
#include <soma/soma.hpp>
