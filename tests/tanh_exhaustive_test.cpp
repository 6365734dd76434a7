// Exhaustive and long sampled tests of soma::tanh (CTest label `exhaustive`).
//
// float: all 2^32 inputs, as 2^31 non-negative patterns p and their negatives -p. For each:
// every available array kernel (portable, AVX2, AVX-512, NEON; the portable one on every
// 64th block of 2^16 patterns in a default x86-64 build, see portable_stride) and the
// scalar call return the same bits; tanh(-p) = -tanh(p) bit for bit; NaN gives the same
// NaN from every kernel; the result is in [-1, 1]; tanh is non-decreasing over the
// non-negative floats in order (hence, by the exact symmetry, over all floats). Accuracy
// (<= 1 ULP), by the mathematics where it settles the result and against the C library's
// double tanh elsewhere:
//   |z| < 2^-13    tanh(z) = z(1 - z²/3 + ...) is within 2^-27.5 relative of z, under half
//                  an ULP: the correctly rounded result is z, and z is asserted
//   z >= 9.2       1 - tanh(z) < 2e^-18.4 < 2^-25, half an ULP below 1: the correctly
//                  rounded result is 1, and 1 is asserted
//   otherwise      the ULP error against tanh evaluated in double by the C library (an
//                  error of at most about 2^-52 relative, far under float's 2^-24)
// double: a dense sweep and 10^7 random inputs against the C library's x87 long double
// tanhl, scalar == every array kernel, <= 1 ULP, tanh(-z) = -tanh(z) bitwise.
#include <soma/tanh.hpp>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "support/catch.hpp"
#include "support/isa.hpp"
#include "support/ulp.hpp"

namespace {

constexpr double tanh_max_ulp = 1.0;  // soma/tanh.hpp

// In a build with run-time dispatch the portable kernel has no FMA instruction and calls
// the C library's fma for each of its fused operations: it runs on every 64th block of 2^16
// patterns (two blocks of every exponent), the other kernels and the scalar call on all.
constexpr std::uint64_t portable_stride = 64;

template <class T>
void tanh_with(soma::detail::isa i, T const* z, T* out, std::size_t n) {
    soma::detail::kernels_for(i).of<T>().tanh(z, out, n);
}

struct float_report {
    double max_ulp = 0.0;
    float worst_z = 0.0f;
    std::uint64_t bit_mismatches = 0;
    std::uint64_t asymmetric = 0;
    std::uint64_t over_bound = 0;
    std::uint64_t out_of_range = 0;
    std::uint64_t nan_errors = 0;
    std::uint64_t decreasing = 0;
    std::uint32_t first_bad = 0;
};

void note_bad(float_report& r, std::uint32_t bits) {
    if (r.first_bad == 0) r.first_bad = bits;
}

// The non-negative patterns [begin, end) (below 2^31) and their negatives, in blocks.
void check_float_range(std::uint64_t begin, std::uint64_t end,
                       std::vector<soma::detail::isa> const& isas, float_report& report) {
    constexpr std::size_t block = 1U << 16;
    std::vector<float> z(2 * block);
    std::vector<float> out(2 * block);
    std::vector<float> scalar(2 * block);
    for (std::uint64_t start = begin; start < end; start += block) {
        std::size_t const n = static_cast<std::size_t>(std::min<std::uint64_t>(block, end - start));
        for (std::size_t i = 0; i < n; ++i) {
            auto const bits = static_cast<std::uint32_t>(start + i);
            z[i] = std::bit_cast<float>(bits);
            z[n + i] = std::bit_cast<float>(bits | 0x80000000U);
        }
        for (std::size_t i = 0; i < 2 * n; ++i) scalar[i] = soma::tanh(z[i]);
        for (auto isa : isas) {
            if (isa == soma::detail::isa::portable && soma::detail::runtime_dispatch &&
                (start / block) % portable_stride != 0)
                continue;
            tanh_with(isa, z.data(), out.data(), 2 * n);
            for (std::size_t i = 0; i < 2 * n; ++i) {
                if (std::bit_cast<std::uint32_t>(out[i]) !=
                    std::bit_cast<std::uint32_t>(scalar[i])) {
                    note_bad(report, std::bit_cast<std::uint32_t>(z[i]));
                    ++report.bit_mismatches;
                }
            }
        }
        for (std::size_t i = 0; i < n; ++i) {
            float const x = z[i];
            float const y = scalar[i];
            auto const bits = static_cast<std::uint32_t>(start + i);
            if (std::isnan(x)) {
                // The same NaN, quieted, for both signs.
                bool const ok = std::bit_cast<std::uint32_t>(y) == (bits | 0x00400000U) &&
                                std::bit_cast<std::uint32_t>(scalar[n + i]) == (bits | 0x80400000U);
                if (!ok) {
                    note_bad(report, bits);
                    ++report.nan_errors;
                }
                continue;
            }
            if (std::bit_cast<std::uint32_t>(scalar[n + i]) !=
                (std::bit_cast<std::uint32_t>(y) ^ 0x80000000U)) {
                note_bad(report, bits);
                ++report.asymmetric;
            }
            if (!(y >= 0.0f && y <= 1.0f)) ++report.out_of_range;
            double err = 0.0;
            if (x < 0x1p-13f) {
                err = y == x ? 0.0 : std::numeric_limits<double>::infinity();
            } else if (x >= 9.2f) {
                err = y == 1.0f ? 0.0 : std::numeric_limits<double>::infinity();
            } else {
                err = soma_test::ulp_error(y, std::tanh(static_cast<double>(x)));
            }
            if (err > tanh_max_ulp) {
                note_bad(report, bits);
                ++report.over_bound;
            }
            if (err > report.max_ulp) {
                report.max_ulp = err;
                report.worst_z = x;
            }
            if (bits != 0U) {
                float const previous =
                    i > 0 ? scalar[i - 1] : soma::tanh(std::bit_cast<float>(bits - 1U));
                if (y < previous) {
                    note_bad(report, bits);
                    ++report.decreasing;
                }
            }
        }
    }
}

}  // namespace

TEST_CASE("tanh exhaustive: all 2^32 floats", "[tanh][exhaustive]") {
    auto const isas = soma_test::tested_isas();
    // The 2^31 non-negative patterns in 256 chunks, taken in turn by one worker per hardware
    // thread; one report per chunk, merged in pattern order.
    std::uint64_t const total = std::uint64_t(1) << 31;
    std::size_t const chunks = 256;
    std::uint64_t const chunk = total / chunks;
    unsigned const threads = std::max(1U, std::thread::hardware_concurrency());
    std::vector<float_report> reports(chunks);
    std::atomic<std::size_t> next_chunk{0};
    auto const work = [&] {
        for (std::size_t c = next_chunk++; c < chunks; c = next_chunk++) {
            check_float_range(chunk * c, chunk * (c + 1), isas, reports[c]);
        }
    };
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) workers.emplace_back(work);
    for (auto& worker : workers) worker.join();
    float_report all;
    for (auto const& r : reports) {
        if (r.max_ulp > all.max_ulp) {
            all.max_ulp = r.max_ulp;
            all.worst_z = r.worst_z;
        }
        if (all.first_bad == 0) all.first_bad = r.first_bad;
        all.bit_mismatches += r.bit_mismatches;
        all.asymmetric += r.asymmetric;
        all.over_bound += r.over_bound;
        all.out_of_range += r.out_of_range;
        all.nan_errors += r.nan_errors;
        all.decreasing += r.decreasing;
    }
    INFO("kernels checked: " << isas.size() << ", max ULP " << all.max_ulp << " at z = "
                             << all.worst_z << ", first bad pattern " << all.first_bad);
    WARN("float tanh: max error " << all.max_ulp << " ULP at z = " << all.worst_z
                                  << " over all 2^32 inputs, " << isas.size() << " kernels"
                                  << (soma::detail::runtime_dispatch
                                          ? " (portable: every 64th block of 2^16 inputs)"
                                          : ""));
    CHECK(all.bit_mismatches == 0);
    CHECK(all.asymmetric == 0);
    CHECK(all.over_bound == 0);
    CHECK(all.out_of_range == 0);
    CHECK(all.nan_errors == 0);
    CHECK(all.decreasing == 0);
    CHECK(all.max_ulp <= tanh_max_ulp);
}

TEST_CASE("tanh exhaustive: doubles, dense sweep and 10^7 random", "[tanh][exhaustive]") {
    auto const isas = soma_test::tested_isas();
    std::vector<double> z;
    // Dense: 4·10^6 points over [-22, 22] (every k of the exponential, the clamp at 20),
    // 10^6 over [-2^-20, 2^-20] around the switch to z at 2^-27.
    for (int i = 0; i <= 4000000; ++i) z.push_back(-22.0 + 44.0 * i / 4000000.0);
    for (int i = 0; i <= 1000000; ++i) z.push_back(std::ldexp(-1.0 + 2.0 * i / 1000000.0, -20));
    // 10^7 random: half uniform bit patterns (all magnitudes), half uniform in [-20, 20].
    std::mt19937_64 random(0x7a4);
    std::uniform_real_distribution<double> uniform(-20.0, 20.0);
    for (int i = 0; i < 5000000; ++i) {
        z.push_back(std::bit_cast<double>(random()));
        z.push_back(uniform(random));
    }
    std::vector<double> scalar(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) scalar[i] = soma::tanh(z[i]);
    std::uint64_t mismatches = 0;
    std::vector<double> out(z.size());
    for (auto isa : isas) {
        tanh_with(isa, z.data(), out.data(), z.size());
        for (std::size_t i = 0; i < z.size(); ++i) {
            if (std::bit_cast<std::uint64_t>(out[i]) != std::bit_cast<std::uint64_t>(scalar[i]))
                ++mismatches;  // NaNs too
        }
    }
    double max_ulp = 0.0;
    double worst_z = 0.0;
    std::uint64_t over_bound = 0;
    std::uint64_t out_of_range = 0;
    std::uint64_t asymmetric = 0;
    for (std::size_t i = 0; i < z.size(); ++i) {
        if (std::isnan(z[i])) continue;
        double const y = scalar[i];
        double const err = soma_test::ulp_error(y, std::tanh(static_cast<long double>(z[i])));
        if (err > tanh_max_ulp) ++over_bound;
        if (err > max_ulp) {
            max_ulp = err;
            worst_z = z[i];
        }
        if (!(y >= -1.0 && y <= 1.0)) ++out_of_range;
        if (std::bit_cast<std::uint64_t>(soma::tanh(-z[i])) !=
            (std::bit_cast<std::uint64_t>(y) ^ 0x8000000000000000U))
            ++asymmetric;
    }
    WARN("double tanh: max error " << max_ulp << " ULP at z = " << worst_z << " over " << z.size()
                                   << " inputs");
    CHECK(mismatches == 0);
    CHECK(over_bound == 0);
    CHECK(out_of_range == 0);
    CHECK(asymmetric == 0);
    CHECK(max_ulp <= tanh_max_ulp);
}
