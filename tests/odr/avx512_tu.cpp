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

// A network of static layers through batch_forward (the batch kernels and the blocks).
float batch_v4(std::vector<float> const& X) {
    using layer_t = soma::dense_layer<float, 70, 2, soma::identity_activation>;
    std::vector<float> W(140, 0.0f);
    W[0] = 1.0f;
    soma::network<layer_t> const net(layer_t(W, std::vector<float>{0.5f, -1.0f}));
    std::vector<float> Y(X.size() / 70 * 2);
    net.batch_forward(X, Y);
    return Y[0];
}
