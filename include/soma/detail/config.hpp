// soma/detail/config.hpp - what the compiler flags enable, and the names that depend on it.
//
// Three things are settled here, once, for every other header:
//
// 1. compiled_isa: the SIMD instruction set the compiler flags already enable (-march,
//    -mavx2 -mfma, AArch64's baseline NEON), or isa::portable. SOMA_NO_SIMD (defined by
//    the consumer) forces the portable scalar code everywhere.
//
// 2. The ABI namespace. Inline functions compiled with different flags are different
//    machine code under the same name; the linker keeps one copy, so a program whose
//    translation units were compiled with different -march flags could run AVX-512 code
//    from a translation unit that was meant to run on any x86-64 CPU. Every soma::detail
//    entity therefore lives in an inline namespace named after the flags
//    (soma::detail::SOMA_DETAIL_ABI_NAMESPACE, e.g. abi_x86_64_v4), and every public
//    function carries the ABI tag SOMA_ABI with the same name, so that each set of flags
//    gets its own symbols. Public types are not tagged: a soma::neuron is the same type
//    in every translation unit, only the code that computes with it differs. The levels
//    are those of the x86-64 psABI (v1 baseline, v2, v3 = AVX2+FMA, v4 = AVX-512) plus
//    "avx" for AVX without AVX2+FMA; flags finer than a level (-march=native on a CPU
//    with extensions beyond v4, say) share that level's name.
//
// 3. Target regions: SOMA_DETAIL_TARGET_AVX2_BEGIN / _AVX512_BEGIN ... SOMA_DETAIL_TARGET_END
//    compile every function defined between them for that ISA (GCC's push_options and
//    target pragmas, Clang's attribute push), whatever the command line says, so that a
//    build without -march still contains the AVX2 and AVX-512 kernels; dispatch.hpp picks
//    one at run time.
//
// 4. Separate kernels (opt-in, for programs with many translation units): a program
//    compiled with -DSOMA_SEPARATE_KERNELS (every translation unit, the same flags)
//    compiles the kernel tables (every ISA's inner products, sigmoid, step, tanh, softmax,
//    batch rows, soma/detail/kernels-inl.hpp; the training kernels of soma/backprop.hpp)
//    in one translation unit only, the one that
//    defines SOMA_KERNELS_IMPLEMENTATION before including soma:
//        // soma_kernels.cpp
//        #define SOMA_KERNELS_IMPLEMENTATION
//        #include <soma/soma.hpp>
//    The others declare the tables, and compile several times faster (the tables are most
//    of the machine code an include of soma brings). The results are the same bits; the
//    calls go through the tables as in a build without -march. Its entities get their own
//    ABI namespace (abi_sep_<level>), so translation units compiled with and without it
//    can be linked into one program; a program without the implementation file fails to
//    link (undefined soma::detail::...::table), it never runs without kernels.
#ifndef SOMA_DETAIL_CONFIG_HPP
#define SOMA_DETAIL_CONFIG_HPP

// -ffast-math (GCC, Clang: __FAST_MATH__) lets the compiler assume that no NaN or infinity
// occurs, reassociate sums and flush subnormals: σ(NaN) may then return 0 or 1, u(NaN) 0,
// subnormal results 0, and results differ from the documented bits. Said once per
// translation unit; SOMA_NO_FAST_MATH_WARNING (defined by the consumer) silences it.
#if defined(__FAST_MATH__) && !defined(SOMA_NO_FAST_MATH_WARNING)
#pragma GCC warning \
    "soma: compiled with -ffast-math: soma's NaN, infinity, subnormal and bitwise (same bits on every target) contracts no longer hold; define SOMA_NO_FAST_MATH_WARNING to silence this"
#endif

#define SOMA_DETAIL_CAT_(a, b) a##b
#define SOMA_DETAIL_CAT(a, b) SOMA_DETAIL_CAT_(a, b)
#define SOMA_DETAIL_STR_(a) #a
#define SOMA_DETAIL_STR(a) SOMA_DETAIL_STR_(a)

#if defined(__x86_64__) || defined(_M_X64)
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && \
    defined(__AVX512VL__) && defined(__AVX2__) && defined(__FMA__)
#define SOMA_DETAIL_FLAGS_LEVEL x86_64_v4
#elif defined(__AVX2__) && defined(__FMA__)
#define SOMA_DETAIL_FLAGS_LEVEL x86_64_v3
#elif defined(__AVX__)
#define SOMA_DETAIL_FLAGS_LEVEL x86_64_avx
#elif defined(__SSE4_2__)
#define SOMA_DETAIL_FLAGS_LEVEL x86_64_v2
#else
#define SOMA_DETAIL_FLAGS_LEVEL x86_64_v1
#endif
#elif defined(__aarch64__)
#define SOMA_DETAIL_FLAGS_LEVEL aarch64
#else
#define SOMA_DETAIL_FLAGS_LEVEL generic
#endif

#if defined(SOMA_SEPARATE_KERNELS)
#define SOMA_DETAIL_ABI_LEVEL SOMA_DETAIL_CAT(sep_, SOMA_DETAIL_FLAGS_LEVEL)
#else
#define SOMA_DETAIL_ABI_LEVEL SOMA_DETAIL_FLAGS_LEVEL
#endif
#if defined(SOMA_NO_SIMD)
#define SOMA_DETAIL_ABI_NAMESPACE SOMA_DETAIL_CAT(abi_nosimd_, SOMA_DETAIL_ABI_LEVEL)
#else
#define SOMA_DETAIL_ABI_NAMESPACE SOMA_DETAIL_CAT(abi_, SOMA_DETAIL_ABI_LEVEL)
#endif

// How a kernel table is defined (see 4. above): inline in every translation unit, or
// once, in the SOMA_KERNELS_IMPLEMENTATION one.
#if defined(SOMA_SEPARATE_KERNELS)
#define SOMA_DETAIL_KERNEL_TABLE extern constexpr
#else
#define SOMA_DETAIL_KERNEL_TABLE inline constexpr
#endif

// The ABI tag of every public soma function (see 2. above).
#if defined(__GNUC__) || defined(__clang__)
#define SOMA_ABI [[gnu::abi_tag(SOMA_DETAIL_STR(SOMA_DETAIL_ABI_NAMESPACE))]]
#else
#define SOMA_ABI
#endif

// x86-64 kernels compiled through target regions: GCC or Clang on x86-64, no SOMA_NO_SIMD.
#if !defined(SOMA_NO_SIMD) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SOMA_X86_KERNELS 1
// clang-format off
#if defined(__clang__)
#define SOMA_DETAIL_TARGET_AVX2_BEGIN \
    _Pragma("clang attribute push(__attribute__((target(\"avx2,fma\"))), apply_to = function)")
#define SOMA_DETAIL_TARGET_AVX512_BEGIN \
    _Pragma("clang attribute push(__attribute__((target(\"avx512f,avx512bw,avx512dq,avx512vl,avx2,fma\"))), apply_to = function)")
#define SOMA_DETAIL_TARGET_END _Pragma("clang attribute pop")
#else
#define SOMA_DETAIL_TARGET_AVX2_BEGIN _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,fma\")")
#define SOMA_DETAIL_TARGET_AVX512_BEGIN \
    _Pragma("GCC push_options") _Pragma("GCC target(\"avx512f,avx512bw,avx512dq,avx512vl,avx2,fma\")")
#define SOMA_DETAIL_TARGET_END _Pragma("GCC pop_options")
#endif
// clang-format on
#endif
#if !defined(SOMA_NO_SIMD) && defined(__aarch64__) && defined(__ARM_NEON)
#define SOMA_NEON_KERNELS 1
#endif

// SOMA_DETAIL_OPAQUE(x): leaves the variable x unchanged but opaque to the optimizer. It
// prevents two rewrites that would change soma's bits: turning fma(w, x, -0) into w*x once
// the addend is known to be -0, and fusing a rounded product into a later addition under
// -ffp-contract=fast (GCC's default in GNU mode). It costs no instruction. A macro rather
// than a function so that it is compiled inside each target region with that region's
// registers.
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define SOMA_DETAIL_OPAQUE(x) asm("" : "+x"(x))
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#define SOMA_DETAIL_OPAQUE(x) asm("" : "+w"(x))
#elif defined(__GNUC__) || defined(__clang__)
#define SOMA_DETAIL_OPAQUE(x) asm("" : "+g"(x))
#else
#define SOMA_DETAIL_OPAQUE(x) ((void)0)
#endif

// SOMA_DETAIL_KNOWN(x): x is a constant once inlined (the kernels of a static shape).
// The narrow partial loads and stores of the x86-64 vocabularies are taken only then:
// with a run-time count, the choice among three widths would be compiled into every
// kernel (14 % more compile time, 20 % more code for the kernel tables).
#if defined(__GNUC__) || defined(__clang__)
#define SOMA_DETAIL_KNOWN(x) __builtin_constant_p(x)
#else
#define SOMA_DETAIL_KNOWN(x) false
#endif

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// The instruction sets soma has kernels for.
enum class isa {
    portable,  // portable C++ (std::fma), one value at a time
    neon,      // AArch64 Advanced SIMD (always has fused multiply-add)
    avx2_fma,  // x86-64 AVX2 + FMA3 (x86-64-v3)
    avx512,    // x86-64 AVX-512 F/BW/DQ/VL + AVX2 + FMA3 (x86-64-v4)
};

// Every ISA soma knows, best first (also those this build has no kernels for, so that the
// tests can say which were not tested).
inline constexpr isa all_isas[] = {isa::avx512, isa::avx2_fma, isa::neon, isa::portable};

[[nodiscard]] constexpr char const* isa_name(isa i) noexcept {
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

#if defined(SOMA_NO_SIMD)
inline constexpr isa compiled_isa = isa::portable;
#elif defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && \
    defined(__AVX512VL__) && defined(__AVX2__) && defined(__FMA__) && defined(SOMA_X86_KERNELS)
inline constexpr isa compiled_isa = isa::avx512;
#elif defined(__AVX2__) && defined(__FMA__) && defined(SOMA_X86_KERNELS)
inline constexpr isa compiled_isa = isa::avx2_fma;
#elif defined(SOMA_NEON_KERNELS)
inline constexpr isa compiled_isa = isa::neon;
#else
inline constexpr isa compiled_isa = isa::portable;
#endif

// True when the flags enable no SIMD ISA but the x86-64 kernels are compiled through
// target regions: the kernels are then chosen at run time, once (dispatch.hpp).
#if defined(SOMA_X86_KERNELS)
inline constexpr bool runtime_dispatch = compiled_isa == isa::portable;
#else
inline constexpr bool runtime_dispatch = false;
#endif

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_CONFIG_HPP
