// Tests of soma/bias.hpp: b = -θ and the bias as an inner product.
#include <soma/bias.hpp>
#include <soma/weighted_input.hpp>

#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "support/catch.hpp"

namespace {
template <class T>
auto bits(T v) {
    if constexpr (sizeof(T) == 4) {
        return std::bit_cast<std::uint32_t>(v);
    } else {
        return std::bit_cast<std::uint64_t>(v);
    }
}
}  // namespace

TEMPLATE_TEST_CASE("b = -θ and θ = -b", "", float, double, int, long) {
    using T = TestType;
    CHECK(soma::bias_from_threshold(T(4)) == T(-4));
    CHECK(soma::threshold_from_bias(T(-4)) == T(4));
    CHECK(soma::threshold_from_bias(soma::bias_from_threshold(T(7))) == T(7));
}

TEST_CASE("the negation of the most negative integer threshold throws") {
    CHECK_THROWS_AS(soma::bias_from_threshold(std::numeric_limits<int>::min()),
                    std::overflow_error);
    CHECK_THROWS_AS(soma::threshold_from_bias(std::numeric_limits<long>::min()),
                    std::overflow_error);
}

TEST_CASE("augment appends 1 to x and b to w") {
    constexpr std::array<int, 2> x{1, 0};
    constexpr auto xa = soma::augment(x);
    static_assert(xa.size() == 3);
    CHECK(xa == std::array{1, 0, 1});
    constexpr auto wb = soma::augment(std::array{5, 3}, -4);
    CHECK(wb == std::array{5, 3, -4});
    std::vector<double> const xd{0.5, 0.25};
    std::vector<double> const xda = soma::augment(xd);
    CHECK(xda == std::vector<double>{0.5, 0.25, 1.0});
}

TEMPLATE_TEST_CASE("weighted_input(w, x, b) == dot(augment(w, b), augment(x)) bit for bit", "",
                   float, double) {
    using T = TestType;
    std::mt19937_64 gen(3);
    std::uniform_real_distribution<T> d(T(-10), T(10));
    for (std::size_t n = 0; n <= 200; ++n) {
        std::vector<T> w(n), x(n);
        for (auto& v : w) v = d(gen);
        for (auto& v : x) v = d(gen);
        T const b = d(gen);
        T const z1 = soma::weighted_input(w, x, b);
        T const z2 = soma::dot(soma::augment(w, b), soma::augment(x));
        CAPTURE(n);
        CHECK(bits(z1) == bits(z2));
    }
    // Signed zeros: an all -0 weighted sum with b = +0.
    std::array<T, 2> const w{T(-1), T(1)};
    std::array<T, 2> const x{T(0), T(-0.0)};
    CHECK(bits(soma::weighted_input(w, x, T(0))) ==
          bits(soma::dot(soma::augment(w, T(0)), soma::augment(x))));
    CHECK(bits(soma::weighted_input(w, x, T(-0.0))) ==
          bits(soma::dot(soma::augment(w, T(-0.0)), soma::augment(x))));
}
