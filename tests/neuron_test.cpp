// Tests of soma/neuron.hpp: the neuron y = a(w·x + b) in its bias, threshold and
// augmented forms.
#include <soma/neuron.hpp>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/ulp.hpp"

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

TEST_CASE("Example 1: the full truth table of w = (5, 3), θ = 4") {
    constexpr auto n = soma::step_neuron<int, 2>::from_threshold({5, 3}, 4);
    // (x1, x2), w1 x1 + w2 x2 (from the tutorial), the output y = u(z - θ).
    struct row {
        int x1, x2, sum, y;
    };
    constexpr std::array<row, 4> table{{{0, 0, 0, 0}, {0, 1, 3, 0}, {1, 0, 5, 1}, {1, 1, 8, 1}}};
    for (row const& r : table) {
        CAPTURE(r.x1, r.x2);
        CHECK(soma::weighted_input(n.weights(), std::array{r.x1, r.x2}) == r.sum);
        CHECK(n.weighted_input({r.x1, r.x2}) == r.sum - 4);
        CHECK(n({r.x1, r.x2}) == r.y);
        CHECK(n.fires({r.x1, r.x2}) == (r.y == 1));
    }
    CHECK(n.bias() == -4);
    CHECK(n.threshold() == 4);
}

TEST_CASE("the tie z == θ fires") {
    // w = (5, 3), θ = 8: the input (1, 1) gives exactly 8.
    auto const n = soma::step_neuron<int, 2>::from_threshold({5, 3}, 8);
    CHECK(n.weighted_input({1, 1}) == 0);
    CHECK(n({1, 1}) == 1);
    CHECK(n.fires({1, 1}));
    CHECK_FALSE(n.fires({1, 0}));
    auto const f = soma::step_neuron<double, 2>::from_threshold({0.5, 0.25}, 0.75);
    CHECK(f({1.0, 1.0}) == 1.0);
    CHECK(f({1.0, 0.0}) == 0.0);
}

TEMPLATE_TEST_CASE("threshold form and bias form agree", "", float, double, int) {
    using T = TestType;
    auto const by_threshold = soma::step_neuron<T, 2>::from_threshold({T(5), T(3)}, T(4));
    soma::step_neuron<T, 2> const by_bias({T(5), T(3)}, T(-4));
    CHECK(by_threshold == by_bias);
    for (int x1 = 0; x1 <= 1; ++x1) {
        for (int x2 = 0; x2 <= 1; ++x2) {
            std::array<T, 2> const x{T(x1), T(x2)};
            CHECK(by_threshold(x) == by_bias(x));
            // fires exactly when w·x >= θ (integral-valued data: no rounding)
            CHECK(by_bias.fires(x) ==
                  soma::fires(soma::weighted_input(by_bias.weights(), x), T(4)));
        }
    }
}

TEMPLATE_TEST_CASE("a 3-input neuron in bias form", "", float, double, int) {
    using T = TestType;
    // soma's own example (the tutorial's table for it did not survive): w = (2, -1, 3),
    // b = -2 (θ = 2). By hand, z = 2 x1 - x2 + 3 x3 - 2 for the eight binary inputs:
    //   x = 000: -2 -> 0    100:  0 -> 1 (tie)   010: -3 -> 0    001:  1 -> 1
    //       110: -1 -> 0    101:  3 -> 1         011:  0 -> 1    111:  2 -> 1
    struct row {
        int x1, x2, x3, z, y;
    };
    std::array<row, 8> const table{{{0, 0, 0, -2, 0},
                                    {1, 0, 0, 0, 1},
                                    {0, 1, 0, -3, 0},
                                    {0, 0, 1, 1, 1},
                                    {1, 1, 0, -1, 0},
                                    {1, 0, 1, 3, 1},
                                    {0, 1, 1, 0, 1},
                                    {1, 1, 1, 2, 1}}};
    soma::step_neuron<T, 3> const n({T(2), T(-1), T(3)}, T(-2));
    soma::augmented_neuron<T, 3, soma::step_activation> const a({T(2), T(-1), T(3), T(-2)});
    for (row const& r : table) {
        std::array<T, 3> const x{T(r.x1), T(r.x2), T(r.x3)};
        CAPTURE(r.x1, r.x2, r.x3);
        CHECK(n.weighted_input(x) == T(r.z));
        CHECK(n(x) == T(r.y));
        CHECK(a.weighted_input(x) == T(r.z));
        CHECK(a(x) == T(r.y));
    }
    if constexpr (std::floating_point<T>) {
        // The same neuron with the sigmoid: y = σ(z); reference in long double.
        soma::sigmoid_neuron<T, 3> const s({T(2), T(-1), T(3)}, T(-2));
        for (row const& r : table) {
            std::array<T, 3> const x{T(r.x1), T(r.x2), T(r.x3)};
            long double const want = 1.0L / (1.0L + std::exp(-static_cast<long double>(r.z)));
            CHECK(soma_test::ulp_error(s(x), want) <= 1.0);
        }
    }
}

TEMPLATE_TEST_CASE("augmented and bias forms give the same bits and convert losslessly", "", float,
                   double) {
    using T = TestType;
    std::mt19937_64 gen(5);
    std::uniform_real_distribution<T> d(T(-3), T(3));
    std::array<T, 7> w{};
    for (auto& v : w) v = d(gen);
    soma::sigmoid_neuron<T, 7> const n(w, d(gen));
    soma::augmented_neuron<T, 7> const a(n);
    soma::sigmoid_neuron<T, 7> const back(a);
    CHECK(back == n);
    CHECK(bits(a.bias()) == bits(n.bias()));
    auto const wb = n.augmented_weights();
    for (std::size_t i = 0; i < 8; ++i) CHECK(bits(a.augmented_weights()[i]) == bits(wb[i]));
    for (int k = 0; k < 1000; ++k) {
        std::array<T, 7> x{};
        for (auto& v : x) v = d(gen);
        CHECK(bits(a.weighted_input(x)) == bits(n.weighted_input(x)));
        CHECK(bits(a(x)) == bits(n(x)));
        CHECK(bits(n.weighted_input(x)) == bits(soma::dot(wb, soma::augment(x))));
    }
}

TEMPLATE_TEST_CASE("run-time sized neurons", "", float, double) {
    using T = TestType;
    soma::step_neuron<T> const n({T(5), T(3)}, T(-4));
    CHECK(n.size() == 2);
    CHECK(n({T(1), T(0)}) == T(1));
    CHECK(n({T(0), T(1)}) == T(0));
    std::vector<T> const x{T(1), T(1)};
    CHECK(n.weighted_input(x) == T(4));
    CHECK(n.weighted_input(std::span<T const, 2>(x.data(), 2)) == T(4));
    soma::augmented_neuron<T, std::dynamic_extent, soma::step_activation> const a(n);
    CHECK(a.size() == 2);
    CHECK(a.weighted_input(x) == T(4));
    std::vector<T> const three{T(1), T(1), T(1)};
    CHECK_THROWS_AS(n(three), std::invalid_argument);
    CHECK_THROWS_AS(a(three), std::invalid_argument);
    try {
        (void)n.weighted_input(three);
    } catch (std::invalid_argument const& e) {
        std::string const what = e.what();
        CHECK(what.find("2") != std::string::npos);
        CHECK(what.find("3") != std::string::npos);
    }
    // A static-size neuron fed a vector of the wrong run-time size.
    soma::step_neuron<T, 2> const s({T(5), T(3)}, T(-4));
    CHECK_THROWS_AS(s(three), std::invalid_argument);
    using dyn_aug = soma::augmented_neuron<T, std::dynamic_extent, soma::step_activation>;
    CHECK_THROWS_AS(dyn_aug(std::vector<T>{}), std::invalid_argument);
}

namespace {
// A user-defined activation, monotonically increasing and differentiable as the
// tutorial asks: the softsign z / (1 + |z|).
struct softsign_activation {
    template <std::floating_point T>
    T operator()(T z) const {
        return z / (T(1) + std::fabs(z));
    }
};
}  // namespace

TEMPLATE_TEST_CASE("user-defined activations: a type and a lambda", "", float, double) {
    using T = TestType;
    soma::neuron<T, 2, softsign_activation> const n({T(0.5), T(-0.25)}, T(0.125));
    // z = 0.5*1 - 0.25*2 + 0.125 = 0.125 exactly; 0.125 / 1.125 = 1/9, rounded once.
    CHECK(n({T(1), T(2)}) == T(1) / T(9));
    CHECK(n({T(0), T(0)}) == T(1) / T(9));
    auto relu = [](T z) { return z > T(0) ? z : T(0); };
    soma::neuron<T, 2, decltype(relu)> const r({T(1), T(1)}, T(-1), relu);
    CHECK(r({T(3), T(1)}) == T(3));
    CHECK(r({T(0), T(0)}) == T(0));
    soma::neuron<T, 2, soma::identity_activation> const id({T(1), T(2)}, T(0.5));
    CHECK(id({T(1), T(1)}) == T(3.5));
}

TEST_CASE("an integer neuron whose exact z fits although w1 x1 + w2 x2 does not") {
    constexpr int big = std::numeric_limits<int>::max();
    // w = (INT_MAX, 1), θ = 1, x = (1, 1): z = INT_MAX + 1 - 1 = INT_MAX >= 0, it fires.
    auto const n = soma::step_neuron<int, 2>::from_threshold({big, 1}, 1);
    CHECK(n.weighted_input({1, 1}) == big);
    CHECK(n({1, 1}) == 1);
    static_assert(soma::step_neuron<int, 2>::from_threshold({big, 1}, 1)({1, 1}) == 1);
}
