// soma/detail/cpu.hpp - what the running CPU can execute, as a set of features.
//
// cpu_features() queries the CPU (and the OS's saved register state) once and caches the
// answer. An ISA of soma's kernels is runnable when every feature it needs is present
// (isa_requirements); best_isa() is the first runnable entry of the kernels' preference
// list, available_isas() all of them. Nothing here is consulted inside a kernel call:
// dispatch.hpp reads it once to choose its table.
#ifndef SOMA_DETAIL_CPU_HPP
#define SOMA_DETAIL_CPU_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

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

// What each ISA's kernels need.
[[nodiscard]] constexpr feature_set isa_requirements(isa i) noexcept {
    switch (i) {
        case isa::portable:
            return {};
        case isa::neon:
            return features_of({feature::neon});
        case isa::avx2_fma:
            return features_of({feature::avx2, feature::fma});
        case isa::avx512:
            return features_of({feature::avx512f, feature::avx512bw, feature::avx512dq,
                                feature::avx512vl, feature::avx2, feature::fma});
    }
    return {};
}

[[nodiscard]] constexpr std::string_view isa_name(isa i) noexcept {
    switch (i) {
        case isa::portable:
            return "portable";
        case isa::neon:
            return "neon";
        case isa::avx2_fma:
            return "avx2";
        case isa::avx512:
            return "avx512";
    }
    return "?";
}

// Every ISA soma has kernels for, best first.
inline constexpr std::array<isa, 4> all_isas = {isa::avx512, isa::avx2_fma, isa::neon,
                                                isa::portable};

// Whether this build contains kernels for `i` (independent of the CPU).
[[nodiscard]] constexpr bool isa_compiled(isa i) noexcept {
    switch (i) {
        case isa::portable:
            return true;
        case isa::neon:
#if defined(SOMA_NEON_KERNELS)
            return true;
#else
            return false;
#endif
        case isa::avx2_fma:
        case isa::avx512:
#if defined(SOMA_X86_KERNELS)
            return true;
#else
            return false;
#endif
    }
    return false;
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

// Whether kernels for `i` are compiled in and the running CPU can execute them.
[[nodiscard]] inline bool isa_available(isa i) noexcept {
    return isa_compiled(i) && cpu_features().has_all(isa_requirements(i));
}

// The best ISA soma's kernels use on this machine: compiled_isa when the flags already
// enable one (then there is no dispatch), otherwise the best the CPU runs.
[[nodiscard]] inline isa best_isa() noexcept {
    if constexpr (!runtime_dispatch) {
        return compiled_isa;
    } else {
        for (isa i : all_isas) {
            if (isa_available(i)) return i;
        }
        return isa::portable;
    }
}

// The ISAs whose kernels this build has and this CPU runs (the tests run each of them),
// and those it has but cannot run here (the tests report them as not tested).
struct isa_list {
    std::array<isa, 4> items{};
    std::size_t count = 0;
    [[nodiscard]] constexpr isa const* begin() const noexcept { return items.data(); }
    [[nodiscard]] constexpr isa const* end() const noexcept { return items.data() + count; }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return count; }
};

[[nodiscard]] inline isa_list available_isas() noexcept {
    isa_list l;
    for (isa i : all_isas) {
        if (isa_available(i)) l.items[l.count++] = i;
    }
    return l;
}

[[nodiscard]] inline isa_list unavailable_isas() noexcept {
    isa_list l;
    for (isa i : all_isas) {
        if (!isa_available(i)) l.items[l.count++] = i;
    }
    return l;
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_CPU_HPP
