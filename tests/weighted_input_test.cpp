// Tests of soma/weighted_input.hpp: z = Σ w_i x_i + b and dot.
#include <soma/weighted_input.hpp>

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/catch.hpp"

namespace {

// Exact reference for small integer-valued data: the terms and their sum are integers
// far below 2^24, so every method must return exactly this.
long long exact_sum(std::vector<int> const& w, std::vector<int> const& x, long long b) {
    long long z = b;
    for (std::size_t i = 0; i < w.size(); ++i) z += static_cast<long long>(w[i]) * x[i];
    return z;
}

}  // namespace

TEST_CASE("Example 1 of the tutorial: w = (5, 3), the sum w1 x1 + w2 x2") {
    std::array<int, 2> const w{5, 3};
    // The tutorial's table: (x1, x2) -> w1 x1 + w2 x2.
    CHECK(soma::weighted_input(w, std::array{0, 0}) == 0);
    CHECK(soma::weighted_input(w, std::array{0, 1}) == 3);
    CHECK(soma::weighted_input(w, std::array{1, 0}) == 5);
    CHECK(soma::weighted_input(w, std::array{1, 1}) == 8);
    // Bias form, b = -θ = -4: z = 5 x1 + 3 x2 - 4.
    CHECK(soma::weighted_input(w, std::array{0, 0}, -4) == -4);
    CHECK(soma::weighted_input(w, std::array{0, 1}, -4) == -1);
    CHECK(soma::weighted_input(w, std::array{1, 0}, -4) == 1);
    CHECK(soma::weighted_input(w, std::array{1, 1}, -4) == 4);
}

TEMPLATE_TEST_CASE("weighted_input and dot accept arrays, spans and vectors", "", float, double,
                   long double, int, long) {
    using T = TestType;
    std::array<T, 3> const w{T(2), T(-1), T(3)};
    std::vector<T> const x{T(1), T(4), T(2)};
    std::span<T const, 3> const xs(x.data(), 3);
    std::span<T const> const xd(x);
    // 2*1 - 1*4 + 3*2 = 4, computed by hand.
    CHECK(soma::dot(w, x) == T(4));
    CHECK(soma::dot(w, xs) == T(4));
    CHECK(soma::dot(xd, w) == T(4));
    CHECK(soma::weighted_input(w, xs) == T(4));
    CHECK(soma::weighted_input(w, x, T(-2)) == T(2));
    T const c_array[3] = {T(1), T(4), T(2)};
    CHECK(soma::dot(w, c_array) == T(4));
}

TEMPLATE_TEST_CASE("a run-time size mismatch throws invalid_argument naming both sizes", "", float,
                   double, int) {
    using T = TestType;
    std::vector<T> const w(3, T(1));
    std::vector<T> const x(2, T(1));
    REQUIRE_THROWS_AS(soma::dot(w, x), std::invalid_argument);
    try {
        (void)soma::weighted_input(w, x, T(0));
        FAIL("no exception");
    } catch (std::invalid_argument const& e) {
        std::string const what = e.what();
        CHECK(what.find('3') != std::string::npos);
        CHECK(what.find('2') != std::string::npos);
    }
    std::array<T, 2> const a{T(1), T(1)};
    CHECK_THROWS_AS(soma::dot(w, a), std::invalid_argument);
}

TEST_CASE("integer overflow throws instead of wrapping") {
    constexpr int big = std::numeric_limits<int>::max();
    std::array<int, 2> const w{big, 1};
    CHECK_THROWS_AS(soma::dot(w, std::array{1, 1}), std::overflow_error);
    CHECK_THROWS_AS(soma::dot(std::array{big}, std::array{2}), std::overflow_error);
    CHECK_THROWS_AS(soma::weighted_input(std::array{big}, std::array{1}, 1), std::overflow_error);
    CHECK(soma::weighted_input(std::array{big}, std::array{1}, -1) == big - 1);
    std::array<std::int8_t, 1> const w8{std::int8_t{100}};
    CHECK_THROWS_AS(soma::dot(w8, std::array<std::int8_t, 1>{std::int8_t{2}}), std::overflow_error);
}

TEST_CASE("integer sums: partial sums may leave the range when the exact result fits") {
    constexpr int big = std::numeric_limits<int>::max();
    constexpr int small = std::numeric_limits<int>::min();
    // Exact results: INT_MAX + 1 - 1, INT_MAX * 2 - INT_MAX * 2, INT_MAX + 1 - 1.
    CHECK(soma::dot(std::array{big, 1, -1}, std::array{1, 1, 1}) == big);
    CHECK(soma::dot(std::array{big, big}, std::array{2, -2}) == 0);
    CHECK(soma::weighted_input(std::array{big, 1}, std::array{1, 1}, -1) == big);
    CHECK(soma::dot(std::array{small, -1, 1}, std::array{1, 1, 1}) == small);
    static_assert(soma::dot(std::array{big, 1, -1}, std::array{1, 1, 1}) == big);
    static_assert(soma::weighted_input(std::array{big, 1}, std::array{1, 1}, -1) == big);
    // 64 bits: the products (up to 2^126) and partial sums beyond 2^127 are still exact.
    constexpr long long big64 = std::numeric_limits<long long>::max();
    constexpr long long small64 = std::numeric_limits<long long>::min();
    // 2^126 + 2^126 (beyond 2^127) + 2 (-2^126 + 2^63) - 2^64 = 0.
    CHECK(soma::dot(std::array{small64, small64, small64, small64, small64},
                    std::array{small64, small64, big64, big64, 2LL}) == 0);
    // (2^63 - 1)^2 - (2^63 - 1)^2 + INT64_MAX.
    CHECK(soma::weighted_input(std::array{big64, -big64}, std::array{big64, big64}, big64) ==
          big64);
    std::int8_t const w8[3] = {100, 100, -100};
    std::int8_t const x8[3] = {1, 1, 1};
    CHECK(soma::dot(w8, x8) == 100);
    // Results that do not fit still throw (the last: (2^63 - 1) * 2).
    CHECK_THROWS_AS(soma::dot(std::array{big, 1}, std::array{1, 1}), std::overflow_error);
    CHECK_THROWS_AS(soma::dot(std::array{big64, big64}, std::array{big64, -big64 + 2}),
                    std::overflow_error);
}

TEST_CASE("integer sums: random terms near the range against a 64-bit reference") {
    std::mt19937_64 gen(31);
    std::uniform_int_distribution<int> value(std::numeric_limits<int>::min(),
                                             std::numeric_limits<int>::max());
    std::uniform_int_distribution<int> small(-3, 3);
    long fitted = 0;
    for (int rep = 0; rep < 20000; ++rep) {
        std::size_t const n = 1 + static_cast<std::size_t>(rep % 6);
        std::vector<int> w(n), x(n);
        long long exact = 0;  // exact: at most 7 terms below 2^33
        for (std::size_t i = 0; i < n; ++i) {
            w[i] = value(gen);
            x[i] = small(gen);
            exact += static_cast<long long>(w[i]) * x[i];
        }
        int const b = value(gen);
        exact += b;
        CAPTURE(rep);
        if (exact >= std::numeric_limits<int>::min() && exact <= std::numeric_limits<int>::max()) {
            ++fitted;
            CHECK(soma::weighted_input(w, x, b) == static_cast<int>(exact));
        } else {
            CHECK_THROWS_AS(soma::weighted_input(w, x, b), std::overflow_error);
        }
    }
    CHECK(fitted > 1000);
}

TEMPLATE_TEST_CASE("empty vectors: the sum of no terms is +0, with a bias it is b", "", float,
                   double) {
    using T = TestType;
    std::vector<T> const none;
    T const z = soma::dot(none, none);
    CHECK(z == T(0));
    CHECK_FALSE(std::signbit(z));
    CHECK(soma::weighted_input(none, none, T(-2.5)) == T(-2.5));
}

TEMPLATE_TEST_CASE("integer-valued data is summed exactly in every order", "", float, double) {
    using T = TestType;
    std::mt19937 gen(42);
    std::uniform_int_distribution<int> d(-50, 50);
    for (std::size_t n : {1U, 2U, 3U, 7U, 31U, 32U, 33U, 63U, 64U, 65U, 129U, 1000U}) {
        std::vector<int> wi(n), xi(n);
        for (auto& v : wi) v = d(gen);
        for (auto& v : xi) v = d(gen);
        std::vector<T> w(wi.begin(), wi.end()), x(xi.begin(), xi.end());
        int const b = d(gen);
        CAPTURE(n);
        CHECK(soma::dot(w, x) == static_cast<T>(exact_sum(wi, xi, 0)));
        CHECK(soma::weighted_input(w, x, T(b)) == static_cast<T>(exact_sum(wi, xi, b)));
    }
}

TEMPLATE_TEST_CASE("weighted_input meets the documented error bound", "", float, double) {
    using T = TestType;
    std::mt19937_64 gen(7);
    std::uniform_real_distribution<T> d(T(-1), T(1));
    constexpr std::size_t p = soma::detail::partial_sums<T>;
    for (std::size_t n : {1U, 5U, 64U, 100U, 1000U, 5000U}) {
        std::vector<T> w(n), x(n);
        for (auto& v : w) v = d(gen);
        for (auto& v : x) v = d(gen);
        T const b = d(gen);
        long double exact = b, abs_sum = std::fabs(static_cast<long double>(b));
        for (std::size_t i = 0; i < n; ++i) {
            long double const t = static_cast<long double>(w[i]) * x[i];  // exact product
            exact += t;
            abs_sum += std::fabs(t);
        }
        std::size_t const m = n + 1;
        double const k = static_cast<double>((m + p - 1) / p) + std::log2(static_cast<double>(p));
        double const u = std::numeric_limits<T>::epsilon() / 2;
        double const gamma = k * u / (1 - k * u);
        T const z = soma::weighted_input(w, x, b);
        CAPTURE(n);
        CHECK(std::fabs(static_cast<long double>(z) - exact) <= gamma * abs_sum);
    }
}

TEMPLATE_TEST_CASE("special values propagate", "", float, double) {
    using T = TestType;
    constexpr T inf = std::numeric_limits<T>::infinity();
    constexpr T nan = std::numeric_limits<T>::quiet_NaN();
    std::vector<T> w(70, T(1)), x(70, T(1));
    x[5] = nan;
    CHECK(std::isnan(soma::dot(w, x)));
    x[5] = inf;
    CHECK(soma::dot(w, x) == inf);
    x[69] = -inf;
    CHECK(std::isnan(soma::dot(w, x)));
    x[69] = T(1);
    CHECK(std::isnan(soma::weighted_input(w, x, -inf)));
    CHECK(soma::weighted_input(w, x, inf) == inf);
    // -0 products sum to -0 in IEEE arithmetic.
    std::array<T, 2> const nz{T(-0.0), T(-0.0)};
    std::array<T, 2> const ones{T(1), T(1)};
    CHECK(std::signbit(soma::dot(nz, ones)));
}

namespace {

// Inputs at the ends of the range, made in constant evaluation: products that are inexact
// and subnormal, products that round to -0, factors near 2^1015 whose products are finite.
enum class regime { subnormal, negative_zero, huge_factor };

template <regime R>
constexpr std::array<double, 70> range_end_inputs(bool weights) {
    std::array<double, 70> v{};
    for (std::size_t i = 0; i < v.size(); ++i) {
        double const m = 1.0 + static_cast<double>(i + (weights ? 1 : 5)) / 1024.0;  // 11 bits
        double const sign = i % 3 == 1 ? -1.0 : 1.0;
        if constexpr (R == regime::subnormal) {
            v[i] = weights ? sign * m * 0x1p-540 : m * 0x1p-520;  // products near 2^-1060
        } else if constexpr (R == regime::negative_zero) {
            v[i] = weights ? -m * 0x1p-600 : m * 0x1p-600;  // products -2^-1200: -0
        } else {
            v[i] = weights ? sign * m * 0x1.9ff26ee184aeep+1015 : m * 0x1p-20;
        }
    }
    return v;
}

template <regime R>
constexpr std::array<double, 71> constant_evaluated_dots() {
    constexpr auto w = range_end_inputs<R>(true);
    constexpr auto x = range_end_inputs<R>(false);
    std::array<double, 71> z{};
    for (std::size_t n = 0; n <= 70; ++n) {
        z[n] =
            soma::dot(std::span<double const>(w.data(), n), std::span<double const>(x.data(), n));
    }
    return z;
}

template <regime R>
void check_constant_evaluation_matches_run_time() {
    static constexpr auto expected = constant_evaluated_dots<R>();
    std::vector<double> const w = [] {
        auto const a = range_end_inputs<R>(true);
        return std::vector<double>(a.begin(), a.end());
    }();
    std::vector<double> const x = [] {
        auto const a = range_end_inputs<R>(false);
        return std::vector<double>(a.begin(), a.end());
    }();
    for (std::size_t n = 0; n <= 70; ++n) {
        double const got =
            soma::dot(std::span<double const>(w.data(), n), std::span<double const>(x.data(), n));
        INFO("n " << n << std::hexfloat << " run time " << got << " constexpr " << expected[n]);
        CHECK(std::bit_cast<std::uint64_t>(got) == std::bit_cast<std::uint64_t>(expected[n]));
    }
}

}  // namespace

TEST_CASE("constant evaluation gives the run-time bits at both ends of the range") {
    check_constant_evaluation_matches_run_time<regime::subnormal>();
    check_constant_evaluation_matches_run_time<regime::negative_zero>();
    check_constant_evaluation_matches_run_time<regime::huge_factor>();
    // Products that round to -0 in every partial sum: the sum is -0, also in constant
    // evaluation.
    static constexpr auto zeros = constant_evaluated_dots<regime::negative_zero>();
    static_assert(std::bit_cast<std::uint64_t>(zeros[32]) == std::bit_cast<std::uint64_t>(-0.0));
}
