// One computation of soma's kernels, compiled twice into tests/odr/separate_main.cpp's
// program: once with SOMA_SEPARATE_KERNELS (the tables of separate_kernels.cpp) and once
// without (the inline tables). COMPUTE names the function each build defines.
#include <soma/soma.hpp>

#include <cstddef>
#include <span>
#include <vector>

void COMPUTE(float const* w, float const* x, std::size_t n, std::vector<float>& out) {
    std::span<float const> const ws(w, n);
    std::span<float const> const xs(x, n);
    out.clear();
    out.push_back(soma::dot(ws, xs));
    out.push_back(soma::weighted_input(ws, xs, 0.25F));
    std::vector<float> y(n);
    soma::sigmoid(xs, std::span<float>(y));
    out.insert(out.end(), y.begin(), y.end());
    soma::tanh(ws, std::span<float>(y));
    out.insert(out.end(), y.begin(), y.end());
    soma::softmax(xs, std::span<float>(y));
    out.insert(out.end(), y.begin(), y.end());
}
