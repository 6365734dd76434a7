// ULP distance between floating-point values, for accuracy tests.
#ifndef SOMA_TESTS_SUPPORT_ULP_HPP
#define SOMA_TESTS_SUPPORT_ULP_HPP

#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>

namespace soma_test {

// Maps a float/double to an integer whose order is the order of the reals (-0 == +0).
template <std::floating_point T>
constexpr std::int64_t ordered(T v) {
    if constexpr (sizeof(T) == 4) {
        auto const i = static_cast<std::int32_t>(std::bit_cast<std::uint32_t>(v));
        return i < 0 ? -static_cast<std::int64_t>(i & 0x7fffffff) : static_cast<std::int64_t>(i);
    } else {
        auto const i = static_cast<std::int64_t>(std::bit_cast<std::uint64_t>(v));
        return i < 0 ? -(i & 0x7fffffffffffffff) : i;
    }
}

// Distance in units in the last place of T between a computed value and a reference
// given in higher precision: |got - ref| / ulp(ref), where ulp is taken at the
// reference (the spacing of T around ref, with subnormal spacing below the normal range).
template <std::floating_point T, std::floating_point R>
double ulp_error(T got, R ref) {
    if (std::isnan(ref)) return std::isnan(got) ? 0.0 : std::numeric_limits<double>::infinity();
    if (std::isinf(ref) || std::isinf(got))
        return static_cast<R>(got) == ref ? 0.0 : std::numeric_limits<double>::infinity();
    R const a = std::fabs(ref);
    int e = 0;
    (void)std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
    int const min_e = std::numeric_limits<T>::min_exponent;
    if (a == 0 || e < min_e) e = min_e;
    R const ulp = std::ldexp(R(1), e - std::numeric_limits<T>::digits);
    return static_cast<double>(std::fabs(static_cast<R>(got) - ref) / ulp);
}

}  // namespace soma_test

#endif
