// The constant-evaluation fma must give std::fma's bits (it is what makes constexpr and
// run-time results identical).
#include <soma/detail/fma.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
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

namespace {

template <class T>
auto bits_of(T v) {
    if constexpr (sizeof(T) == 4) {
        return std::bit_cast<std::uint32_t>(v);
    } else {
        return std::bit_cast<std::uint64_t>(v);
    }
}

// Operands at both ends of the range: products that overflow or land in (or below) the
// subnormal range, subnormal factors and addends, addends that cancel the product.
template <class T>
long range_end_mismatches(std::uint64_t seed) {
    using limits = std::numeric_limits<T>;
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<T> m(T(1), T(2));
    std::uniform_int_distribution<int> coin(0, 7);
    int const emax = limits::max_exponent;      // 128, 1024
    int const emin = limits::min_exponent - 1;  // -126, -1022
    int const digits = limits::digits;
    // The product's exponent: near overflow, near the smallest normal, or below it.
    std::uniform_int_distribution<int> product_exponent(0, 2);
    std::uniform_int_distribution<int> spread(-8, 8);
    std::uniform_int_distribution<int> full(emin - digits, emax - 1);
    long mismatches = 0;
    for (int i = 0; i < 400000; ++i) {
        int pe = 0;
        switch (product_exponent(gen)) {
            case 0:
                pe = emax - 1 + spread(gen);
                break;
            case 1:
                pe = emin + spread(gen);
                break;
            default:
                pe = emin - digits + spread(gen);
                break;
        }
        std::uniform_int_distribution<int> split(std::max(emin - digits + 1, pe - emax + 1),
                                                 std::min(emax - 1, pe - (emin - digits) - 1));
        int const ea = split(gen);
        T const sa = coin(gen) < 4 ? T(1) : T(-1);
        T const sb = coin(gen) < 4 ? T(1) : T(-1);
        T const a = sa * std::ldexp(m(gen), ea);
        T const b = sb * std::ldexp(m(gen), pe - ea);
        T c = T(0);
        switch (coin(gen)) {
            case 0:
                c = -(a * b);  // cancels the rounded product: the rounding error remains
                break;
            case 1:
                c = std::nextafter(-(a * b), T(0));
                break;
            case 2:
                c = std::ldexp(m(gen), pe + spread(gen));
                break;
            case 3:
                c = -std::ldexp(m(gen), full(gen));
                break;
            case 4:
                c = limits::denorm_min() * T(coin(gen) - 3);
                break;
            case 5:
                c = coin(gen) < 4 ? limits::max() : -limits::max();
                break;
            case 6:
                c = coin(gen) < 4 ? T(0) : T(-0.0);
                break;
            default:
                c = std::ldexp(m(gen), emin - 1 - coin(gen));  // a subnormal addend
                break;
        }
        if (!std::isfinite(a) || !std::isfinite(b) || !std::isfinite(c)) continue;
        T const want = std::fma(a, b, c);
        T const got = soma::detail::fma_emulated(a, b, c);
        if (bits_of(want) != bits_of(got)) {
            if (mismatches < 5) {
                UNSCOPED_INFO(std::hexfloat << "fma(" << a << ", " << b << ", " << c
                                            << ") = " << want << ", emulated " << got);
            }
            ++mismatches;
        }
    }
    return mismatches;
}

// Signed zeros and subnormals in every position, exhaustively over a small set of values.
template <class T>
long special_operand_mismatches() {
    using limits = std::numeric_limits<T>;
    T const values[] = {T(0),
                        T(-0.0),
                        limits::denorm_min(),
                        -limits::denorm_min(),
                        T(3) * limits::denorm_min(),
                        limits::min(),
                        -limits::min(),
                        std::nextafter(limits::min(), T(0)),
                        T(0.5),
                        T(-1),
                        T(1) + limits::epsilon(),
                        T(3),
                        std::ldexp(T(1), limits::max_exponent / 2),
                        std::ldexp(T(1.5), limits::min_exponent / 2),
                        limits::max(),
                        -limits::max(),
                        std::nextafter(limits::max(), T(0)),
                        limits::infinity(),
                        -limits::infinity()};
    long mismatches = 0;
    for (T a : values) {
        for (T b : values) {
            for (T c : values) {
                T const want = std::fma(a, b, c);
                T const got = soma::detail::fma_emulated(a, b, c);
                bool const same =
                    std::isnan(want) ? std::isnan(got) : bits_of(want) == bits_of(got);
                if (!same) {
                    if (mismatches < 5) {
                        UNSCOPED_INFO(std::hexfloat << "fma(" << a << ", " << b << ", " << c
                                                    << ") = " << want << ", emulated " << got);
                    }
                    ++mismatches;
                }
            }
        }
    }
    return mismatches;
}

}  // namespace

TEMPLATE_TEST_CASE("fma_emulated == std::fma near overflow and underflow, subnormals included",
                   "[fma]", float, double) {
    CHECK(range_end_mismatches<TestType>(sizeof(TestType)) == 0);
}

TEMPLATE_TEST_CASE("fma_emulated == std::fma on signed zeros, subnormals, extremes, infinities",
                   "[fma]", float, double) {
    CHECK(special_operand_mismatches<TestType>() == 0);
}

// In constant evaluation, the exact values (rounded once) at the ends of the range.
// A factor near 2^1015 used to overflow the emulation's splitting of it.
static_assert(soma::detail::fma(0x1.8p1015, 0x1p8, 0.0) == 0x1.8p1023);
static_assert(soma::detail::fma(0x1.9ff26ee184aeep+1015, 0x1p6, -0x1p1021) ==
              0x1.9ff26ee184aeep+1021 - 0x1p1021);
static_assert(soma::detail::fma(0x1p1023, 2.0, -0x1p1023) == 0x1p1023);  // 2^1024 inside
static_assert(soma::detail::fma(0x1p1023, 2.0, 0.0) == std::numeric_limits<double>::infinity());
static_assert(soma::detail::fma(-0x1p127f, 4.0f, 0.0f) == -std::numeric_limits<float>::infinity());
// Subnormal products: 2^-1074 exactly; 2^-1075 is a tie, to even (+0); 1.5 * 2^-1075 rounds up.
static_assert(soma::detail::fma(0x1p-600, 0x1p-474, 0.0) == 0x1p-1074);
static_assert(soma::detail::fma(0x1p-600, 0x1p-475, 0.0) == 0.0);
static_assert(soma::detail::fma(0x1.8p-600, 0x1p-475, 0.0) == 0x1p-1074);
static_assert(soma::detail::fma(0x1p-600, 0x1p-475, 0x1p-1074) == 0x1p-1073);  // tie to even
static_assert(soma::detail::fma(0x1p-100f, 0x1p-49f, 0.0f) == 0x1p-149f);
// A product rounded to zero keeps its sign; an exact zero sum is +0.
static_assert(std::bit_cast<std::uint64_t>(soma::detail::fma(-0x1p-600, 0x1p-600, 0.0)) ==
              std::bit_cast<std::uint64_t>(-0.0));
static_assert(std::bit_cast<std::uint64_t>(soma::detail::fma(-0x1p-600, 0x1p-600, -0.0)) ==
              std::bit_cast<std::uint64_t>(-0.0));
static_assert(std::bit_cast<std::uint64_t>(soma::detail::fma(2.0, 3.0, -6.0)) == 0U);
static_assert(std::bit_cast<std::uint64_t>(soma::detail::fma(-0.0, 1.0, 0.0)) == 0U);
