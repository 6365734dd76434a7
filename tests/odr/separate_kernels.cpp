// soma_kernels.cpp: the kernel tables of a program built with -DSOMA_SEPARATE_KERNELS
#define SOMA_KERNELS_IMPLEMENTATION
#include <soma/soma.hpp>
