// soma/detail/cpu.hpp - what the running CPU can execute, as a set of features.
//
// cpu_features() queries the CPU (and the OS's saved register state) once and caches the
// answer. An ISA of soma's kernels is runnable when every feature its table requires is
// present (dispatch.hpp). Nothing here is consulted inside a kernel call: dispatch.hpp
// reads it once to choose its table.
#ifndef SOMA_DETAIL_CPU_HPP
#define SOMA_DETAIL_CPU_HPP

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "soma/detail/config.hpp"

#if defined(SOMA_NEON_KERNELS) && defined(__linux__)
#include <sys/auxv.h>
#endif

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// CPU features soma's kernels may use.
enum class feature : std::uint32_t {
    fma = 1U << 0,
    avx2 = 1U << 1,
    avx512f = 1U << 2,
    avx512bw = 1U << 3,
    avx512dq = 1U << 4,
    avx512vl = 1U << 5,
    avx512vnni = 1U << 6,
    neon = 1U << 7,
    dotprod = 1U << 8,
};

// A set of features.
struct feature_set {
    std::uint32_t bits = 0;
    [[nodiscard]] constexpr bool has(feature f) const noexcept {
        return (bits & static_cast<std::uint32_t>(f)) != 0U;
    }
    [[nodiscard]] constexpr bool has_all(feature_set s) const noexcept {
        return (bits & s.bits) == s.bits;
    }
    constexpr feature_set& add(feature f) noexcept {
        bits |= static_cast<std::uint32_t>(f);
        return *this;
    }
};

[[nodiscard]] constexpr feature_set features_of(std::initializer_list<feature> list) noexcept {
    feature_set s;
    for (feature f : list) s.add(f);
    return s;
}

[[nodiscard]] inline feature_set detect_cpu_features() noexcept {
    feature_set s;
#if defined(SOMA_X86_KERNELS)
    __builtin_cpu_init();
    // __builtin_cpu_supports also checks that the OS saves the YMM / ZMM state.
    if (__builtin_cpu_supports("fma")) s.add(feature::fma);
    if (__builtin_cpu_supports("avx2")) s.add(feature::avx2);
    if (__builtin_cpu_supports("avx512f")) s.add(feature::avx512f);
    if (__builtin_cpu_supports("avx512bw")) s.add(feature::avx512bw);
    if (__builtin_cpu_supports("avx512dq")) s.add(feature::avx512dq);
    if (__builtin_cpu_supports("avx512vl")) s.add(feature::avx512vl);
    if (__builtin_cpu_supports("avx512vnni")) s.add(feature::avx512vnni);
#elif defined(SOMA_NEON_KERNELS)
    s.add(feature::neon);  // part of the AArch64 baseline
#if defined(__linux__) && defined(HWCAP_ASIMDDP)
    if ((getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0U) s.add(feature::dotprod);
#elif defined(__ARM_FEATURE_DOTPROD)
    s.add(feature::dotprod);
#endif
#endif
    return s;
}

// The running CPU's features, queried once.
[[nodiscard]] inline feature_set cpu_features() noexcept {
    static feature_set const features = detect_cpu_features();
    return features;
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_CPU_HPP
