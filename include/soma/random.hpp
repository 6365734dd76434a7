// soma/random.hpp - soma's own random numbers: the same sequence from a seed with every
// compiler, standard library and CPU, for initial weights and mini-batch order.
//
// The standard library's engines are specified bit for bit, but its distributions
// (std::uniform_real_distribution, std::shuffle) are not: libstdc++, libc++ and MSVC give
// different numbers from the same engine. Training that must give the same weights
// everywhere therefore draws through the functions below, each defined here exactly.
#ifndef SOMA_RANDOM_HPP
#define SOMA_RANDOM_HPP

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>

#include "soma/detail/config.hpp"
#include "soma/detail/fma.hpp"

namespace soma {

// xoshiro256** (Blackman and Vigna, 2018): 256 bits of state, period 2^256 - 1, the state
// filled from the 64-bit seed by four steps of splitmix64 (Steele, Lea and Flood), so that
// every seed, 0 included, gives a non-zero state. A UniformRandomBitGenerator: it can
// drive the standard distributions too, but only the members below are reproducible
// across standard libraries.
class random_generator {
public:
    using result_type = std::uint64_t;

    constexpr explicit random_generator(std::uint64_t seed = 0) noexcept {
        for (std::uint64_t& word : s_) {
            seed += 0x9e3779b97f4a7c15U;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9U;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebU;
            word = z ^ (z >> 31);
        }
    }

    [[nodiscard]] static constexpr result_type min() noexcept { return 0; }
    [[nodiscard]] static constexpr result_type max() noexcept {
        return std::numeric_limits<result_type>::max();
    }

    // The next 64 random bits.
    constexpr result_type operator()() noexcept {
        std::uint64_t const result = std::rotl(s_[1] * 5, 7) * 9;
        std::uint64_t const t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = std::rotl(s_[3], 45);
        return result;
    }

    // u in [0, 1): the top p bits of the next value times 2^-p (p = 24 for float, 53 for
    // double, the significand's precision), so every value k·2^-p, k < 2^p, is equally
    // likely and the conversion is exact.
    template <std::floating_point T>
    [[nodiscard]] constexpr T uniform01() noexcept {
        constexpr int p = std::numeric_limits<T>::digits;
        constexpr T scale = T(1) / static_cast<T>(std::uint64_t{1} << p);
        return static_cast<T>((*this)() >> (64 - p)) * scale;
    }

    // lo + (hi - lo)·u, u = uniform01<T>(), fused (one rounding): in [lo, hi] (hi itself
    // only by rounding). Precondition: lo <= hi, both finite, hi - lo finite.
    template <std::floating_point T>
    [[nodiscard]] constexpr T uniform(T lo, T hi) noexcept {
        return detail::fma(hi - lo, uniform01<T>(), lo);
    }

    // k in [0, n), every k equally likely (n >= 1): the high word of the 128-bit product of
    // the next value and n, redrawn when the low word falls in the 2^64 mod n values that
    // would favour some k (Lemire, 2019: "Fast random integer generation in an interval").
    [[nodiscard]] constexpr std::uint64_t below(std::uint64_t n) noexcept {
        __extension__ using wide = unsigned __int128;
        wide m = static_cast<wide>((*this)()) * n;
        auto low = static_cast<std::uint64_t>(m);
        if (low < n) {
            std::uint64_t const threshold = (0 - n) % n;
            while (low < threshold) {
                m = static_cast<wide>((*this)()) * n;
                low = static_cast<std::uint64_t>(m);
            }
        }
        return static_cast<std::uint64_t>(m >> 64);
    }

    friend constexpr bool operator==(random_generator const&,
                                     random_generator const&) noexcept = default;

private:
    std::uint64_t s_[4]{};
};

// Fisher-Yates: for i = n-1 down to 1, swap v[i] with v[below(i + 1)]. Every permutation
// equally likely; the same one for the same generator state everywhere.
template <class E>
constexpr void shuffle(std::span<E> v,
                       random_generator& g) noexcept(std::is_nothrow_swappable_v<E>) {
    for (std::size_t i = v.size(); i > 1; --i) {
        auto const j = static_cast<std::size_t>(g.below(i));
        using std::swap;
        swap(v[i - 1], v[j]);
    }
}

}  // namespace soma

#endif  // SOMA_RANDOM_HPP
