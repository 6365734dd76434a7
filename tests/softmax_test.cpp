// Tests of soma/softmax.hpp: y_i = e^(z_i - m) / Σ_j e^(z_j - m), m = max_j z_j.
//
// Expected values come from mathematics (uniform vectors give 1/n, the limits that define
// the infinities, invariance under a common shift where that shift is exact) and from an
// independent reference in x87 long double (the C library's expl). The bound asserted is
// the one documented in soma/softmax.hpp: (n + 3 + 2D)·2^-53 relative for double and
// 0.5 ULP + (n + 3 + 2D)·2^-29 ULP for float, D = max_j min(m - z_j, 746).
#include <soma/softmax.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "support/catch.hpp"
#include "support/isa.hpp"
#include "support/ulp.hpp"

namespace {

template <class T>
bool same_bits(T a, T b) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <class T, std::size_t N>
constexpr std::array<T, N> softmax_of(std::array<T, N> const& z) {
    std::array<T, N> y{};
    soma::softmax<T>(std::span<T const>(z), std::span<T>(y));
    return y;
}

// softmax in long double, by the C library's expl.
template <class T>
std::vector<long double> reference_softmax(std::vector<T> const& z) {
    long double m = -std::numeric_limits<long double>::infinity();
    for (T v : z) m = std::max(m, static_cast<long double>(v));
    std::vector<long double> e(z.size());
    long double s = 0;
    for (std::size_t i = 0; i < z.size(); ++i) {
        e[i] = std::exp(static_cast<long double>(z[i]) - m);
        s += e[i];
    }
    for (long double& v : e) v /= s;
    return e;
}

// The documented error bound, in ULPs of T, for an output of the vector z.
template <class T>
double bound_ulp(std::vector<T> const& z) {
    double m = -std::numeric_limits<double>::infinity();
    for (T v : z) m = std::max(m, static_cast<double>(v));
    double d = 0;
    for (T v : z) d = std::max(d, std::min(m - static_cast<double>(v), 746.0));
    double const k = static_cast<double>(z.size()) + 3.0 + 2.0 * d;
    // double: relative k·2^-53 is at most k ULP (an ULP is at least 2^-53 relative).
    return sizeof(T) == 4 ? 0.5 + k * 0x1p-29 : k;
}

template <class T>
void softmax_with(soma::detail::isa i, T const* z, T* out, std::size_t n) {
    soma::detail::kernels_for(i).of<T>().softmax(z, out, n);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Constant evaluation
// ---------------------------------------------------------------------------------------

static_assert(softmax_of(std::array<double, 2>{0.0, 0.0})[0] == 0.5);
static_assert(softmax_of(std::array<float, 4>{3.0f, 3.0f, 3.0f, 3.0f})[2] == 0.25f);
// e/(1 + e) = σ(1) = 0.7310585786300049: within an ULP.
static_assert(softmax_of(std::array<double, 2>{1.0, 0.0})[0] > 0.731058578630004 &&
              softmax_of(std::array<double, 2>{1.0, 0.0})[0] < 0.731058578630006);
static_assert(softmax_of(std::array<float, 2>{1e38f, -1e38f})[0] == 1.0f);
static_assert(softmax_of(std::array<float, 2>{1e38f, -1e38f})[1] == 0.0f);

namespace {

constexpr std::array<double, 6> constexpr_z_double = {-1.5, 0.0, 2.25, 7.0, -30.0, 2.25};
constexpr std::array<float, 6> constexpr_z_float = {-1.5f, 0.0f, 2.25f, 7.0f, -30.0f, 2.25f};
constexpr auto constexpr_y_double = softmax_of(constexpr_z_double);
constexpr auto constexpr_y_float = softmax_of(constexpr_z_float);

}  // namespace

TEST_CASE("softmax: constant evaluation gives the run-time bits", "[softmax]") {
    std::array<double, 6> y_double{};
    soma::softmax<double>(std::span<double const>(constexpr_z_double), std::span<double>(y_double));
    std::array<float, 6> y_float{};
    soma::softmax<float>(std::span<float const>(constexpr_z_float), std::span<float>(y_float));
    for (std::size_t i = 0; i < 6; ++i) {
        CHECK(same_bits(y_double[i], constexpr_y_double[i]));
        CHECK(same_bits(y_float[i], constexpr_y_float[i]));
    }
}

// ---------------------------------------------------------------------------------------
// Special values and stability
// ---------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("softmax: special values", "[softmax]", float, double) {
    using T = TestType;
    using limits = std::numeric_limits<T>;
    T const inf = limits::infinity();
    auto run = [](std::vector<T> const& z) {
        std::vector<T> y(z.size(), T(-7));
        soma::softmax(z, y);
        return y;
    };
    // A uniform vector: 1/n (exact for n a power of 2).
    for (T v : {T(0), T(-5), T(1e30), limits::lowest(), limits::max()}) {
        for (T y : run(std::vector<T>(8, v))) CHECK(y == T(0.125));
    }
    // Huge finite values of both signs: no overflow.
    std::vector<T> const huge = run({limits::max(), limits::lowest(), T(0), limits::max()});
    CHECK(huge[0] == T(0.5));
    CHECK(same_bits(huge[1], T(0)));
    CHECK(same_bits(huge[2], T(0)));
    CHECK(huge[3] == T(0.5));
    std::vector<T> const pm = run({T(1e38), T(-1e38)});
    CHECK(pm[0] == T(1));
    CHECK(same_bits(pm[1], T(0)));
    // NaN anywhere: every output is the first NaN, quieted.
    T const nan = -limits::quiet_NaN();
    for (T y : run({T(1), nan, inf, limits::quiet_NaN()})) CHECK(same_bits(y, nan));
    using bits_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    bits_t const quiet_bit = sizeof(T) == 4 ? bits_t(0x00400000U) : bits_t(0x0008000000000000U);
    T const quieted = std::bit_cast<T>(
        static_cast<bits_t>(std::bit_cast<bits_t>(limits::signaling_NaN()) | quiet_bit));
    for (T y : run({limits::signaling_NaN(), T(0)})) CHECK(same_bits(y, quieted));
    // +inf: the +inf entries share 1/k; -inf entries are masked out.
    std::vector<T> const plus = run({T(3), inf, -inf, inf, T(1e30)});
    CHECK(same_bits(plus[0], T(0)));
    CHECK(plus[1] == T(0.5));
    CHECK(same_bits(plus[2], T(0)));
    CHECK(plus[3] == T(0.5));
    CHECK(same_bits(plus[4], T(0)));
    CHECK(run({T(2), inf, inf, inf})[1] == static_cast<T>(1.0 / 3.0));
    std::vector<T> const masked = run({T(0), -inf, T(0), -inf});
    CHECK(masked[0] == T(0.5));
    CHECK(same_bits(masked[1], T(0)));
    CHECK(masked[2] == T(0.5));
    for (T y : run({-inf, -inf, -inf, -inf})) CHECK(y == T(0.25));
    CHECK(run({T(-1000)})[0] == T(1));
    CHECK(run({-inf})[0] == T(1));
    // n = 0: nothing happens.
    std::vector<T> empty;
    soma::softmax(empty, empty);
    CHECK(empty.empty());
}

TEMPLATE_TEST_CASE("softmax: raises no overflow, invalid or divide-by-zero", "[softmax]", float,
                   double) {
    using T = TestType;
    using limits = std::numeric_limits<T>;
    T const inf = limits::infinity();
    std::vector<std::vector<T>> const cases = {
        {limits::max(), limits::lowest(), T(0)},
        {T(1e38), T(-1e38)},
        {inf, T(1), -inf, inf},
        {-inf, -inf},
        {T(-1000), T(0), T(1000), limits::denorm_min()},
        {T(0), -inf, limits::max()},
    };
    for (auto isa : soma_test::tested_isas()) {
        for (auto const& z : cases) {
            std::vector<T> y(z.size());
            std::feclearexcept(FE_ALL_EXCEPT);
            softmax_with(isa, z.data(), y.data(), z.size());
            int const raised = std::fetestexcept(FE_OVERFLOW | FE_INVALID | FE_DIVBYZERO);
            CAPTURE(soma::detail::isa_name(isa), z.size());
            CHECK(raised == 0);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Accuracy and bits
// ---------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("softmax: accuracy against a long double reference", "[softmax]", float,
                   double) {
    using T = TestType;
    std::mt19937_64 random(0x50f7);
    // Results stay normal: float e^-80 / 300, double e^-600 / 300.
    T const spread = sizeof(T) == 4 ? T(40) : T(300);
    double max_ulp = 0.0;
    double max_ratio = 0.0;  // error / bound
    for (std::size_t n = 1; n <= 300; n += (n < 40 ? 1 : 13)) {
        for (int trial = 0; trial < 20; ++trial) {
            T const scale = trial % 2 == 0 ? spread : T(3);
            std::vector<T> z(n);
            std::uniform_real_distribution<T> d(-scale, scale);
            for (T& v : z) v = d(random);
            if (trial % 5 == 4) z[0] = T(1e6);  // one dominant entry
            std::vector<T> y(n);
            soma::softmax(z, y);
            std::vector<long double> const ref = reference_softmax(z);
            double const bound = bound_ulp(z);
            for (std::size_t i = 0; i < n; ++i) {
                double const err = soma_test::ulp_error(y[i], ref[i]);
                max_ulp = std::max(max_ulp, err);
                max_ratio = std::max(max_ratio, err / bound);
                if (err > bound) {
                    CAPTURE(n, trial, i, z[i], y[i], err, bound);
                    CHECK(err <= bound);
                }
            }
        }
    }
    WARN("softmax " << (sizeof(T) == 4 ? "float" : "double") << ": max error " << max_ulp
                    << " ULP, at most " << max_ratio << " of the documented bound");
    if (sizeof(T) == 4) CHECK(max_ulp <= 1.0);
}

TEMPLATE_TEST_CASE("softmax: every kernel, length and the in-place form give the same bits",
                   "[softmax]", float, double) {
    using T = TestType;
    std::mt19937_64 random(77);
    std::uniform_real_distribution<T> d(T(-20), T(20));
    T const sentinel = std::numeric_limits<T>::quiet_NaN();
    constexpr std::size_t pad = 8;
    for (std::size_t n = 0; n <= 130; ++n) {
        std::vector<T> z_buffer(n + 2 * pad, sentinel);
        for (std::size_t i = 0; i < n; ++i) z_buffer[pad + i] = d(random);
        std::span<T const> const z(z_buffer.data() + pad, n);
        std::vector<T> expected(n);
        soma::detail::portable::softmax_values<T>(z.data(), expected.data(), n);  // definition
        for (auto isa : soma_test::tested_isas()) {
            std::vector<T> out(n + 2 * pad, sentinel);
            softmax_with(isa, z.data(), out.data() + pad, n);
            bool ok = true;
            for (std::size_t i = 0; i < n; ++i) ok = ok && same_bits(out[pad + i], expected[i]);
            for (std::size_t i = 0; i < pad; ++i) {
                ok = ok && same_bits(out[i], sentinel) && same_bits(out[pad + n + i], sentinel);
            }
            if (!ok) {
                CAPTURE(soma::detail::isa_name(isa), n);
                CHECK(ok);
            }
        }
        std::vector<T> in_place(z.begin(), z.end());
        soma::softmax(in_place);
        bool ok = true;
        for (std::size_t i = 0; i < n; ++i) ok = ok && same_bits(in_place[i], expected[i]);
        std::vector<T> out(n);
        soma::softmax(std::span<T const>(z), std::span<T>(out));
        for (std::size_t i = 0; i < n; ++i) ok = ok && same_bits(out[i], expected[i]);
        if (!ok) {
            CAPTURE(n);
            CHECK(ok);
        }
    }
}

TEMPLATE_TEST_CASE("softmax: a shift by a power of two that keeps z exact changes nothing",
                   "[softmax]", float, double) {
    using T = TestType;
    // z_i - m is the same for z + c when z_i + c is exact (integers here), so the bits agree.
    std::vector<T> const z = {T(1), T(-3), T(4), T(0), T(-8), T(2)};
    std::vector<T> shifted = z;
    for (T& v : shifted) v += T(64);
    std::vector<T> y(z.size());
    std::vector<T> y_shifted(z.size());
    soma::softmax(z, y);
    soma::softmax(shifted, y_shifted);
    for (std::size_t i = 0; i < z.size(); ++i) CHECK(same_bits(y[i], y_shifted[i]));
}

// ---------------------------------------------------------------------------------------
// Preconditions
// ---------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("softmax: size mismatch and partial overlap are errors", "[softmax]", float,
                   double) {
    using T = TestType;
    std::vector<T> const z(5, T(1));
    std::vector<T> out(4, T(-7));
    bool thrown = false;
    try {
        soma::softmax(std::span<T const>(z), std::span<T>(out));
    } catch (std::invalid_argument const& error) {
        thrown = true;
        std::string const message = error.what();
        CHECK(message.find("soma::softmax") != std::string::npos);
        CHECK(message.find('5') != std::string::npos);
        CHECK(message.find('4') != std::string::npos);
    }
    CHECK(thrown);
    for (T v : out) CHECK(v == T(-7));  // nothing written

    std::vector<T> buffer(12, T(1));
    std::vector<T> const before = buffer;
    for (std::ptrdiff_t shift : {1, -1, 5}) {
        bool overlap_thrown = false;
        try {
            soma::softmax(std::span<T const>(buffer.data() + 1, 10),
                          std::span<T>(buffer.data() + 1 + shift, 10));
        } catch (std::invalid_argument const& error) {
            overlap_thrown = true;
            CHECK(std::string(error.what()).find("out overlaps z") != std::string::npos);
        }
        CAPTURE(shift);
        CHECK(overlap_thrown);
        CHECK(buffer == before);
    }
}
