// Built with no -march: must run on any x86-64 CPU, even when the program also contains
// avx512_tu.cpp compiled for AVX-512 (soma's ABI namespace and tags keep the two sets of
// inline functions apart, whatever the link order).
#include <cstdio>
#include <vector>

#include "soma/soma.hpp"

float dot_v4(std::vector<float> const& w, std::vector<float> const& x);
float sigmoid_v4(float z);

int main() {
    std::vector<float> const w{1, 2, 3};
    std::vector<float> const x{4, 5, 6};
    float const z = soma::dot(w, x);  // 1*4 + 2*5 + 3*6 = 32
    std::vector<float> const w9(9, 1.0f);
    std::vector<float> const x9{1, 2, 3, 4, 5, 6, 7, 8, 9};
    float const z9 = soma::dot(w9, x9);   // 45, through the kernel table
    float const y = soma::sigmoid(0.0f);  // 0.5
    std::printf("default: dot %g dot9 %g sigmoid %g\n", static_cast<double>(z),
                static_cast<double>(z9), static_cast<double>(y));
    bool ok = z == 32.0f && z9 == 45.0f && y == 0.5f;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
        float const z4 = dot_v4(w, x);
        std::printf("x86-64-v4: dot %g sigmoid %g\n", static_cast<double>(z4),
                    static_cast<double>(sigmoid_v4(0.0f)));
        ok = ok && z4 == 32.0f;
    } else {
        std::printf("x86-64-v4 translation unit not called: this CPU has no AVX-512\n");
    }
    return ok ? 0 : 1;
}
