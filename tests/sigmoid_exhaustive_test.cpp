// Exhaustive and long sampled tests of soma::sigmoid (CTest label `exhaustive`).
//
// float: all 2^32 inputs. For each one: every available array kernel (portable, AVX2,
// AVX-512, NEON; the portable one on a quarter of them in a default x86-64 build, see
// portable_stride) and the scalar call return the same bits; the error against
// 1/(1 + exp(-z)) evaluated in double by the C library is <= 1 ULP; the result is in
// [0, 1]; NaN gives NaN (bitwise the same NaN from every kernel); and σ is
// non-decreasing over all floats in order.
// double: a dense sweep and 10^7 random inputs against an x87 long double reference,
// scalar == every array kernel, <= 1 ULP.
#include <soma/sigmoid.hpp>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "support/catch.hpp"
#include "support/isa.hpp"
#include "support/ulp.hpp"

namespace {

constexpr double sigmoid_max_ulp = 1.0;

// In a build with run-time dispatch the portable kernel has no FMA instruction and calls the
// C library's fma (most of the sweep's time): it runs on every 4th block of 2^16 patterns
// (a quarter of all floats, spread evenly over every exponent), the other kernels and the
// scalar definition on all of them.
constexpr std::uint64_t portable_stride = 4;

std::vector<soma::detail::isa> available_isas() {
    return soma_test::tested_isas();
}

template <class T>
void sigmoid_with(soma::detail::isa i, T const* z, T* out, std::size_t n) {
    soma::detail::kernels_for(i).of<T>().sigmoid(z, out, n);
}

struct float_report {
    double max_ulp = 0.0;
    float worst_z = 0.0f;
    std::uint64_t bit_mismatches = 0;
    std::uint64_t over_bound = 0;
    std::uint64_t out_of_range = 0;
    std::uint64_t nan_errors = 0;
    std::uint64_t decreasing = 0;
    std::uint32_t first_bad = 0;
};

// Checks the bit patterns [begin, end) in blocks. Within each half-line (sign bit fixed)
// increasing patterns mean increasing |z|, so σ must not decrease for positive patterns
// and not increase for negative ones; the block's first value is compared with its
// predecessor pattern so that monotonicity holds across blocks.
void check_float_range(std::uint64_t begin, std::uint64_t end,
                       std::vector<soma::detail::isa> const& isas, float_report& report) {
    constexpr std::size_t block = 1U << 16;
    std::vector<float> z(block);
    std::vector<float> out(block);
    std::vector<float> reference(block);
    for (std::uint64_t start = begin; start < end; start += block) {
        std::size_t const n = static_cast<std::size_t>(std::min<std::uint64_t>(block, end - start));
        for (std::size_t i = 0; i < n; ++i) {
            z[i] = std::bit_cast<float>(static_cast<std::uint32_t>(start + i));
            reference[i] = soma::sigmoid(z[i]);  // scalar definition
        }
        for (auto isa : isas) {
            if (isa == soma::detail::isa::portable && soma::detail::runtime_dispatch &&
                (start / block) % portable_stride != 0)
                continue;
            sigmoid_with(isa, z.data(), out.data(), n);
            for (std::size_t i = 0; i < n; ++i) {
                bool const same = std::bit_cast<std::uint32_t>(out[i]) ==
                                  std::bit_cast<std::uint32_t>(reference[i]);  // NaNs too
                if (!same) {
                    if (report.bit_mismatches == 0)
                        report.first_bad = std::bit_cast<std::uint32_t>(z[i]);
                    ++report.bit_mismatches;
                }
            }
        }
        for (std::size_t i = 0; i < n; ++i) {
            float const s = reference[i];
            auto const bits = static_cast<std::uint32_t>(start + i);
            if (std::isnan(z[i])) {
                if (!std::isnan(s)) ++report.nan_errors;
                continue;
            }
            if (!(s >= 0.0f && s <= 1.0f)) ++report.out_of_range;
            double const exact = 1.0 / (1.0 + std::exp(-static_cast<double>(z[i])));
            // Where s is the reference rounded to float, its error is at most 0.5 ULP plus
            // the reference's own error (about 2^-50 relative): the ULP distance is computed
            // only where they differ (rarely; it costs two calls into the C library).
            double const err =
                s == static_cast<float>(exact) ? 0.5 : soma_test::ulp_error(s, exact);
            if (err > sigmoid_max_ulp) {
                if (report.over_bound == 0 && report.bit_mismatches == 0) report.first_bad = bits;
                ++report.over_bound;
            }
            if (err > report.max_ulp) {
                report.max_ulp = err;
                report.worst_z = z[i];
            }
            if ((bits & 0x7fffffffU) != 0U) {
                float const previous =
                    i > 0 ? reference[i - 1] : soma::sigmoid(std::bit_cast<float>(bits - 1U));
                if (!std::isnan(previous)) {
                    bool const negative = (bits & 0x80000000U) != 0U;
                    if (negative ? s > previous : s < previous) ++report.decreasing;
                }
            }
        }
    }
}

}  // namespace

TEST_CASE("sigmoid exhaustive: all 2^32 floats", "[sigmoid][exhaustive]") {
    auto const isas = available_isas();
    // The 2^32 patterns in 256 chunks, taken in turn by one worker per hardware thread (a
    // worker that other load slows down takes fewer chunks); one report per chunk, merged
    // in pattern order, so that the result does not depend on the number of threads.
    std::uint64_t const total = std::uint64_t(1) << 32;
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
        all.over_bound += r.over_bound;
        all.out_of_range += r.out_of_range;
        all.nan_errors += r.nan_errors;
        all.decreasing += r.decreasing;
    }
    INFO("kernels checked: " << isas.size() << ", max ULP " << all.max_ulp << " at z = "
                             << all.worst_z << ", first bad pattern " << all.first_bad);
    WARN("float sigmoid: max error "
         << all.max_ulp << " ULP at z = " << all.worst_z << " over all 2^32 inputs, " << isas.size()
         << " kernels"
         << (soma::detail::runtime_dispatch ? " (portable: every 4th block of 2^16 inputs)" : ""));
    CHECK(all.bit_mismatches == 0);
    CHECK(all.over_bound == 0);
    CHECK(all.out_of_range == 0);
    CHECK(all.nan_errors == 0);
    CHECK(all.decreasing == 0);
    CHECK(all.max_ulp <= sigmoid_max_ulp);
}

TEST_CASE("sigmoid exhaustive: doubles, dense sweep and 10^7 random", "[sigmoid][exhaustive]") {
    auto const isas = available_isas();
    std::vector<double> z;
    // Dense: 4·10^6 points over [-750, 750] (every branch, both underflow thresholds).
    for (int i = 0; i <= 4000000; ++i) z.push_back(-750.0 + 1500.0 * i / 4000000.0);
    // 10^7 random: half uniform bit patterns (all magnitudes), half uniform in [-746, 746].
    std::mt19937_64 random(0x5109);
    std::uniform_real_distribution<double> uniform(-746.0, 746.0);
    for (int i = 0; i < 5000000; ++i) {
        z.push_back(std::bit_cast<double>(random()));
        z.push_back(uniform(random));
    }
    std::vector<double> reference(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) reference[i] = soma::sigmoid(z[i]);
    std::uint64_t mismatches = 0;
    std::vector<double> out(z.size());
    for (auto isa : isas) {
        sigmoid_with(isa, z.data(), out.data(), z.size());
        for (std::size_t i = 0; i < z.size(); ++i) {
            bool const same = std::bit_cast<std::uint64_t>(out[i]) ==
                              std::bit_cast<std::uint64_t>(reference[i]);  // NaNs too
            if (!same) ++mismatches;
        }
    }
    double max_ulp = 0.0;
    double worst_z = 0.0;
    std::uint64_t over_bound = 0;
    std::uint64_t out_of_range = 0;
    for (std::size_t i = 0; i < z.size(); ++i) {
        if (std::isnan(z[i])) continue;
        double const s = reference[i];
        long double const exact = 1.0L / (1.0L + std::exp(-static_cast<long double>(z[i])));
        double const err = soma_test::ulp_error(s, exact);
        if (err > sigmoid_max_ulp) ++over_bound;
        if (err > max_ulp) {
            max_ulp = err;
            worst_z = z[i];
        }
        if (!(s >= 0.0 && s <= 1.0)) ++out_of_range;
    }
    WARN("double sigmoid: max error " << max_ulp << " ULP at z = " << worst_z << " over "
                                      << z.size() << " inputs");
    CHECK(mismatches == 0);
    CHECK(over_bound == 0);
    CHECK(out_of_range == 0);
    CHECK(max_ulp <= sigmoid_max_ulp);
}
