// The kernel tables of tests/odr/separate_main.cpp's SOMA_SEPARATE_KERNELS translation unit.
#define SOMA_KERNELS_IMPLEMENTATION
#include <soma/soma.hpp>
