// Helpers shared by the tests: bit patterns, random inputs, error messages.
#ifndef SOMA_TESTS_SUPPORT_VALUES_HPP
#define SOMA_TESTS_SUPPORT_VALUES_HPP

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace soma_test {

// The bit pattern of v, so that results compare bitwise (NaNs and signed zeros too).
template <std::floating_point T>
auto bits(T v) {
    if constexpr (sizeof(T) == 4) {
        return std::bit_cast<std::uint32_t>(v);
    } else {
        return std::bit_cast<std::uint64_t>(v);
    }
}

// The bit patterns of every element of v.
template <std::floating_point T>
auto bits(std::vector<T> const& v) {
    std::vector<decltype(bits(T{}))> b;
    b.reserve(v.size());
    for (T e : v) b.push_back(bits(e));
    return b;
}

// n values uniform in [-scale, scale].
template <std::floating_point T>
std::vector<T> random_values(std::size_t n, std::mt19937_64& rng, T scale = T(1)) {
    std::uniform_real_distribution<T> d(-scale, scale);
    std::vector<T> v(n);
    for (T& e : v) e = d(rng);
    return v;
}

// The message of the std::invalid_argument that f() throws, or "" when it throws none.
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (std::invalid_argument const& e) {
        return e.what();
    }
    return "";
}

inline bool contains(std::string const& s, char const* part) {
    return s.find(part) != std::string::npos;
}

}  // namespace soma_test

#endif
