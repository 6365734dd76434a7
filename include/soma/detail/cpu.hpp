// soma/detail/cpu.hpp - which SIMD instruction set soma's kernels may use.
//
// Two questions, answered once each:
//   compiled_isa        - what the compiler already targets (-march / -m flags). When it is
//                         not isa::scalar, soma calls that kernel directly: no dispatch.
//   cpu_has_avx2_fma(),
//   cpu_has_avx512()    - what the running CPU (and OS) supports, queried once and cached;
//                         used only when compiled_isa is isa::scalar on x86-64, so that a
//                         consumer building with no -march flag still runs AVX2 or AVX-512
//                         code through function-level target attributes.
//
// SOMA_NO_SIMD (defined by the consumer) forces the portable scalar definition everywhere.
// The SOMA_TARGET_* macros below are the only macros soma defines for this; everything
// else is the constexpr value compiled_isa, so code chooses with `if constexpr`.
#ifndef SOMA_DETAIL_CPU_HPP
#define SOMA_DETAIL_CPU_HPP

namespace soma::detail {

enum class isa {
    scalar,    // portable C++ with std::fma
    neon,      // AArch64 Advanced SIMD (always has fused multiply-add)
    avx2_fma,  // x86-64 AVX2 + FMA3 (x86-64-v3)
    avx512,    // x86-64 AVX-512 F/BW/DQ/VL + AVX2 + FMA3 (x86-64-v4, Skylake-AVX512 level)
};

#if defined(SOMA_NO_SIMD)
inline constexpr isa compiled_isa = isa::scalar;
#elif defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && \
    defined(__AVX512VL__) && defined(__AVX2__) && defined(__FMA__)
inline constexpr isa compiled_isa = isa::avx512;
#elif defined(__AVX2__) && defined(__FMA__)
inline constexpr isa compiled_isa = isa::avx2_fma;
#elif defined(__aarch64__) && defined(__ARM_NEON)
inline constexpr isa compiled_isa = isa::neon;
#else
inline constexpr isa compiled_isa = isa::scalar;
#endif

// True when soma compiles the x86-64 kernels with target attributes and picks one at run
// time: GCC or Clang on x86-64, no ISA beyond the baseline enabled by the flags, and no
// SOMA_NO_SIMD.
#if !defined(SOMA_NO_SIMD) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SOMA_X86_KERNELS 1
#define SOMA_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define SOMA_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))
inline constexpr bool x86_kernels = true;
#else
inline constexpr bool x86_kernels = false;
#endif
#if !defined(SOMA_NO_SIMD) && defined(__aarch64__) && defined(__ARM_NEON)
#define SOMA_NEON_KERNELS 1
#endif

inline constexpr bool runtime_dispatch = x86_kernels && compiled_isa == isa::scalar;

// The CPU and the OS (saved YMM/ZMM state) support AVX2 and FMA3. Queried once.
[[nodiscard]] inline bool cpu_has_avx2_fma() noexcept {
#if defined(SOMA_X86_KERNELS)
    static bool const has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }();
    return has;
#else
    return compiled_isa == isa::avx2_fma || compiled_isa == isa::avx512;
#endif
}

// The CPU and the OS support AVX-512 F, BW, DQ and VL (and AVX2 + FMA3). Queried once.
[[nodiscard]] inline bool cpu_has_avx512() noexcept {
#if defined(SOMA_X86_KERNELS)
    static bool const has = [] {
        __builtin_cpu_init();
        return cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl");
    }();
    return has;
#else
    return compiled_isa == isa::avx512;
#endif
}

// Whether kernels for `i` are compiled in and the running CPU can execute them (the
// tests run every available kernel against the scalar definition).
[[nodiscard]] inline bool isa_available(isa i) noexcept {
    switch (i) {
        case isa::scalar:
            return true;
        case isa::neon:
            return compiled_isa == isa::neon;
        case isa::avx2_fma:
            return x86_kernels && cpu_has_avx2_fma();
        case isa::avx512:
            return x86_kernels && cpu_has_avx512();
    }
    return false;
}

// The best instruction set soma's kernels use on this machine: compiled_isa when the
// flags already enable one, otherwise the CPU's (x86-64), otherwise isa::scalar.
[[nodiscard]] inline isa best_isa() noexcept {
    if constexpr (!runtime_dispatch) {
        return compiled_isa;
    } else {
        if (cpu_has_avx512()) return isa::avx512;
        if (cpu_has_avx2_fma()) return isa::avx2_fma;
        return isa::scalar;
    }
}

}  // namespace soma::detail

#endif  // SOMA_DETAIL_CPU_HPP
