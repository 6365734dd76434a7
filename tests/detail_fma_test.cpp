// The constant-evaluation fma must give std::fma's bits (it is what makes constexpr and
// run-time results identical).
#include <soma/detail/fma.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>

#include "support/catch.hpp"

TEST_CASE("fma_emulated(float) == std::fma on random and adversarial operands") {
    std::mt19937 gen(11);
    std::uniform_int_distribution<int> e(-30, 30);
    std::uniform_real_distribution<float> m(-2.0f, 2.0f);
    long mismatches = 0;
    for (int i = 0; i < 2000000; ++i) {
        float const a = std::ldexp(m(gen), e(gen));
        float const b = std::ldexp(m(gen), e(gen));
        // c near -a*b makes cancellation and ties likely.
        float c = std::ldexp(m(gen), e(gen));
        if (i % 3 == 0) c = -a * b;
        if (i % 3 == 1) c = std::nextafter(-a * b, 0.0f);
        float const want = std::fma(a, b, c);
        float const got = soma::detail::fma_emulated(a, b, c);
        if (std::bit_cast<std::uint32_t>(want) != std::bit_cast<std::uint32_t>(got)) ++mismatches;
    }
    CHECK(mismatches == 0);
}

TEST_CASE("fma_emulated(double) == std::fma on random and adversarial operands") {
    std::mt19937_64 gen(12);
    std::uniform_int_distribution<int> e(-60, 60);
    std::uniform_real_distribution<double> m(-2.0, 2.0);
    long mismatches = 0;
    for (int i = 0; i < 2000000; ++i) {
        double const a = std::ldexp(m(gen), e(gen));
        double const b = std::ldexp(m(gen), e(gen));
        double c = std::ldexp(m(gen), e(gen));
        if (i % 3 == 0) c = -a * b;
        if (i % 3 == 1) c = std::nextafter(-a * b, 0.0);
        double const want = std::fma(a, b, c);
        double const got = soma::detail::fma_emulated(a, b, c);
        if (std::bit_cast<std::uint64_t>(want) != std::bit_cast<std::uint64_t>(got)) ++mismatches;
    }
    CHECK(mismatches == 0);
    // Products that are exactly representable, zeros and signed zeros.
    CHECK(soma::detail::fma_emulated(0.0, -1.0, 0.0) == std::fma(0.0, -1.0, 0.0));
    CHECK(std::signbit(soma::detail::fma_emulated(-0.0, 1.0, -0.0)));
    CHECK_FALSE(std::signbit(soma::detail::fma_emulated(-1.0, 1.0, 1.0)));
}

TEST_CASE("detail::fma is usable in constant expressions") {
    static_assert(soma::detail::fma(2.0f, 3.0f, 1.0f) == 7.0f);
    static_assert(soma::detail::fma(0.1, 10.0, -1.0) == 5.551115123125783e-17);  // exact 0.1*10-1
    CHECK(soma::detail::fma(0.1, 10.0, -1.0) == std::fma(0.1, 10.0, -1.0));
}
