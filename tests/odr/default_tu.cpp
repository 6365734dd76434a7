// Built with no -march: must run on any x86-64 CPU, even when the program also contains
// avx512_tu.cpp compiled for AVX-512 (soma's ABI namespace and tags keep the two sets of
// inline functions apart, whatever the link order).
#include <cstdio>
#include <vector>

#include "soma/soma.hpp"

float dot_v4(std::vector<float> const& w, std::vector<float> const& x);
float sigmoid_v4(float z);
float batch_v4(std::vector<float> const& X);

// The same network as batch_v4, compiled without -march.
float batch_default(std::vector<float> const& X) {
    using layer_t = soma::dense_layer<float, 70, 2, soma::identity_activation>;
    std::vector<float> W(140, 0.0f);
    W[0] = 1.0f;
    soma::network<layer_t> const net(layer_t(W, std::vector<float>{0.5f, -1.0f}));
    std::vector<float> Y(X.size() / 70 * 2);
    net.batch_forward(X, Y);
    return Y[0];
}

int main() {
    std::vector<float> const w{1, 2, 3};
    std::vector<float> const x{4, 5, 6};
    float const z = soma::dot(w, x);  // 1*4 + 2*5 + 3*6 = 32
    std::vector<float> const w9(9, 1.0f);
    std::vector<float> const x9{1, 2, 3, 4, 5, 6, 7, 8, 9};
    float const z9 = soma::dot(w9, x9);   // 45, through the kernel table
    float const y = soma::sigmoid(0.0f);  // 0.5
    std::vector<float> X(70 * 9, 1.0f);
    X[0] = 2.0f;
    float const yb = batch_default(X);  // 2 * 1 + 0.5
    std::printf("default: dot %g dot9 %g sigmoid %g batch %g\n", static_cast<double>(z),
                static_cast<double>(z9), static_cast<double>(y), static_cast<double>(yb));
    bool ok = z == 32.0f && z9 == 45.0f && y == 0.5f && yb == 2.5f;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
        float const z4 = dot_v4(w, x);
        float const yb4 = batch_v4(X);
        std::printf("x86-64-v4: dot %g sigmoid %g batch %g\n", static_cast<double>(z4),
                    static_cast<double>(sigmoid_v4(0.0f)), static_cast<double>(yb4));
        ok = ok && z4 == 32.0f && yb4 == 2.5f;
    } else {
        std::printf("x86-64-v4 translation unit not called: this CPU has no AVX-512\n");
    }
    return ok ? 0 : 1;
}
