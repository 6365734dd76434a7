// Tests of soma/step.hpp: the unit step u(z) and the firing condition.
#include <soma/step.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "support/catch.hpp"

TEMPLATE_TEST_CASE("u(z) = 1 for z >= 0, 0 for z < 0", "", float, double, long double) {
    using T = TestType;
    using lim = std::numeric_limits<T>;
    CHECK(soma::step(T(0)) == T(1));
    CHECK(soma::step(T(-0.0)) == T(1));  // -0 >= 0
    CHECK(soma::step(lim::denorm_min()) == T(1));
    CHECK(soma::step(-lim::denorm_min()) == T(0));
    CHECK(soma::step(T(3)) == T(1));
    CHECK(soma::step(T(-3)) == T(0));
    CHECK(soma::step(lim::max()) == T(1));
    CHECK(soma::step(lim::lowest()) == T(0));
    CHECK(soma::step(lim::infinity()) == T(1));
    CHECK(soma::step(-lim::infinity()) == T(0));
    CHECK(std::isnan(soma::step(lim::quiet_NaN())));
}

TEST_CASE("u(z) for integers") {
    CHECK(soma::step(0) == 1);
    CHECK(soma::step(-1) == 0);
    CHECK(soma::step(std::numeric_limits<int>::min()) == 0);
    CHECK(soma::step(7U) == 1U);
}

TEMPLATE_TEST_CASE("fires(z, theta) is z >= theta", "", float, double, int) {
    using T = TestType;
    // Example 1: w1 x1 + w2 x2 in {0, 3, 5, 8} against θ = 4.
    CHECK_FALSE(soma::fires(T(0), T(4)));
    CHECK_FALSE(soma::fires(T(3), T(4)));
    CHECK(soma::fires(T(5), T(4)));
    CHECK(soma::fires(T(8), T(4)));
    CHECK(soma::fires(T(4), T(4)));  // the tie fires
    if constexpr (std::numeric_limits<T>::has_quiet_NaN) {
        CHECK_FALSE(soma::fires(std::numeric_limits<T>::quiet_NaN(), T(4)));
        CHECK_FALSE(soma::fires(T(4), std::numeric_limits<T>::quiet_NaN()));
    }
}

TEMPLATE_TEST_CASE("step over vectors, out of place and in place", "", float, double) {
    using T = TestType;
    T const nan = std::numeric_limits<T>::quiet_NaN();
    std::vector<T> const z{T(-2), T(-0.0), T(0), T(1), nan};
    std::vector<T> out(z.size(), T(9));
    soma::step(z, out);
    CHECK(out[0] == T(0));
    CHECK(out[1] == T(1));
    CHECK(out[2] == T(1));
    CHECK(out[3] == T(1));
    CHECK(std::isnan(out[4]));
    std::vector<T> in_place = z;
    soma::step(in_place);
    for (std::size_t i = 0; i < 4; ++i) CHECK(in_place[i] == out[i]);
    CHECK(std::isnan(in_place[4]));
    std::vector<T> short_out(2);
    CHECK_THROWS_AS(soma::step(z, short_out), std::invalid_argument);
}

TEMPLATE_TEST_CASE("step over vectors: an output that overlaps z only in part is rejected", "",
                   float, double, int) {
    using T = TestType;
    std::vector<T> buffer(12);
    for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = T(static_cast<int>(i % 3) - 1);
    std::vector<T> const before = buffer;
    std::span<T const> const z(buffer.data() + 1, 10);
    for (std::ptrdiff_t shift : {1, -1, 9}) {
        CAPTURE(shift);
        CHECK_THROWS_AS(soma::step(z, std::span<T>(buffer.data() + 1 + shift, 10)),
                        std::invalid_argument);
        CHECK(buffer == before);  // nothing written
    }
    // Exactly z (in place through the two-argument form) is allowed.
    soma::step(z, std::span<T>(buffer.data() + 1, 10));
    CHECK(buffer[1] == T(1));  // u(0) = 1
    CHECK(buffer[3] == T(0));  // u(-1) = 0
}
