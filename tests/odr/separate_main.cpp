// A program with a translation unit compiled with SOMA_SEPARATE_KERNELS (its tables in
// separate_kernels.cpp) and one without (inline tables): both modes link into one program
// (their entities live in different ABI namespaces) and give the same bits.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

void compute_separate(float const* w, float const* x, std::size_t n, std::vector<float>& out);
void compute_inline(float const* w, float const* x, std::size_t n, std::vector<float>& out);

int main() {
    std::uint64_t state = 0x9e3779b97f4a7c15U;
    auto next = [&state] {
        state = state * 6364136223846793005U + 1442695040888963407U;
        return static_cast<float>(static_cast<double>(state >> 40) / 16777216.0 * 16.0 - 8.0);
    };
    std::size_t checked = 0;
    for (std::size_t n = 0; n <= 300; ++n) {
        std::vector<float> w(n);
        std::vector<float> x(n);
        for (std::size_t i = 0; i < n; ++i) {
            w[i] = next();
            x[i] = next();
        }
        std::vector<float> a;
        std::vector<float> b;
        compute_separate(w.data(), x.data(), n, a);
        compute_inline(w.data(), x.data(), n, b);
        if (a.size() != b.size()) {
            std::printf("n = %zu: %zu values against %zu\n", n, a.size(), b.size());
            return 1;
        }
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (std::bit_cast<std::uint32_t>(a[i]) != std::bit_cast<std::uint32_t>(b[i])) {
                std::printf("n = %zu, value %zu: %a (separate) against %a (inline)\n", n, i,
                            static_cast<double>(a[i]), static_cast<double>(b[i]));
                return 1;
            }
        }
        checked += a.size();
    }
    std::printf("separate and inline kernels: %zu values, the same bits\n", checked);
    return 0;
}
