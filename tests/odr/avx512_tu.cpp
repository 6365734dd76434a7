// Built with -march=x86-64-v4 (AVX-512): a translation unit whose inline soma functions
// are compiled for AVX-512. The program calls it only on a CPU that has AVX-512.
#include <vector>

#include "soma/soma.hpp"

float dot_v4(std::vector<float> const& w, std::vector<float> const& x) {
    return soma::dot(w, x);
}

float sigmoid_v4(float z) {
    return soma::sigmoid(z);
}
