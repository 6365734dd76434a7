// soma 0.1.0 - single-header edition of <soma/soma.hpp>.
//
// Generated from include/soma by scripts/make_single_header.sh; do not edit.
// The MIT license of soma applies (see LICENSE in the soma repository).
// Use it as <soma/soma.hpp> or under any name; it needs only C++20.
// ---- begin soma/soma.hpp ----
// soma/soma.hpp - everything soma offers, in one include.
//
// The artificial neuron of the textbook: weighted input z = w·x + b (b = -θ), the unit
// step, the sigmoid, tanh and ReLU as activations, softmax over an output vector, the bias
// folded into an inner product, neurons, layers and networks, how they learn, and the SIMD
// kernels behind them.
#ifndef SOMA_SOMA_HPP
#define SOMA_SOMA_HPP

// ---- begin soma/activation.hpp ----
// soma/activation.hpp - activation functions a(z) (激活函数) as types.
//
// y = a(z): the unit step gives the biological neuron's 0/1 output, the sigmoid a
// smooth degree of excitement in (0, 1), tanh the same centred on 0 in (-1, 1), ReLU
// max(0, z) for deep networks. Each activation here is an empty type usable
// as a template argument (soma::neuron<T, N, Activation>); any user callable T -> T
// serves as well (concept soma::activation_for). An activation that can also be
// called with std::span<T> transforms a whole vector in place (the vectorized path of
// the layer functions).
#ifndef SOMA_ACTIVATION_HPP
#define SOMA_ACTIVATION_HPP

#include <concepts>
#include <span>

// ---- begin soma/concepts.hpp ----
// soma/concepts.hpp - the kinds of values and vectors soma computes with.
#ifndef SOMA_CONCEPTS_HPP
#define SOMA_CONCEPTS_HPP

#include <array>
#include <concepts>
#include <cstddef>
#include <functional>
#include <ranges>
#include <span>
#include <type_traits>

// ---- begin soma/detail/config.hpp ----
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
// ---- end soma/detail/config.hpp ----

namespace soma {

// A number a neuron can compute with: any arithmetic type but bool. The tutorial's
// Example 1 is integral (w = (5, 3), θ = 4); learning needs floating point.
template <class T>
concept scalar = std::is_arithmetic_v<T> && !std::same_as<std::remove_cv_t<T>, bool>;

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class R>
struct static_extent : std::integral_constant<std::size_t, std::dynamic_extent> {};
template <class T, std::size_t N>
struct static_extent<std::array<T, N>> : std::integral_constant<std::size_t, N> {};
template <class T, std::size_t N>
struct static_extent<std::span<T, N>> : std::integral_constant<std::size_t, N> {};
template <class T, std::size_t N>
struct static_extent<T[N]> : std::integral_constant<std::size_t, N> {};

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// The size a vector type fixes at compile time, or std::dynamic_extent.
template <class R>
inline constexpr std::size_t static_extent_v = detail::static_extent<std::remove_cvref_t<R>>::value;

// A vector of inputs or weights: contiguous, sized, of a scalar element type
// (std::array, std::span of static or dynamic extent, std::vector, a C array, ...).
template <class R>
concept input_vector = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    scalar<std::ranges::range_value_t<R>>;

template <input_vector R>
using element_t = std::ranges::range_value_t<R>;

// Two vectors an inner product can pair: the same element type (mixing types is a
// compile error, never a silent conversion) and sizes that are not known to differ.
template <class A, class B>
concept compatible_vectors = input_vector<A> && input_vector<B> &&
    std::same_as<element_t<A>, element_t<B>> &&
    (static_extent_v<A> == std::dynamic_extent || static_extent_v<B> == std::dynamic_extent ||
     static_extent_v<A> == static_extent_v<B>);

// An activation a(z) for element type T: any callable T -> T (the tutorial allows any
// monotonically increasing differentiable function; soma does not check monotonicity).
template <class A, class T>
concept activation_for = scalar<T> && std::regular_invocable<A const&, T> &&
    std::convertible_to<std::invoke_result_t<A const&, T>, T>;

}  // namespace soma

#endif  // SOMA_CONCEPTS_HPP
// ---- end soma/concepts.hpp ----
// ---- begin soma/detail/fma.hpp ----
// soma/detail/fma.hpp - a fused multiply-add that is exact in constant evaluation.
//
// fma(a, b, c) = a*b + c rounded once (IEEE 754 fusedMultiplyAdd, round to nearest even).
//
// Every floating-point kernel in soma is written with explicit fused multiply-adds so
// that its result never depends on the compiler's contraction choices. At run time this
// is std::fma (one instruction where the target has FMA; glibc's correctly rounded
// fallback elsewhere). std::fma is not constexpr in C++20, so constant evaluation uses
// fma_emulated, which returns the same bits for every finite operand, subnormals, signed
// zeros, results that overflow and intermediates beyond the format's range included:
// the operands are unpacked into integer significands and exponents, the product
// (at most 106 bits) and the addend are added exactly in 128-bit integers, and the sum
// is rounded once. A floating-point emulation (Dekker's product, 2Sum, rounding to odd)
// was used before; it is exact only while no intermediate overflows or underflows, and
// constant-evaluated dot products reach both ends of the range.
//
// Infinite and NaN operands are left to the floating-point operations a*b + c, which
// give the IEEE result (an infinite c with finite a and b returns c). Constant evaluation
// rejects an operation whose result is NaN, so such a call does not compile.
#ifndef SOMA_DETAIL_FMA_HPP
#define SOMA_DETAIL_FMA_HPP

#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>


namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class T>
concept ieee_binary = std::same_as<T, float> || std::same_as<T, double>;

__extension__ using uint128 = unsigned __int128;

// The binary32 / binary64 encoding.
template <ieee_binary T>
struct binary_format {
    using bits_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    static constexpr int digits = std::numeric_limits<T>::digits;  // 24, 53 (with the hidden bit)
    static constexpr int width = 8 * static_cast<int>(sizeof(T));
    static constexpr int exponent_bits = width - digits;                         // 8, 11
    static constexpr int bias = (1 << (exponent_bits - 1)) - 1;                  // 127, 1023
    static constexpr int max_biased = (1 << exponent_bits) - 1;                  // inf / NaN
    static constexpr int min_normal_exponent = 1 - bias;                         // -126, -1022
    static constexpr int quantum_exponent = min_normal_exponent - (digits - 1);  // -149, -1074
};

// A finite nonzero value as (-1)^negative * significand * 2^exponent.
struct unpacked {
    bool negative;
    int exponent;
    std::uint64_t significand;
};

template <ieee_binary T>
[[nodiscard]] constexpr unpacked unpack(T v) noexcept {
    using f = binary_format<T>;
    auto const bits = static_cast<std::uint64_t>(std::bit_cast<typename f::bits_t>(v));
    auto const biased = static_cast<int>((bits >> (f::digits - 1)) & std::uint64_t(f::max_biased));
    std::uint64_t const fraction = bits & ((std::uint64_t{1} << (f::digits - 1)) - 1U);
    bool const negative = ((bits >> (f::width - 1)) & 1U) != 0U;
    if (biased == 0) return {negative, f::quantum_exponent, fraction};
    return {negative, biased - f::bias - (f::digits - 1),
            fraction | (std::uint64_t{1} << (f::digits - 1))};
}

[[nodiscard]] constexpr int bit_length(uint128 v) noexcept {
    auto const hi = static_cast<std::uint64_t>(v >> 64);
    if (hi != 0U) return 64 + static_cast<int>(std::bit_width(hi));
    return static_cast<int>(std::bit_width(static_cast<std::uint64_t>(v)));
}

// The value (-1)^negative * r * 2^e, r > 0, rounded to T (to nearest, ties to even),
// overflowing to infinity and underflowing gradually. r must be exact or rounded to odd
// at least two bits below T's last bit (see fma_emulated).
template <ieee_binary T>
[[nodiscard]] constexpr T round_to_format(bool negative, uint128 r, int e) noexcept {
    using f = binary_format<T>;
    using bits_t = typename f::bits_t;
    int const length = bit_length(r);
    int const leading = e + length - 1;  // exponent of r's leading bit
    // Bits to drop: down to `digits` significant bits, or to the quantum 2^quantum_exponent
    // for a subnormal result.
    int const shift =
        leading >= f::min_normal_exponent ? length - f::digits : f::quantum_exponent - e;
    uint128 q = 0;
    if (shift <= 0) {
        q = r << -shift;  // exact: fewer than `digits` bits
    } else if (shift < 128) {
        q = r >> shift;
        uint128 const rest = r & ((uint128{1} << shift) - 1U);
        uint128 const half = uint128{1} << (shift - 1);
        if (rest > half || (rest == half && (q & 1U) != 0U)) ++q;
    }  // else r < 2^127 <= half a quantum: rounds to zero
    std::uint64_t magnitude = 0;
    constexpr uint128 hidden = uint128{1} << (f::digits - 1);
    if (q >= hidden) {
        // A normal number; q == 2^digits (a carry out of rounding) lands in the exponent.
        int const biased = e + shift + (f::digits - 1) + f::bias;
        if (biased + static_cast<int>(q >> f::digits) >= f::max_biased) {
            magnitude = std::uint64_t(f::max_biased) << (f::digits - 1);  // infinity
        } else {
            magnitude = (static_cast<std::uint64_t>(biased) << (f::digits - 1)) +
                        static_cast<std::uint64_t>(q - hidden);
        }
    } else {
        magnitude = static_cast<std::uint64_t>(q);  // subnormal or zero (q == hidden is normal)
    }
    std::uint64_t const sign = negative ? std::uint64_t{1} << (f::width - 1) : 0U;
    return std::bit_cast<T>(static_cast<bits_t>(sign | magnitude));
}

// fma(a, b, c) for finite a, b, c, exactly, in integer arithmetic.
//
// Both addends are brought to 126-bit integers with the leading bit at bit 125: the product
// of the significands (at most 2 * digits bits) shifted left by at least 19, the addend's
// significand by at least 72, so each has at least 19 trailing zero bits. The one with the
// smaller exponent is shifted right by d bits, its lost bits ORed into its last bit (rounding
// it to odd). For d <= 19 nothing is lost and the sum is exact, however much cancels. For
// d > 19 the smaller one is below 2^106, so the sum keeps its leading bit at 124 or above,
// at least 70 bits above T's last bit; and since the larger one is even, the sum of it and
// the smaller one rounded to odd is the exact sum rounded to odd. A value rounded to odd
// with two or more bits below the final precision rounds to nearest as the exact value does
// (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms
// using rounding to odd", IEEE TC 2008).
template <ieee_binary T>
[[nodiscard]] constexpr T fma_finite(T a, T b, T c) noexcept {
    if (a == T(0) || b == T(0)) return a * b + c;  // an exact zero product: IEEE signed zeros
    unpacked const ua = unpack(a);
    unpacked const ub = unpack(b);
    constexpr int top = 125;
    uint128 const p = uint128{ua.significand} * ub.significand;
    int const p_shift = top + 1 - bit_length(p);
    uint128 x = p << p_shift;
    int ex = ua.exponent + ub.exponent - p_shift;
    bool nx = ua.negative != ub.negative;
    if (c == T(0)) return round_to_format<T>(nx, x, ex);  // the product rounded once
    unpacked const uc = unpack(c);
    int const c_shift = top + 1 - bit_length(uc.significand);
    uint128 y = uint128{uc.significand} << c_shift;
    int ey = uc.exponent - c_shift;
    bool ny = uc.negative;
    if (ey > ex || (ey == ex && y > x)) {
        uint128 const t = x;
        x = y;
        y = t;
        int const te = ex;
        ex = ey;
        ey = te;
        bool const tn = nx;
        nx = ny;
        ny = tn;
    }
    int const d = ex - ey;
    if (d >= 128) {
        y = 1;  // nonzero, far below x: only its stickiness counts
    } else if (d > 0) {
        bool const lost = (y & ((uint128{1} << d) - 1U)) != 0U;
        y = (y >> d) | (lost ? 1U : 0U);
    }
    uint128 const r = nx == ny ? x + y : x - y;
    if (r == 0U) return T(0);  // exact cancellation: +0 when rounding to nearest
    return round_to_format<T>(nx, r, ex);
}

template <ieee_binary T>
[[nodiscard]] constexpr bool finite_value(T v) noexcept {
    using f = binary_format<T>;
    auto const bits = static_cast<std::uint64_t>(std::bit_cast<typename f::bits_t>(v));
    return ((bits >> (f::digits - 1)) & std::uint64_t(f::max_biased)) !=
           std::uint64_t(f::max_biased);
}

template <ieee_binary T>
[[nodiscard]] constexpr T fma_emulated(T a, T b, T c) noexcept {
    if (finite_value(a) && finite_value(b)) {
        if (finite_value(c)) return fma_finite(a, b, c);
        return c;  // a*b is finite, however large: the sum is c (inf or NaN)
    }
    return a * b + c;  // an infinite or NaN factor: the IEEE product and sum
}

// fma(a, b, c) = a*b + c with one rounding, identical bits in constant evaluation and
// at run time.
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] constexpr T fma(T a, T b, T c) noexcept {
    if (std::is_constant_evaluated()) {
        return fma_emulated(a, b, c);
    }
    return std::fma(a, b, c);
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_FMA_HPP
// ---- end soma/detail/fma.hpp ----
// ---- begin soma/sigmoid.hpp ----
// soma/sigmoid.hpp - the logistic sigmoid σ(z) = 1/(1 + e^-z), for one value and for arrays.
#ifndef SOMA_SIGMOID_HPP
#define SOMA_SIGMOID_HPP

#include <concepts>
#include <cstddef>
#include <limits>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

// ---- begin soma/detail/dispatch.hpp ----
// soma/detail/dispatch.hpp - one table of kernels, chosen once.
//
// kernels() is the table every run-time soma call goes through:
//   - when the compiler flags enable an ISA of soma's (compiled_isa), that ISA's table, a
//     constant: the calls are direct and the compiler may inline them;
//   - otherwise, on x86-64 (runtime_dispatch), the best table the CPU runs, chosen on the
//     first call from the CPU's feature set (cpu.hpp) and kept in a function-local static:
//     later calls cost one load and an indirect call, and no call tests the CPU again.
// kernels_for(i) gives any ISA's table (the tests run every available one).
//
// Adding an ISA: a vocabulary file soma/detail/simd/<isa>.hpp (see simd/portable.hpp for
// the operations; it ends by including kernels-inl.hpp), its requirements in cpu.hpp, and
// one line in `tables` below (docs/kernels.md walks through it).
#ifndef SOMA_DETAIL_DISPATCH_HPP
#define SOMA_DETAIL_DISPATCH_HPP

#include <array>
#include <cstddef>
#include <iterator>

// ---- begin soma/detail/cpu.hpp ----
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
// ---- end soma/detail/cpu.hpp ----
// ---- begin soma/detail/kernel_table.hpp ----
// soma/detail/kernel_table.hpp - the kernels of one instruction set, as one table.
//
// Every ISA (soma/detail/simd/*.hpp) fills one kernel_table with its instantiations of
// the algorithms in soma/detail/kernels-inl.hpp; dispatch.hpp chooses one table, once.
// Every entry of every table returns the bits of the portable table's entry (the tests
// check this for each ISA the CPU can run), so the choice only changes speed.
#ifndef SOMA_DETAIL_KERNEL_TABLE_HPP
#define SOMA_DETAIL_KERNEL_TABLE_HPP

#include <concepts>
#include <cstddef>


namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// The canonical order's number of partial sums (soma/detail/inner_product.hpp).
template <ieee_binary T>
inline constexpr std::size_t partial_sums = 256 / sizeof(T);

template <ieee_binary T>
struct kernels_of {
    // Σ_{i<n} w_i x_i (+ b as term n) in the canonical order.
    T (*inner_product)(T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept;
    // z_r = inner_product(W + r*n, x, n, b != nullptr, b[r * b_stride]) for r < rows.
    void (*inner_products)(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                           std::size_t b_stride, T* z) noexcept;
    // y_r = σ(inner_product(W + r*n, x, n, true, b[r])) for r < rows.
    void (*forward_sigmoid)(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                            T* y) noexcept;
    // out_i = σ(z_i) for i < n; out == z allowed.
    void (*sigmoid)(T const* z, T* out, std::size_t n) noexcept;
    // σ(z) for one value.
    T (*sigmoid_one)(T z) noexcept;
    // out_i = u(z_i) (unit step) for i < n; out == z allowed.
    void (*step)(T const* z, T* out, std::size_t n) noexcept;
    // out_i = tanh(z_i) for i < n; out == z allowed.
    void (*tanh)(T const* z, T* out, std::size_t n) noexcept;
    // tanh(z) for one value.
    T (*tanh_one)(T z) noexcept;
    // out = softmax(z) over n values; out == z allowed.
    void (*softmax)(T const* z, T* out, std::size_t n) noexcept;
    // Z[q rows + r] = inner_product(W + r*n, X + q*n, n, true, b[r]) for q < count, r < rows.
    void (*batch_inner_products)(T const* W, std::size_t rows, std::size_t n, T const* X,
                                 std::size_t count, T const* b, T* Z) noexcept;
};

struct kernel_table {
    isa id;
    feature_set needs;  // the CPU features these kernels execute
    kernels_of<float> f32;
    kernels_of<double> f64;

    template <ieee_binary T>
    [[nodiscard]] constexpr kernels_of<T> const& of() const noexcept {
        if constexpr (std::same_as<T, float>) {
            return f32;
        } else {
            return f64;
        }
    }
};

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_KERNEL_TABLE_HPP
// ---- end soma/detail/kernel_table.hpp ----
// ---- begin soma/detail/simd/avx2.hpp ----
// soma/detail/simd/avx2.hpp - the vocabulary of soma's kernels for x86-64 AVX2 + FMA3.
//
// The operations of simd/portable.hpp on 256-bit registers (8 floats, 4 doubles), compiled
// inside an AVX2 target region, followed by the kernels of soma/detail/kernels-inl.hpp.
// Partial registers use vmaskmov, which neither faults on nor reads the masked-off
// elements.
#ifndef SOMA_DETAIL_SIMD_AVX2_HPP
#define SOMA_DETAIL_SIMD_AVX2_HPP

#include <bit>
#include <cstddef>
#include <cstdint>

// ---- begin soma/detail/sigmoid_constants.hpp ----
// soma/detail/sigmoid_constants.hpp - the constants of soma's sigmoid algorithm.
//
// Shared by every instantiation of the one algorithm in kernels-inl.hpp (the portable
// scalar definition and each ISA's vector kernel), so that every target computes the same
// operations on the same numbers.
#ifndef SOMA_DETAIL_SIGMOID_CONSTANTS_HPP
#define SOMA_DETAIL_SIGMOID_CONSTANTS_HPP

#include <cstdint>


namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// Constants shared by the scalar definition and every SIMD kernel.
struct sigmoid_constants {
    static constexpr std::uint64_t sign_bit = 0x8000000000000000U;
    // σ(NaN) is the input NaN with its quiet bit set, made by an integer OR: no floating
    // operation, so no flag even where a compiler evaluates that branch speculatively.
    static constexpr std::uint32_t f32_quiet_bit = 0x00400000U;
    static constexpr std::uint64_t f64_quiet_bit = 0x0008000000000000U;
    static constexpr double log2e = 0x1.71547652b82fep+0;
    static constexpr double ln2_hi = 0x1.62e42fefa39efp-1;   // ln 2 rounded to double
    static constexpr double ln2_lo = 0x1.abc9e3b39803fp-56;  // ln 2 - ln2_hi
    // t = a·log2e + 1.5·2^52 rounds a·log2e to the integer k in t's low bits.
    static constexpr double round_magic = 0x1.8p52;
    static constexpr std::uint64_t exponent_bias = 1023;

    // float, evaluated in double. Below a = -104, e^a < 2^-150 and σ rounds to +0 in
    // float, so clamping there changes no result; k >= -151 keeps 2^k a normal double.
    static constexpr double f32_a_min = -104.0;
    // e^r on [-0.3466, 0.3466]: Chebyshev fit of degree 6, |error| < 2^-28.9.
    static constexpr double f32_p6 = 0x1.6d753216c60e8p-10;
    static constexpr double f32_p5 = 0x1.126fa72958a72p-7;
    static constexpr double f32_p4 = 0x1.5554ace0f68fap-5;
    static constexpr double f32_p3 = 0x1.5554043dd438bp-3;
    static constexpr double f32_p2 = 0x1.00000028795d2p-1;
    static constexpr double f32_p1 = 0x1.000000a1fda73p+0;

    // double. Below a = -746, e^a < 2^-1075 and σ rounds to +0; k >= -1076.
    static constexpr double f64_a_min = -746.0;
    // e^r = 1 + r + r²/2 + (r²/2)·r·w(r), w(r) ≈ 2(e^r - 1 - r - r²/2)/r³: Chebyshev fit
    // of degree 9 on [-0.3466, 0.3466]; the term it feeds is off by < 2^-61.3.
    static constexpr double f64_w9 = 4.182245959112723e-09;
    static constexpr double f64_w8 = 5.0200751849419434e-08;
    static constexpr double f64_w7 = 5.511456596783511e-07;
    static constexpr double f64_w6 = 5.5114536960232666e-06;
    static constexpr double f64_w5 = 4.9603174634270504e-05;
    static constexpr double f64_w4 = 0.0003968253972608134;
    static constexpr double f64_w3 = 0.002777777777777311;
    static constexpr double f64_w2 = 0.01666666666666013;
    static constexpr double f64_w1 = 0.08333333333333333;
    static constexpr double f64_w0 = 0.33333333333333337;
    // 1 + e only needs e above 2^-120 (below, e moves the quotient by < 2^-120);
    // clamping k there keeps e's low part a normal number.
    static constexpr double f64_k_min_for_d = -120.0;
    // 2^k for k in [-1076, 0] as 2^(k + 600) · 2^-600: the first product is exact, the
    // second rounds once when the result is subnormal.
    static constexpr std::uint64_t f64_k_shift = 600;
    static constexpr double f64_unshift = 0x1p-600;
};

// Constants of tanh and softmax, which evaluate e^a with the double algorithm above.
struct tanh_constants {
    // Above 20, 1 - tanh(|z|) < 2e^-40 < 2^-54 and tanh rounds to 1 in double (and float):
    // clamping |z| there changes no result and keeps k >= -58, so that 2^k is normal.
    static constexpr double x_max = 20.0;
    // Below 2^-27, tanh(z) = z - z³/3 + ... lies within z²/3 < 2^-55.5 relative of z: z is
    // the correctly rounded result (float and double), sign of zero included.
    static constexpr double x_tiny = 0x1p-27;
    // softmax: a term with z_i - m below -1024 is e^(z_i - m) = +0 in double; taking -1024
    // there keeps z_i - m from overflowing for z_i and m of opposite signs.
    static constexpr double softmax_d_min = -1024.0;
};

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_SIGMOID_CONSTANTS_HPP
// ---- end soma/detail/sigmoid_constants.hpp ----
// ---- begin soma/detail/simd/portable.hpp ----
// soma/detail/simd/portable.hpp - the portable vocabulary: one lane of plain C++.
//
// The operations every kernel of soma/detail/kernels-inl.hpp is written in, for a vector
// of one value. Instantiated with this vocabulary, the kernels are the portable kernels
// (used with SOMA_NO_SIMD, on CPUs without a SIMD ISA of soma's, and in constant
// evaluation), and the scalar sigmoid is the readable one-value definition. Every fused
// multiply-add is detail::fma, exact in constant evaluation too; every other product or
// sum is rounded on its own.
//
// The vocabulary (each ISA in soma/detail/simd/ provides the same names):
//   v, lanes, mask                 register type, number of lanes, lane-mask type
//   zero, splat, load, store       +0, broadcast, full-width load and store
//   load_first(p, c, fill)         lanes < c from p[0..c), the others from fill; reads
//                                  nothing else. store_first(p, a, c) writes p[0..c) only
//   with_lane(a, l, t)             a with lane l replaced by t
//   add sub mul div fma fms fnma   a+b, a-b, a*b, a/b, a*b+c, a*b-c, c-a*b (fused: rounded once)
//   max(lo, a)                     lo > a ? lo : a per lane (x86 MAXPD(lo, a))
//   lt ge is_nan select            comparisons to masks; select(m, yes, no)
//   opaque(a)                      a, as a value the optimizer cannot see through
//   reduce(a)                      the canonical pairwise tree inside one register
//   reduce_rows(a[lanes])          lane g = reduce(a[g]), with the same operations
//   or_bits(a, u)                  bits(a) | u per lane
//   add_exponent(p, t, e)          p·2^(k+e) for t = k + round_magic (double, exact)
//   negative_abs(a)                -|a| (the sign bit set)
//   exponent_from(t, e)            (bits(t) + e) << 52               (double)
//   widen_lo, widen_hi, narrow     float lanes to and from two double registers (float)
//   from(t), to(a)                 one value into lane 0, and lane 0 out
// and, beside vec, scalar_double: the vocabulary of one double that sigmoid_one and
// tanh_one run on (this one here; on x86-64 the low lane of an SSE register).
#ifndef SOMA_DETAIL_SIMD_PORTABLE_HPP
#define SOMA_DETAIL_SIMD_PORTABLE_HPP

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>


namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::portable {

#define SOMA_DETAIL_OP [[nodiscard, gnu::always_inline]] static constexpr

template <ieee_binary T>
struct vec {
    using v = T;
    using mask = bool;
    using bits_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    static constexpr std::size_t lanes = 1;

    SOMA_DETAIL_OP v zero() noexcept { return T(0); }
    SOMA_DETAIL_OP v splat(T a) noexcept { return a; }
    SOMA_DETAIL_OP v load(T const* p) noexcept { return *p; }
    [[gnu::always_inline]] static constexpr void store(T* p, v a) noexcept { *p = a; }
    SOMA_DETAIL_OP v load_first(T const* p, std::size_t c, v fill) noexcept {
        return c != 0 ? *p : fill;
    }
    [[gnu::always_inline]] static constexpr void store_first(T* p, v a, std::size_t c) noexcept {
        if (c != 0) *p = a;
    }
    SOMA_DETAIL_OP v with_lane(v, std::size_t, T t) noexcept { return t; }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return a + b; }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return a - b; }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return a * b; }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return a / b; }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return detail::fma(a, b, c); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return detail::fma(a, b, -c); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return detail::fma(-a, b, c); }
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return lo > a ? lo : a; }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return a < b; }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return a >= b; }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept { return a != a; }
    // Branch-free: the kernels select on the sign of z, which a branch would mispredict
    // for half of all random inputs (measured: twice the time of the scalar sigmoid).
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept {
        bits_t const k = bits_t{0} - static_cast<bits_t>(m);
        return std::bit_cast<T>(static_cast<bits_t>((std::bit_cast<bits_t>(yes) & k) |
                                                    (std::bit_cast<bits_t>(no) & ~k)));
    }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        if (std::is_constant_evaluated()) return a;
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    SOMA_DETAIL_OP v from(T a) noexcept { return a; }
    SOMA_DETAIL_OP T to(v a) noexcept { return a; }
    SOMA_DETAIL_OP T reduce(v a) noexcept { return a; }
    SOMA_DETAIL_OP v reduce_rows(v const (&a)[1]) noexcept { return a[0]; }
    SOMA_DETAIL_OP v or_bits(v a, bits_t u) noexcept {
        return std::bit_cast<T>(static_cast<bits_t>(std::bit_cast<bits_t>(a) | u));
    }
    // -|a|, the sign bit set (NaN keeps its payload): in floating-point registers, without
    // the round trip through integer registers that or_bits costs one value at a time.
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return -__builtin_fabs(a); }
    // (bits(t) + e) << 52: for t = k + round_magic (k in t's low 12 bits) and e = 1023 + j,
    // the double 2^(k + j).
    SOMA_DETAIL_OP v exponent_from(v t, std::uint64_t e) noexcept requires(sizeof(T) == 8) {
        return std::bit_cast<T>((std::bit_cast<std::uint64_t>(t) + e) << 52);
    }
    // p·2^(k + e) for a normal p and a normal result. The vector vocabularies add to the
    // exponent field (integer ports are free there); one value at a time, the product by
    // the exact power 2^(k + e), computed from t alongside the polynomial, is shorter on
    // the critical path (one multiply instead of two moves between the floating-point and
    // integer registers and an add). Both are exact: the same bits.
    SOMA_DETAIL_OP v add_exponent(v p, v t, std::uint64_t e) noexcept requires(sizeof(T) == 8) {
        return p * exponent_from(t, 1023 + e);
    }
};

using scalar_double = portable::vec<double>;

#undef SOMA_DETAIL_OP

inline constexpr isa this_isa = isa::portable;
inline constexpr feature_set this_isa_requires = {};

#define SOMA_DETAIL_KERNELS_INL_INSIDE 1
// ---- begin soma/detail/kernels-inl.hpp ----
// soma/detail/kernels-inl.hpp - every kernel of soma, written once over a vocabulary.
//
// No include guard, on purpose: each ISA's header in soma/detail/simd/ includes this file
// (with SOMA_DETAIL_KERNELS_INL_INSIDE defined) inside its own namespace
// (soma::detail::avx2, ::avx512, ::neon, ::portable), after defining there
//   vec<T>              the ISA's vocabulary (the operations listed in simd/portable.hpp),
//   this_isa            its soma::detail::isa value, and
//   this_isa_requires   the CPU features it needs (cpu.hpp),
// and, for x86-64, inside a target region (config.hpp), so that every function below is
// compiled for that ISA. The result is one table of kernels per ISA (`table`, at the end),
// all computing the same operations in the same order, hence the same bits.
//
// The algorithms:
//   sigmoid_f32_in_double, sigmoid_f64_core   σ(z), the algorithm of soma/sigmoid.hpp
//   sigmoid_one                               one value (portable vocabulary: the
//                                             definition; elsewhere compiled with FMA)
//   sigmoid_array, step_array                 arrays, L lanes at a time
//   exp_f64_parts                             e^a for a <= 0 (σ, tanh, softmax)
//   tanh_f64_core, tanh_one, tanh_array       tanh(z), the algorithm of soma/tanh.hpp
//   softmax_values, softmax_array             softmax, of soma/softmax.hpp
//   inner_product_lanes, inner_product        the canonical inner product
//                                             (soma/detail/inner_product.hpp)
//   inner_products, forward_sigmoid           several rows, L rows per pass
//   batch_inner_products                      several rows for several inputs

#if !defined(SOMA_DETAIL_KERNELS_INL_INSIDE)
#error "soma/detail/kernels-inl.hpp is included by soma/detail/simd/<isa>.hpp only"
#endif

// ---------------------------------------------------------------------------------------
// σ(z) = 1/(1 + e^-z)
//
// With a = -|z| <= 0 and e = e^a in (0, 1]:  σ(z) = 1/(1 + e) for z >= 0, e/(1 + e) for
// z < 0, so e never overflows and 1 + e lies in (1, 2]. e = 2^k·e^r with k = round(a/ln 2)
// and r = a - k·ln 2 in [-ln2/2, ln2/2] (Cody and Waite), e^r by a polynomial.
//
// float is evaluated in double (one rounding to float at the end): max error 0.5 + 2^-4
// ULP by analysis, <= 1 ULP asserted over all 2^32 inputs. double carries e^r and 1/(1+e)
// as unevaluated sums hi + lo and rounds once (0.5 + 2^-5 ULP by analysis for normal
// results, 0.75 + 2^-5 for subnormal ones; 1 ULP asserted). Nothing relies on the compiler
// fusing a*b + c: every fused operation is explicit, and no plain product feeds a plain
// sum, so contraction (-ffp-contract=fast) has nothing to fuse.
// ---------------------------------------------------------------------------------------

// σ for float lanes widened to double, without the NaN patch (callers add it).
template <class V>
[[nodiscard, gnu::always_inline]] constexpr typename V::v sigmoid_f32_in_double(
    typename V::v x) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    // The numerator's choice depends on x alone: settled here, off the critical path.
    v const one = V::splat(1.0);
    v const non_negative = V::select(V::lt(x, V::zero()), V::zero(), one);
    v const a = V::max(V::splat(c::f32_a_min), V::negative_abs(x));
    v const magic = V::splat(c::round_magic);
    v const t = V::fma(a, V::splat(c::log2e), magic);
    v const k = V::sub(t, magic);
    // One-constant reduction: r = a - k·ln2_hi is exact and the omitted k·ln2_lo is below
    // 151·2^-55 < 2^-47, far under float's resolution.
    v const r = V::fma(k, V::splat(-c::ln2_hi), a);
    v p = V::splat(c::f32_p6);
    p = V::fma(p, r, V::splat(c::f32_p5));
    p = V::fma(p, r, V::splat(c::f32_p4));
    p = V::fma(p, r, V::splat(c::f32_p3));
    p = V::fma(p, r, V::splat(c::f32_p2));
    p = V::fma(p, r, V::splat(c::f32_p1));
    p = V::fma(p, r, one);
    v const e = V::add_exponent(p, t, 0);  // p·2^k, k >= -151: normal, exact
    v const d = V::add(one, e);
    // e for x < 0, else 1: e lies in (0, 1], so max(0, e) = e and max(1, e) = 1.
    v const numerator = V::max(non_negative, e);
    return V::div(numerator, d);
}

// e^a = 2^k·(p_hi + p_lo) for double lanes a in [-746, 0] (the caller clamps), with
// t = k + round_magic, p_hi + p_lo = e^(a - k ln 2) to a relative error below 2^-60, and
// p_hi = round(p_hi + p_lo) in [0.70, 1.42]. Shared by σ, tanh and softmax.
template <class V>
struct exp_parts {
    typename V::v t;
    typename V::v p_hi;
    typename V::v p_lo;
};

template <class V>
[[nodiscard, gnu::always_inline]] constexpr exp_parts<V> exp_f64_parts(typename V::v a) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    v const magic = V::splat(c::round_magic);
    v const t = V::fma(a, V::splat(c::log2e), magic);
    v const k = V::sub(t, magic);
    // r is exact: k·ln2_hi and a are multiples of 2^-54 and |r| < 2^-1.
    v const r = V::fma(k, V::splat(-c::ln2_hi), a);
    v const r_lo = V::mul(k, V::splat(-c::ln2_lo));  // e^(r + r_lo) = e^r (1 + r_lo) + O(2^-90)

    v w = V::splat(c::f64_w9);
    w = V::fma(w, r, V::splat(c::f64_w8));
    w = V::fma(w, r, V::splat(c::f64_w7));
    w = V::fma(w, r, V::splat(c::f64_w6));
    w = V::fma(w, r, V::splat(c::f64_w5));
    w = V::fma(w, r, V::splat(c::f64_w4));
    w = V::fma(w, r, V::splat(c::f64_w3));
    w = V::fma(w, r, V::splat(c::f64_w2));
    w = V::fma(w, r, V::splat(c::f64_w1));
    w = V::fma(w, r, V::splat(c::f64_w0));
    // h = r²/2 exactly as h_hi + h_lo; the cubic tail h·r·w is below 2^-7.
    v const half_r = V::mul(V::splat(0.5), r);
    v const h_hi = V::mul(half_r, r);
    v const h_lo = V::fms(half_r, r, h_hi);
    v const tail = V::fma(h_hi, V::mul(r, w), h_lo);
    // 1 + r + h_hi by two exact Fast2Sums (|1| >= |r|, |1 + r| >= |h_hi|).
    v const one = V::splat(1.0);
    v const s1 = V::add(one, r);
    v const e1 = V::add(V::sub(one, s1), r);
    v const s2 = V::add(s1, h_hi);
    v const e2 = V::add(V::sub(s1, s2), h_hi);
    v lo = V::add(V::add(e1, e2), tail);
    lo = V::fma(r_lo, V::add(s2, tail), lo);  // e^r·r_lo needs e^r only to 2^-20
    v const p_hi = V::add(s2, lo);            // e^(a - k ln2) = p_hi + p_lo, error < 2^-60
    v const p_lo = V::add(V::sub(s2, p_hi), lo);
    return {t, p_hi, p_lo};
}

// σ for double lanes, without the NaN patch.
template <class V>
[[nodiscard, gnu::always_inline]] constexpr typename V::v sigmoid_f64_core(
    typename V::v z) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    v const a = V::max(V::splat(c::f64_a_min), V::negative_abs(z));
    auto const [t, p_hi, p_lo] = exp_f64_parts<V>(a);
    v const one = V::splat(1.0);

    // d = 1 + e as d_hi + d_lo, e = (p_hi + p_lo)·2^max(k, -120): below 2^-120, e moves the
    // quotient by less than 2^-120, and the clamp keeps e's low part normal.
    v const t_d = V::max(V::splat(c::round_magic + c::f64_k_min_for_d), t);
    v const e_hi = V::add_exponent(p_hi, t_d, 0);  // p_hi normal, k >= -120: exact
    v const d_hi = V::add(one, e_hi);
    // d_lo = (1 - d_hi) + e_hi + p_lo·2^k: the product is fused on purpose, so that a
    // compiler contracting a*b + c has nothing to fuse.
    v const d_lo =
        V::fma(p_lo, V::exponent_from(t_d, c::exponent_bias), V::add(V::sub(one, d_hi), e_hi));

    // 1/d = q·(1 + rho) + O(rho²): q = 1/d_hi correctly rounded, so 1 - q·d_hi is exact.
    v const q = V::div(one, d_hi);
    v rho = V::fnma(q, d_hi, one);
    rho = V::fnma(q, d_lo, rho);
    v const y_pos = V::fma(q, rho, q);

    // e/d = 2^k·(p_hi + p_lo)·q·(1 + rho), rounded once (y_m in [0.35, 1.42]) before the
    // exact 2^(k+600) scaling; 2^-600 rounds a second time only for subnormal results.
    v const q_rho = V::mul(q, rho);
    v const y_m = V::fma(p_hi, q, V::fma(p_hi, q_rho, V::mul(p_lo, q)));
    v const y_neg = V::mul(V::add_exponent(y_m, t, c::f64_k_shift), V::splat(c::f64_unshift));
    return V::select(V::lt(z, V::zero()), y_neg, y_pos);
}

// Core<S>(a) on one double a with the vocabulary S of one value: the ISA's scalar_double
// (on x86-64 the low lane of an SSE register, portable::vec<double> elsewhere) at run
// time, the portable one in constant evaluation, where intrinsics cannot run. Both do the
// same operations with the same roundings: the same bits.
template <class Core>
[[nodiscard, gnu::always_inline]] constexpr double on_one_double(double a) noexcept {
    if (!std::is_constant_evaluated()) {
        using S = scalar_double;
        return S::to(Core::template eval<S>(S::from(a)));
    }
    return Core::template eval<portable::vec<double>>(a);
}

struct sigmoid_f32_core {
    template <class S>
    [[nodiscard, gnu::always_inline]] static constexpr typename S::v eval(
        typename S::v a) noexcept {
        return sigmoid_f32_in_double<S>(a);
    }
};
struct sigmoid_f64_core_one {
    template <class S>
    [[nodiscard, gnu::always_inline]] static constexpr typename S::v eval(
        typename S::v a) noexcept {
        return sigmoid_f64_core<S>(a);
    }
};

// σ(z) for one value: the definition (constexpr; the portable vocabulary in constant
// evaluation, the ISA's vocabulary of one value at run time, see on_one_double).
template <ieee_binary T>
[[nodiscard]] constexpr T sigmoid_one(T z) noexcept {
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        if (z != z) return std::bit_cast<float>(std::bit_cast<std::uint32_t>(z) | c::f32_quiet_bit);
        return static_cast<float>(on_one_double<sigmoid_f32_core>(static_cast<double>(z)));
    } else {
        if (z != z)
            return std::bit_cast<double>(std::bit_cast<std::uint64_t>(z) | c::f64_quiet_bit);
        return on_one_double<sigmoid_f64_core_one>(z);
    }
}

// σ on one register of T lanes; NaN lanes give z with its quiet bit set.
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v sigmoid_lanes(
    typename vec<T>::v z) noexcept {
    using V = vec<T>;
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        using D = vec<double>;
        auto const y = V::narrow(sigmoid_f32_in_double<D>(V::widen_lo(z)),
                                 sigmoid_f32_in_double<D>(V::widen_hi(z)));
        return V::select(V::is_nan(z), V::or_bits(z, c::f32_quiet_bit), y);
    } else {
        return V::select(V::is_nan(z), V::or_bits(z, c::f64_quiet_bit), sigmoid_f64_core<V>(z));
    }
}

// out_i = σ(z_i), i < n. Two registers per iteration: each is one long dependency chain
// (about 40 cycles), so the out-of-order core needs several in flight. out may be z.
template <ieee_binary T>
void sigmoid_array(T const* z, T* out, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    if constexpr (lanes == 1) {
        for (std::size_t i = 0; i < n; ++i) out[i] = sigmoid_one(z[i]);
    } else {
        std::size_t i = 0;
        for (; i + 2 * lanes <= n; i += 2 * lanes) {
            auto const z0 = V::load(z + i);
            auto const z1 = V::load(z + i + lanes);
            V::store(out + i, sigmoid_lanes<T>(z0));
            V::store(out + i + lanes, sigmoid_lanes<T>(z1));
        }
        for (; i < n; i += lanes) {
            std::size_t const c = n - i < lanes ? n - i : lanes;
            V::store_first(out + i, sigmoid_lanes<T>(V::load_first(z + i, c, V::zero())), c);
        }
    }
}

// ---------------------------------------------------------------------------------------
// tanh(z) = (1 - e^-2|z|)/(1 + e^-2|z|) with the sign of z
//
// With a = -2|z| (|z| clamped to 20, above which tanh rounds to 1) and e = e^a in
// (0, 1] = 2^k·(p_hi + p_lo) from exp_f64_parts: the numerator 1 - e and the denominator
// 1 + e are carried as unevaluated sums hi + lo, so the cancellation in 1 - e for small |z|
// costs nothing (for k = 0, 1 - p_hi is exact and p_lo keeps the low bits: the error of
// p_hi + p_lo, about 2^-53·|r|³ + 2^-106, is small against 1 - e ≈ |r|; for k < 0,
// 1 - e > 0.29). The quotient is formed like σ's 1/(1 + e) and rounded once: 0.532 ULP
// measured, 1 ULP asserted. Below |z| = 2^-27 the result is z itself (correctly rounded,
// signed zeros kept); those lanes compute tanh(1/2) meanwhile, so that no power of a tiny z
// underflows. |z| only enters, and the sign is set at the end: tanh(-z) = -tanh(z) bit for
// bit. float is evaluated in double and rounded once more (<= 0.5 + 2^-28 ULP).
// ---------------------------------------------------------------------------------------

// tanh for double lanes (float lanes widened), without the NaN patch.
template <class V>
[[nodiscard, gnu::always_inline]] constexpr typename V::v tanh_f64_core(typename V::v z) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    v const one = V::splat(1.0);
    v const minus_x = V::negative_abs(z);
    auto const tiny = V::lt(V::splat(-tanh_constants::x_tiny), minus_x);  // |z| < 2^-27
    v const half_a =
        V::select(tiny, V::splat(-0.5), V::max(V::splat(-tanh_constants::x_max), minus_x));
    v const a = V::add(half_a, half_a);  // -2|z| in [-40, 0], exact (no overflow for huge z)
    auto const [t, p_hi, p_lo] = exp_f64_parts<V>(a);
    v const scale = V::exponent_from(t, c::exponent_bias);  // 2^k, k in [-58, 0]
    v const e_hi = V::add_exponent(p_hi, t, 0);             // exact
    // 1 - e = n_hi + n_lo and 1 + e = d_hi + d_lo: Fast2Sums (|1| >= e_hi), then the low
    // part of e, p_lo·2^k, fused on purpose (nothing left for a contracting compiler).
    v const n_hi = V::sub(one, e_hi);
    v const n_lo = V::fnma(p_lo, scale, V::sub(V::sub(one, n_hi), e_hi));
    v const d_hi = V::add(one, e_hi);
    v const d_lo = V::fma(p_lo, scale, V::add(V::sub(one, d_hi), e_hi));
    // 1/d = q·(1 + rho) + O(rho²), q = 1/d_hi correctly rounded (1 - q·d_hi exact); then
    // n/d = n_hi·q + (n_hi·q·rho + n_lo·q), rounded once by the outer fma.
    v const q = V::div(one, d_hi);
    v rho = V::fnma(q, d_hi, one);
    rho = V::fnma(q, d_lo, rho);
    v const y = V::fma(n_hi, q, V::fma(n_hi, V::mul(q, rho), V::mul(n_lo, q)));
    v const signed_y = V::select(V::lt(z, V::zero()), V::negative_abs(y), y);
    return V::select(tiny, z, signed_y);
}

// tanh(z) for one value: the definition (constexpr, the vocabulary of on_one_double). Two ranges
// are settled before the evaluation, with the bits the evaluation gives there (the lanes compute
// them; the exhaustive test compares every float and sampled doubles): z itself for |z| < 2^-13
// (float; tanh(z) is within 2^-27.5 relative of z, which the rounding to float returns) or 2^-27
// (double), and ±1 for |z| >= 9.2 (float: 1 - tanh(z) < 2^-25) or 20 (double: the clamp), where the
// branch is cheaper than the evaluation.
struct tanh_f64_core_one {
    template <class S>
    [[nodiscard, gnu::always_inline]] static constexpr typename S::v eval(
        typename S::v a) noexcept {
        return tanh_f64_core<S>(a);
    }
};

template <ieee_binary T>
[[nodiscard]] constexpr T tanh_one(T z) noexcept {
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        auto const bits = std::bit_cast<std::uint32_t>(z);
        std::uint32_t const abs_bits = bits & 0x7fffffffU;
        if (abs_bits > 0x7f800000U) return std::bit_cast<float>(bits | c::f32_quiet_bit);  // NaN
        if (abs_bits < 0x39000000U) return z;                                              // 2^-13
        if (abs_bits >= 0x41133333U)
            return std::bit_cast<float>((bits & 0x80000000U) | 0x3f800000U);
        return static_cast<float>(on_one_double<tanh_f64_core_one>(static_cast<double>(z)));
    } else {
        auto const bits = std::bit_cast<std::uint64_t>(z);
        std::uint64_t const abs_bits = bits & 0x7fffffffffffffffU;
        if (abs_bits > 0x7ff0000000000000U) return std::bit_cast<double>(bits | c::f64_quiet_bit);
        if (abs_bits < 0x3e40000000000000U) return z;  // 2^-27
        if (abs_bits >= 0x4034000000000000U) {         // 20
            return std::bit_cast<double>((bits & c::sign_bit) | 0x3ff0000000000000U);
        }
        return on_one_double<tanh_f64_core_one>(z);
    }
}

// tanh on one register of T lanes; NaN lanes give z with its quiet bit set.
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v tanh_lanes(
    typename vec<T>::v z) noexcept {
    using V = vec<T>;
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        using D = vec<double>;
        auto const y =
            V::narrow(tanh_f64_core<D>(V::widen_lo(z)), tanh_f64_core<D>(V::widen_hi(z)));
        return V::select(V::is_nan(z), V::or_bits(z, c::f32_quiet_bit), y);
    } else {
        return V::select(V::is_nan(z), V::or_bits(z, c::f64_quiet_bit), tanh_f64_core<V>(z));
    }
}

// out_i = tanh(z_i), i < n; out may be z. Two registers per iteration, as for σ (one long
// dependency chain each).
template <ieee_binary T>
void tanh_array(T const* z, T* out, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    if constexpr (lanes == 1) {
        for (std::size_t i = 0; i < n; ++i) out[i] = tanh_one(z[i]);
    } else {
        std::size_t i = 0;
        for (; i + 2 * lanes <= n; i += 2 * lanes) {
            auto const z0 = V::load(z + i);
            auto const z1 = V::load(z + i + lanes);
            V::store(out + i, tanh_lanes<T>(z0));
            V::store(out + i + lanes, tanh_lanes<T>(z1));
        }
        for (; i < n; i += lanes) {
            std::size_t const c = n - i < lanes ? n - i : lanes;
            V::store_first(out + i, tanh_lanes<T>(V::load_first(z + i, c, V::zero())), c);
        }
    }
}

// ---------------------------------------------------------------------------------------
// softmax: y_i = e^(z_i - m) / Σ_j e^(z_j - m), m = max_j z_j
//
// One value at a time (portable vocabulary, constexpr; inside an x86-64 target region the
// same operations with FMA instructions): the sum runs in index order, j = 0, 1, ..., n-1,
// in double for float and double, and a vector sum would need a second order. Each term is
// e^d for d = z_i - m <= 0 computed in double (exact or within 2^-53·|d| for float inputs;
// -1024 where z_i < m - 1024), from exp_f64_parts rounded once (0.5 + 2^-7 ULP; subnormal
// terms twice). Each y_i is one correctly rounded division (then rounded to float).
// ---------------------------------------------------------------------------------------

// e^d for d <= 0 in double (one value); d below -746 gives +0.
[[nodiscard]] constexpr double exp_nonpositive(double d) noexcept {
    using one_lane = portable::vec<double>;
    using c = sigmoid_constants;
    double const a = one_lane::max(c::f64_a_min, d);
    auto const [t, p_hi, p_lo] = exp_f64_parts<one_lane>(a);
    (void)p_lo;  // p_hi is p_hi + p_lo rounded
    // 2^k for k in [-1076, 0] as 2^(k + 600)·2^-600, as σ does: rounded once, only for
    // subnormal terms. opaque: the sum must not fuse this product (inexact when subnormal).
    return one_lane::opaque(
        one_lane::mul(one_lane::add_exponent(p_hi, t, c::f64_k_shift), c::f64_unshift));
}

[[nodiscard]] constexpr double softmax_term(double z, double m) noexcept {
    // Below m + d_min the term is e^d_min (+0). The subtraction takes m there instead of z,
    // through an opaque value: otherwise the compiler distributes the subtraction over the
    // select and evaluates z - m, which overflows for z = lowest, m = max (FE_OVERFLOW,
    // seen with Clang).
    bool const negligible = z < m + tanh_constants::softmax_d_min;
    double const safe = portable::vec<double>::opaque(negligible ? m : z);
    return exp_nonpositive(negligible ? tanh_constants::softmax_d_min : safe - m);
}

// out = softmax(z), n values; out may be z. NaN anywhere: every output is the first NaN
// of z with its quiet bit set. m = +inf or -inf (every finite term is then negligible, or
// every z_i is -inf): the k entries equal to m share 1/k each (rounded), the others +0.
template <ieee_binary T>
constexpr void softmax_values(T const* z, T* out, std::size_t n) noexcept {
    using c = sigmoid_constants;
    if (n == 0) return;
    for (std::size_t i = 0; i < n; ++i) {
        if (z[i] != z[i]) {
            T nan = z[i];
            if constexpr (std::same_as<T, float>) {
                nan = std::bit_cast<float>(std::bit_cast<std::uint32_t>(nan) | c::f32_quiet_bit);
            } else {
                nan = std::bit_cast<double>(std::bit_cast<std::uint64_t>(nan) | c::f64_quiet_bit);
            }
            for (std::size_t j = 0; j < n; ++j) out[j] = nan;
            return;
        }
    }
    T m = z[0];
    for (std::size_t i = 1; i < n; ++i) m = z[i] > m ? z[i] : m;
    if (m > std::numeric_limits<T>::max() || m < std::numeric_limits<T>::lowest()) {  // ±inf
        std::size_t k = 0;
        for (std::size_t i = 0; i < n; ++i) k += z[i] == m ? 1 : 0;
        T const share = static_cast<T>(1.0 / static_cast<double>(k));
        for (std::size_t i = 0; i < n; ++i) out[i] = z[i] == m ? share : T(0);
        return;
    }
    double const md = static_cast<double>(m);
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += softmax_term(static_cast<double>(z[i]), md);
    // s >= 1 (the term of m is e^0 = 1) and at most n. Each term is computed again (the same
    // bits): out may be z, and a float out could not hold the double term.
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = static_cast<T>(softmax_term(static_cast<double>(z[i]), md) / s);
    }
}

// The kernel table's entry (a function of this ISA's target region).
template <ieee_binary T>
void softmax_array(T const* z, T* out, std::size_t n) noexcept {
    softmax_values<T>(z, out, n);
}

// out_i = u(z_i): 1 for z_i >= 0 (also -0), 0 below, NaN unchanged. out may be z.
template <ieee_binary T>
void step_array(T const* z, T* out, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    auto const one = V::splat(T(1));
    auto const zero = V::zero();
    std::size_t i = 0;
    for (; i < n; i += lanes) {
        std::size_t const c = n - i < lanes ? n - i : lanes;
        auto const a = c == lanes ? V::load(z + i) : V::load_first(z + i, c, zero);
        auto const u = V::select(V::is_nan(a), a, V::select(V::ge(a, zero), one, zero));
        if (c == lanes) {
            V::store(out + i, u);
        } else {
            V::store_first(out + i, u, c);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The canonical inner product (soma/detail/inner_product.hpp): P = 256 / sizeof(T) partial
// sums are K = P / L registers s[0..K-1], lane l of s[k] holding partial sum kL + l. Term i
// goes to s[(i mod P) / L], lane i mod L; the tree's levels h >= L add whole registers,
// the levels h < L are reduce() inside s[0].
//
// Why K accumulators: the order fixes them at 256 bytes, which is also what hides the
// FMA latency: eight AVX2 (2 pipes x 4 cycles), four AVX-512 (two 64-byte loads per FMA
// allow one FMA per cycle), sixteen NEON registers.
//
// The last r < P terms and the bias use load_first: w's missing lanes are -0 and x's +0,
// and fma(-0, +0, s) = s + (-0) = s exactly for every s, so the padding changes no partial
// sum and nothing past the arrays is read. The bias is the term (b, 1) in lane r:
// fma(b, 1, s) = s + b. Partial sums that receive no term stay -0 and the tree may skip
// them (x + (-0) = x), which is how short vectors skip most of it.
// ---------------------------------------------------------------------------------------

template <class V, std::size_t K, std::size_t H>
[[gnu::always_inline]] inline void tree_levels(typename V::v (&s)[K], std::size_t used) noexcept {
    // s may hold fewer than P / L registers (K of them): the ones past K are all -0.
    if constexpr (H >= 1) {
#pragma GCC unroll 32
        for (std::size_t j = 0; j < H; ++j) {
            if (j + H < used && j + H < K) s[j] = V::add(s[j], s[j + H]);
        }
        tree_levels<V, K, H / 2>(s, used < H ? used : H);
    }
}

// Fewer than P terms, in R registers (R known at compile time): every term has a partial
// sum of its own, so each register is one product fma(w, x, -0) = round(w x); registers
// 0 .. R-2 are full, the last holds the remaining terms and the bias; the tree skips the
// registers past R, which hold only -0. Straight-line code: no loop, no test per register.
template <ieee_binary T, std::size_t R>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v short_lanes(
    T const* w, T const* x, std::size_t n, bool has_bias, T b,
    typename vec<T>::v negative_zero) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t k_regs = partial_sums<T> / lanes;
    v s[R];
#pragma GCC unroll 16
    for (std::size_t k = 0; k + 1 < R; ++k) {
        s[k] = V::fma(V::load(w + k * lanes), V::load(x + k * lanes), negative_zero);
    }
    constexpr std::size_t base = (R - 1) * lanes;
    std::size_t const c = n - base;  // 0 .. L terms in the last register, then the bias
    v wv = c != 0 ? V::load_first(w + base, c, negative_zero) : negative_zero;
    v xv = c != 0 ? V::load_first(x + base, c, V::zero()) : V::zero();
    if (has_bias) {
        wv = V::with_lane(wv, c, b);
        xv = V::with_lane(xv, c, T(1));
    }
    s[R - 1] = V::fma(wv, xv, negative_zero);
    tree_levels<V, R, k_regs / 2>(s, R);
    return s[0];
}

template <ieee_binary T, std::size_t... R>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v short_lanes_of(
    std::size_t regs, T const* w, T const* x, std::size_t n, bool has_bias, T b,
    typename vec<T>::v negative_zero, std::index_sequence<R...>) noexcept {
    typename vec<T>::v out = negative_zero;
    (void)((regs == R + 1 ? (out = short_lanes<T, R + 1>(w, x, n, has_bias, b, negative_zero), true)
                          : false) ||
           ...);
    return out;
}

// The register the in-register tree starts from: the canonical order up to its last
// L lanes. Short = false: the caller knows that n + bias > P (no short forms compiled in).
template <ieee_binary T, bool Short = true>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v inner_product_lanes(
    T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t k_regs = p / lanes;
    std::size_t const m = n + (has_bias ? 1 : 0);
    if (m == 0) return V::zero();  // the empty sum is +0
    // -0 opaque: a known -0 addend would let the compiler turn fma(w, x, -0) into w*x and
    // then fuse that product into the tree (see SOMA_DETAIL_OPAQUE).
    v const negative_zero = V::opaque(V::splat(T(-0.0)));
    if constexpr (lanes > 1 && Short) {
        if (m <= p) {
            return short_lanes_of<T>((m + lanes - 1) / lanes, w, x, n, has_bias, b, negative_zero,
                                     std::make_index_sequence<k_regs>{});
        }
    }
    v s[k_regs];
#pragma GCC unroll 64
    for (std::size_t k = 0; k < k_regs; ++k) s[k] = negative_zero;
    std::size_t i = 0;
    for (; i + p <= n; i += p) {
#pragma GCC unroll 64
        for (std::size_t k = 0; k < k_regs; ++k) {
            s[k] = V::fma(V::load(w + i + k * lanes), V::load(x + i + k * lanes), s[k]);
        }
    }
    std::size_t const r = n - i;
    std::size_t const tail_regs = (r + (has_bias ? 1 : 0) + lanes - 1) / lanes;
    // Unrolled for the vector ISAs (at most 16 registers); the portable one-lane form keeps
    // its 64 partial sums in memory here (one copy of the tail instead of 64).
#pragma GCC unroll 16
    for (std::size_t k = 0; k < k_regs; ++k) {
        if (k < tail_regs) {
            std::size_t const base = k * lanes;
            std::size_t const c = r > base ? (r - base < lanes ? r - base : lanes) : 0;
            v wv = c != 0 ? V::load_first(w + i + base, c, negative_zero) : negative_zero;
            v xv = c != 0 ? V::load_first(x + i + base, c, V::zero()) : V::zero();
            if (has_bias && r / lanes == k) {
                wv = V::with_lane(wv, r - base, b);
                xv = V::with_lane(xv, r - base, T(1));
            }
            s[k] = V::fma(wv, xv, s[k]);
        }
    }
    tree_levels<V, k_regs, k_regs / 2>(s, lanes > 1 || n >= p ? k_regs : tail_regs);
    return s[0];
}

// At most four terms (m = n + bias <= 4), one value at a time: the products
// fma(w, x, -0) = round(w x) and the levels h = 2, 1 of the tree, which is cheaper than a
// register's shuffles. (The levels h >= 4 pair partial sums with all-(-0) ones.)
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline T small_sum(T const* w, T const* x, std::size_t n,
                                                     bool has_bias, T b) noexcept {
    using one = portable::vec<T>;
    T const negative_zero = one::opaque(T(-0.0));
    T s[4] = {negative_zero, negative_zero, negative_zero, negative_zero};
    for (std::size_t i = 0; i < n; ++i) s[i] = one::fma(w[i], x[i], negative_zero);
    if (has_bias) s[n] = b;
    std::size_t const m = n + (has_bias ? 1 : 0);
    if (m == 0) return T(0);  // the empty sum is +0
    if (m > 2) {
        s[0] = s[0] + s[2];
        if (m > 3) s[1] = s[1] + s[3];
    }
    return m > 1 ? s[0] + s[1] : s[0];
}

// small_sum for a length N known at compile time: straight-line code (the run-time
// length's loop over a stack array is what the compiler vectorizes, with stores and
// reloads around it: measured 107 instructions for a 1 x 2 sigmoid layer, 72 with this).
template <ieee_binary T, std::size_t N, bool HasBias>
[[nodiscard, gnu::always_inline]] inline T small_sum_fixed(T const* w, T const* x, T b,
                                                           T negative_zero) noexcept {
    using one = portable::vec<T>;
    constexpr std::size_t m = N + (HasBias ? 1 : 0);
    static_assert(m <= 4);
    if constexpr (m == 0) {
        return T(0);  // the empty sum is +0
    } else {
        T s[m];
#pragma GCC unroll 4
        for (std::size_t i = 0; i < N; ++i) s[i] = one::fma(w[i], x[i], negative_zero);
        if constexpr (HasBias) s[N] = b;
        if constexpr (m > 2) s[0] = s[0] + s[2];
        if constexpr (m > 3) s[1] = s[1] + s[3];
        if constexpr (m > 1) return s[0] + s[1];
        return s[0];
    }
}

template <ieee_binary T>
[[nodiscard]] T inner_product(T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept {
    if (n + (has_bias ? 1 : 0) <= 4) return small_sum(w, x, n, has_bias, b);
    return vec<T>::reduce(inner_product_lanes(w, x, n, has_bias, b));
}

template <ieee_binary T>
[[gnu::always_inline]] inline void store_lanes(typename vec<T>::v z, T* out,
                                               std::size_t count) noexcept {
    if (count == vec<T>::lanes) {
        vec<T>::store(out, z);
    } else {
        vec<T>::store_first(out, z, count);
    }
}

// Rows r .. r+L-1 of W at once: each row's register as in inner_product_lanes, then one
// reduce_rows for all of them, which leaves z_r in lane r of one register (a transposed
// tree: each row sees exactly its own pairwise sums, with about a third of the shuffles
// of L separate reductions). Finish::apply(z, out, count) consumes the register. With fewer than
// L/2 rows left, each row is reduced on its own (reduce_rows would mostly add padding).
// One row's register: the short form with R registers when R != 0 (all rows of a layer
// have the same n, so R is chosen once per layer), else the general one.
template <ieee_binary T, std::size_t R>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v row_lanes(T const* w, T const* x,
                                                                      std::size_t n, bool has_bias,
                                                                      T b) noexcept {
    if constexpr (R == 0) {
        return inner_product_lanes<T, false>(w, x, n, has_bias, b);
    } else {
        return short_lanes<T, R>(w, x, n, has_bias, b, vec<T>::opaque(vec<T>::splat(T(-0.0))));
    }
}

// Rows longer than P terms (n + bias > P, vector ISAs): what is the same for every row of
// a layer, computed once per layer rather than once per row (measured: a third of the
// instructions of a 64 x 64 layer's rows went to it): where the tail starts, how many of
// its terms each register holds, and x's tail registers with the bias term's 1 in place.
template <ieee_binary T>
struct long_rows {
    using V = vec<T>;
    using v = typename V::v;
    static constexpr std::size_t lanes = V::lanes;
    static constexpr std::size_t k_regs = partial_sums<T> / lanes;
    std::size_t tail = 0;       // the first term past the last full block of P
    std::size_t tail_regs = 0;  // registers that the tail and the bias reach
    std::size_t bias_reg = 0;   // the bias term's register and lane (when there is one)
    std::size_t bias_lane = 0;
    std::size_t count[k_regs] = {};  // of the tail's terms in register k
    v x_tail[k_regs];

    long_rows(T const* x, std::size_t n, bool has_bias) noexcept {
        constexpr std::size_t p = partial_sums<T>;
        tail = n - n % p;
        std::size_t const r = n - tail;
        tail_regs = (r + (has_bias ? 1 : 0) + lanes - 1) / lanes;
        bias_reg = r / lanes;
        bias_lane = r % lanes;
        for (std::size_t k = 0; k < k_regs; ++k) {
            std::size_t const base = k * lanes;
            count[k] = r > base ? (r - base < lanes ? r - base : lanes) : 0;
            x_tail[k] =
                count[k] != 0 ? V::load_first(x + tail + base, count[k], V::zero()) : V::zero();
            if (has_bias && k == bias_reg) x_tail[k] = V::with_lane(x_tail[k], bias_lane, T(1));
        }
    }
};

// inner_product_lanes for one row of such a layer (the same operations in the same order:
// the first block's partial sums start as fma(w, x, -0), the tail and the bias as there).
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v long_row_lanes(
    T const* w, T const* x, std::size_t n, long_rows<T> const& layout, bool has_bias, T b,
    typename vec<T>::v negative_zero) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t k_regs = p / lanes;
    v s[k_regs];
#pragma GCC unroll 16
    for (std::size_t k = 0; k < k_regs; ++k) {
        s[k] = V::fma(V::load(w + k * lanes), V::load(x + k * lanes), negative_zero);
    }
    for (std::size_t i = p; i + p <= n; i += p) {
#pragma GCC unroll 16
        for (std::size_t k = 0; k < k_regs; ++k) {
            s[k] = V::fma(V::load(w + i + k * lanes), V::load(x + i + k * lanes), s[k]);
        }
    }
#pragma GCC unroll 16
    for (std::size_t k = 0; k < k_regs; ++k) {
        if (k < layout.tail_regs) {
            std::size_t const c = layout.count[k];
            T const* const wk = w + layout.tail + k * lanes;
            v wv = c == lanes ? V::load(wk)
                   : c != 0   ? V::load_first(wk, c, negative_zero)
                              : negative_zero;
            if (has_bias && k == layout.bias_reg) wv = V::with_lane(wv, layout.bias_lane, b);
            s[k] = V::fma(wv, layout.x_tail[k], s[k]);
        }
    }
    tree_levels<V, k_regs, k_regs / 2>(s, k_regs);
    return s[0];
}

template <ieee_binary T, class Finish>
void long_rows_pass(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                    std::size_t b_stride, T* out) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    bool const has_bias = b != nullptr;
    long_rows<T> const layout(x, n, has_bias);
    v const negative_zero = V::opaque(V::splat(T(-0.0)));
    for (std::size_t r = 0; r < rows; r += lanes) {
        std::size_t const count = rows - r < lanes ? rows - r : lanes;
        v acc[lanes];
        // The loop stays rolled: one copy of the row's code instead of L (the row's own
        // work dominates, and acc lives in memory either way).
#pragma GCC unroll 1
        for (std::size_t g = 0; g < lanes; ++g) {
            T const bias = g < count && has_bias ? b[(r + g) * b_stride] : T(0);
            acc[g] = g < count ? long_row_lanes(W + (r + g) * n, x, n, layout, has_bias, bias,
                                                negative_zero)
                               : V::zero();
        }
        if (count * 2 <= lanes) {
            // Few rows left: each reduced on its own (reduce_rows would mostly add padding).
            if (Finish::per_register && count * 4 >= lanes) {
                v z = V::zero();
                for (std::size_t g = 0; g < count; ++g) z = V::with_lane(z, g, V::reduce(acc[g]));
                Finish::template apply<T>(z, out + r, count);
            } else {
                for (std::size_t g = 0; g < count; ++g) {
                    Finish::template one<T>(V::reduce(acc[g]), out + r + g);
                }
            }
        } else {
            Finish::template apply<T>(V::reduce_rows(acc), out + r, count);
        }
    }
}

template <ieee_binary T, class Finish, std::size_t R>
void rows_pass_with(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                    std::size_t b_stride, T* out) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    bool const has_bias = b != nullptr;
    for (std::size_t r = 0; r < rows; r += lanes) {
        std::size_t const count = rows - r < lanes ? rows - r : lanes;
        if (count * 2 <= lanes && lanes > 1) {
            // One vector activation for the rows of this pass once there are enough of them
            // (a register of σ costs about four scalar σ's); else one value at a time.
            bool const vector_finish = Finish::per_register && count * 4 >= lanes;
            v z = V::zero();
            for (std::size_t g = 0; g < count; ++g) {
                T const bias = has_bias ? b[(r + g) * b_stride] : T(0);
                T const* const w = W + (r + g) * n;
                T const zg = n + (has_bias ? 1 : 0) <= 4
                                 ? small_sum(w, x, n, has_bias, bias)
                                 : V::reduce(row_lanes<T, R>(w, x, n, has_bias, bias));
                if (vector_finish) {
                    z = V::with_lane(z, g, zg);
                } else {
                    Finish::template one<T>(zg, out + r + g);
                }
            }
            if (vector_finish) Finish::template apply<T>(z, out + r, count);
        } else {
            v acc[lanes];
            if constexpr (R == 0) {
                // Long rows: the loop stays rolled (one copy of the row's code instead of
                // L; the row's own loop dominates, and acc lives in memory either way).
#pragma GCC unroll 1
                for (std::size_t g = 0; g < lanes; ++g) {
                    T const bias = g < count && has_bias ? b[(r + g) * b_stride] : T(0);
                    acc[g] = g < count ? row_lanes<T, R>(W + (r + g) * n, x, n, has_bias, bias)
                                       : V::zero();
                }
            } else {
#pragma GCC unroll 16
                for (std::size_t g = 0; g < lanes; ++g) {
                    if (g < count) {
                        T const bias = has_bias ? b[(r + g) * b_stride] : T(0);
                        acc[g] = row_lanes<T, R>(W + (r + g) * n, x, n, has_bias, bias);
                    } else {
                        acc[g] = V::zero();
                    }
                }
            }
            Finish::template apply<T>(V::reduce_rows(acc), out + r, count);
        }
    }
}

template <ieee_binary T, class Finish, std::size_t... R>
[[gnu::always_inline]] inline void rows_pass_short(std::size_t regs, T const* W, std::size_t rows,
                                                   std::size_t n, T const* x, T const* b,
                                                   std::size_t b_stride, T* out,
                                                   std::index_sequence<R...>) noexcept {
    (void)((regs == R + 1
                ? (rows_pass_with<T, Finish, R + 1>(W, rows, n, x, b, b_stride, out), true)
                : false) ||
           ...);
}

template <ieee_binary T, class Finish>
[[gnu::always_inline]] inline void rows_pass(T const* W, std::size_t rows, std::size_t n,
                                             T const* x, T const* b, std::size_t b_stride,
                                             T* out) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    std::size_t const m = n + (b != nullptr ? 1 : 0);
    if constexpr (lanes > 1) {
        if (m > 0 && m <= p) {
            rows_pass_short<T, Finish>((m + lanes - 1) / lanes, W, rows, n, x, b, b_stride, out,
                                       std::make_index_sequence<p / lanes>{});
            return;
        }
    }
    if constexpr (lanes > 1) {
        if (m > p) {
            long_rows_pass<T, Finish>(W, rows, n, x, b, b_stride, out);
        } else {
            for (std::size_t r = 0; r < rows; ++r) Finish::template one<T>(T(0), out + r);  // m = 0
        }
    } else {
        rows_pass_with<T, Finish, 0>(W, rows, n, x, b, b_stride, out);
    }
}

// What a pass does with a register of weighted inputs (named types rather than lambdas:
// every function of a target region must carry its target).
struct store_weighted_inputs {
    static constexpr bool per_register = false;  // a few rows: store each z_r directly
    template <ieee_binary T>
    [[gnu::always_inline]] static void one(T z, T* out) noexcept {
        *out = z;
    }
    template <ieee_binary T>
    [[gnu::always_inline]] static void apply(typename vec<T>::v z, T* out,
                                             std::size_t count) noexcept {
        store_lanes<T>(z, out, count);
    }
};

struct store_sigmoid {
    static constexpr bool per_register = true;
    template <ieee_binary T>
    [[gnu::always_inline]] static void one(T z, T* out) noexcept {
        *out = sigmoid_one(z);
    }
    template <ieee_binary T>
    [[gnu::always_inline]] static void apply(typename vec<T>::v z, T* out,
                                             std::size_t count) noexcept {
        if constexpr (vec<T>::lanes == 1) {
            *out = sigmoid_one(vec<T>::reduce(z));
        } else {
            store_lanes<T>(sigmoid_lanes<T>(z), out, count);
        }
    }
};

// z_r = inner_product(W + r*n, x, n, b != nullptr, b[r * b_stride]), r < rows; z must not
// overlap W, x or b.
template <ieee_binary T>
[[gnu::noinline]] void inner_products_rows(T const* W, std::size_t rows, std::size_t n, T const* x,
                                           T const* b, std::size_t b_stride, T* z) noexcept {
    rows_pass<T, store_weighted_inputs>(W, rows, n, x, b, b_stride, z);
}

// Layers this small (rows of at most four terms, at most four rows) take a plain loop of
// one value at a time: no registers of rows to set up, no large stack frame (measured:
// about a third of the instructions of the general pass for 1 x 2), with the row length
// chosen once per layer.
inline constexpr std::size_t tiny_rows = 4;

template <ieee_binary T, class Finish, std::size_t N, bool HasBias>
[[gnu::always_inline]] inline void tiny_layer_with(T const* W, std::size_t rows, T const* x,
                                                   T const* b, std::size_t b_stride,
                                                   T* out) noexcept {
    T const negative_zero = portable::vec<T>::opaque(T(-0.0));
    for (std::size_t r = 0; r < rows; ++r) {
        T const bias = HasBias ? b[r * b_stride] : T(0);
        Finish::template one<T>(small_sum_fixed<T, N, HasBias>(W + r * N, x, bias, negative_zero),
                                out + r);
    }
}

// n + (b != nullptr) <= 4.
template <ieee_binary T, class Finish>
[[gnu::always_inline]] inline void tiny_layer(T const* W, std::size_t rows, std::size_t n,
                                              T const* x, T const* b, std::size_t b_stride,
                                              T* out) noexcept {
    if (b != nullptr) {
        switch (n) {
            case 0:
                return tiny_layer_with<T, Finish, 0, true>(W, rows, x, b, b_stride, out);
            case 1:
                return tiny_layer_with<T, Finish, 1, true>(W, rows, x, b, b_stride, out);
            case 2:
                return tiny_layer_with<T, Finish, 2, true>(W, rows, x, b, b_stride, out);
            default:
                return tiny_layer_with<T, Finish, 3, true>(W, rows, x, b, b_stride, out);
        }
    }
    switch (n) {
        case 0:
            return tiny_layer_with<T, Finish, 0, false>(W, rows, x, b, b_stride, out);
        case 1:
            return tiny_layer_with<T, Finish, 1, false>(W, rows, x, b, b_stride, out);
        case 2:
            return tiny_layer_with<T, Finish, 2, false>(W, rows, x, b, b_stride, out);
        case 3:
            return tiny_layer_with<T, Finish, 3, false>(W, rows, x, b, b_stride, out);
        default:
            return tiny_layer_with<T, Finish, 4, false>(W, rows, x, b, b_stride, out);
    }
}

template <ieee_binary T>
void inner_products(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                    std::size_t b_stride, T* z) noexcept {
    if (n + (b != nullptr ? 1 : 0) <= 4 && rows <= tiny_rows) {
        tiny_layer<T, store_weighted_inputs>(W, rows, n, x, b, b_stride, z);
        return;
    }
    inner_products_rows(W, rows, n, x, b, b_stride, z);
}

// y_r = σ(z_r), z_r = inner_product(W + r*n, x, n, true, b[r]): the sigmoid is applied to
// each register of weighted inputs while it is still in registers. y must not overlap W,
// x or b.
template <ieee_binary T>
[[gnu::noinline]] void forward_sigmoid_rows(T const* W, std::size_t rows, std::size_t n, T const* x,
                                            T const* b, T* y) noexcept {
    rows_pass<T, store_sigmoid>(W, rows, n, x, b, 1, y);
}

template <ieee_binary T>
void forward_sigmoid(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                     T* y) noexcept {
    if (n + 1 <= 4 && rows <= tiny_rows) {
        tiny_layer<T, store_sigmoid>(W, rows, n, x, b, 1, y);
        return;
    }
    forward_sigmoid_rows(W, rows, n, x, b, y);
}

// ---------------------------------------------------------------------------------------
// A batch of inputs for the run-time layer: z_{q,r} = inner_product(W + r n, X + q n, n,
// true, b_r) into Z[q rows + r], q < count, r < rows, bitwise inner_products for each input.
//
// One input at a time, a row longer than P terms is two loads per FMA (w and x, both
// vectors), so the pass runs at one FMA per cycle. A tile of 2 rows x 2 inputs shares each
// weight register between the two inputs and each x register between the two rows: 4
// loads for 4 FMAs, which two loads and two FMAs per cycle match (measured, AVX-512, GCC 12,
// 784 x 128 float, 256 inputs: 2.09 ms one input at a time, 1.30 ms in tiles). Its 2 x 2 x K
// accumulators (K = P / L registers a row) fit where K <= 4 (AVX-512: 16 of 32 registers);
// AVX2 (K = 8 of 16 registers) and NEON (K = 16) already fill their registers with one row,
// and they, rows of at most P terms, and a last odd input or row take the one-input path.
// Each z is reduced on its own (V::reduce: the same levels as reduce_rows, in one
// register), as the pass does for its last few rows.
// ---------------------------------------------------------------------------------------

template <ieee_binary T>
inline constexpr bool batch_tiles = vec<T>::lanes > 1 && partial_sums<T> / vec<T>::lanes <= 4;

// z of rows w0, w1 for inputs x0, x1 (long_row_lanes for each pair, sharing the loads).
template <ieee_binary T>
[[gnu::always_inline]] inline void long_rows_tile(T const* w0, T const* w1, T const* x0,
                                                  T const* x1, std::size_t n,
                                                  long_rows<T> const& l0, long_rows<T> const& l1,
                                                  T b0, T b1, typename vec<T>::v negative_zero,
                                                  T (&z)[2][2]) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t k_regs = p / lanes;
    T const* const w[2] = {w0, w1};
    T const* const x[2] = {x0, x1};
    long_rows<T> const* const l[2] = {&l0, &l1};
    T const bias[2] = {b0, b1};
    v s[2][2][k_regs];
#pragma GCC unroll 4
    for (std::size_t k = 0; k < k_regs; ++k) {
        v const wa[2] = {V::load(w[0] + k * lanes), V::load(w[1] + k * lanes)};
        v const xc[2] = {V::load(x[0] + k * lanes), V::load(x[1] + k * lanes)};
#pragma GCC unroll 2
        for (std::size_t a = 0; a < 2; ++a) {
#pragma GCC unroll 2
            for (std::size_t c = 0; c < 2; ++c) s[a][c][k] = V::fma(wa[a], xc[c], negative_zero);
        }
    }
    for (std::size_t i = p; i + p <= n; i += p) {
#pragma GCC unroll 4
        for (std::size_t k = 0; k < k_regs; ++k) {
            v const wa[2] = {V::load(w[0] + i + k * lanes), V::load(w[1] + i + k * lanes)};
            v const xc[2] = {V::load(x[0] + i + k * lanes), V::load(x[1] + i + k * lanes)};
#pragma GCC unroll 2
            for (std::size_t a = 0; a < 2; ++a) {
#pragma GCC unroll 2
                for (std::size_t c = 0; c < 2; ++c) s[a][c][k] = V::fma(wa[a], xc[c], s[a][c][k]);
            }
        }
    }
    // The tail and the bias, as long_row_lanes (the layout's counts depend only on n).
#pragma GCC unroll 4
    for (std::size_t k = 0; k < k_regs; ++k) {
        if (k < l0.tail_regs) {
            std::size_t const c = l0.count[k];
#pragma GCC unroll 2
            for (std::size_t a = 0; a < 2; ++a) {
                T const* const wk = w[a] + l0.tail + k * lanes;
                v wv = c == lanes ? V::load(wk)
                       : c != 0   ? V::load_first(wk, c, negative_zero)
                                  : negative_zero;
                if (k == l0.bias_reg) wv = V::with_lane(wv, l0.bias_lane, bias[a]);
#pragma GCC unroll 2
                for (std::size_t q = 0; q < 2; ++q) {
                    s[a][q][k] = V::fma(wv, l[q]->x_tail[k], s[a][q][k]);
                }
            }
        }
    }
#pragma GCC unroll 2
    for (std::size_t a = 0; a < 2; ++a) {
#pragma GCC unroll 2
        for (std::size_t c = 0; c < 2; ++c) {
            tree_levels<V, k_regs, k_regs / 2>(s[a][c], k_regs);
            z[a][c] = V::reduce(s[a][c][0]);
        }
    }
}

template <ieee_binary T>
void batch_inner_products(T const* W, std::size_t rows, std::size_t n, T const* X,
                          std::size_t count, T const* b, T* Z) noexcept {
    std::size_t q = 0;
    if constexpr (batch_tiles<T>) {
        using V = vec<T>;
        if (n + 1 > partial_sums<T> && rows >= 2) {
            typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
            for (; q + 2 <= count; q += 2) {
                T const* const x0 = X + q * n;
                T const* const x1 = x0 + n;
                long_rows<T> const l0(x0, n, true);
                long_rows<T> const l1(x1, n, true);
                T* const z0 = Z + q * rows;
                T* const z1 = z0 + rows;
                std::size_t r = 0;
                for (; r + 2 <= rows; r += 2) {
                    T z[2][2];
                    long_rows_tile<T>(W + r * n, W + (r + 1) * n, x0, x1, n, l0, l1, b[r], b[r + 1],
                                      negative_zero, z);
                    z0[r] = z[0][0];
                    z1[r] = z[0][1];
                    z0[r + 1] = z[1][0];
                    z1[r + 1] = z[1][1];
                }
                if (r < rows) {
                    z0[r] =
                        V::reduce(long_row_lanes(W + r * n, x0, n, l0, true, b[r], negative_zero));
                    z1[r] =
                        V::reduce(long_row_lanes(W + r * n, x1, n, l1, true, b[r], negative_zero));
                }
            }
        }
    }
    for (; q < count; ++q) inner_products(W, rows, n, X + q * n, b, 1, Z + q * rows);
}

// This ISA's table. With SOMA_SEPARATE_KERNELS (config.hpp) only the translation unit
// that defines SOMA_KERNELS_IMPLEMENTATION defines it (and so compiles the kernels); the
// others declare it.
#if defined(SOMA_SEPARATE_KERNELS) && !defined(SOMA_KERNELS_IMPLEMENTATION)
extern kernel_table const table;
#else
SOMA_DETAIL_KERNEL_TABLE kernel_table table = {
    this_isa,
    this_isa_requires,
    {&inner_product<float>, &inner_products<float>, &forward_sigmoid<float>, &sigmoid_array<float>,
     &sigmoid_one<float>, &step_array<float>, &tanh_array<float>, &tanh_one<float>,
     &softmax_array<float>, &batch_inner_products<float>},
    {&inner_product<double>, &inner_products<double>, &forward_sigmoid<double>,
     &sigmoid_array<double>, &sigmoid_one<double>, &step_array<double>, &tanh_array<double>,
     &tanh_one<double>, &softmax_array<double>, &batch_inner_products<double>},
};
#endif
// ---- end soma/detail/kernels-inl.hpp ----
#undef SOMA_DETAIL_KERNELS_INL_INSIDE

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::portable

#endif  // SOMA_DETAIL_SIMD_PORTABLE_HPP
// ---- end soma/detail/simd/portable.hpp ----

#if defined(SOMA_X86_KERNELS)
#include <immintrin.h>

SOMA_DETAIL_TARGET_AVX2_BEGIN

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx2 {

#define SOMA_DETAIL_OP [[nodiscard, gnu::always_inline]] static inline

template <ieee_binary T>
struct vec;

template <>
struct vec<float> {
    using v = __m256;
    using mask = __m256;
    static constexpr std::size_t lanes = 8;

    // All-ones in the lanes l < c.
    SOMA_DETAIL_OP __m256i first(std::size_t c) noexcept {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(c)),
                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    SOMA_DETAIL_OP v zero() noexcept { return _mm256_setzero_ps(); }
    SOMA_DETAIL_OP v splat(float a) noexcept { return _mm256_set1_ps(a); }
    SOMA_DETAIL_OP v load(float const* p) noexcept { return _mm256_loadu_ps(p); }
    [[gnu::always_inline]] static inline void store(float* p, v a) noexcept {
        _mm256_storeu_ps(p, a);
    }
    // At most four lanes known at compile time (SOMA_DETAIL_KNOWN): 128-bit accesses. A
    // 256-bit masked access also covers the memory past p[c), and a load of memory that a
    // recent store covers waits for that store instead of being forwarded (see the
    // AVX-512 vocabulary's store_first).
    SOMA_DETAIL_OP v load_first(float const* p, std::size_t c, v fill) noexcept {
        __m256i const k = first(c);
        if (SOMA_DETAIL_KNOWN(c) && c <= 4) {
            __m128 const low =
                c == 4 ? _mm_loadu_ps(p) : _mm_maskload_ps(p, _mm256_castsi256_si128(k));
            return _mm256_blendv_ps(fill, _mm256_castps128_ps256(low), _mm256_castsi256_ps(k));
        }
        return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, k), _mm256_castsi256_ps(k));
    }
    [[gnu::always_inline]] static inline void store_first(float* p, v a, std::size_t c) noexcept {
        if (SOMA_DETAIL_KNOWN(c) && c <= 4) {
            __m128 const low = _mm256_castps256_ps128(a);
            if (c == 4) {
                _mm_storeu_ps(p, low);
            } else {
                _mm_maskstore_ps(p, _mm256_castsi256_si128(first(c)), low);
            }
        } else {
            _mm256_maskstore_ps(p, first(c), a);
        }
    }
    SOMA_DETAIL_OP v with_lane(v a, std::size_t l, float t) noexcept {
        __m256i const k = _mm256_cmpeq_epi32(_mm256_set1_epi32(static_cast<int>(l)),
                                             _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        return _mm256_blendv_ps(a, _mm256_set1_ps(t), _mm256_castsi256_ps(k));
    }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return _mm256_add_ps(a, b); }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return _mm256_sub_ps(a, b); }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return _mm256_mul_ps(a, b); }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return _mm256_div_ps(a, b); }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return _mm256_fmadd_ps(a, b, c); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return _mm256_fmsub_ps(a, b, c); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return _mm256_fnmadd_ps(a, b, c); }
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return _mm256_max_ps(lo, a); }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept { return _mm256_blendv_ps(no, yes, m); }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    // The tree inside one register: h = 4, 2, 1.
    SOMA_DETAIL_OP float reduce(v s) noexcept {
        __m128 const s4 = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
        __m128 const s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
        return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
    }
    SOMA_DETAIL_OP v h4(v p, v q) noexcept {
        return _mm256_add_ps(_mm256_permute2f128_ps(p, q, 0x20),
                             _mm256_permute2f128_ps(p, q, 0x31));
    }
    // Eight rows' trees at once. h = 4 joins the 128-bit halves of rows (g, g+4) in one
    // register; h = 2 and h = 1 pair lanes of two registers with shuffles; the row order
    // chosen here leaves row g in lane g.
    SOMA_DETAIL_OP v reduce_rows(v const (&a)[8]) noexcept {
        v const a04 = h4(a[0], a[4]);
        v const a15 = h4(a[1], a[5]);
        v const a26 = h4(a[2], a[6]);
        v const a37 = h4(a[3], a[7]);
        v const b0 = _mm256_add_ps(_mm256_shuffle_ps(a04, a15, _MM_SHUFFLE(1, 0, 1, 0)),
                                   _mm256_shuffle_ps(a04, a15, _MM_SHUFFLE(3, 2, 3, 2)));
        v const b1 = _mm256_add_ps(_mm256_shuffle_ps(a26, a37, _MM_SHUFFLE(1, 0, 1, 0)),
                                   _mm256_shuffle_ps(a26, a37, _MM_SHUFFLE(3, 2, 3, 2)));
        return _mm256_add_ps(_mm256_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm256_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1)));
    }
    SOMA_DETAIL_OP v or_bits(v a, std::uint32_t u) noexcept {
        return _mm256_or_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(u))));
    }
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return or_bits(a, 0x80000000U); }
    SOMA_DETAIL_OP __m256d widen_lo(v a) noexcept {
        return _mm256_cvtps_pd(_mm256_castps256_ps128(a));
    }
    SOMA_DETAIL_OP __m256d widen_hi(v a) noexcept {
        return _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1));
    }
    SOMA_DETAIL_OP v narrow(__m256d lo, __m256d hi) noexcept {
        return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)),
                                    _mm256_cvtpd_ps(hi), 1);
    }
};

template <>
struct vec<double> {
    using v = __m256d;
    using mask = __m256d;
    static constexpr std::size_t lanes = 4;

    SOMA_DETAIL_OP __m256i first(std::size_t c) noexcept {
        return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<std::int64_t>(c)),
                                  _mm256_setr_epi64x(0, 1, 2, 3));
    }
    SOMA_DETAIL_OP v zero() noexcept { return _mm256_setzero_pd(); }
    SOMA_DETAIL_OP v splat(double a) noexcept { return _mm256_set1_pd(a); }
    SOMA_DETAIL_OP v load(double const* p) noexcept { return _mm256_loadu_pd(p); }
    [[gnu::always_inline]] static inline void store(double* p, v a) noexcept {
        _mm256_storeu_pd(p, a);
    }
    // At most two lanes known at compile time: 128-bit accesses (see vec<float>::load_first).
    SOMA_DETAIL_OP v load_first(double const* p, std::size_t c, v fill) noexcept {
        __m256i const k = first(c);
        if (SOMA_DETAIL_KNOWN(c) && c <= 2) {
            __m128d const low =
                c == 2 ? _mm_loadu_pd(p) : _mm_maskload_pd(p, _mm256_castsi256_si128(k));
            return _mm256_blendv_pd(fill, _mm256_castpd128_pd256(low), _mm256_castsi256_pd(k));
        }
        return _mm256_blendv_pd(fill, _mm256_maskload_pd(p, k), _mm256_castsi256_pd(k));
    }
    [[gnu::always_inline]] static inline void store_first(double* p, v a, std::size_t c) noexcept {
        if (SOMA_DETAIL_KNOWN(c) && c <= 2) {
            __m128d const low = _mm256_castpd256_pd128(a);
            if (c == 2) {
                _mm_storeu_pd(p, low);
            } else {
                _mm_maskstore_pd(p, _mm256_castsi256_si128(first(c)), low);
            }
        } else {
            _mm256_maskstore_pd(p, first(c), a);
        }
    }
    SOMA_DETAIL_OP v with_lane(v a, std::size_t l, double t) noexcept {
        __m256i const k = _mm256_cmpeq_epi64(_mm256_set1_epi64x(static_cast<std::int64_t>(l)),
                                             _mm256_setr_epi64x(0, 1, 2, 3));
        return _mm256_blendv_pd(a, _mm256_set1_pd(t), _mm256_castsi256_pd(k));
    }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return _mm256_add_pd(a, b); }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return _mm256_sub_pd(a, b); }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return _mm256_mul_pd(a, b); }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return _mm256_div_pd(a, b); }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return _mm256_fmadd_pd(a, b, c); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return _mm256_fmsub_pd(a, b, c); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return _mm256_fnmadd_pd(a, b, c); }
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return _mm256_max_pd(lo, a); }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return _mm256_cmp_pd(a, b, _CMP_GE_OQ); }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept { return _mm256_cmp_pd(a, a, _CMP_UNORD_Q); }
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept { return _mm256_blendv_pd(no, yes, m); }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    // The tree inside one register: h = 2, 1.
    SOMA_DETAIL_OP double reduce(v s) noexcept {
        __m128d const s2 = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
        return _mm_cvtsd_f64(_mm_add_sd(s2, _mm_unpackhi_pd(s2, s2)));
    }
    // Four rows' trees at once: h = 2 joins the halves of rows (0, 2) and (1, 3), h = 1
    // pairs lanes of the two results; row g ends in lane g.
    SOMA_DETAIL_OP v reduce_rows(v const (&a)[4]) noexcept {
        v const a02 = _mm256_add_pd(_mm256_permute2f128_pd(a[0], a[2], 0x20),
                                    _mm256_permute2f128_pd(a[0], a[2], 0x31));
        v const a13 = _mm256_add_pd(_mm256_permute2f128_pd(a[1], a[3], 0x20),
                                    _mm256_permute2f128_pd(a[1], a[3], 0x31));
        return _mm256_add_pd(_mm256_unpacklo_pd(a02, a13), _mm256_unpackhi_pd(a02, a13));
    }
    SOMA_DETAIL_OP __m256i bits(v a) noexcept { return _mm256_castpd_si256(a); }
    SOMA_DETAIL_OP v or_bits(v a, std::uint64_t u) noexcept {
        return _mm256_castsi256_pd(
            _mm256_or_si256(bits(a), _mm256_set1_epi64x(static_cast<long long>(u))));
    }
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return or_bits(a, 0x8000000000000000U); }
    SOMA_DETAIL_OP v add_exponent(v p, v t, std::uint64_t e) noexcept {
        __m256i const k = _mm256_slli_epi64(
            _mm256_add_epi64(bits(t), _mm256_set1_epi64x(static_cast<long long>(e))), 52);
        return _mm256_castsi256_pd(_mm256_add_epi64(bits(p), k));
    }
    SOMA_DETAIL_OP v exponent_from(v t, std::uint64_t e) noexcept {
        return _mm256_castsi256_pd(_mm256_slli_epi64(
            _mm256_add_epi64(bits(t), _mm256_set1_epi64x(static_cast<long long>(e))), 52));
    }
};

// One double in the low lane of an SSE register, with the operations of vec<double>: the
// vocabulary of σ and tanh of one value (sigmoid_one, tanh_one) on x86-64. The portable
// vocabulary compiled for this target does the same operations with the same roundings,
// but its selects, maxima and exponent arithmetic go through the integer registers;
// here every step stays in SSE registers (measured, AVX-512, GCC 12, -O3: the scalar
// float σ 4.55 ns -> 3.83 ns per call, a 2-input layer 5.87 -> 4.94 ns).
struct one_double {
    using v = __m128d;
    using mask = __m128d;
    static constexpr std::size_t lanes = 1;

    SOMA_DETAIL_OP v zero() noexcept { return _mm_setzero_pd(); }
    SOMA_DETAIL_OP v splat(double a) noexcept { return _mm_set_sd(a); }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return _mm_add_sd(a, b); }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return _mm_sub_sd(a, b); }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return _mm_mul_sd(a, b); }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return _mm_div_sd(a, b); }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return _mm_fmadd_sd(a, b, c); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return _mm_fmsub_sd(a, b, c); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return _mm_fnmadd_sd(a, b, c); }
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return _mm_max_sd(lo, a); }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return _mm_cmp_sd(a, b, _CMP_LT_OQ); }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return _mm_cmp_sd(a, b, _CMP_GE_OQ); }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept { return _mm_cmp_sd(a, a, _CMP_UNORD_Q); }
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept { return _mm_blendv_pd(no, yes, m); }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    SOMA_DETAIL_OP __m128i bits(v a) noexcept { return _mm_castpd_si128(a); }
    SOMA_DETAIL_OP v or_bits(v a, std::uint64_t u) noexcept {
        return _mm_castsi128_pd(_mm_or_si128(bits(a), _mm_set1_epi64x(static_cast<long long>(u))));
    }
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return or_bits(a, 0x8000000000000000U); }
    SOMA_DETAIL_OP v add_exponent(v p, v t, std::uint64_t e) noexcept {
        __m128i const k =
            _mm_slli_epi64(_mm_add_epi64(bits(t), _mm_set1_epi64x(static_cast<long long>(e))), 52);
        return _mm_castsi128_pd(_mm_add_epi64(bits(p), k));
    }
    SOMA_DETAIL_OP v exponent_from(v t, std::uint64_t e) noexcept {
        return _mm_castsi128_pd(
            _mm_slli_epi64(_mm_add_epi64(bits(t), _mm_set1_epi64x(static_cast<long long>(e))), 52));
    }
    SOMA_DETAIL_OP v from(double a) noexcept { return _mm_set_sd(a); }
    SOMA_DETAIL_OP double to(v a) noexcept { return _mm_cvtsd_f64(a); }
};
using scalar_double = one_double;

#undef SOMA_DETAIL_OP

inline constexpr isa this_isa = isa::avx2_fma;
inline constexpr feature_set this_isa_requires = features_of({feature::avx2, feature::fma});

#define SOMA_DETAIL_KERNELS_INL_INSIDE 1
// ---- begin soma/detail/kernels-inl.hpp ----
// soma/detail/kernels-inl.hpp - every kernel of soma, written once over a vocabulary.
//
// No include guard, on purpose: each ISA's header in soma/detail/simd/ includes this file
// (with SOMA_DETAIL_KERNELS_INL_INSIDE defined) inside its own namespace
// (soma::detail::avx2, ::avx512, ::neon, ::portable), after defining there
//   vec<T>              the ISA's vocabulary (the operations listed in simd/portable.hpp),
//   this_isa            its soma::detail::isa value, and
//   this_isa_requires   the CPU features it needs (cpu.hpp),
// and, for x86-64, inside a target region (config.hpp), so that every function below is
// compiled for that ISA. The result is one table of kernels per ISA (`table`, at the end),
// all computing the same operations in the same order, hence the same bits.
//
// The algorithms:
//   sigmoid_f32_in_double, sigmoid_f64_core   σ(z), the algorithm of soma/sigmoid.hpp
//   sigmoid_one                               one value (portable vocabulary: the
//                                             definition; elsewhere compiled with FMA)
//   sigmoid_array, step_array                 arrays, L lanes at a time
//   exp_f64_parts                             e^a for a <= 0 (σ, tanh, softmax)
//   tanh_f64_core, tanh_one, tanh_array       tanh(z), the algorithm of soma/tanh.hpp
//   softmax_values, softmax_array             softmax, of soma/softmax.hpp
//   inner_product_lanes, inner_product        the canonical inner product
//                                             (soma/detail/inner_product.hpp)
//   inner_products, forward_sigmoid           several rows, L rows per pass
//   batch_inner_products                      several rows for several inputs

#if !defined(SOMA_DETAIL_KERNELS_INL_INSIDE)
#error "soma/detail/kernels-inl.hpp is included by soma/detail/simd/<isa>.hpp only"
#endif

// ---------------------------------------------------------------------------------------
// σ(z) = 1/(1 + e^-z)
//
// With a = -|z| <= 0 and e = e^a in (0, 1]:  σ(z) = 1/(1 + e) for z >= 0, e/(1 + e) for
// z < 0, so e never overflows and 1 + e lies in (1, 2]. e = 2^k·e^r with k = round(a/ln 2)
// and r = a - k·ln 2 in [-ln2/2, ln2/2] (Cody and Waite), e^r by a polynomial.
//
// float is evaluated in double (one rounding to float at the end): max error 0.5 + 2^-4
// ULP by analysis, <= 1 ULP asserted over all 2^32 inputs. double carries e^r and 1/(1+e)
// as unevaluated sums hi + lo and rounds once (0.5 + 2^-5 ULP by analysis for normal
// results, 0.75 + 2^-5 for subnormal ones; 1 ULP asserted). Nothing relies on the compiler
// fusing a*b + c: every fused operation is explicit, and no plain product feeds a plain
// sum, so contraction (-ffp-contract=fast) has nothing to fuse.
// ---------------------------------------------------------------------------------------

// σ for float lanes widened to double, without the NaN patch (callers add it).
template <class V>
[[nodiscard, gnu::always_inline]] constexpr typename V::v sigmoid_f32_in_double(
    typename V::v x) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    // The numerator's choice depends on x alone: settled here, off the critical path.
    v const one = V::splat(1.0);
    v const non_negative = V::select(V::lt(x, V::zero()), V::zero(), one);
    v const a = V::max(V::splat(c::f32_a_min), V::negative_abs(x));
    v const magic = V::splat(c::round_magic);
    v const t = V::fma(a, V::splat(c::log2e), magic);
    v const k = V::sub(t, magic);
    // One-constant reduction: r = a - k·ln2_hi is exact and the omitted k·ln2_lo is below
    // 151·2^-55 < 2^-47, far under float's resolution.
    v const r = V::fma(k, V::splat(-c::ln2_hi), a);
    v p = V::splat(c::f32_p6);
    p = V::fma(p, r, V::splat(c::f32_p5));
    p = V::fma(p, r, V::splat(c::f32_p4));
    p = V::fma(p, r, V::splat(c::f32_p3));
    p = V::fma(p, r, V::splat(c::f32_p2));
    p = V::fma(p, r, V::splat(c::f32_p1));
    p = V::fma(p, r, one);
    v const e = V::add_exponent(p, t, 0);  // p·2^k, k >= -151: normal, exact
    v const d = V::add(one, e);
    // e for x < 0, else 1: e lies in (0, 1], so max(0, e) = e and max(1, e) = 1.
    v const numerator = V::max(non_negative, e);
    return V::div(numerator, d);
}

// e^a = 2^k·(p_hi + p_lo) for double lanes a in [-746, 0] (the caller clamps), with
// t = k + round_magic, p_hi + p_lo = e^(a - k ln 2) to a relative error below 2^-60, and
// p_hi = round(p_hi + p_lo) in [0.70, 1.42]. Shared by σ, tanh and softmax.
template <class V>
struct exp_parts {
    typename V::v t;
    typename V::v p_hi;
    typename V::v p_lo;
};

template <class V>
[[nodiscard, gnu::always_inline]] constexpr exp_parts<V> exp_f64_parts(typename V::v a) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    v const magic = V::splat(c::round_magic);
    v const t = V::fma(a, V::splat(c::log2e), magic);
    v const k = V::sub(t, magic);
    // r is exact: k·ln2_hi and a are multiples of 2^-54 and |r| < 2^-1.
    v const r = V::fma(k, V::splat(-c::ln2_hi), a);
    v const r_lo = V::mul(k, V::splat(-c::ln2_lo));  // e^(r + r_lo) = e^r (1 + r_lo) + O(2^-90)

    v w = V::splat(c::f64_w9);
    w = V::fma(w, r, V::splat(c::f64_w8));
    w = V::fma(w, r, V::splat(c::f64_w7));
    w = V::fma(w, r, V::splat(c::f64_w6));
    w = V::fma(w, r, V::splat(c::f64_w5));
    w = V::fma(w, r, V::splat(c::f64_w4));
    w = V::fma(w, r, V::splat(c::f64_w3));
    w = V::fma(w, r, V::splat(c::f64_w2));
    w = V::fma(w, r, V::splat(c::f64_w1));
    w = V::fma(w, r, V::splat(c::f64_w0));
    // h = r²/2 exactly as h_hi + h_lo; the cubic tail h·r·w is below 2^-7.
    v const half_r = V::mul(V::splat(0.5), r);
    v const h_hi = V::mul(half_r, r);
    v const h_lo = V::fms(half_r, r, h_hi);
    v const tail = V::fma(h_hi, V::mul(r, w), h_lo);
    // 1 + r + h_hi by two exact Fast2Sums (|1| >= |r|, |1 + r| >= |h_hi|).
    v const one = V::splat(1.0);
    v const s1 = V::add(one, r);
    v const e1 = V::add(V::sub(one, s1), r);
    v const s2 = V::add(s1, h_hi);
    v const e2 = V::add(V::sub(s1, s2), h_hi);
    v lo = V::add(V::add(e1, e2), tail);
    lo = V::fma(r_lo, V::add(s2, tail), lo);  // e^r·r_lo needs e^r only to 2^-20
    v const p_hi = V::add(s2, lo);            // e^(a - k ln2) = p_hi + p_lo, error < 2^-60
    v const p_lo = V::add(V::sub(s2, p_hi), lo);
    return {t, p_hi, p_lo};
}

// σ for double lanes, without the NaN patch.
template <class V>
[[nodiscard, gnu::always_inline]] constexpr typename V::v sigmoid_f64_core(
    typename V::v z) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    v const a = V::max(V::splat(c::f64_a_min), V::negative_abs(z));
    auto const [t, p_hi, p_lo] = exp_f64_parts<V>(a);
    v const one = V::splat(1.0);

    // d = 1 + e as d_hi + d_lo, e = (p_hi + p_lo)·2^max(k, -120): below 2^-120, e moves the
    // quotient by less than 2^-120, and the clamp keeps e's low part normal.
    v const t_d = V::max(V::splat(c::round_magic + c::f64_k_min_for_d), t);
    v const e_hi = V::add_exponent(p_hi, t_d, 0);  // p_hi normal, k >= -120: exact
    v const d_hi = V::add(one, e_hi);
    // d_lo = (1 - d_hi) + e_hi + p_lo·2^k: the product is fused on purpose, so that a
    // compiler contracting a*b + c has nothing to fuse.
    v const d_lo =
        V::fma(p_lo, V::exponent_from(t_d, c::exponent_bias), V::add(V::sub(one, d_hi), e_hi));

    // 1/d = q·(1 + rho) + O(rho²): q = 1/d_hi correctly rounded, so 1 - q·d_hi is exact.
    v const q = V::div(one, d_hi);
    v rho = V::fnma(q, d_hi, one);
    rho = V::fnma(q, d_lo, rho);
    v const y_pos = V::fma(q, rho, q);

    // e/d = 2^k·(p_hi + p_lo)·q·(1 + rho), rounded once (y_m in [0.35, 1.42]) before the
    // exact 2^(k+600) scaling; 2^-600 rounds a second time only for subnormal results.
    v const q_rho = V::mul(q, rho);
    v const y_m = V::fma(p_hi, q, V::fma(p_hi, q_rho, V::mul(p_lo, q)));
    v const y_neg = V::mul(V::add_exponent(y_m, t, c::f64_k_shift), V::splat(c::f64_unshift));
    return V::select(V::lt(z, V::zero()), y_neg, y_pos);
}

// Core<S>(a) on one double a with the vocabulary S of one value: the ISA's scalar_double
// (on x86-64 the low lane of an SSE register, portable::vec<double> elsewhere) at run
// time, the portable one in constant evaluation, where intrinsics cannot run. Both do the
// same operations with the same roundings: the same bits.
template <class Core>
[[nodiscard, gnu::always_inline]] constexpr double on_one_double(double a) noexcept {
    if (!std::is_constant_evaluated()) {
        using S = scalar_double;
        return S::to(Core::template eval<S>(S::from(a)));
    }
    return Core::template eval<portable::vec<double>>(a);
}

struct sigmoid_f32_core {
    template <class S>
    [[nodiscard, gnu::always_inline]] static constexpr typename S::v eval(
        typename S::v a) noexcept {
        return sigmoid_f32_in_double<S>(a);
    }
};
struct sigmoid_f64_core_one {
    template <class S>
    [[nodiscard, gnu::always_inline]] static constexpr typename S::v eval(
        typename S::v a) noexcept {
        return sigmoid_f64_core<S>(a);
    }
};

// σ(z) for one value: the definition (constexpr; the portable vocabulary in constant
// evaluation, the ISA's vocabulary of one value at run time, see on_one_double).
template <ieee_binary T>
[[nodiscard]] constexpr T sigmoid_one(T z) noexcept {
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        if (z != z) return std::bit_cast<float>(std::bit_cast<std::uint32_t>(z) | c::f32_quiet_bit);
        return static_cast<float>(on_one_double<sigmoid_f32_core>(static_cast<double>(z)));
    } else {
        if (z != z)
            return std::bit_cast<double>(std::bit_cast<std::uint64_t>(z) | c::f64_quiet_bit);
        return on_one_double<sigmoid_f64_core_one>(z);
    }
}

// σ on one register of T lanes; NaN lanes give z with its quiet bit set.
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v sigmoid_lanes(
    typename vec<T>::v z) noexcept {
    using V = vec<T>;
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        using D = vec<double>;
        auto const y = V::narrow(sigmoid_f32_in_double<D>(V::widen_lo(z)),
                                 sigmoid_f32_in_double<D>(V::widen_hi(z)));
        return V::select(V::is_nan(z), V::or_bits(z, c::f32_quiet_bit), y);
    } else {
        return V::select(V::is_nan(z), V::or_bits(z, c::f64_quiet_bit), sigmoid_f64_core<V>(z));
    }
}

// out_i = σ(z_i), i < n. Two registers per iteration: each is one long dependency chain
// (about 40 cycles), so the out-of-order core needs several in flight. out may be z.
template <ieee_binary T>
void sigmoid_array(T const* z, T* out, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    if constexpr (lanes == 1) {
        for (std::size_t i = 0; i < n; ++i) out[i] = sigmoid_one(z[i]);
    } else {
        std::size_t i = 0;
        for (; i + 2 * lanes <= n; i += 2 * lanes) {
            auto const z0 = V::load(z + i);
            auto const z1 = V::load(z + i + lanes);
            V::store(out + i, sigmoid_lanes<T>(z0));
            V::store(out + i + lanes, sigmoid_lanes<T>(z1));
        }
        for (; i < n; i += lanes) {
            std::size_t const c = n - i < lanes ? n - i : lanes;
            V::store_first(out + i, sigmoid_lanes<T>(V::load_first(z + i, c, V::zero())), c);
        }
    }
}

// ---------------------------------------------------------------------------------------
// tanh(z) = (1 - e^-2|z|)/(1 + e^-2|z|) with the sign of z
//
// With a = -2|z| (|z| clamped to 20, above which tanh rounds to 1) and e = e^a in
// (0, 1] = 2^k·(p_hi + p_lo) from exp_f64_parts: the numerator 1 - e and the denominator
// 1 + e are carried as unevaluated sums hi + lo, so the cancellation in 1 - e for small |z|
// costs nothing (for k = 0, 1 - p_hi is exact and p_lo keeps the low bits: the error of
// p_hi + p_lo, about 2^-53·|r|³ + 2^-106, is small against 1 - e ≈ |r|; for k < 0,
// 1 - e > 0.29). The quotient is formed like σ's 1/(1 + e) and rounded once: 0.532 ULP
// measured, 1 ULP asserted. Below |z| = 2^-27 the result is z itself (correctly rounded,
// signed zeros kept); those lanes compute tanh(1/2) meanwhile, so that no power of a tiny z
// underflows. |z| only enters, and the sign is set at the end: tanh(-z) = -tanh(z) bit for
// bit. float is evaluated in double and rounded once more (<= 0.5 + 2^-28 ULP).
// ---------------------------------------------------------------------------------------

// tanh for double lanes (float lanes widened), without the NaN patch.
template <class V>
[[nodiscard, gnu::always_inline]] constexpr typename V::v tanh_f64_core(typename V::v z) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    v const one = V::splat(1.0);
    v const minus_x = V::negative_abs(z);
    auto const tiny = V::lt(V::splat(-tanh_constants::x_tiny), minus_x);  // |z| < 2^-27
    v const half_a =
        V::select(tiny, V::splat(-0.5), V::max(V::splat(-tanh_constants::x_max), minus_x));
    v const a = V::add(half_a, half_a);  // -2|z| in [-40, 0], exact (no overflow for huge z)
    auto const [t, p_hi, p_lo] = exp_f64_parts<V>(a);
    v const scale = V::exponent_from(t, c::exponent_bias);  // 2^k, k in [-58, 0]
    v const e_hi = V::add_exponent(p_hi, t, 0);             // exact
    // 1 - e = n_hi + n_lo and 1 + e = d_hi + d_lo: Fast2Sums (|1| >= e_hi), then the low
    // part of e, p_lo·2^k, fused on purpose (nothing left for a contracting compiler).
    v const n_hi = V::sub(one, e_hi);
    v const n_lo = V::fnma(p_lo, scale, V::sub(V::sub(one, n_hi), e_hi));
    v const d_hi = V::add(one, e_hi);
    v const d_lo = V::fma(p_lo, scale, V::add(V::sub(one, d_hi), e_hi));
    // 1/d = q·(1 + rho) + O(rho²), q = 1/d_hi correctly rounded (1 - q·d_hi exact); then
    // n/d = n_hi·q + (n_hi·q·rho + n_lo·q), rounded once by the outer fma.
    v const q = V::div(one, d_hi);
    v rho = V::fnma(q, d_hi, one);
    rho = V::fnma(q, d_lo, rho);
    v const y = V::fma(n_hi, q, V::fma(n_hi, V::mul(q, rho), V::mul(n_lo, q)));
    v const signed_y = V::select(V::lt(z, V::zero()), V::negative_abs(y), y);
    return V::select(tiny, z, signed_y);
}

// tanh(z) for one value: the definition (constexpr, the vocabulary of on_one_double). Two ranges
// are settled before the evaluation, with the bits the evaluation gives there (the lanes compute
// them; the exhaustive test compares every float and sampled doubles): z itself for |z| < 2^-13
// (float; tanh(z) is within 2^-27.5 relative of z, which the rounding to float returns) or 2^-27
// (double), and ±1 for |z| >= 9.2 (float: 1 - tanh(z) < 2^-25) or 20 (double: the clamp), where the
// branch is cheaper than the evaluation.
struct tanh_f64_core_one {
    template <class S>
    [[nodiscard, gnu::always_inline]] static constexpr typename S::v eval(
        typename S::v a) noexcept {
        return tanh_f64_core<S>(a);
    }
};

template <ieee_binary T>
[[nodiscard]] constexpr T tanh_one(T z) noexcept {
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        auto const bits = std::bit_cast<std::uint32_t>(z);
        std::uint32_t const abs_bits = bits & 0x7fffffffU;
        if (abs_bits > 0x7f800000U) return std::bit_cast<float>(bits | c::f32_quiet_bit);  // NaN
        if (abs_bits < 0x39000000U) return z;                                              // 2^-13
        if (abs_bits >= 0x41133333U)
            return std::bit_cast<float>((bits & 0x80000000U) | 0x3f800000U);
        return static_cast<float>(on_one_double<tanh_f64_core_one>(static_cast<double>(z)));
    } else {
        auto const bits = std::bit_cast<std::uint64_t>(z);
        std::uint64_t const abs_bits = bits & 0x7fffffffffffffffU;
        if (abs_bits > 0x7ff0000000000000U) return std::bit_cast<double>(bits | c::f64_quiet_bit);
        if (abs_bits < 0x3e40000000000000U) return z;  // 2^-27
        if (abs_bits >= 0x4034000000000000U) {         // 20
            return std::bit_cast<double>((bits & c::sign_bit) | 0x3ff0000000000000U);
        }
        return on_one_double<tanh_f64_core_one>(z);
    }
}

// tanh on one register of T lanes; NaN lanes give z with its quiet bit set.
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v tanh_lanes(
    typename vec<T>::v z) noexcept {
    using V = vec<T>;
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        using D = vec<double>;
        auto const y =
            V::narrow(tanh_f64_core<D>(V::widen_lo(z)), tanh_f64_core<D>(V::widen_hi(z)));
        return V::select(V::is_nan(z), V::or_bits(z, c::f32_quiet_bit), y);
    } else {
        return V::select(V::is_nan(z), V::or_bits(z, c::f64_quiet_bit), tanh_f64_core<V>(z));
    }
}

// out_i = tanh(z_i), i < n; out may be z. Two registers per iteration, as for σ (one long
// dependency chain each).
template <ieee_binary T>
void tanh_array(T const* z, T* out, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    if constexpr (lanes == 1) {
        for (std::size_t i = 0; i < n; ++i) out[i] = tanh_one(z[i]);
    } else {
        std::size_t i = 0;
        for (; i + 2 * lanes <= n; i += 2 * lanes) {
            auto const z0 = V::load(z + i);
            auto const z1 = V::load(z + i + lanes);
            V::store(out + i, tanh_lanes<T>(z0));
            V::store(out + i + lanes, tanh_lanes<T>(z1));
        }
        for (; i < n; i += lanes) {
            std::size_t const c = n - i < lanes ? n - i : lanes;
            V::store_first(out + i, tanh_lanes<T>(V::load_first(z + i, c, V::zero())), c);
        }
    }
}

// ---------------------------------------------------------------------------------------
// softmax: y_i = e^(z_i - m) / Σ_j e^(z_j - m), m = max_j z_j
//
// One value at a time (portable vocabulary, constexpr; inside an x86-64 target region the
// same operations with FMA instructions): the sum runs in index order, j = 0, 1, ..., n-1,
// in double for float and double, and a vector sum would need a second order. Each term is
// e^d for d = z_i - m <= 0 computed in double (exact or within 2^-53·|d| for float inputs;
// -1024 where z_i < m - 1024), from exp_f64_parts rounded once (0.5 + 2^-7 ULP; subnormal
// terms twice). Each y_i is one correctly rounded division (then rounded to float).
// ---------------------------------------------------------------------------------------

// e^d for d <= 0 in double (one value); d below -746 gives +0.
[[nodiscard]] constexpr double exp_nonpositive(double d) noexcept {
    using one_lane = portable::vec<double>;
    using c = sigmoid_constants;
    double const a = one_lane::max(c::f64_a_min, d);
    auto const [t, p_hi, p_lo] = exp_f64_parts<one_lane>(a);
    (void)p_lo;  // p_hi is p_hi + p_lo rounded
    // 2^k for k in [-1076, 0] as 2^(k + 600)·2^-600, as σ does: rounded once, only for
    // subnormal terms. opaque: the sum must not fuse this product (inexact when subnormal).
    return one_lane::opaque(
        one_lane::mul(one_lane::add_exponent(p_hi, t, c::f64_k_shift), c::f64_unshift));
}

[[nodiscard]] constexpr double softmax_term(double z, double m) noexcept {
    // Below m + d_min the term is e^d_min (+0). The subtraction takes m there instead of z,
    // through an opaque value: otherwise the compiler distributes the subtraction over the
    // select and evaluates z - m, which overflows for z = lowest, m = max (FE_OVERFLOW,
    // seen with Clang).
    bool const negligible = z < m + tanh_constants::softmax_d_min;
    double const safe = portable::vec<double>::opaque(negligible ? m : z);
    return exp_nonpositive(negligible ? tanh_constants::softmax_d_min : safe - m);
}

// out = softmax(z), n values; out may be z. NaN anywhere: every output is the first NaN
// of z with its quiet bit set. m = +inf or -inf (every finite term is then negligible, or
// every z_i is -inf): the k entries equal to m share 1/k each (rounded), the others +0.
template <ieee_binary T>
constexpr void softmax_values(T const* z, T* out, std::size_t n) noexcept {
    using c = sigmoid_constants;
    if (n == 0) return;
    for (std::size_t i = 0; i < n; ++i) {
        if (z[i] != z[i]) {
            T nan = z[i];
            if constexpr (std::same_as<T, float>) {
                nan = std::bit_cast<float>(std::bit_cast<std::uint32_t>(nan) | c::f32_quiet_bit);
            } else {
                nan = std::bit_cast<double>(std::bit_cast<std::uint64_t>(nan) | c::f64_quiet_bit);
            }
            for (std::size_t j = 0; j < n; ++j) out[j] = nan;
            return;
        }
    }
    T m = z[0];
    for (std::size_t i = 1; i < n; ++i) m = z[i] > m ? z[i] : m;
    if (m > std::numeric_limits<T>::max() || m < std::numeric_limits<T>::lowest()) {  // ±inf
        std::size_t k = 0;
        for (std::size_t i = 0; i < n; ++i) k += z[i] == m ? 1 : 0;
        T const share = static_cast<T>(1.0 / static_cast<double>(k));
        for (std::size_t i = 0; i < n; ++i) out[i] = z[i] == m ? share : T(0);
        return;
    }
    double const md = static_cast<double>(m);
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += softmax_term(static_cast<double>(z[i]), md);
    // s >= 1 (the term of m is e^0 = 1) and at most n. Each term is computed again (the same
    // bits): out may be z, and a float out could not hold the double term.
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = static_cast<T>(softmax_term(static_cast<double>(z[i]), md) / s);
    }
}

// The kernel table's entry (a function of this ISA's target region).
template <ieee_binary T>
void softmax_array(T const* z, T* out, std::size_t n) noexcept {
    softmax_values<T>(z, out, n);
}

// out_i = u(z_i): 1 for z_i >= 0 (also -0), 0 below, NaN unchanged. out may be z.
template <ieee_binary T>
void step_array(T const* z, T* out, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    auto const one = V::splat(T(1));
    auto const zero = V::zero();
    std::size_t i = 0;
    for (; i < n; i += lanes) {
        std::size_t const c = n - i < lanes ? n - i : lanes;
        auto const a = c == lanes ? V::load(z + i) : V::load_first(z + i, c, zero);
        auto const u = V::select(V::is_nan(a), a, V::select(V::ge(a, zero), one, zero));
        if (c == lanes) {
            V::store(out + i, u);
        } else {
            V::store_first(out + i, u, c);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The canonical inner product (soma/detail/inner_product.hpp): P = 256 / sizeof(T) partial
// sums are K = P / L registers s[0..K-1], lane l of s[k] holding partial sum kL + l. Term i
// goes to s[(i mod P) / L], lane i mod L; the tree's levels h >= L add whole registers,
// the levels h < L are reduce() inside s[0].
//
// Why K accumulators: the order fixes them at 256 bytes, which is also what hides the
// FMA latency: eight AVX2 (2 pipes x 4 cycles), four AVX-512 (two 64-byte loads per FMA
// allow one FMA per cycle), sixteen NEON registers.
//
// The last r < P terms and the bias use load_first: w's missing lanes are -0 and x's +0,
// and fma(-0, +0, s) = s + (-0) = s exactly for every s, so the padding changes no partial
// sum and nothing past the arrays is read. The bias is the term (b, 1) in lane r:
// fma(b, 1, s) = s + b. Partial sums that receive no term stay -0 and the tree may skip
// them (x + (-0) = x), which is how short vectors skip most of it.
// ---------------------------------------------------------------------------------------

template <class V, std::size_t K, std::size_t H>
[[gnu::always_inline]] inline void tree_levels(typename V::v (&s)[K], std::size_t used) noexcept {
    // s may hold fewer than P / L registers (K of them): the ones past K are all -0.
    if constexpr (H >= 1) {
#pragma GCC unroll 32
        for (std::size_t j = 0; j < H; ++j) {
            if (j + H < used && j + H < K) s[j] = V::add(s[j], s[j + H]);
        }
        tree_levels<V, K, H / 2>(s, used < H ? used : H);
    }
}

// Fewer than P terms, in R registers (R known at compile time): every term has a partial
// sum of its own, so each register is one product fma(w, x, -0) = round(w x); registers
// 0 .. R-2 are full, the last holds the remaining terms and the bias; the tree skips the
// registers past R, which hold only -0. Straight-line code: no loop, no test per register.
template <ieee_binary T, std::size_t R>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v short_lanes(
    T const* w, T const* x, std::size_t n, bool has_bias, T b,
    typename vec<T>::v negative_zero) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t k_regs = partial_sums<T> / lanes;
    v s[R];
#pragma GCC unroll 16
    for (std::size_t k = 0; k + 1 < R; ++k) {
        s[k] = V::fma(V::load(w + k * lanes), V::load(x + k * lanes), negative_zero);
    }
    constexpr std::size_t base = (R - 1) * lanes;
    std::size_t const c = n - base;  // 0 .. L terms in the last register, then the bias
    v wv = c != 0 ? V::load_first(w + base, c, negative_zero) : negative_zero;
    v xv = c != 0 ? V::load_first(x + base, c, V::zero()) : V::zero();
    if (has_bias) {
        wv = V::with_lane(wv, c, b);
        xv = V::with_lane(xv, c, T(1));
    }
    s[R - 1] = V::fma(wv, xv, negative_zero);
    tree_levels<V, R, k_regs / 2>(s, R);
    return s[0];
}

template <ieee_binary T, std::size_t... R>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v short_lanes_of(
    std::size_t regs, T const* w, T const* x, std::size_t n, bool has_bias, T b,
    typename vec<T>::v negative_zero, std::index_sequence<R...>) noexcept {
    typename vec<T>::v out = negative_zero;
    (void)((regs == R + 1 ? (out = short_lanes<T, R + 1>(w, x, n, has_bias, b, negative_zero), true)
                          : false) ||
           ...);
    return out;
}

// The register the in-register tree starts from: the canonical order up to its last
// L lanes. Short = false: the caller knows that n + bias > P (no short forms compiled in).
template <ieee_binary T, bool Short = true>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v inner_product_lanes(
    T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t k_regs = p / lanes;
    std::size_t const m = n + (has_bias ? 1 : 0);
    if (m == 0) return V::zero();  // the empty sum is +0
    // -0 opaque: a known -0 addend would let the compiler turn fma(w, x, -0) into w*x and
    // then fuse that product into the tree (see SOMA_DETAIL_OPAQUE).
    v const negative_zero = V::opaque(V::splat(T(-0.0)));
    if constexpr (lanes > 1 && Short) {
        if (m <= p) {
            return short_lanes_of<T>((m + lanes - 1) / lanes, w, x, n, has_bias, b, negative_zero,
                                     std::make_index_sequence<k_regs>{});
        }
    }
    v s[k_regs];
#pragma GCC unroll 64
    for (std::size_t k = 0; k < k_regs; ++k) s[k] = negative_zero;
    std::size_t i = 0;
    for (; i + p <= n; i += p) {
#pragma GCC unroll 64
        for (std::size_t k = 0; k < k_regs; ++k) {
            s[k] = V::fma(V::load(w + i + k * lanes), V::load(x + i + k * lanes), s[k]);
        }
    }
    std::size_t const r = n - i;
    std::size_t const tail_regs = (r + (has_bias ? 1 : 0) + lanes - 1) / lanes;
    // Unrolled for the vector ISAs (at most 16 registers); the portable one-lane form keeps
    // its 64 partial sums in memory here (one copy of the tail instead of 64).
#pragma GCC unroll 16
    for (std::size_t k = 0; k < k_regs; ++k) {
        if (k < tail_regs) {
            std::size_t const base = k * lanes;
            std::size_t const c = r > base ? (r - base < lanes ? r - base : lanes) : 0;
            v wv = c != 0 ? V::load_first(w + i + base, c, negative_zero) : negative_zero;
            v xv = c != 0 ? V::load_first(x + i + base, c, V::zero()) : V::zero();
            if (has_bias && r / lanes == k) {
                wv = V::with_lane(wv, r - base, b);
                xv = V::with_lane(xv, r - base, T(1));
            }
            s[k] = V::fma(wv, xv, s[k]);
        }
    }
    tree_levels<V, k_regs, k_regs / 2>(s, lanes > 1 || n >= p ? k_regs : tail_regs);
    return s[0];
}

// At most four terms (m = n + bias <= 4), one value at a time: the products
// fma(w, x, -0) = round(w x) and the levels h = 2, 1 of the tree, which is cheaper than a
// register's shuffles. (The levels h >= 4 pair partial sums with all-(-0) ones.)
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline T small_sum(T const* w, T const* x, std::size_t n,
                                                     bool has_bias, T b) noexcept {
    using one = portable::vec<T>;
    T const negative_zero = one::opaque(T(-0.0));
    T s[4] = {negative_zero, negative_zero, negative_zero, negative_zero};
    for (std::size_t i = 0; i < n; ++i) s[i] = one::fma(w[i], x[i], negative_zero);
    if (has_bias) s[n] = b;
    std::size_t const m = n + (has_bias ? 1 : 0);
    if (m == 0) return T(0);  // the empty sum is +0
    if (m > 2) {
        s[0] = s[0] + s[2];
        if (m > 3) s[1] = s[1] + s[3];
    }
    return m > 1 ? s[0] + s[1] : s[0];
}

// small_sum for a length N known at compile time: straight-line code (the run-time
// length's loop over a stack array is what the compiler vectorizes, with stores and
// reloads around it: measured 107 instructions for a 1 x 2 sigmoid layer, 72 with this).
template <ieee_binary T, std::size_t N, bool HasBias>
[[nodiscard, gnu::always_inline]] inline T small_sum_fixed(T const* w, T const* x, T b,
                                                           T negative_zero) noexcept {
    using one = portable::vec<T>;
    constexpr std::size_t m = N + (HasBias ? 1 : 0);
    static_assert(m <= 4);
    if constexpr (m == 0) {
        return T(0);  // the empty sum is +0
    } else {
        T s[m];
#pragma GCC unroll 4
        for (std::size_t i = 0; i < N; ++i) s[i] = one::fma(w[i], x[i], negative_zero);
        if constexpr (HasBias) s[N] = b;
        if constexpr (m > 2) s[0] = s[0] + s[2];
        if constexpr (m > 3) s[1] = s[1] + s[3];
        if constexpr (m > 1) return s[0] + s[1];
        return s[0];
    }
}

template <ieee_binary T>
[[nodiscard]] T inner_product(T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept {
    if (n + (has_bias ? 1 : 0) <= 4) return small_sum(w, x, n, has_bias, b);
    return vec<T>::reduce(inner_product_lanes(w, x, n, has_bias, b));
}

template <ieee_binary T>
[[gnu::always_inline]] inline void store_lanes(typename vec<T>::v z, T* out,
                                               std::size_t count) noexcept {
    if (count == vec<T>::lanes) {
        vec<T>::store(out, z);
    } else {
        vec<T>::store_first(out, z, count);
    }
}

// Rows r .. r+L-1 of W at once: each row's register as in inner_product_lanes, then one
// reduce_rows for all of them, which leaves z_r in lane r of one register (a transposed
// tree: each row sees exactly its own pairwise sums, with about a third of the shuffles
// of L separate reductions). Finish::apply(z, out, count) consumes the register. With fewer than
// L/2 rows left, each row is reduced on its own (reduce_rows would mostly add padding).
// One row's register: the short form with R registers when R != 0 (all rows of a layer
// have the same n, so R is chosen once per layer), else the general one.
template <ieee_binary T, std::size_t R>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v row_lanes(T const* w, T const* x,
                                                                      std::size_t n, bool has_bias,
                                                                      T b) noexcept {
    if constexpr (R == 0) {
        return inner_product_lanes<T, false>(w, x, n, has_bias, b);
    } else {
        return short_lanes<T, R>(w, x, n, has_bias, b, vec<T>::opaque(vec<T>::splat(T(-0.0))));
    }
}

// Rows longer than P terms (n + bias > P, vector ISAs): what is the same for every row of
// a layer, computed once per layer rather than once per row (measured: a third of the
// instructions of a 64 x 64 layer's rows went to it): where the tail starts, how many of
// its terms each register holds, and x's tail registers with the bias term's 1 in place.
template <ieee_binary T>
struct long_rows {
    using V = vec<T>;
    using v = typename V::v;
    static constexpr std::size_t lanes = V::lanes;
    static constexpr std::size_t k_regs = partial_sums<T> / lanes;
    std::size_t tail = 0;       // the first term past the last full block of P
    std::size_t tail_regs = 0;  // registers that the tail and the bias reach
    std::size_t bias_reg = 0;   // the bias term's register and lane (when there is one)
    std::size_t bias_lane = 0;
    std::size_t count[k_regs] = {};  // of the tail's terms in register k
    v x_tail[k_regs];

    long_rows(T const* x, std::size_t n, bool has_bias) noexcept {
        constexpr std::size_t p = partial_sums<T>;
        tail = n - n % p;
        std::size_t const r = n - tail;
        tail_regs = (r + (has_bias ? 1 : 0) + lanes - 1) / lanes;
        bias_reg = r / lanes;
        bias_lane = r % lanes;
        for (std::size_t k = 0; k < k_regs; ++k) {
            std::size_t const base = k * lanes;
            count[k] = r > base ? (r - base < lanes ? r - base : lanes) : 0;
            x_tail[k] =
                count[k] != 0 ? V::load_first(x + tail + base, count[k], V::zero()) : V::zero();
            if (has_bias && k == bias_reg) x_tail[k] = V::with_lane(x_tail[k], bias_lane, T(1));
        }
    }
};

// inner_product_lanes for one row of such a layer (the same operations in the same order:
// the first block's partial sums start as fma(w, x, -0), the tail and the bias as there).
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v long_row_lanes(
    T const* w, T const* x, std::size_t n, long_rows<T> const& layout, bool has_bias, T b,
    typename vec<T>::v negative_zero) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t k_regs = p / lanes;
    v s[k_regs];
#pragma GCC unroll 16
    for (std::size_t k = 0; k < k_regs; ++k) {
        s[k] = V::fma(V::load(w + k * lanes), V::load(x + k * lanes), negative_zero);
    }
    for (std::size_t i = p; i + p <= n; i += p) {
#pragma GCC unroll 16
        for (std::size_t k = 0; k < k_regs; ++k) {
            s[k] = V::fma(V::load(w + i + k * lanes), V::load(x + i + k * lanes), s[k]);
        }
    }
#pragma GCC unroll 16
    for (std::size_t k = 0; k < k_regs; ++k) {
        if (k < layout.tail_regs) {
            std::size_t const c = layout.count[k];
            T const* const wk = w + layout.tail + k * lanes;
            v wv = c == lanes ? V::load(wk)
                   : c != 0   ? V::load_first(wk, c, negative_zero)
                              : negative_zero;
            if (has_bias && k == layout.bias_reg) wv = V::with_lane(wv, layout.bias_lane, b);
            s[k] = V::fma(wv, layout.x_tail[k], s[k]);
        }
    }
    tree_levels<V, k_regs, k_regs / 2>(s, k_regs);
    return s[0];
}

template <ieee_binary T, class Finish>
void long_rows_pass(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                    std::size_t b_stride, T* out) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    bool const has_bias = b != nullptr;
    long_rows<T> const layout(x, n, has_bias);
    v const negative_zero = V::opaque(V::splat(T(-0.0)));
    for (std::size_t r = 0; r < rows; r += lanes) {
        std::size_t const count = rows - r < lanes ? rows - r : lanes;
        v acc[lanes];
        // The loop stays rolled: one copy of the row's code instead of L (the row's own
        // work dominates, and acc lives in memory either way).
#pragma GCC unroll 1
        for (std::size_t g = 0; g < lanes; ++g) {
            T const bias = g < count && has_bias ? b[(r + g) * b_stride] : T(0);
            acc[g] = g < count ? long_row_lanes(W + (r + g) * n, x, n, layout, has_bias, bias,
                                                negative_zero)
                               : V::zero();
        }
        if (count * 2 <= lanes) {
            // Few rows left: each reduced on its own (reduce_rows would mostly add padding).
            if (Finish::per_register && count * 4 >= lanes) {
                v z = V::zero();
                for (std::size_t g = 0; g < count; ++g) z = V::with_lane(z, g, V::reduce(acc[g]));
                Finish::template apply<T>(z, out + r, count);
            } else {
                for (std::size_t g = 0; g < count; ++g) {
                    Finish::template one<T>(V::reduce(acc[g]), out + r + g);
                }
            }
        } else {
            Finish::template apply<T>(V::reduce_rows(acc), out + r, count);
        }
    }
}

template <ieee_binary T, class Finish, std::size_t R>
void rows_pass_with(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                    std::size_t b_stride, T* out) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    bool const has_bias = b != nullptr;
    for (std::size_t r = 0; r < rows; r += lanes) {
        std::size_t const count = rows - r < lanes ? rows - r : lanes;
        if (count * 2 <= lanes && lanes > 1) {
            // One vector activation for the rows of this pass once there are enough of them
            // (a register of σ costs about four scalar σ's); else one value at a time.
            bool const vector_finish = Finish::per_register && count * 4 >= lanes;
            v z = V::zero();
            for (std::size_t g = 0; g < count; ++g) {
                T const bias = has_bias ? b[(r + g) * b_stride] : T(0);
                T const* const w = W + (r + g) * n;
                T const zg = n + (has_bias ? 1 : 0) <= 4
                                 ? small_sum(w, x, n, has_bias, bias)
                                 : V::reduce(row_lanes<T, R>(w, x, n, has_bias, bias));
                if (vector_finish) {
                    z = V::with_lane(z, g, zg);
                } else {
                    Finish::template one<T>(zg, out + r + g);
                }
            }
            if (vector_finish) Finish::template apply<T>(z, out + r, count);
        } else {
            v acc[lanes];
            if constexpr (R == 0) {
                // Long rows: the loop stays rolled (one copy of the row's code instead of
                // L; the row's own loop dominates, and acc lives in memory either way).
#pragma GCC unroll 1
                for (std::size_t g = 0; g < lanes; ++g) {
                    T const bias = g < count && has_bias ? b[(r + g) * b_stride] : T(0);
                    acc[g] = g < count ? row_lanes<T, R>(W + (r + g) * n, x, n, has_bias, bias)
                                       : V::zero();
                }
            } else {
#pragma GCC unroll 16
                for (std::size_t g = 0; g < lanes; ++g) {
                    if (g < count) {
                        T const bias = has_bias ? b[(r + g) * b_stride] : T(0);
                        acc[g] = row_lanes<T, R>(W + (r + g) * n, x, n, has_bias, bias);
                    } else {
                        acc[g] = V::zero();
                    }
                }
            }
            Finish::template apply<T>(V::reduce_rows(acc), out + r, count);
        }
    }
}

template <ieee_binary T, class Finish, std::size_t... R>
[[gnu::always_inline]] inline void rows_pass_short(std::size_t regs, T const* W, std::size_t rows,
                                                   std::size_t n, T const* x, T const* b,
                                                   std::size_t b_stride, T* out,
                                                   std::index_sequence<R...>) noexcept {
    (void)((regs == R + 1
                ? (rows_pass_with<T, Finish, R + 1>(W, rows, n, x, b, b_stride, out), true)
                : false) ||
           ...);
}

template <ieee_binary T, class Finish>
[[gnu::always_inline]] inline void rows_pass(T const* W, std::size_t rows, std::size_t n,
                                             T const* x, T const* b, std::size_t b_stride,
                                             T* out) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    std::size_t const m = n + (b != nullptr ? 1 : 0);
    if constexpr (lanes > 1) {
        if (m > 0 && m <= p) {
            rows_pass_short<T, Finish>((m + lanes - 1) / lanes, W, rows, n, x, b, b_stride, out,
                                       std::make_index_sequence<p / lanes>{});
            return;
        }
    }
    if constexpr (lanes > 1) {
        if (m > p) {
            long_rows_pass<T, Finish>(W, rows, n, x, b, b_stride, out);
        } else {
            for (std::size_t r = 0; r < rows; ++r) Finish::template one<T>(T(0), out + r);  // m = 0
        }
    } else {
        rows_pass_with<T, Finish, 0>(W, rows, n, x, b, b_stride, out);
    }
}

// What a pass does with a register of weighted inputs (named types rather than lambdas:
// every function of a target region must carry its target).
struct store_weighted_inputs {
    static constexpr bool per_register = false;  // a few rows: store each z_r directly
    template <ieee_binary T>
    [[gnu::always_inline]] static void one(T z, T* out) noexcept {
        *out = z;
    }
    template <ieee_binary T>
    [[gnu::always_inline]] static void apply(typename vec<T>::v z, T* out,
                                             std::size_t count) noexcept {
        store_lanes<T>(z, out, count);
    }
};

struct store_sigmoid {
    static constexpr bool per_register = true;
    template <ieee_binary T>
    [[gnu::always_inline]] static void one(T z, T* out) noexcept {
        *out = sigmoid_one(z);
    }
    template <ieee_binary T>
    [[gnu::always_inline]] static void apply(typename vec<T>::v z, T* out,
                                             std::size_t count) noexcept {
        if constexpr (vec<T>::lanes == 1) {
            *out = sigmoid_one(vec<T>::reduce(z));
        } else {
            store_lanes<T>(sigmoid_lanes<T>(z), out, count);
        }
    }
};

// z_r = inner_product(W + r*n, x, n, b != nullptr, b[r * b_stride]), r < rows; z must not
// overlap W, x or b.
template <ieee_binary T>
[[gnu::noinline]] void inner_products_rows(T const* W, std::size_t rows, std::size_t n, T const* x,
                                           T const* b, std::size_t b_stride, T* z) noexcept {
    rows_pass<T, store_weighted_inputs>(W, rows, n, x, b, b_stride, z);
}

// Layers this small (rows of at most four terms, at most four rows) take a plain loop of
// one value at a time: no registers of rows to set up, no large stack frame (measured:
// about a third of the instructions of the general pass for 1 x 2), with the row length
// chosen once per layer.
inline constexpr std::size_t tiny_rows = 4;

template <ieee_binary T, class Finish, std::size_t N, bool HasBias>
[[gnu::always_inline]] inline void tiny_layer_with(T const* W, std::size_t rows, T const* x,
                                                   T const* b, std::size_t b_stride,
                                                   T* out) noexcept {
    T const negative_zero = portable::vec<T>::opaque(T(-0.0));
    for (std::size_t r = 0; r < rows; ++r) {
        T const bias = HasBias ? b[r * b_stride] : T(0);
        Finish::template one<T>(small_sum_fixed<T, N, HasBias>(W + r * N, x, bias, negative_zero),
                                out + r);
    }
}

// n + (b != nullptr) <= 4.
template <ieee_binary T, class Finish>
[[gnu::always_inline]] inline void tiny_layer(T const* W, std::size_t rows, std::size_t n,
                                              T const* x, T const* b, std::size_t b_stride,
                                              T* out) noexcept {
    if (b != nullptr) {
        switch (n) {
            case 0:
                return tiny_layer_with<T, Finish, 0, true>(W, rows, x, b, b_stride, out);
            case 1:
                return tiny_layer_with<T, Finish, 1, true>(W, rows, x, b, b_stride, out);
            case 2:
                return tiny_layer_with<T, Finish, 2, true>(W, rows, x, b, b_stride, out);
            default:
                return tiny_layer_with<T, Finish, 3, true>(W, rows, x, b, b_stride, out);
        }
    }
    switch (n) {
        case 0:
            return tiny_layer_with<T, Finish, 0, false>(W, rows, x, b, b_stride, out);
        case 1:
            return tiny_layer_with<T, Finish, 1, false>(W, rows, x, b, b_stride, out);
        case 2:
            return tiny_layer_with<T, Finish, 2, false>(W, rows, x, b, b_stride, out);
        case 3:
            return tiny_layer_with<T, Finish, 3, false>(W, rows, x, b, b_stride, out);
        default:
            return tiny_layer_with<T, Finish, 4, false>(W, rows, x, b, b_stride, out);
    }
}

template <ieee_binary T>
void inner_products(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                    std::size_t b_stride, T* z) noexcept {
    if (n + (b != nullptr ? 1 : 0) <= 4 && rows <= tiny_rows) {
        tiny_layer<T, store_weighted_inputs>(W, rows, n, x, b, b_stride, z);
        return;
    }
    inner_products_rows(W, rows, n, x, b, b_stride, z);
}

// y_r = σ(z_r), z_r = inner_product(W + r*n, x, n, true, b[r]): the sigmoid is applied to
// each register of weighted inputs while it is still in registers. y must not overlap W,
// x or b.
template <ieee_binary T>
[[gnu::noinline]] void forward_sigmoid_rows(T const* W, std::size_t rows, std::size_t n, T const* x,
                                            T const* b, T* y) noexcept {
    rows_pass<T, store_sigmoid>(W, rows, n, x, b, 1, y);
}

template <ieee_binary T>
void forward_sigmoid(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                     T* y) noexcept {
    if (n + 1 <= 4 && rows <= tiny_rows) {
        tiny_layer<T, store_sigmoid>(W, rows, n, x, b, 1, y);
        return;
    }
    forward_sigmoid_rows(W, rows, n, x, b, y);
}

// ---------------------------------------------------------------------------------------
// A batch of inputs for the run-time layer: z_{q,r} = inner_product(W + r n, X + q n, n,
// true, b_r) into Z[q rows + r], q < count, r < rows, bitwise inner_products for each input.
//
// One input at a time, a row longer than P terms is two loads per FMA (w and x, both
// vectors), so the pass runs at one FMA per cycle. A tile of 2 rows x 2 inputs shares each
// weight register between the two inputs and each x register between the two rows: 4
// loads for 4 FMAs, which two loads and two FMAs per cycle match (measured, AVX-512, GCC 12,
// 784 x 128 float, 256 inputs: 2.09 ms one input at a time, 1.30 ms in tiles). Its 2 x 2 x K
// accumulators (K = P / L registers a row) fit where K <= 4 (AVX-512: 16 of 32 registers);
// AVX2 (K = 8 of 16 registers) and NEON (K = 16) already fill their registers with one row,
// and they, rows of at most P terms, and a last odd input or row take the one-input path.
// Each z is reduced on its own (V::reduce: the same levels as reduce_rows, in one
// register), as the pass does for its last few rows.
// ---------------------------------------------------------------------------------------

template <ieee_binary T>
inline constexpr bool batch_tiles = vec<T>::lanes > 1 && partial_sums<T> / vec<T>::lanes <= 4;

// z of rows w0, w1 for inputs x0, x1 (long_row_lanes for each pair, sharing the loads).
template <ieee_binary T>
[[gnu::always_inline]] inline void long_rows_tile(T const* w0, T const* w1, T const* x0,
                                                  T const* x1, std::size_t n,
                                                  long_rows<T> const& l0, long_rows<T> const& l1,
                                                  T b0, T b1, typename vec<T>::v negative_zero,
                                                  T (&z)[2][2]) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t k_regs = p / lanes;
    T const* const w[2] = {w0, w1};
    T const* const x[2] = {x0, x1};
    long_rows<T> const* const l[2] = {&l0, &l1};
    T const bias[2] = {b0, b1};
    v s[2][2][k_regs];
#pragma GCC unroll 4
    for (std::size_t k = 0; k < k_regs; ++k) {
        v const wa[2] = {V::load(w[0] + k * lanes), V::load(w[1] + k * lanes)};
        v const xc[2] = {V::load(x[0] + k * lanes), V::load(x[1] + k * lanes)};
#pragma GCC unroll 2
        for (std::size_t a = 0; a < 2; ++a) {
#pragma GCC unroll 2
            for (std::size_t c = 0; c < 2; ++c) s[a][c][k] = V::fma(wa[a], xc[c], negative_zero);
        }
    }
    for (std::size_t i = p; i + p <= n; i += p) {
#pragma GCC unroll 4
        for (std::size_t k = 0; k < k_regs; ++k) {
            v const wa[2] = {V::load(w[0] + i + k * lanes), V::load(w[1] + i + k * lanes)};
            v const xc[2] = {V::load(x[0] + i + k * lanes), V::load(x[1] + i + k * lanes)};
#pragma GCC unroll 2
            for (std::size_t a = 0; a < 2; ++a) {
#pragma GCC unroll 2
                for (std::size_t c = 0; c < 2; ++c) s[a][c][k] = V::fma(wa[a], xc[c], s[a][c][k]);
            }
        }
    }
    // The tail and the bias, as long_row_lanes (the layout's counts depend only on n).
#pragma GCC unroll 4
    for (std::size_t k = 0; k < k_regs; ++k) {
        if (k < l0.tail_regs) {
            std::size_t const c = l0.count[k];
#pragma GCC unroll 2
            for (std::size_t a = 0; a < 2; ++a) {
                T const* const wk = w[a] + l0.tail + k * lanes;
                v wv = c == lanes ? V::load(wk)
                       : c != 0   ? V::load_first(wk, c, negative_zero)
                                  : negative_zero;
                if (k == l0.bias_reg) wv = V::with_lane(wv, l0.bias_lane, bias[a]);
#pragma GCC unroll 2
                for (std::size_t q = 0; q < 2; ++q) {
                    s[a][q][k] = V::fma(wv, l[q]->x_tail[k], s[a][q][k]);
                }
            }
        }
    }
#pragma GCC unroll 2
    for (std::size_t a = 0; a < 2; ++a) {
#pragma GCC unroll 2
        for (std::size_t c = 0; c < 2; ++c) {
            tree_levels<V, k_regs, k_regs / 2>(s[a][c], k_regs);
            z[a][c] = V::reduce(s[a][c][0]);
        }
    }
}

template <ieee_binary T>
void batch_inner_products(T const* W, std::size_t rows, std::size_t n, T const* X,
                          std::size_t count, T const* b, T* Z) noexcept {
    std::size_t q = 0;
    if constexpr (batch_tiles<T>) {
        using V = vec<T>;
        if (n + 1 > partial_sums<T> && rows >= 2) {
            typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
            for (; q + 2 <= count; q += 2) {
                T const* const x0 = X + q * n;
                T const* const x1 = x0 + n;
                long_rows<T> const l0(x0, n, true);
                long_rows<T> const l1(x1, n, true);
                T* const z0 = Z + q * rows;
                T* const z1 = z0 + rows;
                std::size_t r = 0;
                for (; r + 2 <= rows; r += 2) {
                    T z[2][2];
                    long_rows_tile<T>(W + r * n, W + (r + 1) * n, x0, x1, n, l0, l1, b[r], b[r + 1],
                                      negative_zero, z);
                    z0[r] = z[0][0];
                    z1[r] = z[0][1];
                    z0[r + 1] = z[1][0];
                    z1[r + 1] = z[1][1];
                }
                if (r < rows) {
                    z0[r] =
                        V::reduce(long_row_lanes(W + r * n, x0, n, l0, true, b[r], negative_zero));
                    z1[r] =
                        V::reduce(long_row_lanes(W + r * n, x1, n, l1, true, b[r], negative_zero));
                }
            }
        }
    }
    for (; q < count; ++q) inner_products(W, rows, n, X + q * n, b, 1, Z + q * rows);
}

// This ISA's table. With SOMA_SEPARATE_KERNELS (config.hpp) only the translation unit
// that defines SOMA_KERNELS_IMPLEMENTATION defines it (and so compiles the kernels); the
// others declare it.
#if defined(SOMA_SEPARATE_KERNELS) && !defined(SOMA_KERNELS_IMPLEMENTATION)
extern kernel_table const table;
#else
SOMA_DETAIL_KERNEL_TABLE kernel_table table = {
    this_isa,
    this_isa_requires,
    {&inner_product<float>, &inner_products<float>, &forward_sigmoid<float>, &sigmoid_array<float>,
     &sigmoid_one<float>, &step_array<float>, &tanh_array<float>, &tanh_one<float>,
     &softmax_array<float>, &batch_inner_products<float>},
    {&inner_product<double>, &inner_products<double>, &forward_sigmoid<double>,
     &sigmoid_array<double>, &sigmoid_one<double>, &step_array<double>, &tanh_array<double>,
     &tanh_one<double>, &softmax_array<double>, &batch_inner_products<double>},
};
#endif
// ---- end soma/detail/kernels-inl.hpp ----
#undef SOMA_DETAIL_KERNELS_INL_INSIDE

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx2

SOMA_DETAIL_TARGET_END

#endif  // SOMA_X86_KERNELS

#endif  // SOMA_DETAIL_SIMD_AVX2_HPP
// ---- end soma/detail/simd/avx2.hpp ----
// ---- begin soma/detail/simd/avx512.hpp ----
// soma/detail/simd/avx512.hpp - the vocabulary of soma's kernels for x86-64 AVX-512
// (F, BW, DQ, VL; the x86-64-v4 level).
//
// The operations of simd/portable.hpp on 512-bit registers (16 floats, 8 doubles),
// compiled inside an AVX-512 target region, followed by the kernels of
// soma/detail/kernels-inl.hpp. Partial registers use masked loads and stores, which never
// touch memory in the masked-off lanes.
#ifndef SOMA_DETAIL_SIMD_AVX512_HPP
#define SOMA_DETAIL_SIMD_AVX512_HPP

#include <bit>
#include <cstddef>
#include <cstdint>


#if defined(SOMA_X86_KERNELS)
#include <immintrin.h>

// GCC 12 reports its own _mm512_undefined_* placeholders as "maybe uninitialized" when
// AVX-512 intrinsics are inlined into a target("avx512f") function of a non-AVX-512 build.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

SOMA_DETAIL_TARGET_AVX512_BEGIN

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx512 {

#define SOMA_DETAIL_OP [[nodiscard, gnu::always_inline]] static inline

template <ieee_binary T>
struct vec;

template <>
struct vec<float> {
    using v = __m512;
    using mask = __mmask16;
    static constexpr std::size_t lanes = 16;
    static constexpr mask all = 0xFFFF;

    SOMA_DETAIL_OP mask first(std::size_t c) noexcept {
        return static_cast<mask>((1U << c) - 1U);  // c <= 16
    }
    SOMA_DETAIL_OP v zero() noexcept { return _mm512_setzero_ps(); }
    SOMA_DETAIL_OP v splat(float a) noexcept { return _mm512_set1_ps(a); }
    SOMA_DETAIL_OP v load(float const* p) noexcept { return _mm512_loadu_ps(p); }
    [[gnu::always_inline]] static inline void store(float* p, v a) noexcept {
        _mm512_storeu_ps(p, a);
    }
    // Narrow too, for the same reason as store_first: a 512-bit load covering a recent
    // store to the memory past p[c) would wait for that store.
    SOMA_DETAIL_OP v load_first(float const* p, std::size_t c, v fill) noexcept {
        if (SOMA_DETAIL_KNOWN(c) && c <= 4) {
            __m128 const low =
                c == 4 ? _mm_loadu_ps(p) : _mm_maskz_loadu_ps(static_cast<__mmask8>(first(c)), p);
            return _mm512_mask_broadcast_f32x4(fill, first(c), low);
        }
        if (SOMA_DETAIL_KNOWN(c) && c <= 8) {
            __m256 const low = c == 8 ? _mm256_loadu_ps(p)
                                      : _mm256_maskz_loadu_ps(static_cast<__mmask8>(first(c)), p);
            return _mm512_mask_broadcast_f32x8(fill, first(c), low);
        }
        return _mm512_mask_loadu_ps(fill, first(c), p);
    }
    // As narrow as the lanes stored, when c is known at compile time (the kernels of a
    // static shape; SOMA_DETAIL_KNOWN): a 512-bit masked store also covers the memory past
    // p[c) (its masked-off lanes), and a later load of that memory, such as the input a
    // caller keeps just after its outputs, waits for the store to retire instead of
    // being forwarded (measured, AVX-512, Clang 14: a 4 x 4 layer with x right after y,
    // 41 ns per call with the 512-bit store, 11 ns with a 128-bit one). The narrow value
    // is opaque: otherwise GCC folds cast and store into VEXTRACTF32X4 to memory, which
    // has no fault suppression for its masked-off lanes (the guard-page test).
    [[gnu::always_inline]] static inline void store_first(float* p, v a, std::size_t c) noexcept {
        if (SOMA_DETAIL_KNOWN(c) && c <= 4) {
            __m128 low = _mm512_castps512_ps128(a);
            SOMA_DETAIL_OPAQUE(low);  // kept a masked store, see above
            if (c == 4) {
                _mm_storeu_ps(p, low);
            } else {
                _mm_mask_storeu_ps(p, static_cast<__mmask8>(first(c)), low);
            }
        } else if (SOMA_DETAIL_KNOWN(c) && c <= 8) {
            __m256 low = _mm512_castps512_ps256(a);
            SOMA_DETAIL_OPAQUE(low);  // kept a masked store, see above
            if (c == 8) {
                _mm256_storeu_ps(p, low);
            } else {
                _mm256_mask_storeu_ps(p, static_cast<__mmask8>(first(c)), low);
            }
        } else {
            _mm512_mask_storeu_ps(p, first(c), a);
        }
    }
    SOMA_DETAIL_OP v with_lane(v a, std::size_t l, float t) noexcept {
        return _mm512_mask_mov_ps(a, static_cast<mask>(1U << l), _mm512_set1_ps(t));
    }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return _mm512_add_ps(a, b); }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return _mm512_sub_ps(a, b); }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return _mm512_mul_ps(a, b); }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return _mm512_div_ps(a, b); }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return _mm512_fmadd_ps(a, b, c); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return _mm512_fmsub_ps(a, b, c); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return _mm512_fnmadd_ps(a, b, c); }
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return _mm512_max_ps(lo, a); }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept {
        return _mm512_mask_blend_ps(m, no, yes);
    }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    // The tree inside one register: h = 8, 4, 2, 1, each step bringing lanes j + h down to
    // lanes j with a shuffle (zero-masked forms with a full mask: the plain ones trip a
    // false -Wmaybe-uninitialized in GCC 12's headers).
    SOMA_DETAIL_OP float reduce(v s) noexcept {
        s = _mm512_add_ps(s, _mm512_maskz_shuffle_f32x4(all, s, s, 0x4E));
        s = _mm512_add_ps(s, _mm512_maskz_shuffle_f32x4(all, s, s, 0xB1));
        s = _mm512_add_ps(s, _mm512_maskz_permute_ps(all, s, 0x4E));
        s = _mm512_add_ps(s, _mm512_maskz_permute_ps(all, s, 0xB1));
        return _mm512_cvtss_f32(s);
    }
    SOMA_DETAIL_OP v h8(v p, v q) noexcept {
        return _mm512_add_ps(_mm512_maskz_shuffle_f32x4(all, p, q, 0x44),
                             _mm512_maskz_shuffle_f32x4(all, p, q, 0xEE));
    }
    SOMA_DETAIL_OP v h4(v p, v q) noexcept {
        return _mm512_add_ps(_mm512_maskz_shuffle_f32x4(all, p, q, 0x88),
                             _mm512_maskz_shuffle_f32x4(all, p, q, 0xDD));
    }
    SOMA_DETAIL_OP v h2(v p, v q) noexcept {
        return _mm512_add_ps(_mm512_maskz_shuffle_ps(all, p, q, _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_maskz_shuffle_ps(all, p, q, _MM_SHUFFLE(3, 2, 3, 2)));
    }
    SOMA_DETAIL_OP v h1(v p, v q) noexcept {
        return _mm512_add_ps(_mm512_maskz_shuffle_ps(all, p, q, _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_maskz_shuffle_ps(all, p, q, _MM_SHUFFLE(3, 1, 3, 1)));
    }
    // Sixteen rows' trees at once: h = 8 joins the 256-bit halves of two rows per add,
    // h = 4 the 128-bit blocks of four rows, h = 2 and h = 1 pair lanes inside blocks.
    // The pairing below leaves row g in lane g (30 shuffles and 15 adds for 16 rows).
    SOMA_DETAIL_OP v reduce_rows(v const (&a)[16]) noexcept {
        v const b1 = h4(h8(a[0], a[4]), h8(a[8], a[12]));
        v const b2 = h4(h8(a[1], a[5]), h8(a[9], a[13]));
        v const b3 = h4(h8(a[2], a[6]), h8(a[10], a[14]));
        v const b4 = h4(h8(a[3], a[7]), h8(a[11], a[15]));
        return h1(h2(b1, b2), h2(b3, b4));
    }
    SOMA_DETAIL_OP v or_bits(v a, std::uint32_t u) noexcept {
        return _mm512_castsi512_ps(
            _mm512_or_si512(_mm512_castps_si512(a), _mm512_set1_epi32(static_cast<int>(u))));
    }
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return or_bits(a, 0x80000000U); }
    SOMA_DETAIL_OP __m512d widen_lo(v a) noexcept {
        return _mm512_cvtps_pd(_mm512_castps512_ps256(a));
    }
    SOMA_DETAIL_OP __m512d widen_hi(v a) noexcept {
        return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
    }
    // The first four lanes widened to a 256-bit register of doubles, and back (the
    // others zero): for layers of at most four rows.
    using quarter_double = avx2::vec<double>;
    SOMA_DETAIL_OP __m256d widen_quarter(v a) noexcept {
        return _mm256_cvtps_pd(_mm512_castps512_ps128(a));
    }
    SOMA_DETAIL_OP v narrow_quarter(__m256d a) noexcept {
        return _mm512_zextps128_ps512(_mm256_cvtpd_ps(a));
    }
    SOMA_DETAIL_OP v narrow(__m512d lo, __m512d hi) noexcept {
        return _mm512_castpd_ps(
            _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(_mm512_cvtpd_ps(lo))),
                               _mm256_castps_pd(_mm512_cvtpd_ps(hi)), 1));
    }
};

template <>
struct vec<double> {
    using v = __m512d;
    using mask = __mmask8;
    static constexpr std::size_t lanes = 8;
    static constexpr mask all = 0xFF;

    SOMA_DETAIL_OP mask first(std::size_t c) noexcept {
        return static_cast<mask>((1U << c) - 1U);  // c <= 8
    }
    SOMA_DETAIL_OP v zero() noexcept { return _mm512_setzero_pd(); }
    SOMA_DETAIL_OP v splat(double a) noexcept { return _mm512_set1_pd(a); }
    SOMA_DETAIL_OP v load(double const* p) noexcept { return _mm512_loadu_pd(p); }
    [[gnu::always_inline]] static inline void store(double* p, v a) noexcept {
        _mm512_storeu_pd(p, a);
    }
    // As narrow as the lanes used, when known at compile time (see vec<float>::store_first).
    SOMA_DETAIL_OP v load_first(double const* p, std::size_t c, v fill) noexcept {
        if (SOMA_DETAIL_KNOWN(c) && c <= 2) {
            __m128d const low = c == 2 ? _mm_loadu_pd(p) : _mm_maskz_loadu_pd(first(c), p);
            return _mm512_mask_broadcast_f64x2(fill, first(c), low);
        }
        if (SOMA_DETAIL_KNOWN(c) && c <= 4) {
            __m256d const low = c == 4 ? _mm256_loadu_pd(p) : _mm256_maskz_loadu_pd(first(c), p);
            return _mm512_mask_broadcast_f64x4(fill, first(c), low);
        }
        return _mm512_mask_loadu_pd(fill, first(c), p);
    }
    [[gnu::always_inline]] static inline void store_first(double* p, v a, std::size_t c) noexcept {
        if (SOMA_DETAIL_KNOWN(c) && c <= 2) {
            __m128d low = _mm512_castpd512_pd128(a);
            SOMA_DETAIL_OPAQUE(low);  // kept a masked store, see above
            if (c == 2) {
                _mm_storeu_pd(p, low);
            } else {
                _mm_mask_storeu_pd(p, first(c), low);
            }
        } else if (SOMA_DETAIL_KNOWN(c) && c <= 4) {
            __m256d low = _mm512_castpd512_pd256(a);
            SOMA_DETAIL_OPAQUE(low);  // kept a masked store, see above
            if (c == 4) {
                _mm256_storeu_pd(p, low);
            } else {
                _mm256_mask_storeu_pd(p, first(c), low);
            }
        } else {
            _mm512_mask_storeu_pd(p, first(c), a);
        }
    }
    SOMA_DETAIL_OP v with_lane(v a, std::size_t l, double t) noexcept {
        return _mm512_mask_mov_pd(a, static_cast<mask>(1U << l), _mm512_set1_pd(t));
    }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return _mm512_add_pd(a, b); }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return _mm512_sub_pd(a, b); }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return _mm512_mul_pd(a, b); }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return _mm512_div_pd(a, b); }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return _mm512_fmadd_pd(a, b, c); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return _mm512_fmsub_pd(a, b, c); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return _mm512_fnmadd_pd(a, b, c); }
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return _mm512_max_pd(lo, a); }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept { return _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q); }
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept {
        return _mm512_mask_blend_pd(m, no, yes);
    }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    // The tree inside one register: h = 4, 2, 1.
    SOMA_DETAIL_OP double reduce(v s) noexcept {
        s = _mm512_add_pd(s, _mm512_maskz_shuffle_f64x2(all, s, s, 0x4E));
        s = _mm512_add_pd(s, _mm512_maskz_shuffle_f64x2(all, s, s, 0xB1));
        s = _mm512_add_pd(s, _mm512_maskz_permute_pd(all, s, 0x55));
        return _mm512_cvtsd_f64(s);
    }
    SOMA_DETAIL_OP v h4(v p, v q) noexcept {
        return _mm512_add_pd(_mm512_maskz_shuffle_f64x2(all, p, q, 0x44),
                             _mm512_maskz_shuffle_f64x2(all, p, q, 0xEE));
    }
    SOMA_DETAIL_OP v h2(v p, v q) noexcept {
        return _mm512_add_pd(_mm512_maskz_shuffle_f64x2(all, p, q, 0x88),
                             _mm512_maskz_shuffle_f64x2(all, p, q, 0xDD));
    }
    // Eight rows' trees at once, as for float: h = 4 over pairs of rows, h = 2 over four
    // rows' 128-bit blocks, h = 1 inside blocks; row g ends in lane g.
    SOMA_DETAIL_OP v reduce_rows(v const (&a)[8]) noexcept {
        v const b1 = h2(h4(a[0], a[2]), h4(a[4], a[6]));
        v const b2 = h2(h4(a[1], a[3]), h4(a[5], a[7]));
        return _mm512_add_pd(_mm512_maskz_unpacklo_pd(all, b1, b2),
                             _mm512_maskz_unpackhi_pd(all, b1, b2));
    }
    SOMA_DETAIL_OP __m512i bits(v a) noexcept { return _mm512_castpd_si512(a); }
    SOMA_DETAIL_OP v or_bits(v a, std::uint64_t u) noexcept {
        return _mm512_castsi512_pd(
            _mm512_or_si512(bits(a), _mm512_set1_epi64(static_cast<long long>(u))));
    }
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return or_bits(a, 0x8000000000000000U); }
    SOMA_DETAIL_OP v add_exponent(v p, v t, std::uint64_t e) noexcept {
        __m512i const k = _mm512_slli_epi64(
            _mm512_add_epi64(bits(t), _mm512_set1_epi64(static_cast<long long>(e))), 52);
        return _mm512_castsi512_pd(_mm512_add_epi64(bits(p), k));
    }
    SOMA_DETAIL_OP v exponent_from(v t, std::uint64_t e) noexcept {
        return _mm512_castsi512_pd(_mm512_slli_epi64(
            _mm512_add_epi64(bits(t), _mm512_set1_epi64(static_cast<long long>(e))), 52));
    }
};

using scalar_double = avx2::one_double;

#undef SOMA_DETAIL_OP

inline constexpr isa this_isa = isa::avx512;
inline constexpr feature_set this_isa_requires =
    features_of({feature::avx512f, feature::avx512bw, feature::avx512dq, feature::avx512vl,
                 feature::avx2, feature::fma});

#define SOMA_DETAIL_KERNELS_INL_INSIDE 1
// ---- begin soma/detail/kernels-inl.hpp ----
// soma/detail/kernels-inl.hpp - every kernel of soma, written once over a vocabulary.
//
// No include guard, on purpose: each ISA's header in soma/detail/simd/ includes this file
// (with SOMA_DETAIL_KERNELS_INL_INSIDE defined) inside its own namespace
// (soma::detail::avx2, ::avx512, ::neon, ::portable), after defining there
//   vec<T>              the ISA's vocabulary (the operations listed in simd/portable.hpp),
//   this_isa            its soma::detail::isa value, and
//   this_isa_requires   the CPU features it needs (cpu.hpp),
// and, for x86-64, inside a target region (config.hpp), so that every function below is
// compiled for that ISA. The result is one table of kernels per ISA (`table`, at the end),
// all computing the same operations in the same order, hence the same bits.
//
// The algorithms:
//   sigmoid_f32_in_double, sigmoid_f64_core   σ(z), the algorithm of soma/sigmoid.hpp
//   sigmoid_one                               one value (portable vocabulary: the
//                                             definition; elsewhere compiled with FMA)
//   sigmoid_array, step_array                 arrays, L lanes at a time
//   exp_f64_parts                             e^a for a <= 0 (σ, tanh, softmax)
//   tanh_f64_core, tanh_one, tanh_array       tanh(z), the algorithm of soma/tanh.hpp
//   softmax_values, softmax_array             softmax, of soma/softmax.hpp
//   inner_product_lanes, inner_product        the canonical inner product
//                                             (soma/detail/inner_product.hpp)
//   inner_products, forward_sigmoid           several rows, L rows per pass
//   batch_inner_products                      several rows for several inputs

#if !defined(SOMA_DETAIL_KERNELS_INL_INSIDE)
#error "soma/detail/kernels-inl.hpp is included by soma/detail/simd/<isa>.hpp only"
#endif

// ---------------------------------------------------------------------------------------
// σ(z) = 1/(1 + e^-z)
//
// With a = -|z| <= 0 and e = e^a in (0, 1]:  σ(z) = 1/(1 + e) for z >= 0, e/(1 + e) for
// z < 0, so e never overflows and 1 + e lies in (1, 2]. e = 2^k·e^r with k = round(a/ln 2)
// and r = a - k·ln 2 in [-ln2/2, ln2/2] (Cody and Waite), e^r by a polynomial.
//
// float is evaluated in double (one rounding to float at the end): max error 0.5 + 2^-4
// ULP by analysis, <= 1 ULP asserted over all 2^32 inputs. double carries e^r and 1/(1+e)
// as unevaluated sums hi + lo and rounds once (0.5 + 2^-5 ULP by analysis for normal
// results, 0.75 + 2^-5 for subnormal ones; 1 ULP asserted). Nothing relies on the compiler
// fusing a*b + c: every fused operation is explicit, and no plain product feeds a plain
// sum, so contraction (-ffp-contract=fast) has nothing to fuse.
// ---------------------------------------------------------------------------------------

// σ for float lanes widened to double, without the NaN patch (callers add it).
template <class V>
[[nodiscard, gnu::always_inline]] constexpr typename V::v sigmoid_f32_in_double(
    typename V::v x) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    // The numerator's choice depends on x alone: settled here, off the critical path.
    v const one = V::splat(1.0);
    v const non_negative = V::select(V::lt(x, V::zero()), V::zero(), one);
    v const a = V::max(V::splat(c::f32_a_min), V::negative_abs(x));
    v const magic = V::splat(c::round_magic);
    v const t = V::fma(a, V::splat(c::log2e), magic);
    v const k = V::sub(t, magic);
    // One-constant reduction: r = a - k·ln2_hi is exact and the omitted k·ln2_lo is below
    // 151·2^-55 < 2^-47, far under float's resolution.
    v const r = V::fma(k, V::splat(-c::ln2_hi), a);
    v p = V::splat(c::f32_p6);
    p = V::fma(p, r, V::splat(c::f32_p5));
    p = V::fma(p, r, V::splat(c::f32_p4));
    p = V::fma(p, r, V::splat(c::f32_p3));
    p = V::fma(p, r, V::splat(c::f32_p2));
    p = V::fma(p, r, V::splat(c::f32_p1));
    p = V::fma(p, r, one);
    v const e = V::add_exponent(p, t, 0);  // p·2^k, k >= -151: normal, exact
    v const d = V::add(one, e);
    // e for x < 0, else 1: e lies in (0, 1], so max(0, e) = e and max(1, e) = 1.
    v const numerator = V::max(non_negative, e);
    return V::div(numerator, d);
}

// e^a = 2^k·(p_hi + p_lo) for double lanes a in [-746, 0] (the caller clamps), with
// t = k + round_magic, p_hi + p_lo = e^(a - k ln 2) to a relative error below 2^-60, and
// p_hi = round(p_hi + p_lo) in [0.70, 1.42]. Shared by σ, tanh and softmax.
template <class V>
struct exp_parts {
    typename V::v t;
    typename V::v p_hi;
    typename V::v p_lo;
};

template <class V>
[[nodiscard, gnu::always_inline]] constexpr exp_parts<V> exp_f64_parts(typename V::v a) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    v const magic = V::splat(c::round_magic);
    v const t = V::fma(a, V::splat(c::log2e), magic);
    v const k = V::sub(t, magic);
    // r is exact: k·ln2_hi and a are multiples of 2^-54 and |r| < 2^-1.
    v const r = V::fma(k, V::splat(-c::ln2_hi), a);
    v const r_lo = V::mul(k, V::splat(-c::ln2_lo));  // e^(r + r_lo) = e^r (1 + r_lo) + O(2^-90)

    v w = V::splat(c::f64_w9);
    w = V::fma(w, r, V::splat(c::f64_w8));
    w = V::fma(w, r, V::splat(c::f64_w7));
    w = V::fma(w, r, V::splat(c::f64_w6));
    w = V::fma(w, r, V::splat(c::f64_w5));
    w = V::fma(w, r, V::splat(c::f64_w4));
    w = V::fma(w, r, V::splat(c::f64_w3));
    w = V::fma(w, r, V::splat(c::f64_w2));
    w = V::fma(w, r, V::splat(c::f64_w1));
    w = V::fma(w, r, V::splat(c::f64_w0));
    // h = r²/2 exactly as h_hi + h_lo; the cubic tail h·r·w is below 2^-7.
    v const half_r = V::mul(V::splat(0.5), r);
    v const h_hi = V::mul(half_r, r);
    v const h_lo = V::fms(half_r, r, h_hi);
    v const tail = V::fma(h_hi, V::mul(r, w), h_lo);
    // 1 + r + h_hi by two exact Fast2Sums (|1| >= |r|, |1 + r| >= |h_hi|).
    v const one = V::splat(1.0);
    v const s1 = V::add(one, r);
    v const e1 = V::add(V::sub(one, s1), r);
    v const s2 = V::add(s1, h_hi);
    v const e2 = V::add(V::sub(s1, s2), h_hi);
    v lo = V::add(V::add(e1, e2), tail);
    lo = V::fma(r_lo, V::add(s2, tail), lo);  // e^r·r_lo needs e^r only to 2^-20
    v const p_hi = V::add(s2, lo);            // e^(a - k ln2) = p_hi + p_lo, error < 2^-60
    v const p_lo = V::add(V::sub(s2, p_hi), lo);
    return {t, p_hi, p_lo};
}

// σ for double lanes, without the NaN patch.
template <class V>
[[nodiscard, gnu::always_inline]] constexpr typename V::v sigmoid_f64_core(
    typename V::v z) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    v const a = V::max(V::splat(c::f64_a_min), V::negative_abs(z));
    auto const [t, p_hi, p_lo] = exp_f64_parts<V>(a);
    v const one = V::splat(1.0);

    // d = 1 + e as d_hi + d_lo, e = (p_hi + p_lo)·2^max(k, -120): below 2^-120, e moves the
    // quotient by less than 2^-120, and the clamp keeps e's low part normal.
    v const t_d = V::max(V::splat(c::round_magic + c::f64_k_min_for_d), t);
    v const e_hi = V::add_exponent(p_hi, t_d, 0);  // p_hi normal, k >= -120: exact
    v const d_hi = V::add(one, e_hi);
    // d_lo = (1 - d_hi) + e_hi + p_lo·2^k: the product is fused on purpose, so that a
    // compiler contracting a*b + c has nothing to fuse.
    v const d_lo =
        V::fma(p_lo, V::exponent_from(t_d, c::exponent_bias), V::add(V::sub(one, d_hi), e_hi));

    // 1/d = q·(1 + rho) + O(rho²): q = 1/d_hi correctly rounded, so 1 - q·d_hi is exact.
    v const q = V::div(one, d_hi);
    v rho = V::fnma(q, d_hi, one);
    rho = V::fnma(q, d_lo, rho);
    v const y_pos = V::fma(q, rho, q);

    // e/d = 2^k·(p_hi + p_lo)·q·(1 + rho), rounded once (y_m in [0.35, 1.42]) before the
    // exact 2^(k+600) scaling; 2^-600 rounds a second time only for subnormal results.
    v const q_rho = V::mul(q, rho);
    v const y_m = V::fma(p_hi, q, V::fma(p_hi, q_rho, V::mul(p_lo, q)));
    v const y_neg = V::mul(V::add_exponent(y_m, t, c::f64_k_shift), V::splat(c::f64_unshift));
    return V::select(V::lt(z, V::zero()), y_neg, y_pos);
}

// Core<S>(a) on one double a with the vocabulary S of one value: the ISA's scalar_double
// (on x86-64 the low lane of an SSE register, portable::vec<double> elsewhere) at run
// time, the portable one in constant evaluation, where intrinsics cannot run. Both do the
// same operations with the same roundings: the same bits.
template <class Core>
[[nodiscard, gnu::always_inline]] constexpr double on_one_double(double a) noexcept {
    if (!std::is_constant_evaluated()) {
        using S = scalar_double;
        return S::to(Core::template eval<S>(S::from(a)));
    }
    return Core::template eval<portable::vec<double>>(a);
}

struct sigmoid_f32_core {
    template <class S>
    [[nodiscard, gnu::always_inline]] static constexpr typename S::v eval(
        typename S::v a) noexcept {
        return sigmoid_f32_in_double<S>(a);
    }
};
struct sigmoid_f64_core_one {
    template <class S>
    [[nodiscard, gnu::always_inline]] static constexpr typename S::v eval(
        typename S::v a) noexcept {
        return sigmoid_f64_core<S>(a);
    }
};

// σ(z) for one value: the definition (constexpr; the portable vocabulary in constant
// evaluation, the ISA's vocabulary of one value at run time, see on_one_double).
template <ieee_binary T>
[[nodiscard]] constexpr T sigmoid_one(T z) noexcept {
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        if (z != z) return std::bit_cast<float>(std::bit_cast<std::uint32_t>(z) | c::f32_quiet_bit);
        return static_cast<float>(on_one_double<sigmoid_f32_core>(static_cast<double>(z)));
    } else {
        if (z != z)
            return std::bit_cast<double>(std::bit_cast<std::uint64_t>(z) | c::f64_quiet_bit);
        return on_one_double<sigmoid_f64_core_one>(z);
    }
}

// σ on one register of T lanes; NaN lanes give z with its quiet bit set.
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v sigmoid_lanes(
    typename vec<T>::v z) noexcept {
    using V = vec<T>;
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        using D = vec<double>;
        auto const y = V::narrow(sigmoid_f32_in_double<D>(V::widen_lo(z)),
                                 sigmoid_f32_in_double<D>(V::widen_hi(z)));
        return V::select(V::is_nan(z), V::or_bits(z, c::f32_quiet_bit), y);
    } else {
        return V::select(V::is_nan(z), V::or_bits(z, c::f64_quiet_bit), sigmoid_f64_core<V>(z));
    }
}

// out_i = σ(z_i), i < n. Two registers per iteration: each is one long dependency chain
// (about 40 cycles), so the out-of-order core needs several in flight. out may be z.
template <ieee_binary T>
void sigmoid_array(T const* z, T* out, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    if constexpr (lanes == 1) {
        for (std::size_t i = 0; i < n; ++i) out[i] = sigmoid_one(z[i]);
    } else {
        std::size_t i = 0;
        for (; i + 2 * lanes <= n; i += 2 * lanes) {
            auto const z0 = V::load(z + i);
            auto const z1 = V::load(z + i + lanes);
            V::store(out + i, sigmoid_lanes<T>(z0));
            V::store(out + i + lanes, sigmoid_lanes<T>(z1));
        }
        for (; i < n; i += lanes) {
            std::size_t const c = n - i < lanes ? n - i : lanes;
            V::store_first(out + i, sigmoid_lanes<T>(V::load_first(z + i, c, V::zero())), c);
        }
    }
}

// ---------------------------------------------------------------------------------------
// tanh(z) = (1 - e^-2|z|)/(1 + e^-2|z|) with the sign of z
//
// With a = -2|z| (|z| clamped to 20, above which tanh rounds to 1) and e = e^a in
// (0, 1] = 2^k·(p_hi + p_lo) from exp_f64_parts: the numerator 1 - e and the denominator
// 1 + e are carried as unevaluated sums hi + lo, so the cancellation in 1 - e for small |z|
// costs nothing (for k = 0, 1 - p_hi is exact and p_lo keeps the low bits: the error of
// p_hi + p_lo, about 2^-53·|r|³ + 2^-106, is small against 1 - e ≈ |r|; for k < 0,
// 1 - e > 0.29). The quotient is formed like σ's 1/(1 + e) and rounded once: 0.532 ULP
// measured, 1 ULP asserted. Below |z| = 2^-27 the result is z itself (correctly rounded,
// signed zeros kept); those lanes compute tanh(1/2) meanwhile, so that no power of a tiny z
// underflows. |z| only enters, and the sign is set at the end: tanh(-z) = -tanh(z) bit for
// bit. float is evaluated in double and rounded once more (<= 0.5 + 2^-28 ULP).
// ---------------------------------------------------------------------------------------

// tanh for double lanes (float lanes widened), without the NaN patch.
template <class V>
[[nodiscard, gnu::always_inline]] constexpr typename V::v tanh_f64_core(typename V::v z) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    v const one = V::splat(1.0);
    v const minus_x = V::negative_abs(z);
    auto const tiny = V::lt(V::splat(-tanh_constants::x_tiny), minus_x);  // |z| < 2^-27
    v const half_a =
        V::select(tiny, V::splat(-0.5), V::max(V::splat(-tanh_constants::x_max), minus_x));
    v const a = V::add(half_a, half_a);  // -2|z| in [-40, 0], exact (no overflow for huge z)
    auto const [t, p_hi, p_lo] = exp_f64_parts<V>(a);
    v const scale = V::exponent_from(t, c::exponent_bias);  // 2^k, k in [-58, 0]
    v const e_hi = V::add_exponent(p_hi, t, 0);             // exact
    // 1 - e = n_hi + n_lo and 1 + e = d_hi + d_lo: Fast2Sums (|1| >= e_hi), then the low
    // part of e, p_lo·2^k, fused on purpose (nothing left for a contracting compiler).
    v const n_hi = V::sub(one, e_hi);
    v const n_lo = V::fnma(p_lo, scale, V::sub(V::sub(one, n_hi), e_hi));
    v const d_hi = V::add(one, e_hi);
    v const d_lo = V::fma(p_lo, scale, V::add(V::sub(one, d_hi), e_hi));
    // 1/d = q·(1 + rho) + O(rho²), q = 1/d_hi correctly rounded (1 - q·d_hi exact); then
    // n/d = n_hi·q + (n_hi·q·rho + n_lo·q), rounded once by the outer fma.
    v const q = V::div(one, d_hi);
    v rho = V::fnma(q, d_hi, one);
    rho = V::fnma(q, d_lo, rho);
    v const y = V::fma(n_hi, q, V::fma(n_hi, V::mul(q, rho), V::mul(n_lo, q)));
    v const signed_y = V::select(V::lt(z, V::zero()), V::negative_abs(y), y);
    return V::select(tiny, z, signed_y);
}

// tanh(z) for one value: the definition (constexpr, the vocabulary of on_one_double). Two ranges
// are settled before the evaluation, with the bits the evaluation gives there (the lanes compute
// them; the exhaustive test compares every float and sampled doubles): z itself for |z| < 2^-13
// (float; tanh(z) is within 2^-27.5 relative of z, which the rounding to float returns) or 2^-27
// (double), and ±1 for |z| >= 9.2 (float: 1 - tanh(z) < 2^-25) or 20 (double: the clamp), where the
// branch is cheaper than the evaluation.
struct tanh_f64_core_one {
    template <class S>
    [[nodiscard, gnu::always_inline]] static constexpr typename S::v eval(
        typename S::v a) noexcept {
        return tanh_f64_core<S>(a);
    }
};

template <ieee_binary T>
[[nodiscard]] constexpr T tanh_one(T z) noexcept {
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        auto const bits = std::bit_cast<std::uint32_t>(z);
        std::uint32_t const abs_bits = bits & 0x7fffffffU;
        if (abs_bits > 0x7f800000U) return std::bit_cast<float>(bits | c::f32_quiet_bit);  // NaN
        if (abs_bits < 0x39000000U) return z;                                              // 2^-13
        if (abs_bits >= 0x41133333U)
            return std::bit_cast<float>((bits & 0x80000000U) | 0x3f800000U);
        return static_cast<float>(on_one_double<tanh_f64_core_one>(static_cast<double>(z)));
    } else {
        auto const bits = std::bit_cast<std::uint64_t>(z);
        std::uint64_t const abs_bits = bits & 0x7fffffffffffffffU;
        if (abs_bits > 0x7ff0000000000000U) return std::bit_cast<double>(bits | c::f64_quiet_bit);
        if (abs_bits < 0x3e40000000000000U) return z;  // 2^-27
        if (abs_bits >= 0x4034000000000000U) {         // 20
            return std::bit_cast<double>((bits & c::sign_bit) | 0x3ff0000000000000U);
        }
        return on_one_double<tanh_f64_core_one>(z);
    }
}

// tanh on one register of T lanes; NaN lanes give z with its quiet bit set.
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v tanh_lanes(
    typename vec<T>::v z) noexcept {
    using V = vec<T>;
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        using D = vec<double>;
        auto const y =
            V::narrow(tanh_f64_core<D>(V::widen_lo(z)), tanh_f64_core<D>(V::widen_hi(z)));
        return V::select(V::is_nan(z), V::or_bits(z, c::f32_quiet_bit), y);
    } else {
        return V::select(V::is_nan(z), V::or_bits(z, c::f64_quiet_bit), tanh_f64_core<V>(z));
    }
}

// out_i = tanh(z_i), i < n; out may be z. Two registers per iteration, as for σ (one long
// dependency chain each).
template <ieee_binary T>
void tanh_array(T const* z, T* out, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    if constexpr (lanes == 1) {
        for (std::size_t i = 0; i < n; ++i) out[i] = tanh_one(z[i]);
    } else {
        std::size_t i = 0;
        for (; i + 2 * lanes <= n; i += 2 * lanes) {
            auto const z0 = V::load(z + i);
            auto const z1 = V::load(z + i + lanes);
            V::store(out + i, tanh_lanes<T>(z0));
            V::store(out + i + lanes, tanh_lanes<T>(z1));
        }
        for (; i < n; i += lanes) {
            std::size_t const c = n - i < lanes ? n - i : lanes;
            V::store_first(out + i, tanh_lanes<T>(V::load_first(z + i, c, V::zero())), c);
        }
    }
}

// ---------------------------------------------------------------------------------------
// softmax: y_i = e^(z_i - m) / Σ_j e^(z_j - m), m = max_j z_j
//
// One value at a time (portable vocabulary, constexpr; inside an x86-64 target region the
// same operations with FMA instructions): the sum runs in index order, j = 0, 1, ..., n-1,
// in double for float and double, and a vector sum would need a second order. Each term is
// e^d for d = z_i - m <= 0 computed in double (exact or within 2^-53·|d| for float inputs;
// -1024 where z_i < m - 1024), from exp_f64_parts rounded once (0.5 + 2^-7 ULP; subnormal
// terms twice). Each y_i is one correctly rounded division (then rounded to float).
// ---------------------------------------------------------------------------------------

// e^d for d <= 0 in double (one value); d below -746 gives +0.
[[nodiscard]] constexpr double exp_nonpositive(double d) noexcept {
    using one_lane = portable::vec<double>;
    using c = sigmoid_constants;
    double const a = one_lane::max(c::f64_a_min, d);
    auto const [t, p_hi, p_lo] = exp_f64_parts<one_lane>(a);
    (void)p_lo;  // p_hi is p_hi + p_lo rounded
    // 2^k for k in [-1076, 0] as 2^(k + 600)·2^-600, as σ does: rounded once, only for
    // subnormal terms. opaque: the sum must not fuse this product (inexact when subnormal).
    return one_lane::opaque(
        one_lane::mul(one_lane::add_exponent(p_hi, t, c::f64_k_shift), c::f64_unshift));
}

[[nodiscard]] constexpr double softmax_term(double z, double m) noexcept {
    // Below m + d_min the term is e^d_min (+0). The subtraction takes m there instead of z,
    // through an opaque value: otherwise the compiler distributes the subtraction over the
    // select and evaluates z - m, which overflows for z = lowest, m = max (FE_OVERFLOW,
    // seen with Clang).
    bool const negligible = z < m + tanh_constants::softmax_d_min;
    double const safe = portable::vec<double>::opaque(negligible ? m : z);
    return exp_nonpositive(negligible ? tanh_constants::softmax_d_min : safe - m);
}

// out = softmax(z), n values; out may be z. NaN anywhere: every output is the first NaN
// of z with its quiet bit set. m = +inf or -inf (every finite term is then negligible, or
// every z_i is -inf): the k entries equal to m share 1/k each (rounded), the others +0.
template <ieee_binary T>
constexpr void softmax_values(T const* z, T* out, std::size_t n) noexcept {
    using c = sigmoid_constants;
    if (n == 0) return;
    for (std::size_t i = 0; i < n; ++i) {
        if (z[i] != z[i]) {
            T nan = z[i];
            if constexpr (std::same_as<T, float>) {
                nan = std::bit_cast<float>(std::bit_cast<std::uint32_t>(nan) | c::f32_quiet_bit);
            } else {
                nan = std::bit_cast<double>(std::bit_cast<std::uint64_t>(nan) | c::f64_quiet_bit);
            }
            for (std::size_t j = 0; j < n; ++j) out[j] = nan;
            return;
        }
    }
    T m = z[0];
    for (std::size_t i = 1; i < n; ++i) m = z[i] > m ? z[i] : m;
    if (m > std::numeric_limits<T>::max() || m < std::numeric_limits<T>::lowest()) {  // ±inf
        std::size_t k = 0;
        for (std::size_t i = 0; i < n; ++i) k += z[i] == m ? 1 : 0;
        T const share = static_cast<T>(1.0 / static_cast<double>(k));
        for (std::size_t i = 0; i < n; ++i) out[i] = z[i] == m ? share : T(0);
        return;
    }
    double const md = static_cast<double>(m);
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += softmax_term(static_cast<double>(z[i]), md);
    // s >= 1 (the term of m is e^0 = 1) and at most n. Each term is computed again (the same
    // bits): out may be z, and a float out could not hold the double term.
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = static_cast<T>(softmax_term(static_cast<double>(z[i]), md) / s);
    }
}

// The kernel table's entry (a function of this ISA's target region).
template <ieee_binary T>
void softmax_array(T const* z, T* out, std::size_t n) noexcept {
    softmax_values<T>(z, out, n);
}

// out_i = u(z_i): 1 for z_i >= 0 (also -0), 0 below, NaN unchanged. out may be z.
template <ieee_binary T>
void step_array(T const* z, T* out, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    auto const one = V::splat(T(1));
    auto const zero = V::zero();
    std::size_t i = 0;
    for (; i < n; i += lanes) {
        std::size_t const c = n - i < lanes ? n - i : lanes;
        auto const a = c == lanes ? V::load(z + i) : V::load_first(z + i, c, zero);
        auto const u = V::select(V::is_nan(a), a, V::select(V::ge(a, zero), one, zero));
        if (c == lanes) {
            V::store(out + i, u);
        } else {
            V::store_first(out + i, u, c);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The canonical inner product (soma/detail/inner_product.hpp): P = 256 / sizeof(T) partial
// sums are K = P / L registers s[0..K-1], lane l of s[k] holding partial sum kL + l. Term i
// goes to s[(i mod P) / L], lane i mod L; the tree's levels h >= L add whole registers,
// the levels h < L are reduce() inside s[0].
//
// Why K accumulators: the order fixes them at 256 bytes, which is also what hides the
// FMA latency: eight AVX2 (2 pipes x 4 cycles), four AVX-512 (two 64-byte loads per FMA
// allow one FMA per cycle), sixteen NEON registers.
//
// The last r < P terms and the bias use load_first: w's missing lanes are -0 and x's +0,
// and fma(-0, +0, s) = s + (-0) = s exactly for every s, so the padding changes no partial
// sum and nothing past the arrays is read. The bias is the term (b, 1) in lane r:
// fma(b, 1, s) = s + b. Partial sums that receive no term stay -0 and the tree may skip
// them (x + (-0) = x), which is how short vectors skip most of it.
// ---------------------------------------------------------------------------------------

template <class V, std::size_t K, std::size_t H>
[[gnu::always_inline]] inline void tree_levels(typename V::v (&s)[K], std::size_t used) noexcept {
    // s may hold fewer than P / L registers (K of them): the ones past K are all -0.
    if constexpr (H >= 1) {
#pragma GCC unroll 32
        for (std::size_t j = 0; j < H; ++j) {
            if (j + H < used && j + H < K) s[j] = V::add(s[j], s[j + H]);
        }
        tree_levels<V, K, H / 2>(s, used < H ? used : H);
    }
}

// Fewer than P terms, in R registers (R known at compile time): every term has a partial
// sum of its own, so each register is one product fma(w, x, -0) = round(w x); registers
// 0 .. R-2 are full, the last holds the remaining terms and the bias; the tree skips the
// registers past R, which hold only -0. Straight-line code: no loop, no test per register.
template <ieee_binary T, std::size_t R>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v short_lanes(
    T const* w, T const* x, std::size_t n, bool has_bias, T b,
    typename vec<T>::v negative_zero) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t k_regs = partial_sums<T> / lanes;
    v s[R];
#pragma GCC unroll 16
    for (std::size_t k = 0; k + 1 < R; ++k) {
        s[k] = V::fma(V::load(w + k * lanes), V::load(x + k * lanes), negative_zero);
    }
    constexpr std::size_t base = (R - 1) * lanes;
    std::size_t const c = n - base;  // 0 .. L terms in the last register, then the bias
    v wv = c != 0 ? V::load_first(w + base, c, negative_zero) : negative_zero;
    v xv = c != 0 ? V::load_first(x + base, c, V::zero()) : V::zero();
    if (has_bias) {
        wv = V::with_lane(wv, c, b);
        xv = V::with_lane(xv, c, T(1));
    }
    s[R - 1] = V::fma(wv, xv, negative_zero);
    tree_levels<V, R, k_regs / 2>(s, R);
    return s[0];
}

template <ieee_binary T, std::size_t... R>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v short_lanes_of(
    std::size_t regs, T const* w, T const* x, std::size_t n, bool has_bias, T b,
    typename vec<T>::v negative_zero, std::index_sequence<R...>) noexcept {
    typename vec<T>::v out = negative_zero;
    (void)((regs == R + 1 ? (out = short_lanes<T, R + 1>(w, x, n, has_bias, b, negative_zero), true)
                          : false) ||
           ...);
    return out;
}

// The register the in-register tree starts from: the canonical order up to its last
// L lanes. Short = false: the caller knows that n + bias > P (no short forms compiled in).
template <ieee_binary T, bool Short = true>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v inner_product_lanes(
    T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t k_regs = p / lanes;
    std::size_t const m = n + (has_bias ? 1 : 0);
    if (m == 0) return V::zero();  // the empty sum is +0
    // -0 opaque: a known -0 addend would let the compiler turn fma(w, x, -0) into w*x and
    // then fuse that product into the tree (see SOMA_DETAIL_OPAQUE).
    v const negative_zero = V::opaque(V::splat(T(-0.0)));
    if constexpr (lanes > 1 && Short) {
        if (m <= p) {
            return short_lanes_of<T>((m + lanes - 1) / lanes, w, x, n, has_bias, b, negative_zero,
                                     std::make_index_sequence<k_regs>{});
        }
    }
    v s[k_regs];
#pragma GCC unroll 64
    for (std::size_t k = 0; k < k_regs; ++k) s[k] = negative_zero;
    std::size_t i = 0;
    for (; i + p <= n; i += p) {
#pragma GCC unroll 64
        for (std::size_t k = 0; k < k_regs; ++k) {
            s[k] = V::fma(V::load(w + i + k * lanes), V::load(x + i + k * lanes), s[k]);
        }
    }
    std::size_t const r = n - i;
    std::size_t const tail_regs = (r + (has_bias ? 1 : 0) + lanes - 1) / lanes;
    // Unrolled for the vector ISAs (at most 16 registers); the portable one-lane form keeps
    // its 64 partial sums in memory here (one copy of the tail instead of 64).
#pragma GCC unroll 16
    for (std::size_t k = 0; k < k_regs; ++k) {
        if (k < tail_regs) {
            std::size_t const base = k * lanes;
            std::size_t const c = r > base ? (r - base < lanes ? r - base : lanes) : 0;
            v wv = c != 0 ? V::load_first(w + i + base, c, negative_zero) : negative_zero;
            v xv = c != 0 ? V::load_first(x + i + base, c, V::zero()) : V::zero();
            if (has_bias && r / lanes == k) {
                wv = V::with_lane(wv, r - base, b);
                xv = V::with_lane(xv, r - base, T(1));
            }
            s[k] = V::fma(wv, xv, s[k]);
        }
    }
    tree_levels<V, k_regs, k_regs / 2>(s, lanes > 1 || n >= p ? k_regs : tail_regs);
    return s[0];
}

// At most four terms (m = n + bias <= 4), one value at a time: the products
// fma(w, x, -0) = round(w x) and the levels h = 2, 1 of the tree, which is cheaper than a
// register's shuffles. (The levels h >= 4 pair partial sums with all-(-0) ones.)
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline T small_sum(T const* w, T const* x, std::size_t n,
                                                     bool has_bias, T b) noexcept {
    using one = portable::vec<T>;
    T const negative_zero = one::opaque(T(-0.0));
    T s[4] = {negative_zero, negative_zero, negative_zero, negative_zero};
    for (std::size_t i = 0; i < n; ++i) s[i] = one::fma(w[i], x[i], negative_zero);
    if (has_bias) s[n] = b;
    std::size_t const m = n + (has_bias ? 1 : 0);
    if (m == 0) return T(0);  // the empty sum is +0
    if (m > 2) {
        s[0] = s[0] + s[2];
        if (m > 3) s[1] = s[1] + s[3];
    }
    return m > 1 ? s[0] + s[1] : s[0];
}

// small_sum for a length N known at compile time: straight-line code (the run-time
// length's loop over a stack array is what the compiler vectorizes, with stores and
// reloads around it: measured 107 instructions for a 1 x 2 sigmoid layer, 72 with this).
template <ieee_binary T, std::size_t N, bool HasBias>
[[nodiscard, gnu::always_inline]] inline T small_sum_fixed(T const* w, T const* x, T b,
                                                           T negative_zero) noexcept {
    using one = portable::vec<T>;
    constexpr std::size_t m = N + (HasBias ? 1 : 0);
    static_assert(m <= 4);
    if constexpr (m == 0) {
        return T(0);  // the empty sum is +0
    } else {
        T s[m];
#pragma GCC unroll 4
        for (std::size_t i = 0; i < N; ++i) s[i] = one::fma(w[i], x[i], negative_zero);
        if constexpr (HasBias) s[N] = b;
        if constexpr (m > 2) s[0] = s[0] + s[2];
        if constexpr (m > 3) s[1] = s[1] + s[3];
        if constexpr (m > 1) return s[0] + s[1];
        return s[0];
    }
}

template <ieee_binary T>
[[nodiscard]] T inner_product(T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept {
    if (n + (has_bias ? 1 : 0) <= 4) return small_sum(w, x, n, has_bias, b);
    return vec<T>::reduce(inner_product_lanes(w, x, n, has_bias, b));
}

template <ieee_binary T>
[[gnu::always_inline]] inline void store_lanes(typename vec<T>::v z, T* out,
                                               std::size_t count) noexcept {
    if (count == vec<T>::lanes) {
        vec<T>::store(out, z);
    } else {
        vec<T>::store_first(out, z, count);
    }
}

// Rows r .. r+L-1 of W at once: each row's register as in inner_product_lanes, then one
// reduce_rows for all of them, which leaves z_r in lane r of one register (a transposed
// tree: each row sees exactly its own pairwise sums, with about a third of the shuffles
// of L separate reductions). Finish::apply(z, out, count) consumes the register. With fewer than
// L/2 rows left, each row is reduced on its own (reduce_rows would mostly add padding).
// One row's register: the short form with R registers when R != 0 (all rows of a layer
// have the same n, so R is chosen once per layer), else the general one.
template <ieee_binary T, std::size_t R>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v row_lanes(T const* w, T const* x,
                                                                      std::size_t n, bool has_bias,
                                                                      T b) noexcept {
    if constexpr (R == 0) {
        return inner_product_lanes<T, false>(w, x, n, has_bias, b);
    } else {
        return short_lanes<T, R>(w, x, n, has_bias, b, vec<T>::opaque(vec<T>::splat(T(-0.0))));
    }
}

// Rows longer than P terms (n + bias > P, vector ISAs): what is the same for every row of
// a layer, computed once per layer rather than once per row (measured: a third of the
// instructions of a 64 x 64 layer's rows went to it): where the tail starts, how many of
// its terms each register holds, and x's tail registers with the bias term's 1 in place.
template <ieee_binary T>
struct long_rows {
    using V = vec<T>;
    using v = typename V::v;
    static constexpr std::size_t lanes = V::lanes;
    static constexpr std::size_t k_regs = partial_sums<T> / lanes;
    std::size_t tail = 0;       // the first term past the last full block of P
    std::size_t tail_regs = 0;  // registers that the tail and the bias reach
    std::size_t bias_reg = 0;   // the bias term's register and lane (when there is one)
    std::size_t bias_lane = 0;
    std::size_t count[k_regs] = {};  // of the tail's terms in register k
    v x_tail[k_regs];

    long_rows(T const* x, std::size_t n, bool has_bias) noexcept {
        constexpr std::size_t p = partial_sums<T>;
        tail = n - n % p;
        std::size_t const r = n - tail;
        tail_regs = (r + (has_bias ? 1 : 0) + lanes - 1) / lanes;
        bias_reg = r / lanes;
        bias_lane = r % lanes;
        for (std::size_t k = 0; k < k_regs; ++k) {
            std::size_t const base = k * lanes;
            count[k] = r > base ? (r - base < lanes ? r - base : lanes) : 0;
            x_tail[k] =
                count[k] != 0 ? V::load_first(x + tail + base, count[k], V::zero()) : V::zero();
            if (has_bias && k == bias_reg) x_tail[k] = V::with_lane(x_tail[k], bias_lane, T(1));
        }
    }
};

// inner_product_lanes for one row of such a layer (the same operations in the same order:
// the first block's partial sums start as fma(w, x, -0), the tail and the bias as there).
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v long_row_lanes(
    T const* w, T const* x, std::size_t n, long_rows<T> const& layout, bool has_bias, T b,
    typename vec<T>::v negative_zero) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t k_regs = p / lanes;
    v s[k_regs];
#pragma GCC unroll 16
    for (std::size_t k = 0; k < k_regs; ++k) {
        s[k] = V::fma(V::load(w + k * lanes), V::load(x + k * lanes), negative_zero);
    }
    for (std::size_t i = p; i + p <= n; i += p) {
#pragma GCC unroll 16
        for (std::size_t k = 0; k < k_regs; ++k) {
            s[k] = V::fma(V::load(w + i + k * lanes), V::load(x + i + k * lanes), s[k]);
        }
    }
#pragma GCC unroll 16
    for (std::size_t k = 0; k < k_regs; ++k) {
        if (k < layout.tail_regs) {
            std::size_t const c = layout.count[k];
            T const* const wk = w + layout.tail + k * lanes;
            v wv = c == lanes ? V::load(wk)
                   : c != 0   ? V::load_first(wk, c, negative_zero)
                              : negative_zero;
            if (has_bias && k == layout.bias_reg) wv = V::with_lane(wv, layout.bias_lane, b);
            s[k] = V::fma(wv, layout.x_tail[k], s[k]);
        }
    }
    tree_levels<V, k_regs, k_regs / 2>(s, k_regs);
    return s[0];
}

template <ieee_binary T, class Finish>
void long_rows_pass(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                    std::size_t b_stride, T* out) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    bool const has_bias = b != nullptr;
    long_rows<T> const layout(x, n, has_bias);
    v const negative_zero = V::opaque(V::splat(T(-0.0)));
    for (std::size_t r = 0; r < rows; r += lanes) {
        std::size_t const count = rows - r < lanes ? rows - r : lanes;
        v acc[lanes];
        // The loop stays rolled: one copy of the row's code instead of L (the row's own
        // work dominates, and acc lives in memory either way).
#pragma GCC unroll 1
        for (std::size_t g = 0; g < lanes; ++g) {
            T const bias = g < count && has_bias ? b[(r + g) * b_stride] : T(0);
            acc[g] = g < count ? long_row_lanes(W + (r + g) * n, x, n, layout, has_bias, bias,
                                                negative_zero)
                               : V::zero();
        }
        if (count * 2 <= lanes) {
            // Few rows left: each reduced on its own (reduce_rows would mostly add padding).
            if (Finish::per_register && count * 4 >= lanes) {
                v z = V::zero();
                for (std::size_t g = 0; g < count; ++g) z = V::with_lane(z, g, V::reduce(acc[g]));
                Finish::template apply<T>(z, out + r, count);
            } else {
                for (std::size_t g = 0; g < count; ++g) {
                    Finish::template one<T>(V::reduce(acc[g]), out + r + g);
                }
            }
        } else {
            Finish::template apply<T>(V::reduce_rows(acc), out + r, count);
        }
    }
}

template <ieee_binary T, class Finish, std::size_t R>
void rows_pass_with(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                    std::size_t b_stride, T* out) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    bool const has_bias = b != nullptr;
    for (std::size_t r = 0; r < rows; r += lanes) {
        std::size_t const count = rows - r < lanes ? rows - r : lanes;
        if (count * 2 <= lanes && lanes > 1) {
            // One vector activation for the rows of this pass once there are enough of them
            // (a register of σ costs about four scalar σ's); else one value at a time.
            bool const vector_finish = Finish::per_register && count * 4 >= lanes;
            v z = V::zero();
            for (std::size_t g = 0; g < count; ++g) {
                T const bias = has_bias ? b[(r + g) * b_stride] : T(0);
                T const* const w = W + (r + g) * n;
                T const zg = n + (has_bias ? 1 : 0) <= 4
                                 ? small_sum(w, x, n, has_bias, bias)
                                 : V::reduce(row_lanes<T, R>(w, x, n, has_bias, bias));
                if (vector_finish) {
                    z = V::with_lane(z, g, zg);
                } else {
                    Finish::template one<T>(zg, out + r + g);
                }
            }
            if (vector_finish) Finish::template apply<T>(z, out + r, count);
        } else {
            v acc[lanes];
            if constexpr (R == 0) {
                // Long rows: the loop stays rolled (one copy of the row's code instead of
                // L; the row's own loop dominates, and acc lives in memory either way).
#pragma GCC unroll 1
                for (std::size_t g = 0; g < lanes; ++g) {
                    T const bias = g < count && has_bias ? b[(r + g) * b_stride] : T(0);
                    acc[g] = g < count ? row_lanes<T, R>(W + (r + g) * n, x, n, has_bias, bias)
                                       : V::zero();
                }
            } else {
#pragma GCC unroll 16
                for (std::size_t g = 0; g < lanes; ++g) {
                    if (g < count) {
                        T const bias = has_bias ? b[(r + g) * b_stride] : T(0);
                        acc[g] = row_lanes<T, R>(W + (r + g) * n, x, n, has_bias, bias);
                    } else {
                        acc[g] = V::zero();
                    }
                }
            }
            Finish::template apply<T>(V::reduce_rows(acc), out + r, count);
        }
    }
}

template <ieee_binary T, class Finish, std::size_t... R>
[[gnu::always_inline]] inline void rows_pass_short(std::size_t regs, T const* W, std::size_t rows,
                                                   std::size_t n, T const* x, T const* b,
                                                   std::size_t b_stride, T* out,
                                                   std::index_sequence<R...>) noexcept {
    (void)((regs == R + 1
                ? (rows_pass_with<T, Finish, R + 1>(W, rows, n, x, b, b_stride, out), true)
                : false) ||
           ...);
}

template <ieee_binary T, class Finish>
[[gnu::always_inline]] inline void rows_pass(T const* W, std::size_t rows, std::size_t n,
                                             T const* x, T const* b, std::size_t b_stride,
                                             T* out) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    std::size_t const m = n + (b != nullptr ? 1 : 0);
    if constexpr (lanes > 1) {
        if (m > 0 && m <= p) {
            rows_pass_short<T, Finish>((m + lanes - 1) / lanes, W, rows, n, x, b, b_stride, out,
                                       std::make_index_sequence<p / lanes>{});
            return;
        }
    }
    if constexpr (lanes > 1) {
        if (m > p) {
            long_rows_pass<T, Finish>(W, rows, n, x, b, b_stride, out);
        } else {
            for (std::size_t r = 0; r < rows; ++r) Finish::template one<T>(T(0), out + r);  // m = 0
        }
    } else {
        rows_pass_with<T, Finish, 0>(W, rows, n, x, b, b_stride, out);
    }
}

// What a pass does with a register of weighted inputs (named types rather than lambdas:
// every function of a target region must carry its target).
struct store_weighted_inputs {
    static constexpr bool per_register = false;  // a few rows: store each z_r directly
    template <ieee_binary T>
    [[gnu::always_inline]] static void one(T z, T* out) noexcept {
        *out = z;
    }
    template <ieee_binary T>
    [[gnu::always_inline]] static void apply(typename vec<T>::v z, T* out,
                                             std::size_t count) noexcept {
        store_lanes<T>(z, out, count);
    }
};

struct store_sigmoid {
    static constexpr bool per_register = true;
    template <ieee_binary T>
    [[gnu::always_inline]] static void one(T z, T* out) noexcept {
        *out = sigmoid_one(z);
    }
    template <ieee_binary T>
    [[gnu::always_inline]] static void apply(typename vec<T>::v z, T* out,
                                             std::size_t count) noexcept {
        if constexpr (vec<T>::lanes == 1) {
            *out = sigmoid_one(vec<T>::reduce(z));
        } else {
            store_lanes<T>(sigmoid_lanes<T>(z), out, count);
        }
    }
};

// z_r = inner_product(W + r*n, x, n, b != nullptr, b[r * b_stride]), r < rows; z must not
// overlap W, x or b.
template <ieee_binary T>
[[gnu::noinline]] void inner_products_rows(T const* W, std::size_t rows, std::size_t n, T const* x,
                                           T const* b, std::size_t b_stride, T* z) noexcept {
    rows_pass<T, store_weighted_inputs>(W, rows, n, x, b, b_stride, z);
}

// Layers this small (rows of at most four terms, at most four rows) take a plain loop of
// one value at a time: no registers of rows to set up, no large stack frame (measured:
// about a third of the instructions of the general pass for 1 x 2), with the row length
// chosen once per layer.
inline constexpr std::size_t tiny_rows = 4;

template <ieee_binary T, class Finish, std::size_t N, bool HasBias>
[[gnu::always_inline]] inline void tiny_layer_with(T const* W, std::size_t rows, T const* x,
                                                   T const* b, std::size_t b_stride,
                                                   T* out) noexcept {
    T const negative_zero = portable::vec<T>::opaque(T(-0.0));
    for (std::size_t r = 0; r < rows; ++r) {
        T const bias = HasBias ? b[r * b_stride] : T(0);
        Finish::template one<T>(small_sum_fixed<T, N, HasBias>(W + r * N, x, bias, negative_zero),
                                out + r);
    }
}

// n + (b != nullptr) <= 4.
template <ieee_binary T, class Finish>
[[gnu::always_inline]] inline void tiny_layer(T const* W, std::size_t rows, std::size_t n,
                                              T const* x, T const* b, std::size_t b_stride,
                                              T* out) noexcept {
    if (b != nullptr) {
        switch (n) {
            case 0:
                return tiny_layer_with<T, Finish, 0, true>(W, rows, x, b, b_stride, out);
            case 1:
                return tiny_layer_with<T, Finish, 1, true>(W, rows, x, b, b_stride, out);
            case 2:
                return tiny_layer_with<T, Finish, 2, true>(W, rows, x, b, b_stride, out);
            default:
                return tiny_layer_with<T, Finish, 3, true>(W, rows, x, b, b_stride, out);
        }
    }
    switch (n) {
        case 0:
            return tiny_layer_with<T, Finish, 0, false>(W, rows, x, b, b_stride, out);
        case 1:
            return tiny_layer_with<T, Finish, 1, false>(W, rows, x, b, b_stride, out);
        case 2:
            return tiny_layer_with<T, Finish, 2, false>(W, rows, x, b, b_stride, out);
        case 3:
            return tiny_layer_with<T, Finish, 3, false>(W, rows, x, b, b_stride, out);
        default:
            return tiny_layer_with<T, Finish, 4, false>(W, rows, x, b, b_stride, out);
    }
}

template <ieee_binary T>
void inner_products(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                    std::size_t b_stride, T* z) noexcept {
    if (n + (b != nullptr ? 1 : 0) <= 4 && rows <= tiny_rows) {
        tiny_layer<T, store_weighted_inputs>(W, rows, n, x, b, b_stride, z);
        return;
    }
    inner_products_rows(W, rows, n, x, b, b_stride, z);
}

// y_r = σ(z_r), z_r = inner_product(W + r*n, x, n, true, b[r]): the sigmoid is applied to
// each register of weighted inputs while it is still in registers. y must not overlap W,
// x or b.
template <ieee_binary T>
[[gnu::noinline]] void forward_sigmoid_rows(T const* W, std::size_t rows, std::size_t n, T const* x,
                                            T const* b, T* y) noexcept {
    rows_pass<T, store_sigmoid>(W, rows, n, x, b, 1, y);
}

template <ieee_binary T>
void forward_sigmoid(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                     T* y) noexcept {
    if (n + 1 <= 4 && rows <= tiny_rows) {
        tiny_layer<T, store_sigmoid>(W, rows, n, x, b, 1, y);
        return;
    }
    forward_sigmoid_rows(W, rows, n, x, b, y);
}

// ---------------------------------------------------------------------------------------
// A batch of inputs for the run-time layer: z_{q,r} = inner_product(W + r n, X + q n, n,
// true, b_r) into Z[q rows + r], q < count, r < rows, bitwise inner_products for each input.
//
// One input at a time, a row longer than P terms is two loads per FMA (w and x, both
// vectors), so the pass runs at one FMA per cycle. A tile of 2 rows x 2 inputs shares each
// weight register between the two inputs and each x register between the two rows: 4
// loads for 4 FMAs, which two loads and two FMAs per cycle match (measured, AVX-512, GCC 12,
// 784 x 128 float, 256 inputs: 2.09 ms one input at a time, 1.30 ms in tiles). Its 2 x 2 x K
// accumulators (K = P / L registers a row) fit where K <= 4 (AVX-512: 16 of 32 registers);
// AVX2 (K = 8 of 16 registers) and NEON (K = 16) already fill their registers with one row,
// and they, rows of at most P terms, and a last odd input or row take the one-input path.
// Each z is reduced on its own (V::reduce: the same levels as reduce_rows, in one
// register), as the pass does for its last few rows.
// ---------------------------------------------------------------------------------------

template <ieee_binary T>
inline constexpr bool batch_tiles = vec<T>::lanes > 1 && partial_sums<T> / vec<T>::lanes <= 4;

// z of rows w0, w1 for inputs x0, x1 (long_row_lanes for each pair, sharing the loads).
template <ieee_binary T>
[[gnu::always_inline]] inline void long_rows_tile(T const* w0, T const* w1, T const* x0,
                                                  T const* x1, std::size_t n,
                                                  long_rows<T> const& l0, long_rows<T> const& l1,
                                                  T b0, T b1, typename vec<T>::v negative_zero,
                                                  T (&z)[2][2]) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t k_regs = p / lanes;
    T const* const w[2] = {w0, w1};
    T const* const x[2] = {x0, x1};
    long_rows<T> const* const l[2] = {&l0, &l1};
    T const bias[2] = {b0, b1};
    v s[2][2][k_regs];
#pragma GCC unroll 4
    for (std::size_t k = 0; k < k_regs; ++k) {
        v const wa[2] = {V::load(w[0] + k * lanes), V::load(w[1] + k * lanes)};
        v const xc[2] = {V::load(x[0] + k * lanes), V::load(x[1] + k * lanes)};
#pragma GCC unroll 2
        for (std::size_t a = 0; a < 2; ++a) {
#pragma GCC unroll 2
            for (std::size_t c = 0; c < 2; ++c) s[a][c][k] = V::fma(wa[a], xc[c], negative_zero);
        }
    }
    for (std::size_t i = p; i + p <= n; i += p) {
#pragma GCC unroll 4
        for (std::size_t k = 0; k < k_regs; ++k) {
            v const wa[2] = {V::load(w[0] + i + k * lanes), V::load(w[1] + i + k * lanes)};
            v const xc[2] = {V::load(x[0] + i + k * lanes), V::load(x[1] + i + k * lanes)};
#pragma GCC unroll 2
            for (std::size_t a = 0; a < 2; ++a) {
#pragma GCC unroll 2
                for (std::size_t c = 0; c < 2; ++c) s[a][c][k] = V::fma(wa[a], xc[c], s[a][c][k]);
            }
        }
    }
    // The tail and the bias, as long_row_lanes (the layout's counts depend only on n).
#pragma GCC unroll 4
    for (std::size_t k = 0; k < k_regs; ++k) {
        if (k < l0.tail_regs) {
            std::size_t const c = l0.count[k];
#pragma GCC unroll 2
            for (std::size_t a = 0; a < 2; ++a) {
                T const* const wk = w[a] + l0.tail + k * lanes;
                v wv = c == lanes ? V::load(wk)
                       : c != 0   ? V::load_first(wk, c, negative_zero)
                                  : negative_zero;
                if (k == l0.bias_reg) wv = V::with_lane(wv, l0.bias_lane, bias[a]);
#pragma GCC unroll 2
                for (std::size_t q = 0; q < 2; ++q) {
                    s[a][q][k] = V::fma(wv, l[q]->x_tail[k], s[a][q][k]);
                }
            }
        }
    }
#pragma GCC unroll 2
    for (std::size_t a = 0; a < 2; ++a) {
#pragma GCC unroll 2
        for (std::size_t c = 0; c < 2; ++c) {
            tree_levels<V, k_regs, k_regs / 2>(s[a][c], k_regs);
            z[a][c] = V::reduce(s[a][c][0]);
        }
    }
}

template <ieee_binary T>
void batch_inner_products(T const* W, std::size_t rows, std::size_t n, T const* X,
                          std::size_t count, T const* b, T* Z) noexcept {
    std::size_t q = 0;
    if constexpr (batch_tiles<T>) {
        using V = vec<T>;
        if (n + 1 > partial_sums<T> && rows >= 2) {
            typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
            for (; q + 2 <= count; q += 2) {
                T const* const x0 = X + q * n;
                T const* const x1 = x0 + n;
                long_rows<T> const l0(x0, n, true);
                long_rows<T> const l1(x1, n, true);
                T* const z0 = Z + q * rows;
                T* const z1 = z0 + rows;
                std::size_t r = 0;
                for (; r + 2 <= rows; r += 2) {
                    T z[2][2];
                    long_rows_tile<T>(W + r * n, W + (r + 1) * n, x0, x1, n, l0, l1, b[r], b[r + 1],
                                      negative_zero, z);
                    z0[r] = z[0][0];
                    z1[r] = z[0][1];
                    z0[r + 1] = z[1][0];
                    z1[r + 1] = z[1][1];
                }
                if (r < rows) {
                    z0[r] =
                        V::reduce(long_row_lanes(W + r * n, x0, n, l0, true, b[r], negative_zero));
                    z1[r] =
                        V::reduce(long_row_lanes(W + r * n, x1, n, l1, true, b[r], negative_zero));
                }
            }
        }
    }
    for (; q < count; ++q) inner_products(W, rows, n, X + q * n, b, 1, Z + q * rows);
}

// This ISA's table. With SOMA_SEPARATE_KERNELS (config.hpp) only the translation unit
// that defines SOMA_KERNELS_IMPLEMENTATION defines it (and so compiles the kernels); the
// others declare it.
#if defined(SOMA_SEPARATE_KERNELS) && !defined(SOMA_KERNELS_IMPLEMENTATION)
extern kernel_table const table;
#else
SOMA_DETAIL_KERNEL_TABLE kernel_table table = {
    this_isa,
    this_isa_requires,
    {&inner_product<float>, &inner_products<float>, &forward_sigmoid<float>, &sigmoid_array<float>,
     &sigmoid_one<float>, &step_array<float>, &tanh_array<float>, &tanh_one<float>,
     &softmax_array<float>, &batch_inner_products<float>},
    {&inner_product<double>, &inner_products<double>, &forward_sigmoid<double>,
     &sigmoid_array<double>, &sigmoid_one<double>, &step_array<double>, &tanh_array<double>,
     &tanh_one<double>, &softmax_array<double>, &batch_inner_products<double>},
};
#endif
// ---- end soma/detail/kernels-inl.hpp ----
#undef SOMA_DETAIL_KERNELS_INL_INSIDE

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx512

SOMA_DETAIL_TARGET_END

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // SOMA_X86_KERNELS

#endif  // SOMA_DETAIL_SIMD_AVX512_HPP
// ---- end soma/detail/simd/avx512.hpp ----
// ---- begin soma/detail/simd/neon.hpp ----
// soma/detail/simd/neon.hpp - the vocabulary of soma's kernels for AArch64 Advanced SIMD.
//
// The operations of simd/portable.hpp on 128-bit registers (4 floats, 2 doubles), followed
// by the kernels of soma/detail/kernels-inl.hpp. NEON is part of the AArch64 baseline:
// no target region, no run-time choice. NEON has no masked loads, so a partial register
// goes through a small stack copy; nothing past the arrays is read or written.
#ifndef SOMA_DETAIL_SIMD_NEON_HPP
#define SOMA_DETAIL_SIMD_NEON_HPP

#include <bit>
#include <cstddef>
#include <cstdint>


#if defined(SOMA_NEON_KERNELS)
#include <arm_neon.h>

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::neon {

#define SOMA_DETAIL_OP [[nodiscard, gnu::always_inline]] static inline

template <ieee_binary T>
struct vec;

template <>
struct vec<float> {
    using v = float32x4_t;
    using mask = uint32x4_t;
    static constexpr std::size_t lanes = 4;

    SOMA_DETAIL_OP v zero() noexcept { return vdupq_n_f32(0.0f); }
    SOMA_DETAIL_OP v splat(float a) noexcept { return vdupq_n_f32(a); }
    SOMA_DETAIL_OP v load(float const* p) noexcept { return vld1q_f32(p); }
    [[gnu::always_inline]] static inline void store(float* p, v a) noexcept { vst1q_f32(p, a); }
    SOMA_DETAIL_OP v load_first(float const* p, std::size_t c, v fill) noexcept {
        float buffer[4];
        vst1q_f32(buffer, fill);
        for (std::size_t i = 0; i < c; ++i) buffer[i] = p[i];
        return vld1q_f32(buffer);
    }
    [[gnu::always_inline]] static inline void store_first(float* p, v a, std::size_t c) noexcept {
        float buffer[4];
        vst1q_f32(buffer, a);
        for (std::size_t i = 0; i < c; ++i) p[i] = buffer[i];
    }
    SOMA_DETAIL_OP v with_lane(v a, std::size_t l, float t) noexcept {
        uint32x4_t const index = {0, 1, 2, 3};
        return vbslq_f32(vceqq_u32(index, vdupq_n_u32(static_cast<std::uint32_t>(l))),
                         vdupq_n_f32(t), a);
    }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return vaddq_f32(a, b); }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return vsubq_f32(a, b); }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return vmulq_f32(a, b); }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return vdivq_f32(a, b); }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return vfmaq_f32(c, a, b); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return vfmaq_f32(vnegq_f32(c), a, b); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return vfmsq_f32(c, a, b); }
    // vmaxq differs from MAXPS only in NaN lanes, which the kernels patch afterwards.
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return vmaxq_f32(lo, a); }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return vcltq_f32(a, b); }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return vcgeq_f32(a, b); }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept { return vmvnq_u32(vceqq_f32(a, a)); }
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept { return vbslq_f32(m, yes, no); }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    // The tree inside one register: h = 2 (low + high half), h = 1.
    SOMA_DETAIL_OP float reduce(v s) noexcept {
        return vpadds_f32(vadd_f32(vget_low_f32(s), vget_high_f32(s)));
    }
    // h = 2 for rows (p, q): the low halves against the high halves of both.
    SOMA_DETAIL_OP v h2(v p, v q) noexcept {
        return vaddq_f32(vcombine_f32(vget_low_f32(p), vget_low_f32(q)),
                         vcombine_f32(vget_high_f32(p), vget_high_f32(q)));
    }
    // Four rows' trees at once; row g ends in lane g.
    SOMA_DETAIL_OP v reduce_rows(v const (&a)[4]) noexcept {
        v const x = h2(a[0], a[1]);
        v const y = h2(a[2], a[3]);
        return vaddq_f32(vuzp1q_f32(x, y), vuzp2q_f32(x, y));
    }
    SOMA_DETAIL_OP v or_bits(v a, std::uint32_t u) noexcept {
        return vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(a), vdupq_n_u32(u)));
    }
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return or_bits(a, 0x80000000U); }
    SOMA_DETAIL_OP float64x2_t widen_lo(v a) noexcept { return vcvt_f64_f32(vget_low_f32(a)); }
    SOMA_DETAIL_OP float64x2_t widen_hi(v a) noexcept { return vcvt_high_f64_f32(a); }
    SOMA_DETAIL_OP v narrow(float64x2_t lo, float64x2_t hi) noexcept {
        return vcvt_high_f32_f64(vcvt_f32_f64(lo), hi);
    }
};

template <>
struct vec<double> {
    using v = float64x2_t;
    using mask = uint64x2_t;
    static constexpr std::size_t lanes = 2;

    SOMA_DETAIL_OP v zero() noexcept { return vdupq_n_f64(0.0); }
    SOMA_DETAIL_OP v splat(double a) noexcept { return vdupq_n_f64(a); }
    SOMA_DETAIL_OP v load(double const* p) noexcept { return vld1q_f64(p); }
    [[gnu::always_inline]] static inline void store(double* p, v a) noexcept { vst1q_f64(p, a); }
    SOMA_DETAIL_OP v load_first(double const* p, std::size_t c, v fill) noexcept {
        double buffer[2];
        vst1q_f64(buffer, fill);
        for (std::size_t i = 0; i < c; ++i) buffer[i] = p[i];
        return vld1q_f64(buffer);
    }
    [[gnu::always_inline]] static inline void store_first(double* p, v a, std::size_t c) noexcept {
        double buffer[2];
        vst1q_f64(buffer, a);
        for (std::size_t i = 0; i < c; ++i) p[i] = buffer[i];
    }
    SOMA_DETAIL_OP v with_lane(v a, std::size_t l, double t) noexcept {
        uint64x2_t const index = {0, 1};
        return vbslq_f64(vceqq_u64(index, vdupq_n_u64(l)), vdupq_n_f64(t), a);
    }
    SOMA_DETAIL_OP v add(v a, v b) noexcept { return vaddq_f64(a, b); }
    SOMA_DETAIL_OP v sub(v a, v b) noexcept { return vsubq_f64(a, b); }
    SOMA_DETAIL_OP v mul(v a, v b) noexcept { return vmulq_f64(a, b); }
    SOMA_DETAIL_OP v div(v a, v b) noexcept { return vdivq_f64(a, b); }
    SOMA_DETAIL_OP v fma(v a, v b, v c) noexcept { return vfmaq_f64(c, a, b); }
    SOMA_DETAIL_OP v fms(v a, v b, v c) noexcept { return vfmaq_f64(vnegq_f64(c), a, b); }
    SOMA_DETAIL_OP v fnma(v a, v b, v c) noexcept { return vfmsq_f64(c, a, b); }
    SOMA_DETAIL_OP v max(v lo, v a) noexcept { return vmaxq_f64(lo, a); }
    SOMA_DETAIL_OP mask lt(v a, v b) noexcept { return vcltq_f64(a, b); }
    SOMA_DETAIL_OP mask ge(v a, v b) noexcept { return vcgeq_f64(a, b); }
    SOMA_DETAIL_OP mask is_nan(v a) noexcept {
        return vreinterpretq_u64_u32(vmvnq_u32(vreinterpretq_u32_u64(vceqq_f64(a, a))));
    }
    SOMA_DETAIL_OP v select(mask m, v yes, v no) noexcept { return vbslq_f64(m, yes, no); }
    SOMA_DETAIL_OP v opaque(v a) noexcept {
        SOMA_DETAIL_OPAQUE(a);
        return a;
    }
    // The tree inside one register: h = 1.
    SOMA_DETAIL_OP double reduce(v s) noexcept { return vpaddd_f64(s); }
    // Two rows at once: lane g = row g's lane 0 + lane 1.
    SOMA_DETAIL_OP v reduce_rows(v const (&a)[2]) noexcept { return vpaddq_f64(a[0], a[1]); }
    SOMA_DETAIL_OP uint64x2_t bits(v a) noexcept { return vreinterpretq_u64_f64(a); }
    SOMA_DETAIL_OP v or_bits(v a, std::uint64_t u) noexcept {
        return vreinterpretq_f64_u64(vorrq_u64(bits(a), vdupq_n_u64(u)));
    }
    SOMA_DETAIL_OP v negative_abs(v a) noexcept { return or_bits(a, 0x8000000000000000U); }
    SOMA_DETAIL_OP v add_exponent(v p, v t, std::uint64_t e) noexcept {
        uint64x2_t const k = vshlq_n_u64(vaddq_u64(bits(t), vdupq_n_u64(e)), 52);
        return vreinterpretq_f64_u64(vaddq_u64(bits(p), k));
    }
    SOMA_DETAIL_OP v exponent_from(v t, std::uint64_t e) noexcept {
        return vreinterpretq_f64_u64(vshlq_n_u64(vaddq_u64(bits(t), vdupq_n_u64(e)), 52));
    }
};

using scalar_double = portable::vec<double>;

#undef SOMA_DETAIL_OP

inline constexpr isa this_isa = isa::neon;
inline constexpr feature_set this_isa_requires = features_of({feature::neon});

#define SOMA_DETAIL_KERNELS_INL_INSIDE 1
// ---- begin soma/detail/kernels-inl.hpp ----
// soma/detail/kernels-inl.hpp - every kernel of soma, written once over a vocabulary.
//
// No include guard, on purpose: each ISA's header in soma/detail/simd/ includes this file
// (with SOMA_DETAIL_KERNELS_INL_INSIDE defined) inside its own namespace
// (soma::detail::avx2, ::avx512, ::neon, ::portable), after defining there
//   vec<T>              the ISA's vocabulary (the operations listed in simd/portable.hpp),
//   this_isa            its soma::detail::isa value, and
//   this_isa_requires   the CPU features it needs (cpu.hpp),
// and, for x86-64, inside a target region (config.hpp), so that every function below is
// compiled for that ISA. The result is one table of kernels per ISA (`table`, at the end),
// all computing the same operations in the same order, hence the same bits.
//
// The algorithms:
//   sigmoid_f32_in_double, sigmoid_f64_core   σ(z), the algorithm of soma/sigmoid.hpp
//   sigmoid_one                               one value (portable vocabulary: the
//                                             definition; elsewhere compiled with FMA)
//   sigmoid_array, step_array                 arrays, L lanes at a time
//   exp_f64_parts                             e^a for a <= 0 (σ, tanh, softmax)
//   tanh_f64_core, tanh_one, tanh_array       tanh(z), the algorithm of soma/tanh.hpp
//   softmax_values, softmax_array             softmax, of soma/softmax.hpp
//   inner_product_lanes, inner_product        the canonical inner product
//                                             (soma/detail/inner_product.hpp)
//   inner_products, forward_sigmoid           several rows, L rows per pass
//   batch_inner_products                      several rows for several inputs

#if !defined(SOMA_DETAIL_KERNELS_INL_INSIDE)
#error "soma/detail/kernels-inl.hpp is included by soma/detail/simd/<isa>.hpp only"
#endif

// ---------------------------------------------------------------------------------------
// σ(z) = 1/(1 + e^-z)
//
// With a = -|z| <= 0 and e = e^a in (0, 1]:  σ(z) = 1/(1 + e) for z >= 0, e/(1 + e) for
// z < 0, so e never overflows and 1 + e lies in (1, 2]. e = 2^k·e^r with k = round(a/ln 2)
// and r = a - k·ln 2 in [-ln2/2, ln2/2] (Cody and Waite), e^r by a polynomial.
//
// float is evaluated in double (one rounding to float at the end): max error 0.5 + 2^-4
// ULP by analysis, <= 1 ULP asserted over all 2^32 inputs. double carries e^r and 1/(1+e)
// as unevaluated sums hi + lo and rounds once (0.5 + 2^-5 ULP by analysis for normal
// results, 0.75 + 2^-5 for subnormal ones; 1 ULP asserted). Nothing relies on the compiler
// fusing a*b + c: every fused operation is explicit, and no plain product feeds a plain
// sum, so contraction (-ffp-contract=fast) has nothing to fuse.
// ---------------------------------------------------------------------------------------

// σ for float lanes widened to double, without the NaN patch (callers add it).
template <class V>
[[nodiscard, gnu::always_inline]] constexpr typename V::v sigmoid_f32_in_double(
    typename V::v x) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    // The numerator's choice depends on x alone: settled here, off the critical path.
    v const one = V::splat(1.0);
    v const non_negative = V::select(V::lt(x, V::zero()), V::zero(), one);
    v const a = V::max(V::splat(c::f32_a_min), V::negative_abs(x));
    v const magic = V::splat(c::round_magic);
    v const t = V::fma(a, V::splat(c::log2e), magic);
    v const k = V::sub(t, magic);
    // One-constant reduction: r = a - k·ln2_hi is exact and the omitted k·ln2_lo is below
    // 151·2^-55 < 2^-47, far under float's resolution.
    v const r = V::fma(k, V::splat(-c::ln2_hi), a);
    v p = V::splat(c::f32_p6);
    p = V::fma(p, r, V::splat(c::f32_p5));
    p = V::fma(p, r, V::splat(c::f32_p4));
    p = V::fma(p, r, V::splat(c::f32_p3));
    p = V::fma(p, r, V::splat(c::f32_p2));
    p = V::fma(p, r, V::splat(c::f32_p1));
    p = V::fma(p, r, one);
    v const e = V::add_exponent(p, t, 0);  // p·2^k, k >= -151: normal, exact
    v const d = V::add(one, e);
    // e for x < 0, else 1: e lies in (0, 1], so max(0, e) = e and max(1, e) = 1.
    v const numerator = V::max(non_negative, e);
    return V::div(numerator, d);
}

// e^a = 2^k·(p_hi + p_lo) for double lanes a in [-746, 0] (the caller clamps), with
// t = k + round_magic, p_hi + p_lo = e^(a - k ln 2) to a relative error below 2^-60, and
// p_hi = round(p_hi + p_lo) in [0.70, 1.42]. Shared by σ, tanh and softmax.
template <class V>
struct exp_parts {
    typename V::v t;
    typename V::v p_hi;
    typename V::v p_lo;
};

template <class V>
[[nodiscard, gnu::always_inline]] constexpr exp_parts<V> exp_f64_parts(typename V::v a) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    v const magic = V::splat(c::round_magic);
    v const t = V::fma(a, V::splat(c::log2e), magic);
    v const k = V::sub(t, magic);
    // r is exact: k·ln2_hi and a are multiples of 2^-54 and |r| < 2^-1.
    v const r = V::fma(k, V::splat(-c::ln2_hi), a);
    v const r_lo = V::mul(k, V::splat(-c::ln2_lo));  // e^(r + r_lo) = e^r (1 + r_lo) + O(2^-90)

    v w = V::splat(c::f64_w9);
    w = V::fma(w, r, V::splat(c::f64_w8));
    w = V::fma(w, r, V::splat(c::f64_w7));
    w = V::fma(w, r, V::splat(c::f64_w6));
    w = V::fma(w, r, V::splat(c::f64_w5));
    w = V::fma(w, r, V::splat(c::f64_w4));
    w = V::fma(w, r, V::splat(c::f64_w3));
    w = V::fma(w, r, V::splat(c::f64_w2));
    w = V::fma(w, r, V::splat(c::f64_w1));
    w = V::fma(w, r, V::splat(c::f64_w0));
    // h = r²/2 exactly as h_hi + h_lo; the cubic tail h·r·w is below 2^-7.
    v const half_r = V::mul(V::splat(0.5), r);
    v const h_hi = V::mul(half_r, r);
    v const h_lo = V::fms(half_r, r, h_hi);
    v const tail = V::fma(h_hi, V::mul(r, w), h_lo);
    // 1 + r + h_hi by two exact Fast2Sums (|1| >= |r|, |1 + r| >= |h_hi|).
    v const one = V::splat(1.0);
    v const s1 = V::add(one, r);
    v const e1 = V::add(V::sub(one, s1), r);
    v const s2 = V::add(s1, h_hi);
    v const e2 = V::add(V::sub(s1, s2), h_hi);
    v lo = V::add(V::add(e1, e2), tail);
    lo = V::fma(r_lo, V::add(s2, tail), lo);  // e^r·r_lo needs e^r only to 2^-20
    v const p_hi = V::add(s2, lo);            // e^(a - k ln2) = p_hi + p_lo, error < 2^-60
    v const p_lo = V::add(V::sub(s2, p_hi), lo);
    return {t, p_hi, p_lo};
}

// σ for double lanes, without the NaN patch.
template <class V>
[[nodiscard, gnu::always_inline]] constexpr typename V::v sigmoid_f64_core(
    typename V::v z) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    v const a = V::max(V::splat(c::f64_a_min), V::negative_abs(z));
    auto const [t, p_hi, p_lo] = exp_f64_parts<V>(a);
    v const one = V::splat(1.0);

    // d = 1 + e as d_hi + d_lo, e = (p_hi + p_lo)·2^max(k, -120): below 2^-120, e moves the
    // quotient by less than 2^-120, and the clamp keeps e's low part normal.
    v const t_d = V::max(V::splat(c::round_magic + c::f64_k_min_for_d), t);
    v const e_hi = V::add_exponent(p_hi, t_d, 0);  // p_hi normal, k >= -120: exact
    v const d_hi = V::add(one, e_hi);
    // d_lo = (1 - d_hi) + e_hi + p_lo·2^k: the product is fused on purpose, so that a
    // compiler contracting a*b + c has nothing to fuse.
    v const d_lo =
        V::fma(p_lo, V::exponent_from(t_d, c::exponent_bias), V::add(V::sub(one, d_hi), e_hi));

    // 1/d = q·(1 + rho) + O(rho²): q = 1/d_hi correctly rounded, so 1 - q·d_hi is exact.
    v const q = V::div(one, d_hi);
    v rho = V::fnma(q, d_hi, one);
    rho = V::fnma(q, d_lo, rho);
    v const y_pos = V::fma(q, rho, q);

    // e/d = 2^k·(p_hi + p_lo)·q·(1 + rho), rounded once (y_m in [0.35, 1.42]) before the
    // exact 2^(k+600) scaling; 2^-600 rounds a second time only for subnormal results.
    v const q_rho = V::mul(q, rho);
    v const y_m = V::fma(p_hi, q, V::fma(p_hi, q_rho, V::mul(p_lo, q)));
    v const y_neg = V::mul(V::add_exponent(y_m, t, c::f64_k_shift), V::splat(c::f64_unshift));
    return V::select(V::lt(z, V::zero()), y_neg, y_pos);
}

// Core<S>(a) on one double a with the vocabulary S of one value: the ISA's scalar_double
// (on x86-64 the low lane of an SSE register, portable::vec<double> elsewhere) at run
// time, the portable one in constant evaluation, where intrinsics cannot run. Both do the
// same operations with the same roundings: the same bits.
template <class Core>
[[nodiscard, gnu::always_inline]] constexpr double on_one_double(double a) noexcept {
    if (!std::is_constant_evaluated()) {
        using S = scalar_double;
        return S::to(Core::template eval<S>(S::from(a)));
    }
    return Core::template eval<portable::vec<double>>(a);
}

struct sigmoid_f32_core {
    template <class S>
    [[nodiscard, gnu::always_inline]] static constexpr typename S::v eval(
        typename S::v a) noexcept {
        return sigmoid_f32_in_double<S>(a);
    }
};
struct sigmoid_f64_core_one {
    template <class S>
    [[nodiscard, gnu::always_inline]] static constexpr typename S::v eval(
        typename S::v a) noexcept {
        return sigmoid_f64_core<S>(a);
    }
};

// σ(z) for one value: the definition (constexpr; the portable vocabulary in constant
// evaluation, the ISA's vocabulary of one value at run time, see on_one_double).
template <ieee_binary T>
[[nodiscard]] constexpr T sigmoid_one(T z) noexcept {
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        if (z != z) return std::bit_cast<float>(std::bit_cast<std::uint32_t>(z) | c::f32_quiet_bit);
        return static_cast<float>(on_one_double<sigmoid_f32_core>(static_cast<double>(z)));
    } else {
        if (z != z)
            return std::bit_cast<double>(std::bit_cast<std::uint64_t>(z) | c::f64_quiet_bit);
        return on_one_double<sigmoid_f64_core_one>(z);
    }
}

// σ on one register of T lanes; NaN lanes give z with its quiet bit set.
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v sigmoid_lanes(
    typename vec<T>::v z) noexcept {
    using V = vec<T>;
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        using D = vec<double>;
        auto const y = V::narrow(sigmoid_f32_in_double<D>(V::widen_lo(z)),
                                 sigmoid_f32_in_double<D>(V::widen_hi(z)));
        return V::select(V::is_nan(z), V::or_bits(z, c::f32_quiet_bit), y);
    } else {
        return V::select(V::is_nan(z), V::or_bits(z, c::f64_quiet_bit), sigmoid_f64_core<V>(z));
    }
}

// out_i = σ(z_i), i < n. Two registers per iteration: each is one long dependency chain
// (about 40 cycles), so the out-of-order core needs several in flight. out may be z.
template <ieee_binary T>
void sigmoid_array(T const* z, T* out, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    if constexpr (lanes == 1) {
        for (std::size_t i = 0; i < n; ++i) out[i] = sigmoid_one(z[i]);
    } else {
        std::size_t i = 0;
        for (; i + 2 * lanes <= n; i += 2 * lanes) {
            auto const z0 = V::load(z + i);
            auto const z1 = V::load(z + i + lanes);
            V::store(out + i, sigmoid_lanes<T>(z0));
            V::store(out + i + lanes, sigmoid_lanes<T>(z1));
        }
        for (; i < n; i += lanes) {
            std::size_t const c = n - i < lanes ? n - i : lanes;
            V::store_first(out + i, sigmoid_lanes<T>(V::load_first(z + i, c, V::zero())), c);
        }
    }
}

// ---------------------------------------------------------------------------------------
// tanh(z) = (1 - e^-2|z|)/(1 + e^-2|z|) with the sign of z
//
// With a = -2|z| (|z| clamped to 20, above which tanh rounds to 1) and e = e^a in
// (0, 1] = 2^k·(p_hi + p_lo) from exp_f64_parts: the numerator 1 - e and the denominator
// 1 + e are carried as unevaluated sums hi + lo, so the cancellation in 1 - e for small |z|
// costs nothing (for k = 0, 1 - p_hi is exact and p_lo keeps the low bits: the error of
// p_hi + p_lo, about 2^-53·|r|³ + 2^-106, is small against 1 - e ≈ |r|; for k < 0,
// 1 - e > 0.29). The quotient is formed like σ's 1/(1 + e) and rounded once: 0.532 ULP
// measured, 1 ULP asserted. Below |z| = 2^-27 the result is z itself (correctly rounded,
// signed zeros kept); those lanes compute tanh(1/2) meanwhile, so that no power of a tiny z
// underflows. |z| only enters, and the sign is set at the end: tanh(-z) = -tanh(z) bit for
// bit. float is evaluated in double and rounded once more (<= 0.5 + 2^-28 ULP).
// ---------------------------------------------------------------------------------------

// tanh for double lanes (float lanes widened), without the NaN patch.
template <class V>
[[nodiscard, gnu::always_inline]] constexpr typename V::v tanh_f64_core(typename V::v z) noexcept {
    using c = sigmoid_constants;
    using v = typename V::v;
    v const one = V::splat(1.0);
    v const minus_x = V::negative_abs(z);
    auto const tiny = V::lt(V::splat(-tanh_constants::x_tiny), minus_x);  // |z| < 2^-27
    v const half_a =
        V::select(tiny, V::splat(-0.5), V::max(V::splat(-tanh_constants::x_max), minus_x));
    v const a = V::add(half_a, half_a);  // -2|z| in [-40, 0], exact (no overflow for huge z)
    auto const [t, p_hi, p_lo] = exp_f64_parts<V>(a);
    v const scale = V::exponent_from(t, c::exponent_bias);  // 2^k, k in [-58, 0]
    v const e_hi = V::add_exponent(p_hi, t, 0);             // exact
    // 1 - e = n_hi + n_lo and 1 + e = d_hi + d_lo: Fast2Sums (|1| >= e_hi), then the low
    // part of e, p_lo·2^k, fused on purpose (nothing left for a contracting compiler).
    v const n_hi = V::sub(one, e_hi);
    v const n_lo = V::fnma(p_lo, scale, V::sub(V::sub(one, n_hi), e_hi));
    v const d_hi = V::add(one, e_hi);
    v const d_lo = V::fma(p_lo, scale, V::add(V::sub(one, d_hi), e_hi));
    // 1/d = q·(1 + rho) + O(rho²), q = 1/d_hi correctly rounded (1 - q·d_hi exact); then
    // n/d = n_hi·q + (n_hi·q·rho + n_lo·q), rounded once by the outer fma.
    v const q = V::div(one, d_hi);
    v rho = V::fnma(q, d_hi, one);
    rho = V::fnma(q, d_lo, rho);
    v const y = V::fma(n_hi, q, V::fma(n_hi, V::mul(q, rho), V::mul(n_lo, q)));
    v const signed_y = V::select(V::lt(z, V::zero()), V::negative_abs(y), y);
    return V::select(tiny, z, signed_y);
}

// tanh(z) for one value: the definition (constexpr, the vocabulary of on_one_double). Two ranges
// are settled before the evaluation, with the bits the evaluation gives there (the lanes compute
// them; the exhaustive test compares every float and sampled doubles): z itself for |z| < 2^-13
// (float; tanh(z) is within 2^-27.5 relative of z, which the rounding to float returns) or 2^-27
// (double), and ±1 for |z| >= 9.2 (float: 1 - tanh(z) < 2^-25) or 20 (double: the clamp), where the
// branch is cheaper than the evaluation.
struct tanh_f64_core_one {
    template <class S>
    [[nodiscard, gnu::always_inline]] static constexpr typename S::v eval(
        typename S::v a) noexcept {
        return tanh_f64_core<S>(a);
    }
};

template <ieee_binary T>
[[nodiscard]] constexpr T tanh_one(T z) noexcept {
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        auto const bits = std::bit_cast<std::uint32_t>(z);
        std::uint32_t const abs_bits = bits & 0x7fffffffU;
        if (abs_bits > 0x7f800000U) return std::bit_cast<float>(bits | c::f32_quiet_bit);  // NaN
        if (abs_bits < 0x39000000U) return z;                                              // 2^-13
        if (abs_bits >= 0x41133333U)
            return std::bit_cast<float>((bits & 0x80000000U) | 0x3f800000U);
        return static_cast<float>(on_one_double<tanh_f64_core_one>(static_cast<double>(z)));
    } else {
        auto const bits = std::bit_cast<std::uint64_t>(z);
        std::uint64_t const abs_bits = bits & 0x7fffffffffffffffU;
        if (abs_bits > 0x7ff0000000000000U) return std::bit_cast<double>(bits | c::f64_quiet_bit);
        if (abs_bits < 0x3e40000000000000U) return z;  // 2^-27
        if (abs_bits >= 0x4034000000000000U) {         // 20
            return std::bit_cast<double>((bits & c::sign_bit) | 0x3ff0000000000000U);
        }
        return on_one_double<tanh_f64_core_one>(z);
    }
}

// tanh on one register of T lanes; NaN lanes give z with its quiet bit set.
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v tanh_lanes(
    typename vec<T>::v z) noexcept {
    using V = vec<T>;
    using c = sigmoid_constants;
    if constexpr (std::same_as<T, float>) {
        using D = vec<double>;
        auto const y =
            V::narrow(tanh_f64_core<D>(V::widen_lo(z)), tanh_f64_core<D>(V::widen_hi(z)));
        return V::select(V::is_nan(z), V::or_bits(z, c::f32_quiet_bit), y);
    } else {
        return V::select(V::is_nan(z), V::or_bits(z, c::f64_quiet_bit), tanh_f64_core<V>(z));
    }
}

// out_i = tanh(z_i), i < n; out may be z. Two registers per iteration, as for σ (one long
// dependency chain each).
template <ieee_binary T>
void tanh_array(T const* z, T* out, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    if constexpr (lanes == 1) {
        for (std::size_t i = 0; i < n; ++i) out[i] = tanh_one(z[i]);
    } else {
        std::size_t i = 0;
        for (; i + 2 * lanes <= n; i += 2 * lanes) {
            auto const z0 = V::load(z + i);
            auto const z1 = V::load(z + i + lanes);
            V::store(out + i, tanh_lanes<T>(z0));
            V::store(out + i + lanes, tanh_lanes<T>(z1));
        }
        for (; i < n; i += lanes) {
            std::size_t const c = n - i < lanes ? n - i : lanes;
            V::store_first(out + i, tanh_lanes<T>(V::load_first(z + i, c, V::zero())), c);
        }
    }
}

// ---------------------------------------------------------------------------------------
// softmax: y_i = e^(z_i - m) / Σ_j e^(z_j - m), m = max_j z_j
//
// One value at a time (portable vocabulary, constexpr; inside an x86-64 target region the
// same operations with FMA instructions): the sum runs in index order, j = 0, 1, ..., n-1,
// in double for float and double, and a vector sum would need a second order. Each term is
// e^d for d = z_i - m <= 0 computed in double (exact or within 2^-53·|d| for float inputs;
// -1024 where z_i < m - 1024), from exp_f64_parts rounded once (0.5 + 2^-7 ULP; subnormal
// terms twice). Each y_i is one correctly rounded division (then rounded to float).
// ---------------------------------------------------------------------------------------

// e^d for d <= 0 in double (one value); d below -746 gives +0.
[[nodiscard]] constexpr double exp_nonpositive(double d) noexcept {
    using one_lane = portable::vec<double>;
    using c = sigmoid_constants;
    double const a = one_lane::max(c::f64_a_min, d);
    auto const [t, p_hi, p_lo] = exp_f64_parts<one_lane>(a);
    (void)p_lo;  // p_hi is p_hi + p_lo rounded
    // 2^k for k in [-1076, 0] as 2^(k + 600)·2^-600, as σ does: rounded once, only for
    // subnormal terms. opaque: the sum must not fuse this product (inexact when subnormal).
    return one_lane::opaque(
        one_lane::mul(one_lane::add_exponent(p_hi, t, c::f64_k_shift), c::f64_unshift));
}

[[nodiscard]] constexpr double softmax_term(double z, double m) noexcept {
    // Below m + d_min the term is e^d_min (+0). The subtraction takes m there instead of z,
    // through an opaque value: otherwise the compiler distributes the subtraction over the
    // select and evaluates z - m, which overflows for z = lowest, m = max (FE_OVERFLOW,
    // seen with Clang).
    bool const negligible = z < m + tanh_constants::softmax_d_min;
    double const safe = portable::vec<double>::opaque(negligible ? m : z);
    return exp_nonpositive(negligible ? tanh_constants::softmax_d_min : safe - m);
}

// out = softmax(z), n values; out may be z. NaN anywhere: every output is the first NaN
// of z with its quiet bit set. m = +inf or -inf (every finite term is then negligible, or
// every z_i is -inf): the k entries equal to m share 1/k each (rounded), the others +0.
template <ieee_binary T>
constexpr void softmax_values(T const* z, T* out, std::size_t n) noexcept {
    using c = sigmoid_constants;
    if (n == 0) return;
    for (std::size_t i = 0; i < n; ++i) {
        if (z[i] != z[i]) {
            T nan = z[i];
            if constexpr (std::same_as<T, float>) {
                nan = std::bit_cast<float>(std::bit_cast<std::uint32_t>(nan) | c::f32_quiet_bit);
            } else {
                nan = std::bit_cast<double>(std::bit_cast<std::uint64_t>(nan) | c::f64_quiet_bit);
            }
            for (std::size_t j = 0; j < n; ++j) out[j] = nan;
            return;
        }
    }
    T m = z[0];
    for (std::size_t i = 1; i < n; ++i) m = z[i] > m ? z[i] : m;
    if (m > std::numeric_limits<T>::max() || m < std::numeric_limits<T>::lowest()) {  // ±inf
        std::size_t k = 0;
        for (std::size_t i = 0; i < n; ++i) k += z[i] == m ? 1 : 0;
        T const share = static_cast<T>(1.0 / static_cast<double>(k));
        for (std::size_t i = 0; i < n; ++i) out[i] = z[i] == m ? share : T(0);
        return;
    }
    double const md = static_cast<double>(m);
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += softmax_term(static_cast<double>(z[i]), md);
    // s >= 1 (the term of m is e^0 = 1) and at most n. Each term is computed again (the same
    // bits): out may be z, and a float out could not hold the double term.
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = static_cast<T>(softmax_term(static_cast<double>(z[i]), md) / s);
    }
}

// The kernel table's entry (a function of this ISA's target region).
template <ieee_binary T>
void softmax_array(T const* z, T* out, std::size_t n) noexcept {
    softmax_values<T>(z, out, n);
}

// out_i = u(z_i): 1 for z_i >= 0 (also -0), 0 below, NaN unchanged. out may be z.
template <ieee_binary T>
void step_array(T const* z, T* out, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    auto const one = V::splat(T(1));
    auto const zero = V::zero();
    std::size_t i = 0;
    for (; i < n; i += lanes) {
        std::size_t const c = n - i < lanes ? n - i : lanes;
        auto const a = c == lanes ? V::load(z + i) : V::load_first(z + i, c, zero);
        auto const u = V::select(V::is_nan(a), a, V::select(V::ge(a, zero), one, zero));
        if (c == lanes) {
            V::store(out + i, u);
        } else {
            V::store_first(out + i, u, c);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The canonical inner product (soma/detail/inner_product.hpp): P = 256 / sizeof(T) partial
// sums are K = P / L registers s[0..K-1], lane l of s[k] holding partial sum kL + l. Term i
// goes to s[(i mod P) / L], lane i mod L; the tree's levels h >= L add whole registers,
// the levels h < L are reduce() inside s[0].
//
// Why K accumulators: the order fixes them at 256 bytes, which is also what hides the
// FMA latency: eight AVX2 (2 pipes x 4 cycles), four AVX-512 (two 64-byte loads per FMA
// allow one FMA per cycle), sixteen NEON registers.
//
// The last r < P terms and the bias use load_first: w's missing lanes are -0 and x's +0,
// and fma(-0, +0, s) = s + (-0) = s exactly for every s, so the padding changes no partial
// sum and nothing past the arrays is read. The bias is the term (b, 1) in lane r:
// fma(b, 1, s) = s + b. Partial sums that receive no term stay -0 and the tree may skip
// them (x + (-0) = x), which is how short vectors skip most of it.
// ---------------------------------------------------------------------------------------

template <class V, std::size_t K, std::size_t H>
[[gnu::always_inline]] inline void tree_levels(typename V::v (&s)[K], std::size_t used) noexcept {
    // s may hold fewer than P / L registers (K of them): the ones past K are all -0.
    if constexpr (H >= 1) {
#pragma GCC unroll 32
        for (std::size_t j = 0; j < H; ++j) {
            if (j + H < used && j + H < K) s[j] = V::add(s[j], s[j + H]);
        }
        tree_levels<V, K, H / 2>(s, used < H ? used : H);
    }
}

// Fewer than P terms, in R registers (R known at compile time): every term has a partial
// sum of its own, so each register is one product fma(w, x, -0) = round(w x); registers
// 0 .. R-2 are full, the last holds the remaining terms and the bias; the tree skips the
// registers past R, which hold only -0. Straight-line code: no loop, no test per register.
template <ieee_binary T, std::size_t R>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v short_lanes(
    T const* w, T const* x, std::size_t n, bool has_bias, T b,
    typename vec<T>::v negative_zero) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t k_regs = partial_sums<T> / lanes;
    v s[R];
#pragma GCC unroll 16
    for (std::size_t k = 0; k + 1 < R; ++k) {
        s[k] = V::fma(V::load(w + k * lanes), V::load(x + k * lanes), negative_zero);
    }
    constexpr std::size_t base = (R - 1) * lanes;
    std::size_t const c = n - base;  // 0 .. L terms in the last register, then the bias
    v wv = c != 0 ? V::load_first(w + base, c, negative_zero) : negative_zero;
    v xv = c != 0 ? V::load_first(x + base, c, V::zero()) : V::zero();
    if (has_bias) {
        wv = V::with_lane(wv, c, b);
        xv = V::with_lane(xv, c, T(1));
    }
    s[R - 1] = V::fma(wv, xv, negative_zero);
    tree_levels<V, R, k_regs / 2>(s, R);
    return s[0];
}

template <ieee_binary T, std::size_t... R>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v short_lanes_of(
    std::size_t regs, T const* w, T const* x, std::size_t n, bool has_bias, T b,
    typename vec<T>::v negative_zero, std::index_sequence<R...>) noexcept {
    typename vec<T>::v out = negative_zero;
    (void)((regs == R + 1 ? (out = short_lanes<T, R + 1>(w, x, n, has_bias, b, negative_zero), true)
                          : false) ||
           ...);
    return out;
}

// The register the in-register tree starts from: the canonical order up to its last
// L lanes. Short = false: the caller knows that n + bias > P (no short forms compiled in).
template <ieee_binary T, bool Short = true>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v inner_product_lanes(
    T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t k_regs = p / lanes;
    std::size_t const m = n + (has_bias ? 1 : 0);
    if (m == 0) return V::zero();  // the empty sum is +0
    // -0 opaque: a known -0 addend would let the compiler turn fma(w, x, -0) into w*x and
    // then fuse that product into the tree (see SOMA_DETAIL_OPAQUE).
    v const negative_zero = V::opaque(V::splat(T(-0.0)));
    if constexpr (lanes > 1 && Short) {
        if (m <= p) {
            return short_lanes_of<T>((m + lanes - 1) / lanes, w, x, n, has_bias, b, negative_zero,
                                     std::make_index_sequence<k_regs>{});
        }
    }
    v s[k_regs];
#pragma GCC unroll 64
    for (std::size_t k = 0; k < k_regs; ++k) s[k] = negative_zero;
    std::size_t i = 0;
    for (; i + p <= n; i += p) {
#pragma GCC unroll 64
        for (std::size_t k = 0; k < k_regs; ++k) {
            s[k] = V::fma(V::load(w + i + k * lanes), V::load(x + i + k * lanes), s[k]);
        }
    }
    std::size_t const r = n - i;
    std::size_t const tail_regs = (r + (has_bias ? 1 : 0) + lanes - 1) / lanes;
    // Unrolled for the vector ISAs (at most 16 registers); the portable one-lane form keeps
    // its 64 partial sums in memory here (one copy of the tail instead of 64).
#pragma GCC unroll 16
    for (std::size_t k = 0; k < k_regs; ++k) {
        if (k < tail_regs) {
            std::size_t const base = k * lanes;
            std::size_t const c = r > base ? (r - base < lanes ? r - base : lanes) : 0;
            v wv = c != 0 ? V::load_first(w + i + base, c, negative_zero) : negative_zero;
            v xv = c != 0 ? V::load_first(x + i + base, c, V::zero()) : V::zero();
            if (has_bias && r / lanes == k) {
                wv = V::with_lane(wv, r - base, b);
                xv = V::with_lane(xv, r - base, T(1));
            }
            s[k] = V::fma(wv, xv, s[k]);
        }
    }
    tree_levels<V, k_regs, k_regs / 2>(s, lanes > 1 || n >= p ? k_regs : tail_regs);
    return s[0];
}

// At most four terms (m = n + bias <= 4), one value at a time: the products
// fma(w, x, -0) = round(w x) and the levels h = 2, 1 of the tree, which is cheaper than a
// register's shuffles. (The levels h >= 4 pair partial sums with all-(-0) ones.)
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline T small_sum(T const* w, T const* x, std::size_t n,
                                                     bool has_bias, T b) noexcept {
    using one = portable::vec<T>;
    T const negative_zero = one::opaque(T(-0.0));
    T s[4] = {negative_zero, negative_zero, negative_zero, negative_zero};
    for (std::size_t i = 0; i < n; ++i) s[i] = one::fma(w[i], x[i], negative_zero);
    if (has_bias) s[n] = b;
    std::size_t const m = n + (has_bias ? 1 : 0);
    if (m == 0) return T(0);  // the empty sum is +0
    if (m > 2) {
        s[0] = s[0] + s[2];
        if (m > 3) s[1] = s[1] + s[3];
    }
    return m > 1 ? s[0] + s[1] : s[0];
}

// small_sum for a length N known at compile time: straight-line code (the run-time
// length's loop over a stack array is what the compiler vectorizes, with stores and
// reloads around it: measured 107 instructions for a 1 x 2 sigmoid layer, 72 with this).
template <ieee_binary T, std::size_t N, bool HasBias>
[[nodiscard, gnu::always_inline]] inline T small_sum_fixed(T const* w, T const* x, T b,
                                                           T negative_zero) noexcept {
    using one = portable::vec<T>;
    constexpr std::size_t m = N + (HasBias ? 1 : 0);
    static_assert(m <= 4);
    if constexpr (m == 0) {
        return T(0);  // the empty sum is +0
    } else {
        T s[m];
#pragma GCC unroll 4
        for (std::size_t i = 0; i < N; ++i) s[i] = one::fma(w[i], x[i], negative_zero);
        if constexpr (HasBias) s[N] = b;
        if constexpr (m > 2) s[0] = s[0] + s[2];
        if constexpr (m > 3) s[1] = s[1] + s[3];
        if constexpr (m > 1) return s[0] + s[1];
        return s[0];
    }
}

template <ieee_binary T>
[[nodiscard]] T inner_product(T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept {
    if (n + (has_bias ? 1 : 0) <= 4) return small_sum(w, x, n, has_bias, b);
    return vec<T>::reduce(inner_product_lanes(w, x, n, has_bias, b));
}

template <ieee_binary T>
[[gnu::always_inline]] inline void store_lanes(typename vec<T>::v z, T* out,
                                               std::size_t count) noexcept {
    if (count == vec<T>::lanes) {
        vec<T>::store(out, z);
    } else {
        vec<T>::store_first(out, z, count);
    }
}

// Rows r .. r+L-1 of W at once: each row's register as in inner_product_lanes, then one
// reduce_rows for all of them, which leaves z_r in lane r of one register (a transposed
// tree: each row sees exactly its own pairwise sums, with about a third of the shuffles
// of L separate reductions). Finish::apply(z, out, count) consumes the register. With fewer than
// L/2 rows left, each row is reduced on its own (reduce_rows would mostly add padding).
// One row's register: the short form with R registers when R != 0 (all rows of a layer
// have the same n, so R is chosen once per layer), else the general one.
template <ieee_binary T, std::size_t R>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v row_lanes(T const* w, T const* x,
                                                                      std::size_t n, bool has_bias,
                                                                      T b) noexcept {
    if constexpr (R == 0) {
        return inner_product_lanes<T, false>(w, x, n, has_bias, b);
    } else {
        return short_lanes<T, R>(w, x, n, has_bias, b, vec<T>::opaque(vec<T>::splat(T(-0.0))));
    }
}

// Rows longer than P terms (n + bias > P, vector ISAs): what is the same for every row of
// a layer, computed once per layer rather than once per row (measured: a third of the
// instructions of a 64 x 64 layer's rows went to it): where the tail starts, how many of
// its terms each register holds, and x's tail registers with the bias term's 1 in place.
template <ieee_binary T>
struct long_rows {
    using V = vec<T>;
    using v = typename V::v;
    static constexpr std::size_t lanes = V::lanes;
    static constexpr std::size_t k_regs = partial_sums<T> / lanes;
    std::size_t tail = 0;       // the first term past the last full block of P
    std::size_t tail_regs = 0;  // registers that the tail and the bias reach
    std::size_t bias_reg = 0;   // the bias term's register and lane (when there is one)
    std::size_t bias_lane = 0;
    std::size_t count[k_regs] = {};  // of the tail's terms in register k
    v x_tail[k_regs];

    long_rows(T const* x, std::size_t n, bool has_bias) noexcept {
        constexpr std::size_t p = partial_sums<T>;
        tail = n - n % p;
        std::size_t const r = n - tail;
        tail_regs = (r + (has_bias ? 1 : 0) + lanes - 1) / lanes;
        bias_reg = r / lanes;
        bias_lane = r % lanes;
        for (std::size_t k = 0; k < k_regs; ++k) {
            std::size_t const base = k * lanes;
            count[k] = r > base ? (r - base < lanes ? r - base : lanes) : 0;
            x_tail[k] =
                count[k] != 0 ? V::load_first(x + tail + base, count[k], V::zero()) : V::zero();
            if (has_bias && k == bias_reg) x_tail[k] = V::with_lane(x_tail[k], bias_lane, T(1));
        }
    }
};

// inner_product_lanes for one row of such a layer (the same operations in the same order:
// the first block's partial sums start as fma(w, x, -0), the tail and the bias as there).
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v long_row_lanes(
    T const* w, T const* x, std::size_t n, long_rows<T> const& layout, bool has_bias, T b,
    typename vec<T>::v negative_zero) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t k_regs = p / lanes;
    v s[k_regs];
#pragma GCC unroll 16
    for (std::size_t k = 0; k < k_regs; ++k) {
        s[k] = V::fma(V::load(w + k * lanes), V::load(x + k * lanes), negative_zero);
    }
    for (std::size_t i = p; i + p <= n; i += p) {
#pragma GCC unroll 16
        for (std::size_t k = 0; k < k_regs; ++k) {
            s[k] = V::fma(V::load(w + i + k * lanes), V::load(x + i + k * lanes), s[k]);
        }
    }
#pragma GCC unroll 16
    for (std::size_t k = 0; k < k_regs; ++k) {
        if (k < layout.tail_regs) {
            std::size_t const c = layout.count[k];
            T const* const wk = w + layout.tail + k * lanes;
            v wv = c == lanes ? V::load(wk)
                   : c != 0   ? V::load_first(wk, c, negative_zero)
                              : negative_zero;
            if (has_bias && k == layout.bias_reg) wv = V::with_lane(wv, layout.bias_lane, b);
            s[k] = V::fma(wv, layout.x_tail[k], s[k]);
        }
    }
    tree_levels<V, k_regs, k_regs / 2>(s, k_regs);
    return s[0];
}

template <ieee_binary T, class Finish>
void long_rows_pass(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                    std::size_t b_stride, T* out) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    bool const has_bias = b != nullptr;
    long_rows<T> const layout(x, n, has_bias);
    v const negative_zero = V::opaque(V::splat(T(-0.0)));
    for (std::size_t r = 0; r < rows; r += lanes) {
        std::size_t const count = rows - r < lanes ? rows - r : lanes;
        v acc[lanes];
        // The loop stays rolled: one copy of the row's code instead of L (the row's own
        // work dominates, and acc lives in memory either way).
#pragma GCC unroll 1
        for (std::size_t g = 0; g < lanes; ++g) {
            T const bias = g < count && has_bias ? b[(r + g) * b_stride] : T(0);
            acc[g] = g < count ? long_row_lanes(W + (r + g) * n, x, n, layout, has_bias, bias,
                                                negative_zero)
                               : V::zero();
        }
        if (count * 2 <= lanes) {
            // Few rows left: each reduced on its own (reduce_rows would mostly add padding).
            if (Finish::per_register && count * 4 >= lanes) {
                v z = V::zero();
                for (std::size_t g = 0; g < count; ++g) z = V::with_lane(z, g, V::reduce(acc[g]));
                Finish::template apply<T>(z, out + r, count);
            } else {
                for (std::size_t g = 0; g < count; ++g) {
                    Finish::template one<T>(V::reduce(acc[g]), out + r + g);
                }
            }
        } else {
            Finish::template apply<T>(V::reduce_rows(acc), out + r, count);
        }
    }
}

template <ieee_binary T, class Finish, std::size_t R>
void rows_pass_with(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                    std::size_t b_stride, T* out) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    bool const has_bias = b != nullptr;
    for (std::size_t r = 0; r < rows; r += lanes) {
        std::size_t const count = rows - r < lanes ? rows - r : lanes;
        if (count * 2 <= lanes && lanes > 1) {
            // One vector activation for the rows of this pass once there are enough of them
            // (a register of σ costs about four scalar σ's); else one value at a time.
            bool const vector_finish = Finish::per_register && count * 4 >= lanes;
            v z = V::zero();
            for (std::size_t g = 0; g < count; ++g) {
                T const bias = has_bias ? b[(r + g) * b_stride] : T(0);
                T const* const w = W + (r + g) * n;
                T const zg = n + (has_bias ? 1 : 0) <= 4
                                 ? small_sum(w, x, n, has_bias, bias)
                                 : V::reduce(row_lanes<T, R>(w, x, n, has_bias, bias));
                if (vector_finish) {
                    z = V::with_lane(z, g, zg);
                } else {
                    Finish::template one<T>(zg, out + r + g);
                }
            }
            if (vector_finish) Finish::template apply<T>(z, out + r, count);
        } else {
            v acc[lanes];
            if constexpr (R == 0) {
                // Long rows: the loop stays rolled (one copy of the row's code instead of
                // L; the row's own loop dominates, and acc lives in memory either way).
#pragma GCC unroll 1
                for (std::size_t g = 0; g < lanes; ++g) {
                    T const bias = g < count && has_bias ? b[(r + g) * b_stride] : T(0);
                    acc[g] = g < count ? row_lanes<T, R>(W + (r + g) * n, x, n, has_bias, bias)
                                       : V::zero();
                }
            } else {
#pragma GCC unroll 16
                for (std::size_t g = 0; g < lanes; ++g) {
                    if (g < count) {
                        T const bias = has_bias ? b[(r + g) * b_stride] : T(0);
                        acc[g] = row_lanes<T, R>(W + (r + g) * n, x, n, has_bias, bias);
                    } else {
                        acc[g] = V::zero();
                    }
                }
            }
            Finish::template apply<T>(V::reduce_rows(acc), out + r, count);
        }
    }
}

template <ieee_binary T, class Finish, std::size_t... R>
[[gnu::always_inline]] inline void rows_pass_short(std::size_t regs, T const* W, std::size_t rows,
                                                   std::size_t n, T const* x, T const* b,
                                                   std::size_t b_stride, T* out,
                                                   std::index_sequence<R...>) noexcept {
    (void)((regs == R + 1
                ? (rows_pass_with<T, Finish, R + 1>(W, rows, n, x, b, b_stride, out), true)
                : false) ||
           ...);
}

template <ieee_binary T, class Finish>
[[gnu::always_inline]] inline void rows_pass(T const* W, std::size_t rows, std::size_t n,
                                             T const* x, T const* b, std::size_t b_stride,
                                             T* out) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    std::size_t const m = n + (b != nullptr ? 1 : 0);
    if constexpr (lanes > 1) {
        if (m > 0 && m <= p) {
            rows_pass_short<T, Finish>((m + lanes - 1) / lanes, W, rows, n, x, b, b_stride, out,
                                       std::make_index_sequence<p / lanes>{});
            return;
        }
    }
    if constexpr (lanes > 1) {
        if (m > p) {
            long_rows_pass<T, Finish>(W, rows, n, x, b, b_stride, out);
        } else {
            for (std::size_t r = 0; r < rows; ++r) Finish::template one<T>(T(0), out + r);  // m = 0
        }
    } else {
        rows_pass_with<T, Finish, 0>(W, rows, n, x, b, b_stride, out);
    }
}

// What a pass does with a register of weighted inputs (named types rather than lambdas:
// every function of a target region must carry its target).
struct store_weighted_inputs {
    static constexpr bool per_register = false;  // a few rows: store each z_r directly
    template <ieee_binary T>
    [[gnu::always_inline]] static void one(T z, T* out) noexcept {
        *out = z;
    }
    template <ieee_binary T>
    [[gnu::always_inline]] static void apply(typename vec<T>::v z, T* out,
                                             std::size_t count) noexcept {
        store_lanes<T>(z, out, count);
    }
};

struct store_sigmoid {
    static constexpr bool per_register = true;
    template <ieee_binary T>
    [[gnu::always_inline]] static void one(T z, T* out) noexcept {
        *out = sigmoid_one(z);
    }
    template <ieee_binary T>
    [[gnu::always_inline]] static void apply(typename vec<T>::v z, T* out,
                                             std::size_t count) noexcept {
        if constexpr (vec<T>::lanes == 1) {
            *out = sigmoid_one(vec<T>::reduce(z));
        } else {
            store_lanes<T>(sigmoid_lanes<T>(z), out, count);
        }
    }
};

// z_r = inner_product(W + r*n, x, n, b != nullptr, b[r * b_stride]), r < rows; z must not
// overlap W, x or b.
template <ieee_binary T>
[[gnu::noinline]] void inner_products_rows(T const* W, std::size_t rows, std::size_t n, T const* x,
                                           T const* b, std::size_t b_stride, T* z) noexcept {
    rows_pass<T, store_weighted_inputs>(W, rows, n, x, b, b_stride, z);
}

// Layers this small (rows of at most four terms, at most four rows) take a plain loop of
// one value at a time: no registers of rows to set up, no large stack frame (measured:
// about a third of the instructions of the general pass for 1 x 2), with the row length
// chosen once per layer.
inline constexpr std::size_t tiny_rows = 4;

template <ieee_binary T, class Finish, std::size_t N, bool HasBias>
[[gnu::always_inline]] inline void tiny_layer_with(T const* W, std::size_t rows, T const* x,
                                                   T const* b, std::size_t b_stride,
                                                   T* out) noexcept {
    T const negative_zero = portable::vec<T>::opaque(T(-0.0));
    for (std::size_t r = 0; r < rows; ++r) {
        T const bias = HasBias ? b[r * b_stride] : T(0);
        Finish::template one<T>(small_sum_fixed<T, N, HasBias>(W + r * N, x, bias, negative_zero),
                                out + r);
    }
}

// n + (b != nullptr) <= 4.
template <ieee_binary T, class Finish>
[[gnu::always_inline]] inline void tiny_layer(T const* W, std::size_t rows, std::size_t n,
                                              T const* x, T const* b, std::size_t b_stride,
                                              T* out) noexcept {
    if (b != nullptr) {
        switch (n) {
            case 0:
                return tiny_layer_with<T, Finish, 0, true>(W, rows, x, b, b_stride, out);
            case 1:
                return tiny_layer_with<T, Finish, 1, true>(W, rows, x, b, b_stride, out);
            case 2:
                return tiny_layer_with<T, Finish, 2, true>(W, rows, x, b, b_stride, out);
            default:
                return tiny_layer_with<T, Finish, 3, true>(W, rows, x, b, b_stride, out);
        }
    }
    switch (n) {
        case 0:
            return tiny_layer_with<T, Finish, 0, false>(W, rows, x, b, b_stride, out);
        case 1:
            return tiny_layer_with<T, Finish, 1, false>(W, rows, x, b, b_stride, out);
        case 2:
            return tiny_layer_with<T, Finish, 2, false>(W, rows, x, b, b_stride, out);
        case 3:
            return tiny_layer_with<T, Finish, 3, false>(W, rows, x, b, b_stride, out);
        default:
            return tiny_layer_with<T, Finish, 4, false>(W, rows, x, b, b_stride, out);
    }
}

template <ieee_binary T>
void inner_products(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                    std::size_t b_stride, T* z) noexcept {
    if (n + (b != nullptr ? 1 : 0) <= 4 && rows <= tiny_rows) {
        tiny_layer<T, store_weighted_inputs>(W, rows, n, x, b, b_stride, z);
        return;
    }
    inner_products_rows(W, rows, n, x, b, b_stride, z);
}

// y_r = σ(z_r), z_r = inner_product(W + r*n, x, n, true, b[r]): the sigmoid is applied to
// each register of weighted inputs while it is still in registers. y must not overlap W,
// x or b.
template <ieee_binary T>
[[gnu::noinline]] void forward_sigmoid_rows(T const* W, std::size_t rows, std::size_t n, T const* x,
                                            T const* b, T* y) noexcept {
    rows_pass<T, store_sigmoid>(W, rows, n, x, b, 1, y);
}

template <ieee_binary T>
void forward_sigmoid(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                     T* y) noexcept {
    if (n + 1 <= 4 && rows <= tiny_rows) {
        tiny_layer<T, store_sigmoid>(W, rows, n, x, b, 1, y);
        return;
    }
    forward_sigmoid_rows(W, rows, n, x, b, y);
}

// ---------------------------------------------------------------------------------------
// A batch of inputs for the run-time layer: z_{q,r} = inner_product(W + r n, X + q n, n,
// true, b_r) into Z[q rows + r], q < count, r < rows, bitwise inner_products for each input.
//
// One input at a time, a row longer than P terms is two loads per FMA (w and x, both
// vectors), so the pass runs at one FMA per cycle. A tile of 2 rows x 2 inputs shares each
// weight register between the two inputs and each x register between the two rows: 4
// loads for 4 FMAs, which two loads and two FMAs per cycle match (measured, AVX-512, GCC 12,
// 784 x 128 float, 256 inputs: 2.09 ms one input at a time, 1.30 ms in tiles). Its 2 x 2 x K
// accumulators (K = P / L registers a row) fit where K <= 4 (AVX-512: 16 of 32 registers);
// AVX2 (K = 8 of 16 registers) and NEON (K = 16) already fill their registers with one row,
// and they, rows of at most P terms, and a last odd input or row take the one-input path.
// Each z is reduced on its own (V::reduce: the same levels as reduce_rows, in one
// register), as the pass does for its last few rows.
// ---------------------------------------------------------------------------------------

template <ieee_binary T>
inline constexpr bool batch_tiles = vec<T>::lanes > 1 && partial_sums<T> / vec<T>::lanes <= 4;

// z of rows w0, w1 for inputs x0, x1 (long_row_lanes for each pair, sharing the loads).
template <ieee_binary T>
[[gnu::always_inline]] inline void long_rows_tile(T const* w0, T const* w1, T const* x0,
                                                  T const* x1, std::size_t n,
                                                  long_rows<T> const& l0, long_rows<T> const& l1,
                                                  T b0, T b1, typename vec<T>::v negative_zero,
                                                  T (&z)[2][2]) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t k_regs = p / lanes;
    T const* const w[2] = {w0, w1};
    T const* const x[2] = {x0, x1};
    long_rows<T> const* const l[2] = {&l0, &l1};
    T const bias[2] = {b0, b1};
    v s[2][2][k_regs];
#pragma GCC unroll 4
    for (std::size_t k = 0; k < k_regs; ++k) {
        v const wa[2] = {V::load(w[0] + k * lanes), V::load(w[1] + k * lanes)};
        v const xc[2] = {V::load(x[0] + k * lanes), V::load(x[1] + k * lanes)};
#pragma GCC unroll 2
        for (std::size_t a = 0; a < 2; ++a) {
#pragma GCC unroll 2
            for (std::size_t c = 0; c < 2; ++c) s[a][c][k] = V::fma(wa[a], xc[c], negative_zero);
        }
    }
    for (std::size_t i = p; i + p <= n; i += p) {
#pragma GCC unroll 4
        for (std::size_t k = 0; k < k_regs; ++k) {
            v const wa[2] = {V::load(w[0] + i + k * lanes), V::load(w[1] + i + k * lanes)};
            v const xc[2] = {V::load(x[0] + i + k * lanes), V::load(x[1] + i + k * lanes)};
#pragma GCC unroll 2
            for (std::size_t a = 0; a < 2; ++a) {
#pragma GCC unroll 2
                for (std::size_t c = 0; c < 2; ++c) s[a][c][k] = V::fma(wa[a], xc[c], s[a][c][k]);
            }
        }
    }
    // The tail and the bias, as long_row_lanes (the layout's counts depend only on n).
#pragma GCC unroll 4
    for (std::size_t k = 0; k < k_regs; ++k) {
        if (k < l0.tail_regs) {
            std::size_t const c = l0.count[k];
#pragma GCC unroll 2
            for (std::size_t a = 0; a < 2; ++a) {
                T const* const wk = w[a] + l0.tail + k * lanes;
                v wv = c == lanes ? V::load(wk)
                       : c != 0   ? V::load_first(wk, c, negative_zero)
                                  : negative_zero;
                if (k == l0.bias_reg) wv = V::with_lane(wv, l0.bias_lane, bias[a]);
#pragma GCC unroll 2
                for (std::size_t q = 0; q < 2; ++q) {
                    s[a][q][k] = V::fma(wv, l[q]->x_tail[k], s[a][q][k]);
                }
            }
        }
    }
#pragma GCC unroll 2
    for (std::size_t a = 0; a < 2; ++a) {
#pragma GCC unroll 2
        for (std::size_t c = 0; c < 2; ++c) {
            tree_levels<V, k_regs, k_regs / 2>(s[a][c], k_regs);
            z[a][c] = V::reduce(s[a][c][0]);
        }
    }
}

template <ieee_binary T>
void batch_inner_products(T const* W, std::size_t rows, std::size_t n, T const* X,
                          std::size_t count, T const* b, T* Z) noexcept {
    std::size_t q = 0;
    if constexpr (batch_tiles<T>) {
        using V = vec<T>;
        if (n + 1 > partial_sums<T> && rows >= 2) {
            typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
            for (; q + 2 <= count; q += 2) {
                T const* const x0 = X + q * n;
                T const* const x1 = x0 + n;
                long_rows<T> const l0(x0, n, true);
                long_rows<T> const l1(x1, n, true);
                T* const z0 = Z + q * rows;
                T* const z1 = z0 + rows;
                std::size_t r = 0;
                for (; r + 2 <= rows; r += 2) {
                    T z[2][2];
                    long_rows_tile<T>(W + r * n, W + (r + 1) * n, x0, x1, n, l0, l1, b[r], b[r + 1],
                                      negative_zero, z);
                    z0[r] = z[0][0];
                    z1[r] = z[0][1];
                    z0[r + 1] = z[1][0];
                    z1[r + 1] = z[1][1];
                }
                if (r < rows) {
                    z0[r] =
                        V::reduce(long_row_lanes(W + r * n, x0, n, l0, true, b[r], negative_zero));
                    z1[r] =
                        V::reduce(long_row_lanes(W + r * n, x1, n, l1, true, b[r], negative_zero));
                }
            }
        }
    }
    for (; q < count; ++q) inner_products(W, rows, n, X + q * n, b, 1, Z + q * rows);
}

// This ISA's table. With SOMA_SEPARATE_KERNELS (config.hpp) only the translation unit
// that defines SOMA_KERNELS_IMPLEMENTATION defines it (and so compiles the kernels); the
// others declare it.
#if defined(SOMA_SEPARATE_KERNELS) && !defined(SOMA_KERNELS_IMPLEMENTATION)
extern kernel_table const table;
#else
SOMA_DETAIL_KERNEL_TABLE kernel_table table = {
    this_isa,
    this_isa_requires,
    {&inner_product<float>, &inner_products<float>, &forward_sigmoid<float>, &sigmoid_array<float>,
     &sigmoid_one<float>, &step_array<float>, &tanh_array<float>, &tanh_one<float>,
     &softmax_array<float>, &batch_inner_products<float>},
    {&inner_product<double>, &inner_products<double>, &forward_sigmoid<double>,
     &sigmoid_array<double>, &sigmoid_one<double>, &step_array<double>, &tanh_array<double>,
     &tanh_one<double>, &softmax_array<double>, &batch_inner_products<double>},
};
#endif
// ---- end soma/detail/kernels-inl.hpp ----
#undef SOMA_DETAIL_KERNELS_INL_INSIDE

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::neon

#endif  // SOMA_NEON_KERNELS

#endif  // SOMA_DETAIL_SIMD_NEON_HPP
// ---- end soma/detail/simd/neon.hpp ----

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// Every table this build contains, best first; the portable table is always last.
inline constexpr kernel_table const* tables[] = {
#if defined(SOMA_X86_KERNELS)
    &avx512::table,
    &avx2::table,
#endif
#if defined(SOMA_NEON_KERNELS)
    &neon::table,
#endif
    &portable::table,
};

// The ISA of each entry of `tables`, in the same order (known here, without reading a
// table: with SOMA_SEPARATE_KERNELS the tables are defined in another translation unit).
inline constexpr isa table_isas[] = {
#if defined(SOMA_X86_KERNELS)
    isa::avx512,
    isa::avx2_fma,
#endif
#if defined(SOMA_NEON_KERNELS)
    isa::neon,
#endif
    isa::portable,
};
static_assert(std::size(table_isas) == std::size(tables));

// The table of ISA i; the portable table when this build has none for i.
[[nodiscard]] constexpr kernel_table const& kernels_for(isa i) noexcept {
    for (std::size_t k = 0; k < std::size(tables); ++k) {
        if (table_isas[k] == i) return *tables[k];
    }
    return portable::table;
}

// Whether this build contains kernels for ISA i (whatever the CPU).
[[nodiscard]] constexpr bool isa_compiled(isa i) noexcept {
    for (isa t : table_isas) {
        if (t == i) return true;
    }
    return false;
}

// The CPU features ISA i's kernels need.
[[nodiscard]] constexpr feature_set isa_requirements(isa i) noexcept {
    return kernels_for(i).needs;
}

// Whether this build has kernels for ISA i and the running CPU executes them.
[[nodiscard]] inline bool isa_available(isa i) noexcept {
    return isa_compiled(i) && cpu_features().has_all(isa_requirements(i));
}

// The ISA soma's run-time calls use: compiled_isa when the flags enable one (then there
// is no choice to make), otherwise the first table, best first, that the CPU runs.
[[nodiscard]] inline isa best_isa() noexcept {
    if constexpr (!runtime_dispatch) {
        return compiled_isa;
    } else {
        for (kernel_table const* t : tables) {
            if (cpu_features().has_all(t->needs)) return t->id;
        }
        return isa::portable;
    }
}

// The ISAs whose kernels this build has and this CPU runs (the tests run each of them),
// and the others (the tests report them as not tested).
struct isa_list {
    isa items[std::size(all_isas)]{};
    std::size_t count = 0;
    [[nodiscard]] constexpr isa const* begin() const noexcept { return items; }
    [[nodiscard]] constexpr isa const* end() const noexcept { return items + count; }
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

// The table of the ISA the compiler flags enable (portable when they enable none).
inline constexpr kernel_table const& compiled_kernels = kernels_for(compiled_isa);

// The table soma's run-time calls use.
[[nodiscard]] inline kernel_table const& kernels() noexcept {
    if constexpr (runtime_dispatch) {
        static kernel_table const* const chosen = &kernels_for(best_isa());
        return *chosen;
    } else {
        return compiled_kernels;
    }
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_DISPATCH_HPP
// ---- end soma/detail/dispatch.hpp ----
// ---- begin soma/detail/errors.hpp ----
// soma/detail/errors.hpp - the run-time errors soma reports, with and without exceptions.
//
// Every error soma reports goes through raise() below, kept out of line from the constexpr
// code: reaching one during constant evaluation is a compile error. With exceptions
// enabled it throws std::invalid_argument (a size mismatch, an overlap of an output with
// an input) or std::overflow_error (an integer result that does not fit its type). When
// exceptions are disabled (-fno-exceptions) it calls the error handler of soma/errors.hpp
// instead, and calls std::abort() should the handler return.
#ifndef SOMA_DETAIL_ERRORS_HPP
#define SOMA_DETAIL_ERRORS_HPP

#include <cstddef>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>

// ---- begin soma/errors.hpp ----
// soma/errors.hpp - what soma does with an error when exceptions are disabled.
//
// soma reports a run-time error (a size mismatch, an output overlapping an input, an
// integer result that does not fit its type) by throwing std::invalid_argument or
// std::overflow_error. Compiled with exceptions disabled (-fno-exceptions, common in games,
// audio and embedded code), it calls the error handler instead:
//
//     handler(type, message)
//
// type is the name of the exception that would have been thrown ("std::invalid_argument",
// "std::overflow_error"), message its what(), e.g. "soma::sigmoid: z has 3 elements but
// out has 2". The default handler prints "soma: <type>: <message>" to stderr and calls
// std::abort(). A replacement must not return (it may abort, exit, or hand over to the
// program's own crash reporting); if it returns, soma calls std::abort(). Errors that
// static extents can detect are compile errors either way. With exceptions enabled the
// handler is never called.
#ifndef SOMA_ERRORS_HPP
#define SOMA_ERRORS_HPP

#include <atomic>
#include <cstdio>
#include <cstdlib>


namespace soma {

// What soma calls instead of throwing when exceptions are disabled (see above).
using error_handler = void (*)(char const* type, char const* message);

namespace detail {

// The default handler: the message on stderr, then std::abort().
inline void print_and_abort(char const* type, char const* message) {
    std::fprintf(stderr, "soma: %s: %s\n", type, message);
    std::fflush(stderr);
    std::abort();
}

// The installed handler. Deliberately outside the ABI namespace: a program has one
// handler, whatever flags each of its translation units was compiled with.
inline std::atomic<error_handler> installed_error_handler{&print_and_abort};

}  // namespace detail

// Installs h as the handler (the default handler when h is null) and returns the previous
// one. Thread-safe; the handler is called on the thread that hit the error.
SOMA_ABI inline error_handler set_error_handler(error_handler h) noexcept {
    return detail::installed_error_handler.exchange(h != nullptr ? h : &detail::print_and_abort);
}

}  // namespace soma

#endif  // SOMA_ERRORS_HPP
// ---- end soma/errors.hpp ----

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define SOMA_DETAIL_EXCEPTIONS 1
#else
#define SOMA_DETAIL_EXCEPTIONS 0
#endif

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class E>
inline constexpr char const* exception_name = "std::invalid_argument";
template <>
inline constexpr char const* exception_name<std::overflow_error> = "std::overflow_error";

// Throws E(message), or, without exceptions, calls the error handler and never returns.
template <class E>
[[noreturn]] void raise(std::string const& message) {
#if SOMA_DETAIL_EXCEPTIONS
    throw E(message);
#else
    installed_error_handler.load()(exception_name<E>, message.c_str());
    std::abort();  // a handler that returns
#endif
}

// std::invalid_argument: "<where>: <what_a> has <a> elements but <what_b> has <b>".
[[noreturn]] inline void throw_size_mismatch(char const* where, char const* what_a, std::size_t a,
                                             char const* what_b, std::size_t b) {
    raise<std::invalid_argument>(std::string(where) + ": " + what_a + " has " + std::to_string(a) +
                                 " elements but " + what_b + " has " + std::to_string(b));
}

// std::overflow_error for an integer result that does not fit its type.
[[noreturn]] inline void throw_overflow(char const* where) {
    raise<std::overflow_error>(std::string(where) +
                               ": integer overflow (the result does not fit the element type)");
}

// Whether [a, a + na) and [b, b + nb) share an element (std::less: a total order even for
// pointers into different arrays).
template <class T>
[[nodiscard]] bool ranges_overlap(T const* a, std::size_t na, T const* b, std::size_t nb) noexcept {
    if (na == 0 || nb == 0) return false;
    std::less<T const*> const before;
    return before(a, b + nb) && before(b, a + na);
}

// An output that overlaps an input without being that input (the same first element and
// size): the in-place use that the element-wise array functions allow is not an overlap.
template <class T>
[[nodiscard]] bool partial_overlap(T const* out, std::size_t n_out, T const* in,
                                   std::size_t n_in) noexcept {
    if (out == in && n_out == n_in) return false;
    return ranges_overlap(out, n_out, in, n_in);
}

// std::invalid_argument: "<where>: <out> overlaps <in><detail>".
[[noreturn]] inline void throw_overlap(char const* where, char const* out, char const* in,
                                       char const* detail = "") {
    raise<std::invalid_argument>(std::string(where) + ": " + out + " overlaps " + in + detail);
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_ERRORS_HPP
// ---- end soma/detail/errors.hpp ----
// ---- begin soma/detail/sigmoid_long_double.hpp ----
// soma/detail/sigmoid_long_double.hpp - σ(z) for long double.
//
// A plain constexpr evaluation (Cody-Waite reduction, a Taylor series carried to the
// precision of long double, true division) with a weaker bound than float and double;
// not part of the bitwise scalar/SIMD contract.
#ifndef SOMA_DETAIL_SIGMOID_LONG_DOUBLE_HPP
#define SOMA_DETAIL_SIGMOID_LONG_DOUBLE_HPP

#include <limits>


namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// 2^n for a normal power of two, by binary powering (exact, constexpr).
[[nodiscard]] constexpr long double sigmoid_pow2_long(long n) noexcept {
    long double base = n < 0 ? 0.5L : 2.0L;
    unsigned long m = static_cast<unsigned long>(n < 0 ? -n : n);
    long double result = 1.0L;
    while (m != 0U) {
        if ((m & 1U) != 0U) result *= base;
        base *= base;
        m >>= 1U;
    }
    return result;
}

// σ for long double: e^a by Cody-Waite reduction and a Taylor series carried to the
// precision of long double, then 1/(1 + e) or e/(1 + e) by true division. Not fused, not
// bitwise tied to any SIMD kernel. Max error 3 ULP against a binary128 reference where
// long double is the x87 80-bit format (tested with libquadmath where available).
[[nodiscard]] constexpr long double sigmoid_long(long double z) noexcept {
    constexpr int digits = std::numeric_limits<long double>::digits;
    constexpr int min_exp = std::numeric_limits<long double>::min_exponent;
    if (z != z) return z + z;
    long double a = z < 0.0L ? z : -z;
    // Below a_min, e^a < 2^(min_exp - digits - 1): σ rounds to +0.
    constexpr long double a_min =
        -(static_cast<long double>(digits - min_exp + 3) * 0.6931471805599453094172321L);
    if (a < a_min) a = a_min;
    // ln 2 = ln2_hi + ln2_lo with ln2_hi on 48 bits: k·ln2_hi is exact for |k| < 2^15.
    constexpr long double ln2_hi = 195103586505167.0L / 281474976710656.0L;
    constexpr long double ln2_lo = 1.688525005076197806790396056774985255254e-15L;
    constexpr long double log2e = 1.442695040888963407359924681001892137427L;
    long double const kx = a * log2e;
    long const k = static_cast<long>(kx - 0.5L);  // a <= 0: truncation of kx - 0.5
    long double const kf = static_cast<long double>(k);
    long double const r = (a - kf * ln2_hi) - kf * ln2_lo;
    // Taylor series of e^r, |r| < 0.35: stop once r^n/n! < 2^-(digits + 4).
    long double terms[64] = {};
    int n_terms = 1;
    terms[0] = 1.0L;
    long double bound = 1.0L;
    for (int n = 1; n < 64; ++n) {
        terms[n] = terms[n - 1] / static_cast<long double>(n);
        bound = bound * 0.35L / static_cast<long double>(n);
        n_terms = n + 1;
        if (bound < sigmoid_pow2_long(-(digits + 4))) break;
    }
    long double p = terms[n_terms - 1];
    for (int n = n_terms - 2; n >= 0; --n) p = p * r + terms[n];
    // e = p·2^k; 2^k split in two normal factors so the last product rounds once.
    long const k1 = k / 2;
    long const k2 = k - k1;
    long double const e = p * sigmoid_pow2_long(k1) * sigmoid_pow2_long(k2);
    long double const d = 1.0L + e;
    if (z >= 0.0L) return 1.0L / d;
    return p * sigmoid_pow2_long(k1) / d * sigmoid_pow2_long(k2);
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_SIGMOID_LONG_DOUBLE_HPP
// ---- end soma/detail/sigmoid_long_double.hpp ----

namespace soma {

// σ(z) = 1 / (1 + e^-z), the activation of the sigmoid neuron.
//
// Domain: every z. Special values: σ(±0) = 0.5 exactly, σ(+inf) = 1, σ(-inf) = +0,
// σ(NaN) = the same NaN with its quiet bit set (bit for bit on every path). The result
// always lies in [0, 1] and is non-decreasing in z.
// Flags: no non-NaN z raises FE_OVERFLOW, FE_INVALID or FE_DIVBYZERO; a quiet NaN may raise
// FE_INVALID in the array kernels (never in the scalar call). FE_INEXACT is raised.
// FE_UNDERFLOW: float exactly where σ(z) is subnormal or +0 (z < -87.336); double never for
// 2^-340 <= |z| <= 708.39, possibly outside (where σ(z) or e^-|z| is subnormal, and for
// |z| < 2^-340, where a power of z underflows and σ(z) = 0.5 exactly); long double never
// for 2^-16300 <= |z| <= 11355. Table and tests: docs/sigmoid.md, tests/fp_flags_test.cpp.
//
// Accuracy against the exact value:
//   float        <= 1 ULP over all 2^32 inputs (exhaustive test; evaluated in double,
//                   0.5 + 2^-4 ULP by analysis)
//   double       <= 1 ULP (double-double evaluation; dense sweep + 10^7 random inputs
//                   against an x87 long double reference)
//   long double  <= 3 ULP for the x87 80-bit format (against binary128); where long
//                   double is binary64, the double algorithm is used.
// Subnormal results are correct to the same bound (float: z in (-103.98, -87.34);
// double: z in (-745.14, -708.4)); below those σ is +0.
//
// Bitwise contract: for float and double, the constant evaluation, the scalar call and
// the array forms below return identical bits on every target (portable, AVX2, AVX-512,
// NEON). The algorithm is written once, in soma/detail/kernels-inl.hpp (sigmoid_one for
// one value, sigmoid_lanes for a register); at run time a build without -march reaches it
// compiled with FMA instructions through the kernel table when the CPU has them.
template <std::floating_point T>
SOMA_ABI [[nodiscard]] constexpr T sigmoid(T z) noexcept {
    if constexpr (std::same_as<T, float> || std::same_as<T, double>) {
        if (std::is_constant_evaluated()) return detail::portable::sigmoid_one(z);
        return detail::kernels().of<T>().sigmoid_one(z);
    } else if constexpr (std::same_as<T, long double> &&
                         std::numeric_limits<long double>::digits == 53) {
        return static_cast<long double>(soma::sigmoid(static_cast<double>(z)));
    } else {
        static_assert(std::same_as<T, long double>,
                      "soma::sigmoid supports float, double and long double");
        return detail::sigmoid_long(z);
    }
}

// σ'(z) = σ(z)(1 - σ(z)), the derivative used by gradient descent.
//
// Evaluated as σ(z)·σ(-z), which equals σ(z)(1 - σ(z)) and avoids the cancellation
// in 1 - σ(z) for large z. Special values: σ'(±0) = 0.25, σ'(±inf) = +0, NaN -> NaN.
// Accuracy: <= 4.5 ULP for float and double (two factors within 1 ULP each plus one
// rounding, measured with ULPs of the product), tested against a higher-precision
// reference.
template <std::floating_point T>
SOMA_ABI [[nodiscard]] constexpr T sigmoid_derivative(T z) noexcept {
    return sigmoid(z) * sigmoid(-z);
}

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class T>
inline constexpr bool is_span_v = false;
template <class T, std::size_t N>
inline constexpr bool is_span_v<std::span<T, N>> = N == std::dynamic_extent;

// A contiguous range of mutable floating-point values that is not already a std::span
// (spans take the span overloads directly).
template <class R>
concept sigmoid_output_range = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    std::floating_point<std::ranges::range_value_t<R>> &&
    !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<R>>>;

template <class R>
concept sigmoid_input_range = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    std::floating_point<std::ranges::range_value_t<R>>;

[[noreturn]] inline void throw_sigmoid_size_mismatch(std::size_t z_size, std::size_t out_size) {
    throw_size_mismatch("soma::sigmoid", "z", z_size, "out", out_size);
}

template <class T>
SOMA_ABI void sigmoid_span(std::span<T const> z, std::span<T> out) noexcept {
    if constexpr (std::same_as<T, float> || std::same_as<T, double>) {
        detail::kernels().of<T>().sigmoid(z.data(), out.data(), z.size());
    } else {
        for (std::size_t i = 0; i < z.size(); ++i) out[i] = soma::sigmoid(z[i]);
    }
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// out[i] = σ(z[i]) for every i: the same bits as the scalar σ, vectorized (AVX-512 or
// AVX2+FMA chosen once per process at run time on x86, NEON on AArch64).
// Preconditions: out.size() == z.size(), else throws std::invalid_argument naming both
// sizes; out is z itself (in place) or shares no element with z, else throws
// std::invalid_argument ("out overlaps z"). Nothing is written when it throws. Elements
// outside [0, size) are never read or written.
template <std::floating_point T>
SOMA_ABI void sigmoid(std::span<std::type_identity_t<T> const> z, std::span<T> out) {
    if (z.size() != out.size()) detail::throw_sigmoid_size_mismatch(z.size(), out.size());
    if (detail::partial_overlap<T>(out.data(), out.size(), z.data(), z.size())) {
        detail::throw_overlap("soma::sigmoid", "out", "z",
                              " (out may be z itself, not part of it)");
    }
    detail::sigmoid_span<T>(z, out);
}

// z[i] = σ(z[i]) in place.
template <std::floating_point T>
SOMA_ABI void sigmoid(std::span<T> z_in_out) noexcept {
    detail::sigmoid_span<T>(z_in_out, z_in_out);
}

// The same for std::vector, std::array and other contiguous ranges, which do not deduce T
// in the span overloads above.
template <class Z, class Out>
requires detail::sigmoid_input_range<Z> && detail::sigmoid_output_range<Out> &&
    std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>> &&
    (!detail::is_span_v<std::remove_cvref_t<Z>> ||
     !detail::is_span_v<std::remove_cvref_t<Out>>)SOMA_ABI void sigmoid(Z&& z, Out&& out) {
    using T = std::ranges::range_value_t<Out>;
    soma::sigmoid<T>(std::span<T const>(std::ranges::data(z), std::ranges::size(z)),
                     std::span<T>(std::ranges::data(out), std::ranges::size(out)));
}

// A pair of ranges sigmoid(z, out) cannot take: a compile error saying what to pass, instead
// of the notes on every unsatisfied constraint.
template <class Z, class Out>
requires std::ranges::range<Z> && std::ranges::range<Out> &&
    (!std::ranges::contiguous_range<Z> || !std::ranges::contiguous_range<Out> ||
     !std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>>)SOMA_ABI
    void sigmoid(Z&&, Out&&) {
    static_assert(std::ranges::contiguous_range<Z> && std::ranges::contiguous_range<Out>,
                  "soma::sigmoid(z, out): z and out must be contiguous (std::vector, std::array, "
                  "std::span or a C array); copy a std::list, std::deque or a view into a "
                  "std::vector first");
    static_assert(!(std::ranges::contiguous_range<Z> && std::ranges::contiguous_range<Out>) ||
                      std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>>,
                  "soma::sigmoid(z, out): z and out must have the same element type (soma never "
                  "converts silently)");
}

template <class R>
requires detail::sigmoid_output_range<R> &&(!detail::is_span_v<std::remove_cvref_t<R>>)SOMA_ABI
    void sigmoid(R&& z_in_out) noexcept {
    using T = std::ranges::range_value_t<R>;
    soma::sigmoid<T>(std::span<T>(std::ranges::data(z_in_out), std::ranges::size(z_in_out)));
}

}  // namespace soma

#endif  // SOMA_SIGMOID_HPP
// ---- end soma/sigmoid.hpp ----
// ---- begin soma/step.hpp ----
// soma/step.hpp - the unit step function u(z) and the firing condition (点火).
#ifndef SOMA_STEP_HPP
#define SOMA_STEP_HPP

#include <bit>
#include <concepts>
#include <cstdint>
#include <limits>
#include <ranges>
#include <span>
#include <type_traits>


namespace soma {

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// The (z, out) pairs step(z, out) takes.
template <class Z, class Out>
concept step_arrays = input_vector<Z> && std::ranges::contiguous_range<Out> &&
    std::ranges::sized_range<Out> && std::same_as<std::ranges::range_value_t<Out>, element_t<Z>> &&
    !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<Out>>>;

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// Unit step (单位阶跃函数): u(z) = 1 for z >= 0, 0 for z < 0.
// The value at the threshold itself is 1 (the tutorial's neuron fires when the weighted
// sum reaches θ), so u(+0) = u(-0) = 1. u(+inf) = 1, u(-inf) = 0, u(NaN) = NaN (the
// same NaN) for floating T. Exact: no rounding is involved, and no floating-point flag is
// raised for a non-NaN z; a NaN may raise FE_INVALID (the comparison z >= 0 signals on
// NaN, here and in the portable array loop; the AVX2 and AVX-512 kernels compare quietly).
template <scalar T>
SOMA_ABI [[nodiscard]] constexpr T step(T z) noexcept {
    if constexpr (std::floating_point<T>) {
        // u is 0 for NaN, and NaN is then OR-ed back in: two compares, two ANDs and an OR
        // per vector when a loop of step neurons is vectorized.
        using bits_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
        if constexpr (sizeof(T) == sizeof(bits_t) && std::numeric_limits<T>::is_iec559) {
            T const u = z >= T(0) ? T(1) : T(0);
            bits_t const nan = z != z ? ~bits_t{0} : bits_t{0};
            return std::bit_cast<T>(
                static_cast<bits_t>(std::bit_cast<bits_t>(u) | (std::bit_cast<bits_t>(z) & nan)));
        } else {
            return z >= T(0) ? T(1) : (z < T(0) ? T(0) : z);
        }
    } else {
        return z >= T(0) ? T(1) : T(0);
    }
}

// fires(z, θ) = (z >= θ): the tutorial's firing condition w·x >= θ, with z = w·x.
// false when either side is NaN. For the weighted input with bias, fires(z, 0).
template <scalar T>
SOMA_ABI [[nodiscard]] constexpr bool fires(T z, T theta) noexcept {
    return z >= theta;
}

// step over a vector: out_i = u(z_i). Sizes must match (a compile error for two static
// extents, else std::invalid_argument naming both sizes). `out` may be `z` itself (in
// place); an `out` that shares only some elements with `z` throws std::invalid_argument
// (at run time; constant evaluation cannot compare unrelated pointers). Nothing is
// written when it throws.
template <class Z, class Out>
requires detail::step_arrays<Z, Out> SOMA_ABI constexpr void step(Z const& z, Out&& out) {
    auto const n = static_cast<std::size_t>(std::ranges::size(z));
    auto const m = static_cast<std::size_t>(std::ranges::size(out));
    if (n != m) detail::throw_size_mismatch("soma::step", "z", n, "out", m);
    auto const* in = std::ranges::data(z);
    auto* o = std::ranges::data(out);
    if (!std::is_constant_evaluated()) {
        if (detail::partial_overlap<element_t<Z>>(o, n, in, n)) {
            detail::throw_overlap("soma::step", "out", "z",
                                  " (out may be z itself, not part of it)");
        }
        if constexpr (detail::ieee_binary<element_t<Z>>) {
            detail::kernels().of<element_t<Z>>().step(in, o, n);
            return;
        }
    }
    for (std::size_t i = 0; i < n; ++i) o[i] = soma::step(in[i]);
}

// A pair step(z, out) cannot take: a compile error saying what to pass.
template <class Z, class Out>
requires std::ranges::range<Z> && std::ranges::range<Out> &&(!detail::step_arrays<Z, Out>)SOMA_ABI
    void step(Z const&, Out&&) {
    static_assert(std::ranges::contiguous_range<Z> && std::ranges::contiguous_range<Out>,
                  "soma::step(z, out): z and out must be contiguous (std::vector, std::array, "
                  "std::span or a C array); copy a std::list, std::deque or a view into a "
                  "std::vector first");
    static_assert(!(std::ranges::contiguous_range<Z> && std::ranges::contiguous_range<Out>) ||
                      std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>>,
                  "soma::step(z, out): z and out must have the same element type (soma never "
                  "converts silently)");
    static_assert(!(std::ranges::contiguous_range<Z> && std::ranges::contiguous_range<Out>) ||
                      !std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>>,
                  "soma::step(z, out): out must be writable and the elements numbers (an "
                  "arithmetic type other than bool)");
}

// In place: z_i <- u(z_i).
template <class Z>
requires input_vector<Z> &&
    (!std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<Z>>>)SOMA_ABI
    constexpr void step(Z&& z) noexcept {
    auto* p = std::ranges::data(z);
    auto const n = static_cast<std::size_t>(std::ranges::size(z));
    if constexpr (detail::ieee_binary<element_t<Z>>) {
        if (!std::is_constant_evaluated()) {
            detail::kernels().of<element_t<Z>>().step(p, p, n);
            return;
        }
    }
    for (std::size_t i = 0; i < n; ++i) p[i] = soma::step(p[i]);
}

}  // namespace soma

#endif  // SOMA_STEP_HPP
// ---- end soma/step.hpp ----
// ---- begin soma/tanh.hpp ----
// soma/tanh.hpp - the hyperbolic tangent tanh(z) = (e^z - e^-z)/(e^z + e^-z), the symmetric
// sigmoid, for one value and for arrays.
#ifndef SOMA_TANH_HPP
#define SOMA_TANH_HPP

#include <concepts>
#include <cstddef>
#include <ranges>
#include <span>
#include <type_traits>


namespace soma {

// tanh(z) = (e^z - e^-z)/(e^z + e^-z) = 2σ(2z) - 1, the activation of a tanh neuron: odd,
// increasing, with values in (-1, 1).
//
// Domain: every z, for float and double. Special values: tanh(±0) = ±0 (the sign kept),
// tanh(±inf) = ±1 (also every |z| >= 20), tanh(NaN) = the same NaN with its quiet bit set
// (bit for bit on every path). tanh(-z) = -tanh(z) bit for bit; the result lies in [-1, 1]
// and is non-decreasing in z.
// Flags: no non-NaN z raises FE_OVERFLOW, FE_INVALID, FE_DIVBYZERO or FE_UNDERFLOW; a quiet
// NaN may raise FE_INVALID in the array kernels (never in the scalar call). FE_INEXACT is
// raised.
//
// Accuracy against the exact value:
//   float   <= 1 ULP over all 2^32 inputs (exhaustive test; evaluated in double and rounded
//           once more: 0.5 ULP + 2^-28 ULP at most, 0.5 measured)
//   double  <= 1 ULP (numerator 1 - e^-2|z| and denominator 1 + e^-2|z| as double-double
//           sums, one rounding; 0.532 ULP measured over a dense sweep + 10^7 random inputs
//           against an x87 long double reference)
//
// Bitwise contract: as soma::sigmoid. The constant evaluation, the scalar call and the
// array forms return identical bits on every target (portable, AVX2, AVX-512, NEON); the
// algorithm is written once, in soma/detail/kernels-inl.hpp (tanh_one, tanh_lanes), and
// shares σ's exponential.
template <detail::ieee_binary T>
SOMA_ABI [[nodiscard]] constexpr T tanh(T z) noexcept {
    if (std::is_constant_evaluated()) return detail::portable::tanh_one(z);
    return detail::kernels().of<T>().tanh_one(z);
}

// tanh'(z) = 1 - tanh(z)², the derivative used by gradient descent.
//
// Evaluated as 4·σ(2z)·σ(-2z), which equals 1 - tanh(z)² = 4e^-2|z|/(1 + e^-2|z|)² and
// avoids the cancellation in 1 - tanh(z)² for large |z| (z is first clamped to [-1000, 1000],
// where tanh' is already +0, so that 2z cannot overflow). Special values: tanh'(±0) = 1,
// tanh'(±inf) = +0, tanh'(NaN) = the same NaN with its quiet bit set. Accuracy: <= 4.5 ULP
// for float and double (two sigmoids within 1 ULP each and one rounded product, as
// soma::sigmoid_derivative), tested against a higher-precision reference.
template <detail::ieee_binary T>
SOMA_ABI [[nodiscard]] constexpr T tanh_derivative(T z) noexcept {
    // NaN: the same NaN quieted, as tanh gives (a product of two NaNs would leave the choice
    // of NaN, and its sign, to the compiler's operand order).
    if (z != z) return detail::portable::tanh_one(z);
    T const c = z > T(1000) ? T(1000) : (z < T(-1000) ? T(-1000) : z);
    T const two_z = c + c;
    return (T(4) * soma::sigmoid(two_z)) * soma::sigmoid(-two_z);
}

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

[[noreturn]] inline void throw_tanh_size_mismatch(std::size_t z_size, std::size_t out_size) {
    throw_size_mismatch("soma::tanh", "z", z_size, "out", out_size);
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// out[i] = tanh(z[i]) for every i: the same bits as the scalar tanh, vectorized (AVX-512 or
// AVX2+FMA chosen once per process at run time on x86, NEON on AArch64).
// Preconditions: out.size() == z.size(), else throws std::invalid_argument naming both
// sizes; out is z itself (in place) or shares no element with z, else throws
// std::invalid_argument ("out overlaps z"). Nothing is written when it throws. Elements
// outside [0, size) are never read or written.
template <detail::ieee_binary T>
SOMA_ABI void tanh(std::span<std::type_identity_t<T> const> z, std::span<T> out) {
    if (z.size() != out.size()) detail::throw_tanh_size_mismatch(z.size(), out.size());
    if (detail::partial_overlap<T>(out.data(), out.size(), z.data(), z.size())) {
        detail::throw_overlap("soma::tanh", "out", "z", " (out may be z itself, not part of it)");
    }
    detail::kernels().of<T>().tanh(z.data(), out.data(), z.size());
}

// z[i] = tanh(z[i]) in place.
template <detail::ieee_binary T>
SOMA_ABI void tanh(std::span<T> z_in_out) noexcept {
    detail::kernels().of<T>().tanh(z_in_out.data(), z_in_out.data(), z_in_out.size());
}

// The same for std::vector, std::array and other contiguous ranges, which do not deduce T
// in the span overloads above.
template <class Z, class Out>
requires detail::sigmoid_input_range<Z> && detail::sigmoid_output_range<Out> &&
    std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>> &&
    detail::ieee_binary<std::ranges::range_value_t<Out>> &&
    (!detail::is_span_v<std::remove_cvref_t<Z>> ||
     !detail::is_span_v<std::remove_cvref_t<Out>>)SOMA_ABI void tanh(Z&& z, Out&& out) {
    using T = std::ranges::range_value_t<Out>;
    soma::tanh<T>(std::span<T const>(std::ranges::data(z), std::ranges::size(z)),
                  std::span<T>(std::ranges::data(out), std::ranges::size(out)));
}

template <class R>
requires detail::sigmoid_output_range<R> && detail::ieee_binary<std::ranges::range_value_t<R>> &&
    (!detail::is_span_v<std::remove_cvref_t<R>>)SOMA_ABI void tanh(R&& z_in_out) noexcept {
    using T = std::ranges::range_value_t<R>;
    soma::tanh<T>(std::span<T>(std::ranges::data(z_in_out), std::ranges::size(z_in_out)));
}

}  // namespace soma

#endif  // SOMA_TANH_HPP
// ---- end soma/tanh.hpp ----

namespace soma {

// a(z) = u(z), the unit step (soma::step): 1 for z >= 0, else 0; NaN -> NaN.
struct step_activation {
    template <scalar T>
    SOMA_ABI [[nodiscard]] constexpr T operator()(T z) const noexcept {
        return soma::step(z);
    }
    template <scalar T>
    SOMA_ABI constexpr void operator()(std::span<T> z) const noexcept {
        soma::step(z);
    }
};

// a(z) = σ(z) = 1 / (1 + e^-z) (soma::sigmoid), with a'(z) = σ(z)(1 - σ(z)).
struct sigmoid_activation {
    template <std::floating_point T>
    SOMA_ABI [[nodiscard]] constexpr T operator()(T z) const noexcept {
        return soma::sigmoid(z);
    }
    template <std::floating_point T>
    SOMA_ABI void operator()(std::span<T> z) const noexcept {
        if constexpr (requires { soma::sigmoid(z); }) {
            soma::sigmoid(z);
        } else {
            for (T& v : z) v = soma::sigmoid(v);
        }
    }
    template <std::floating_point T>
    SOMA_ABI [[nodiscard]] constexpr T derivative(T z) const noexcept {
        return soma::sigmoid_derivative(z);
    }
    // a'(z) from the output y = σ(z): y(1 - y), two roundings (1 - y is exact for
    // y >= 0.5). What backpropagation uses: the forward pass has y already.
    template <std::floating_point T>
    [[nodiscard]] constexpr T derivative_of_output(T y) const noexcept {
        return y * (T(1) - y);
    }
};

// a(z) = tanh(z) = (e^z - e^-z)/(e^z + e^-z) (soma::tanh), with a'(z) = 1 - tanh(z)²
// (soma::tanh_derivative); float and double.
struct tanh_activation {
    template <detail::ieee_binary T>
    SOMA_ABI [[nodiscard]] constexpr T operator()(T z) const noexcept {
        return soma::tanh(z);
    }
    template <detail::ieee_binary T>
    SOMA_ABI void operator()(std::span<T> z) const noexcept {
        soma::tanh(z);
    }
    template <detail::ieee_binary T>
    SOMA_ABI [[nodiscard]] constexpr T derivative(T z) const noexcept {
        return soma::tanh_derivative(z);
    }
    // a'(z) from the output y = tanh(z): (1 - y)(1 + y) = 1 - y², three roundings (no
    // contraction can fuse it: no product feeds a sum). What backpropagation uses.
    template <detail::ieee_binary T>
    [[nodiscard]] constexpr T derivative_of_output(T y) const noexcept {
        return (T(1) - y) * (T(1) + y);
    }
};

// a(z) = max(0, z), the rectified linear unit, with a'(z) = 1 for z > 0, else 0.
//
// Exact (no rounding). Special values: a(-0) = +0 (every z <= 0 gives +0), a(+inf) = +inf,
// a(-inf) = +0, a(NaN) = the same NaN, bit for bit; a'(NaN) = the same NaN, a'(0) = 0
// (the subgradient at the kink chosen as 0), a'(±inf) = 1 and 0. Any scalar type.
struct relu_activation {
    template <scalar T>
    SOMA_ABI [[nodiscard]] constexpr T operator()(T z) const noexcept {
        if constexpr (std::floating_point<T>) {
            if (z != z) return z;
        }
        return z > T(0) ? z : T(0);
    }
    template <scalar T>
    SOMA_ABI constexpr void operator()(std::span<T> z) const noexcept {
        for (T& v : z) v = (*this)(v);
    }
    template <scalar T>
    SOMA_ABI [[nodiscard]] constexpr T derivative(T z) const noexcept {
        if constexpr (std::floating_point<T>) {
            if (z != z) return z;
        }
        return z > T(0) ? T(1) : T(0);
    }
    // a'(z) from the output y = max(0, z): 1 for y > 0, else 0 (y = 0 for every z <= 0);
    // NaN -> the same NaN.
    template <scalar T>
    [[nodiscard]] constexpr T derivative_of_output(T y) const noexcept {
        return derivative(y);
    }
};

// a(z) = z: the neuron outputs its weighted input (a linear unit).
struct identity_activation {
    template <scalar T>
    [[nodiscard]] constexpr T operator()(T z) const noexcept {
        return z;
    }
    template <scalar T>
    constexpr void operator()(std::span<T>) const noexcept {}
    template <scalar T>
    [[nodiscard]] constexpr T derivative(T) const noexcept {
        return T(1);
    }
    template <scalar T>
    [[nodiscard]] constexpr T derivative_of_output(T) const noexcept {
        return T(1);
    }
};

}  // namespace soma

#endif  // SOMA_ACTIVATION_HPP
// ---- end soma/activation.hpp ----
// ---- begin soma/backprop.hpp ----
// soma/backprop.hpp - neurons learn: the gradient of a loss with respect to every weight
// and bias of a soma::network, by backpropagation.
//
// For layers k = 1..L with y_0 = x, z_k = W_k y_{k-1} + b_k and y_k = a_k(z_k), and a loss
// E(y_L, t) (soma/loss.hpp):
//   δ_L = ∂E/∂z_L                                  (the loss's output_delta)
//   δ_k = (W_{k+1}ᵀ δ_{k+1}) ⊙ a_k'(z_k)            k = L-1, ..., 1
//   ∂E/∂W_k = δ_k y_{k-1}ᵀ,   ∂E/∂b_k = δ_k
// (the chain rule; for the sigmoid a'(z) = σ(z)(1 - σ(z)) = y(1 - y), from the output).
//
// Reproducible training, the contract: the same data, initial parameters and settings
// give the same bits of every gradient, hence of every trained weight, on every target
// (portable, AVX2, AVX-512, NEON), with every compiler and optimization level. The
// forward pass is the layers' own (canonical inner products, the activations' bitwise
// array forms); every other sum -- over the rows in W_{k+1}ᵀ δ_{k+1}, over the examples
// of a batch in the gradients -- is a chain of fused multiply-adds in increasing index
// order, vectorized only across independent chains (soma/detail/training_kernels-inl.hpp).
// Nothing is reordered with the SIMD width, and nothing is left for the compiler to fuse.
#ifndef SOMA_BACKPROP_HPP
#define SOMA_BACKPROP_HPP

#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

// ---- begin soma/dense_layer.hpp ----
// soma/dense_layer.hpp - Out neurons sharing In inputs: a dense (fully connected) layer.
//
// Neuron r of the layer has the weights W[r, 0..In) (row r of the row-major matrix W) and
// the bias b_r; all share one activation a:
//     z_r = Σ_i W[r, i] x_i + b_r,    y_r = a(z_r),    i.e. z = W x + b, y = a(z).
// Every output is bitwise the single neuron's: layer(x)[r] == soma::neuron<T, In, A>(w_r,
// b_r)(x), on every target and in constant evaluation (z_r in soma's canonical order,
// soma/detail/inner_product.hpp, with its error bound |z_r - exact| <= gamma_k Σ_i
// |W[r, i] x_i| + |b_r|, k = ceil((In+1)/P) + log2 P; σ within 1 ULP, soma/sigmoid.hpp).
//
// soma::dense_layer<T, In, Out, A>:
//   - In and Out fixed at compile time: the parameters are stored inline (std::array, no
//     allocation), the layer is a literal type usable in constexpr and as a static
//     constexpr object with weights in the source; size mismatches do not compile.
//     float and double layers keep their weights interleaved across rows (weight i of
//     every row together) and run a kernel specialised for the shape, each register
//     holding L rows' partial sums (soma/detail/dense_kernels-inl.hpp): straight-line
//     code for rows shorter than P = 256 / sizeof(T) terms, P chains of row registers for
//     longer ones. weight(r, i), weights(), row(r) and neuron(r) give the row-major view.
//   - In = Out = std::dynamic_extent: shapes known at run time, std::vector storage; a
//     size mismatch throws std::invalid_argument naming both sizes.
//   batch_forward(X, Y) over the rows of a row-major X: for static float and double
//     layers a batch kernel (dense_kernels-inl.hpp) that evaluates a tile of inputs per
//     pass over the weights, each output bitwise forward(X_k).
// Constant evaluation takes the scalar definition (the single neuron's code, row by row);
// run time the kernels, with the same bits. Evaluation never allocates (but operator() of
// the run-time form, which returns a std::vector).
#ifndef SOMA_DENSE_LAYER_HPP
#define SOMA_DENSE_LAYER_HPP

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

// ---- begin soma/detail/inner_product.hpp ----
// soma/detail/inner_product.hpp - the canonical summation order of every floating-point
// inner product in soma, written as plain scalar code.
//
// Mathematically z = Σ_{i<n} w_i x_i (+ b). Floating-point addition is not associative,
// so soma fixes one order, independent of any vector width, and every kernel (this
// scalar one, AVX2, AVX-512, NEON) follows it exactly; hence the same bits on every
// FMA-capable target:
//
//   1. P partial sums, P = 256 / sizeof(T) (64 for float, 32 for double), each starting
//      at -0.0 (the identity of addition, so an all-(-0) sum stays -0).
//   2. Term i goes to partial sum i mod P, in increasing i, accumulated with one fused
//      multiply-add: s_j = fma(w_i, x_i, s_j). The bias, when present, is term n with
//      x_n = 1 (so weighted_input(w, x, b) is bitwise dot((w, b), (x, 1))).
//   3. The partial sums are combined by a fixed pairwise tree: for h = P/2, ..., 2, 1,
//      s_j = s_j + s_{j+h} for j < h. Partial sums that received no term are -0.0 and
//      x + (-0.0) == x exactly, so a kernel may skip them without changing a bit.
//      The empty sum (n = 0, no bias) is +0.0.
//
// Why P this large: 256 bytes of accumulators is four AVX-512 or eight AVX2 registers,
// enough independent FMA chains to hide the 4-cycle FMA latency at two FMAs per cycle.
//
// Error bound (Higham, "Accuracy and Stability of Numerical Algorithms", §3.1): with
// m = n (+1 with a bias) terms, unit roundoff u = epsilon/2, chains of at most
// ceil(m/P) fused terms and a tree of depth log2(P),
//   |computed - exact| <= gamma_k * Σ|w_i x_i| + n·eta,  k = ceil(m/P) + log2(P),
//   gamma_k = k u / (1 - k u),
// which is far tighter than the textbook bound n·u·Σ|w_i x_i| for long vectors. The term
// n·eta (eta the smallest subnormal, n the number of products) is the underflow part:
// each fused multiply-add whose result is subnormal errs by up to eta/2 absolutely, not
// relatively (fl(v) = v(1 + d) + e, |e| <= eta/2, Higham §2.1); a sum of two floating-
// point numbers that is subnormal is exact, and the later roundings scale each e by at most
// (1 + u)^k < 2. Example: 2^-600 * 2^-475 = 2^-1075 rounds to +0.
//
// The same order, with the same bits, is computed by:
//   inner_product_scalar   the definition below (readable, constexpr, one term at a time);
//   the kernels            soma/detail/kernels-inl.hpp, written once over each ISA's
//                          vocabulary (soma/detail/simd/: AVX2, AVX-512, NEON, portable);
//   inner_product_fixed    a straight-line form for a static extent N < P (below).
// inner_product() picks one: the scalar definition in constant evaluation; at run time
// inner_product_fixed for n <= 4 (a jump on n), in a build without -march short vectors
// inline with SSE2 (soma/detail/simd/sse2_short.hpp), otherwise the table of kernels
// chosen once (soma/detail/dispatch.hpp). inner_products() does the same for a batch of rows
// sharing x.
//
// The contract: results are identical on every target with a fused multiply-add (scalar
// with FMA, AVX2, AVX-512, NEON), with GCC and Clang, at -O1 to -O3, for any alignment;
// without hardware FMA the scalar definition still gives these bits (std::fma is exact),
// only slower. Not part of the contract: which NaN payload a NaN result carries.
// tests/inner_product_test.cpp checks every kernel against the scalar definition bit for
// bit and the gamma_k bound against a double-double reference; tests/hash builds one
// program with both compilers for every ISA and compares a hash of many results.
//
// No kernel requires alignment or reads outside w[0..n) and x[0..n) (masked loads for
// partial blocks; full-width loads only inside the arrays).
#ifndef SOMA_DETAIL_INNER_PRODUCT_HPP
#define SOMA_DETAIL_INNER_PRODUCT_HPP

#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

// ---- begin soma/detail/simd/sse2_short.hpp ----
// soma/detail/simd/sse2_short.hpp - short inner products inline, with the x86-64 baseline.
//
// An ISA-specific override of the canonical order for one case: a build without -march
// (x86-64 baseline, SSE2, no FMA instruction) and fewer than P terms. There every term has
// a partial sum of its own, so the canonical result is the rounded products plus the fixed
// tree, which needs no fused multiply-add: it can run inline, in the caller's own code,
// instead of through the kernel table's indirect call. Measured (Intel Xeon, AVX-512, GCC
// 12, -O3, dot of 8 floats): 2.3 ns inline against 4.5 ns through the table; above
// sse2_short_max the AVX-512 / AVX2 kernels' wider registers win (docs/benchmarks.md).
//
// Only when the flags enable no FMA: with FMA available (say -mfma without -mavx2) the
// compiler could fuse a product into the tree's additions under -ffp-contract=fast.
//
// Registers s[0..R-1] of L = 4 floats (2 doubles): partial sum kL + l in lane l of s[k],
// as in every kernel. The last register is read as the last L elements of the array moved
// down (the array has more than L elements here, so nothing outside it is read), its
// lanes past the array set to -0 and the bias put in its lane, as the term (b, 1) would.
#ifndef SOMA_DETAIL_SIMD_SSE2_SHORT_HPP
#define SOMA_DETAIL_SIMD_SSE2_SHORT_HPP

#include <cstddef>
#include <cstdint>
#include <utility>


#if defined(SOMA_X86_KERNELS) && defined(__SSE2__) && !defined(__FMA__) && !defined(__AVX__)
#define SOMA_DETAIL_SSE2_SHORT 1
#include <emmintrin.h>

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::sse2 {

template <ieee_binary T>
struct vec;

template <>
struct vec<float> {
    using v = __m128;
    static constexpr std::size_t lanes = 4;
    [[gnu::always_inline]] static v load(float const* p) noexcept { return _mm_loadu_ps(p); }
    [[gnu::always_inline]] static v mul(v a, v b) noexcept { return _mm_mul_ps(a, b); }
    [[gnu::always_inline]] static v add(v a, v b) noexcept { return _mm_add_ps(a, b); }
    // Elements end-c .. end-1 in lanes 0 .. c-1, +0 above (1 <= c <= 4, end >= 4).
    [[gnu::always_inline]] static v load_last(float const* end, std::size_t c) noexcept {
        __m128i const a = _mm_castps_si128(_mm_loadu_ps(end - 4));
        switch (c) {
            case 1:
                return _mm_castsi128_ps(_mm_srli_si128(a, 12));
            case 2:
                return _mm_castsi128_ps(_mm_srli_si128(a, 8));
            case 3:
                return _mm_castsi128_ps(_mm_srli_si128(a, 4));
            default:
                return _mm_castsi128_ps(a);
        }
    }
    // Lanes >= c set to -0 (they hold +0 products), then lane c set to b when has_bias.
    [[gnu::always_inline]] static v finish(v p, std::size_t c, bool has_bias, float b) noexcept {
        __m128i const cv = _mm_set1_epi32(static_cast<int>(c));
        __m128i const above = _mm_cmpgt_epi32(_mm_setr_epi32(1, 2, 3, 4), cv);  // lanes >= c
        p = _mm_or_ps(p, _mm_castsi128_ps(_mm_and_si128(above, _mm_set1_epi32(INT32_MIN))));
        if (has_bias) {
            __m128 const k = _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_setr_epi32(0, 1, 2, 3), cv));
            p = _mm_or_ps(_mm_andnot_ps(k, p), _mm_and_ps(k, _mm_set1_ps(b)));
        }
        return p;
    }
    // The tree inside one register: h = 2, 1.
    [[gnu::always_inline]] static float reduce(v s) noexcept {
        __m128 const s2 = _mm_add_ps(s, _mm_movehl_ps(s, s));
        return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
    }
};

template <>
struct vec<double> {
    using v = __m128d;
    static constexpr std::size_t lanes = 2;
    [[gnu::always_inline]] static v load(double const* p) noexcept { return _mm_loadu_pd(p); }
    [[gnu::always_inline]] static v mul(v a, v b) noexcept { return _mm_mul_pd(a, b); }
    [[gnu::always_inline]] static v add(v a, v b) noexcept { return _mm_add_pd(a, b); }
    [[gnu::always_inline]] static v load_last(double const* end, std::size_t c) noexcept {
        __m128i const a = _mm_castpd_si128(_mm_loadu_pd(end - 2));
        return c == 1 ? _mm_castsi128_pd(_mm_srli_si128(a, 8)) : _mm_castsi128_pd(a);
    }
    [[gnu::always_inline]] static v finish(v p, std::size_t c, bool has_bias, double b) noexcept {
        // 64-bit lane masks from 32-bit compares of duplicated lane indices (SSE2 has no
        // 64-bit compare).
        __m128i const cv = _mm_set1_epi32(static_cast<int>(c));
        __m128i const above = _mm_cmpgt_epi32(_mm_setr_epi32(1, 1, 2, 2), cv);
        p = _mm_or_pd(p,
                      _mm_castsi128_pd(_mm_and_si128(
                          above, _mm_set1_epi64x(static_cast<long long>(0x8000000000000000ULL)))));
        if (has_bias) {
            __m128d const k = _mm_castsi128_pd(_mm_cmpeq_epi32(_mm_setr_epi32(0, 0, 1, 1), cv));
            p = _mm_or_pd(_mm_andnot_pd(k, p), _mm_and_pd(k, _mm_set1_pd(b)));
        }
        return p;
    }
    // The tree inside one register: h = 1.
    [[gnu::always_inline]] static double reduce(v s) noexcept {
        return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
    }
};

// Inline up to this many terms (n + bias); beyond, the kernel table (see the measurement
// above).
template <ieee_binary T>
inline constexpr std::size_t short_max = 64 / sizeof(T);  // 16 floats, 8 doubles

// Σ w_i x_i (+ b) for L < n and n + bias <= short_max, in R registers.
template <ieee_binary T, std::size_t R>
[[nodiscard, gnu::always_inline]] inline T short_sum(T const* w, T const* x, std::size_t n,
                                                     bool has_bias, T b) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t lanes = V::lanes;
    v s[R];
    for (std::size_t k = 0; k + 1 < R; ++k) {
        s[k] = V::mul(V::load(w + k * lanes), V::load(x + k * lanes));
    }
    constexpr std::size_t base = (R - 1) * lanes;
    std::size_t const c = n - base;  // 0 .. L terms in the last register
    v last = c != 0 ? V::mul(V::load_last(w + n, c), V::load_last(x + n, c)) : v{};
    s[R - 1] = V::finish(last, c, has_bias, b);
    // The levels of the canonical tree that pair registers (the others add -0 only).
    if constexpr (R > 2) {
        s[0] = V::add(s[0], s[2]);
        if constexpr (R > 3) s[1] = V::add(s[1], s[3]);
    }
    if constexpr (R > 1) s[0] = V::add(s[0], s[1]);
    return V::reduce(s[0]);
}

template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline T inner_product(T const* w, T const* x, std::size_t n,
                                                         bool has_bias, T b) noexcept {
    static_assert(short_max<T> / vec<T>::lanes == 4);
    switch ((n + (has_bias ? 1 : 0) + vec<T>::lanes - 1) / vec<T>::lanes) {
        case 1:
            return short_sum<T, 1>(w, x, n, has_bias, b);
        case 2:
            return short_sum<T, 2>(w, x, n, has_bias, b);
        case 3:
            return short_sum<T, 3>(w, x, n, has_bias, b);
        default:
            return short_sum<T, 4>(w, x, n, has_bias, b);
    }
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::sse2

#endif

#endif  // SOMA_DETAIL_SIMD_SSE2_SHORT_HPP
// ---- end soma/detail/simd/sse2_short.hpp ----

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// The canonical order, term by term. has_bias adds b as term n.
template <ieee_binary T>
[[nodiscard]] constexpr T inner_product_scalar(T const* w, T const* x, std::size_t n, bool has_bias,
                                               T b) noexcept {
    constexpr std::size_t p = partial_sums<T>;
    std::array<T, p> s{};
    for (T& v : s) v = T(-0.0);
    std::size_t i = 0;
    for (; i + p <= n; i += p) {
        for (std::size_t j = 0; j < p; ++j) s[j] = detail::fma(w[i + j], x[i + j], s[j]);
    }
    for (std::size_t j = 0; i + j < n; ++j) s[j] = detail::fma(w[i + j], x[i + j], s[j]);
    std::size_t used = n < p ? n : p;
    if (has_bias) {
        std::size_t const j = n % p;
        s[j] = s[j] + b;  // fma(b, 1, s_j) == s_j + b exactly
        if (used < p && j + 1 > used) used = j + 1;
    }
    if (used == 0) return T(0);  // the empty sum is +0
    for (std::size_t h = p / 2; h >= 1; h /= 2) {
        for (std::size_t j = 0; j < h && j + h < used; ++j) s[j] = s[j] + s[j + h];
        if (used > h) used = h;
    }
    return s[0];
}

// Vectors this short take the straight-line fixed-size path: a jump on n and a few
// scalar multiplies and adds beat a vector kernel's masked loads and in-register tree
// (measured crossover against the AVX-512 kernel's one-register path: about 4 terms).
inline constexpr std::size_t short_length = 4;

template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline T inner_product_short(T const* w, T const* x,
                                                               std::size_t n, bool has_bias,
                                                               T b) noexcept;

// The entry point every soma inner product goes through: the scalar definition in
// constant evaluation, the best kernel for this machine at run time (same bits).
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] constexpr T inner_product(T const* w, T const* x, std::size_t n,
                                                            bool has_bias, T b) noexcept {
    if (std::is_constant_evaluated()) return inner_product_scalar(w, x, n, has_bias, b);
    if (n <= short_length) return inner_product_short(w, x, n, has_bias, b);
#if defined(SOMA_DETAIL_SSE2_SHORT)
    // A build without -march: short vectors inline with SSE2 (simd/sse2_short.hpp).
    if (n + (has_bias ? 1 : 0) <= sse2::short_max<T>) {
        return sse2::inner_product(w, x, n, has_bias, b);
    }
#endif
    return kernels().of<T>().inner_product(w, x, n, has_bias, b);
}

// A batch of inner products with one weight row each and a shared x:
// z_r = inner_product(W + r*n, x, n, b != nullptr, b[r * b_stride]) bitwise, for r < rows;
// W is row-major rows x n; b null (no bias), or b_stride 1 (one bias per row), or
// b_stride 0 (one bias for all rows). The kernels evaluate L rows per pass and reduce
// them together (kernels-inl.hpp). z must not overlap W, x or b.
template <ieee_binary T>
constexpr void inner_products(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                              std::size_t b_stride, T* z) noexcept {
    if (std::is_constant_evaluated()) {
        for (std::size_t r = 0; r < rows; ++r) {
            z[r] = inner_product_scalar(W + r * n, x, n, b != nullptr,
                                        b != nullptr ? b[r * b_stride] : T(0));
        }
        return;
    }
    kernels().of<T>().inner_products(W, rows, n, x, b, b_stride, z);
}

// The bits of -0, in a variable the optimizer cannot prove constant (nothing writes it, but
// another translation unit could): fma(w, x, -0) with this addend cannot be folded into
// w*x (Clang does fold a literal -0), yet, unlike an asm barrier, a load from it does not
// stop a loop of neurons from being vectorized. An integer type, so that no float store
// can alias it and the load is hoisted out of such loops.
template <ieee_binary T>
inline constinit std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>
    negative_zero_bits =
        std::bit_cast<std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>(T(-0.0));

// round(w * x) as a value the compiler cannot fuse into a later addition: with
// -ffp-contract=fast (GCC's default in GNU mode) a*b + c may become one FMA, which would
// change the bits. Where the flags give no FMA instruction nothing can be fused, and the
// plain product leaves the compiler free to vectorize a loop of neurons. Where they do,
// fma(w, x, -0) is the same rounded product and leaves nothing to fuse.
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] constexpr T unfused_product(T w, T x) noexcept {
    if (std::is_constant_evaluated()) return w * x;
#if defined(__FMA__) || defined(__aarch64__) || defined(__ARM_FEATURE_FMA)
    return std::fma(w, x, std::bit_cast<T>(negative_zero_bits<T>));
#else
    return w * x;
#endif
}

template <ieee_binary T, std::size_t M, std::size_t H, std::size_t... J>
constexpr void fixed_tree_level(std::array<T, M>& s, std::index_sequence<J...>) noexcept {
    ((s[J] = s[J] + s[J + H]), ...);
}

// Levels h = H, H/2, ..., 1 of the canonical tree over M < P used partial sums; at level
// h the live partial sums are the first min(M, 2h), and s_j += s_{j+h} for j + h < that.
template <ieee_binary T, std::size_t M, std::size_t H>
constexpr void fixed_tree(std::array<T, M>& s) noexcept {
    constexpr std::size_t live = M < 2 * H ? M : 2 * H;
    if constexpr (live > H) fixed_tree_level<T, M, H>(s, std::make_index_sequence<live - H>{});
    if constexpr (H > 1) fixed_tree<T, M, H / 2>(s);
}

template <ieee_binary T, std::size_t N, bool has_bias, std::size_t... I>
constexpr T fixed_sum(T const* w, T const* x, T b, std::index_sequence<I...>) noexcept {
    constexpr std::size_t m = N + (has_bias ? 1 : 0);
    if constexpr (m == 0) {
        return T(0);  // the empty sum is +0
    } else {
        std::array<T, m> s{unfused_product(w[I], x[I])...};
        if constexpr (has_bias) s[N] = b;
        fixed_tree<T, m, partial_sums<T> / 2>(s);
        return s[0];
    }
}

// The canonical inner product for a static extent N, as straight-line code: no call, no
// dispatch, no loop. For N < P every term has its own partial sum, which starts at -0, so
// s_i = fma(w_i, x_i, -0) = round(w_i x_i) exactly, the bias is s_N = b, and the tree
// skips the partial sums that stay -0 (exact). Bitwise equal to inner_product(w, x, N,
// has_bias, b); larger N use that. Needs no hardware FMA for N < P.
template <ieee_binary T, std::size_t N>
[[nodiscard]] constexpr T inner_product_fixed(T const* w, T const* x, bool has_bias, T b) noexcept {
    if constexpr (N + 1 > partial_sums<T>) {
        return inner_product(w, x, N, has_bias, b);
    } else {
        if (has_bias) return fixed_sum<T, N, true>(w, x, b, std::make_index_sequence<N>{});
        return fixed_sum<T, N, false>(w, x, b, std::make_index_sequence<N>{});
    }
}

// inner_product for n <= short_length through the fixed-size path (same bits). Inline, with
// no case for longer n: a fallback to the general definition here gave every call the
// definition's stack frame of P partial sums and six saved registers (35 instructions for
// a dot of 2 floats, against 8 now).
template <ieee_binary T>
[[nodiscard, gnu::always_inline]] inline T inner_product_short(T const* w, T const* x,
                                                               std::size_t n, bool has_bias,
                                                               T b) noexcept {
    static_assert(short_length == 4);
#if defined(__GNUC__) || defined(__clang__)
    // The switch below has cases for lengths the caller's arrays may not have; GCC's
    // -Warray-bounds sees the (unreachable) larger cases after inlining into code with a
    // fixed-size array. An empty asm hides the pointers' provenance at no run-time cost.
    asm("" : "+r"(w), "+r"(x));
#endif
    switch (n) {
        case 0:
            return inner_product_fixed<T, 0>(w, x, has_bias, b);
        case 1:
            return inner_product_fixed<T, 1>(w, x, has_bias, b);
        case 2:
            return inner_product_fixed<T, 2>(w, x, has_bias, b);
        case 3:
            return inner_product_fixed<T, 3>(w, x, has_bias, b);
        default:  // 4: the caller passes n <= short_length
            return inner_product_fixed<T, 4>(w, x, has_bias, b);
    }
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_INNER_PRODUCT_HPP
// ---- end soma/detail/inner_product.hpp ----
// ---- begin soma/layer.hpp ----
// soma/layer.hpp - many neurons, or many inputs, at once.
//
// A dense layer of m neurons with n inputs each has row-major weights W (m x n, row r the
// weights w of neuron r) and biases b (m):
//     z = W x + b,   z_r = Σ_i W[r, i] x_i + b_r,   y_r = a(z_r).
// Every z_r is computed in soma's canonical inner-product order (soma/detail/
// inner_product.hpp) and is bitwise equal to the single-neuron weighted input of row r,
// detail::inner_product(W_r, x, n, true, b_r), on every target; accuracy is therefore the
// bound documented there: |z_r - exact| <= gamma_k Σ_i |W[r, i] x_i| + n·eta,
// k = ceil((n+1)/P) + log2(P), P = 256 / sizeof(T), eta the smallest subnormal.
//
// The rows are evaluated several per pass where the ISA has the registers (AVX-512: four
// rows share each load of x), and the bias and the activation are applied to blocks of
// 64 outputs (256 or 512 bytes) while they are still in L1. No function here allocates.
//
// Sizes are checked: a mismatch throws std::invalid_argument naming both sizes. The
// outputs must not overlap the inputs (checked for x, X and W; it would change results).
#ifndef SOMA_LAYER_HPP
#define SOMA_LAYER_HPP

#include <concepts>
#include <cstddef>
#include <functional>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>


namespace soma {

// soma's activation types (soma/activation.hpp); declared here so that this header does
// not pull in every activation's implementation.
struct step_activation;
struct sigmoid_activation;
struct identity_activation;

// An activation that also transforms a block of outputs in place, a(std::span<T>):
// soma's step_activation, sigmoid_activation and identity_activation, or any type that
// says so with a member type `block_activation`. (The opt-in keeps generic lambdas, whose
// bodies would not compile for a span, out of the span-overload check.) forward() hands
// such an activation blocks of up to 64 outputs instead of calling it once per output.
template <class A>
concept names_block_activation = requires {
    typename A::block_activation;
};

template <class A>
concept declares_block_activation = names_block_activation<A> || std::same_as<A, step_activation> ||
    std::same_as<A, sigmoid_activation> || std::same_as<A, identity_activation>;

template <class A, class T>
concept block_activation_for =
    activation_for<A, T> && declares_block_activation<A> && std::invocable<A const&, std::span<T>>;

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

[[noreturn]] inline void size_mismatch(char const* function, char const* what, std::size_t got,
                                       char const* expected_what, std::size_t expected) {
    raise<std::invalid_argument>(std::string(function) + ": " + what + " has " +
                                 std::to_string(got) + " elements, but " + expected_what + " is " +
                                 std::to_string(expected));
}

// rows * cols, or a clear error when the product overflows std::size_t.
[[noreturn]] inline void product_overflow(char const* function, std::size_t rows,
                                          std::size_t cols) {
    raise<std::invalid_argument>(std::string(function) + ": rows (" + std::to_string(rows) +
                                 ") * columns (" + std::to_string(cols) +
                                 ") overflows std::size_t");
}

[[nodiscard]] inline std::size_t checked_product(char const* function, std::size_t rows,
                                                 std::size_t cols) {
    std::size_t product = 0;
    if (__builtin_mul_overflow(rows, cols, &product)) product_overflow(function, rows, cols);
    return product;
}

// Any shared element, exact aliasing included: a layer's outputs are not its inputs.
template <class T>
[[nodiscard]] bool overlap(std::span<T const> a, std::span<T const> b) noexcept {
    return ranges_overlap(a.data(), a.size(), b.data(), b.size());
}

[[noreturn]] inline void overlap_error(char const* function, char const* out, char const* in) {
    throw_overlap(function, out, in);
}

inline constexpr std::size_t activation_block = 64;

// y = a(W x + b) for one input, in blocks of 64 rows: weighted inputs, then the
// activation while the block is in L1. Sizes already checked.
template <ieee_binary T, class A>
void forward_blocks(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b, T* y,
                    A const& a) {
    for (std::size_t r = 0; r < rows; r += activation_block) {
        std::size_t const count = rows - r < activation_block ? rows - r : activation_block;
        inner_products(W + r * n, count, n, x, b + r, 1, y + r);
        if constexpr (block_activation_for<A, T>) {
            std::invoke(a, std::span<T>(y + r, count));
        } else {
            for (std::size_t j = 0; j < count; ++j) {
                y[r + j] = static_cast<T>(std::invoke(a, y[r + j]));
            }
        }
    }
}

template <ieee_binary T, class A>
void forward_unchecked(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b, T* y,
                       A const& a) {
    if constexpr (std::same_as<A, sigmoid_activation>) {
        // One pass: the kernel applies σ to each register of weighted inputs.
        (void)a;
        kernels().of<T>().forward_sigmoid(W, rows, n, x, b, y);
    } else {
        forward_blocks(W, rows, n, x, b, y, a);
    }
}

// Inputs per pass of batch_forward_unchecked: a pass's outputs (at most 4096 values, 16 KB
// of float) are still in L1 when the activation runs over them.
inline constexpr std::size_t batch_values = 4096;

// Y_k = a(W X_k + b) for inputs k < count, bitwise forward_unchecked for each: the weighted
// inputs of a pass of inputs through the batch kernel (tiles of rows and inputs sharing
// their loads), then the activation over them, as forward_unchecked applies it (σ by
// register, any other in blocks of activation_block rows per input). Sizes already checked.
template <ieee_binary T, class A>
void batch_forward_unchecked(T const* W, std::size_t rows, std::size_t n, T const* X,
                             std::size_t count, T const* b, T* Y, A const& a) {
    if (rows == 0) return;
    std::size_t const fit = batch_values / rows / 2 * 2;  // whole tiles of two inputs
    std::size_t const pass = fit < 2 ? 2 : fit;
    auto const& k = kernels().of<T>();
    for (std::size_t q = 0; q < count; q += pass) {
        std::size_t const inputs = count - q < pass ? count - q : pass;
        T* const y = Y + q * rows;
        k.batch_inner_products(W, rows, n, X + q * n, inputs, b, y);
        if constexpr (std::same_as<A, sigmoid_activation>) {
            (void)a;
            k.sigmoid(y, y, inputs * rows);
        } else {
            for (std::size_t j = 0; j < inputs; ++j) {
                T* const yj = y + j * rows;
                for (std::size_t r = 0; r < rows; r += activation_block) {
                    std::size_t const c = rows - r < activation_block ? rows - r : activation_block;
                    if constexpr (block_activation_for<A, T>) {
                        std::invoke(a, std::span<T>(yj + r, c));
                    } else {
                        for (std::size_t i = 0; i < c; ++i) {
                            yj[r + i] = static_cast<T>(std::invoke(a, yj[r + i]));
                        }
                    }
                }
            }
        }
    }
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// Inputs take T from the output span (or an explicit template argument), so vectors,
// arrays and spans of T all convert.
template <class T>
using in_span = std::type_identity_t<std::span<T const>>;

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class T>
inline constexpr bool is_dynamic_span_v = false;
template <class T>
inline constexpr bool is_dynamic_span_v<std::span<T, std::dynamic_extent>> = true;

// An output vector of a layer function other than std::span<T> (which the span overloads
// take directly): std::vector<T>, std::array<T, N>, a static-extent span, ...
template <class R>
concept layer_output =
    std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    ieee_binary<std::ranges::range_value_t<R>> &&
    !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<R>>> &&
    !is_dynamic_span_v<std::remove_cvref_t<R>>;

template <class R>
using layer_value_t = std::ranges::range_value_t<R>;

template <class R>
[[nodiscard]] std::span<layer_value_t<R>> as_span(R& r) noexcept {
    return std::span<layer_value_t<R>>(std::ranges::data(r), std::ranges::size(r));
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// z = W x + b: the weighted inputs of a dense layer of `rows` neurons, W row-major
// (rows x x.size()), b and z of size rows. z_r is bitwise the single-neuron weighted
// input of row r. Throws std::invalid_argument on a size mismatch or when z overlaps W
// or x.
template <detail::ieee_binary T>
SOMA_ABI void weighted_inputs(in_span<T> W, std::size_t rows, in_span<T> x, in_span<T> b,
                              std::span<T> z) {
    constexpr char const* f = "soma::weighted_inputs";
    std::size_t const n = x.size();
    if (W.size() != detail::checked_product(f, rows, n)) {
        detail::size_mismatch(f, "W", W.size(), "rows * x.size()", rows * n);
    }
    if (b.size() != rows) detail::size_mismatch(f, "b", b.size(), "rows", rows);
    if (z.size() != rows) detail::size_mismatch(f, "z", z.size(), "rows", rows);
    std::span<T const> const out(z.data(), z.size());
    if (detail::overlap(out, x)) detail::overlap_error(f, "z", "x");
    if (detail::overlap(out, W)) detail::overlap_error(f, "z", "W");
    if (detail::overlap(out, b)) detail::overlap_error(f, "z", "b");
    detail::inner_products(W.data(), rows, n, x.data(), b.data(), 1, z.data());
}

// The same for outputs that are not a std::span: std::vector, std::array, ...
template <detail::layer_output Z>
SOMA_ABI void weighted_inputs(in_span<detail::layer_value_t<Z>> W, std::size_t rows,
                              in_span<detail::layer_value_t<Z>> x,
                              in_span<detail::layer_value_t<Z>> b, Z&& z) {
    soma::weighted_inputs<detail::layer_value_t<Z>>(W, rows, x, b, detail::as_span(z));
}

// y = a(W x + b): a dense layer's outputs, y_r = a(z_r) with z_r as in weighted_inputs,
// computed and activated 64 rows at a time (soma::sigmoid_activation: in one pass, each
// register of weighted inputs activated while in registers). Same checks as
// weighted_inputs.
template <detail::ieee_binary T, activation_for<T> A>
SOMA_ABI void forward(in_span<T> W, std::size_t rows, in_span<T> x, in_span<T> b, std::span<T> y,
                      A const& a) {
    constexpr char const* f = "soma::forward";
    std::size_t const n = x.size();
    if (W.size() != detail::checked_product(f, rows, n)) {
        detail::size_mismatch(f, "W", W.size(), "rows * x.size()", rows * n);
    }
    if (b.size() != rows) detail::size_mismatch(f, "b", b.size(), "rows", rows);
    if (y.size() != rows) detail::size_mismatch(f, "y", y.size(), "rows", rows);
    std::span<T const> const out(y.data(), y.size());
    if (detail::overlap(out, x)) detail::overlap_error(f, "y", "x");
    if (detail::overlap(out, W)) detail::overlap_error(f, "y", "W");
    if (detail::overlap(out, b)) detail::overlap_error(f, "y", "b");
    detail::forward_unchecked(W.data(), rows, n, x.data(), b.data(), y.data(), a);
}

// The same for outputs that are not a std::span: std::vector, std::array, ...
template <detail::layer_output Y, activation_for<detail::layer_value_t<Y>> A>
SOMA_ABI void forward(in_span<detail::layer_value_t<Y>> W, std::size_t rows,
                      in_span<detail::layer_value_t<Y>> x, in_span<detail::layer_value_t<Y>> b,
                      Y&& y, A const& a) {
    soma::forward<detail::layer_value_t<Y>>(W, rows, x, b, detail::as_span(y), a);
}

// Y_k = a(W X_k + b) for every input k: X row-major (inputs x n), Y row-major
// (inputs x rows), inputs = Y.size() / rows. Each Y_k is bitwise forward(W, rows, X_k, b).
// Throws std::invalid_argument on a size mismatch or an overlap of Y with W or X.
template <detail::ieee_binary T, activation_for<T> A>
SOMA_ABI void batch_forward(in_span<T> W, std::size_t rows, std::size_t n, in_span<T> X,
                            in_span<T> b, std::span<T> Y, A const& a) {
    constexpr char const* f = "soma::batch_forward";
    if (W.size() != detail::checked_product(f, rows, n)) {
        detail::size_mismatch(f, "W", W.size(), "rows * n", rows * n);
    }
    if (b.size() != rows) detail::size_mismatch(f, "b", b.size(), "rows", rows);
    std::size_t const inputs = rows != 0 ? Y.size() / rows : 0;
    if (rows != 0 && Y.size() % rows != 0) {
        detail::size_mismatch(f, "Y", Y.size(), "a multiple of rows, rows", rows);
    }
    if (X.size() != detail::checked_product(f, inputs, n)) {
        detail::size_mismatch(f, "X", X.size(), "(Y.size() / rows) * n", inputs * n);
    }
    std::span<T const> const out(Y.data(), Y.size());
    if (detail::overlap(out, X)) detail::overlap_error(f, "Y", "X");
    if (detail::overlap(out, W)) detail::overlap_error(f, "Y", "W");
    if (detail::overlap(out, b)) detail::overlap_error(f, "Y", "b");
    detail::batch_forward_unchecked(W.data(), rows, n, X.data(), inputs, b.data(), Y.data(), a);
}

// The same for outputs that are not a std::span: std::vector, std::array, ...
template <detail::layer_output Y, activation_for<detail::layer_value_t<Y>> A>
SOMA_ABI void batch_forward(in_span<detail::layer_value_t<Y>> W, std::size_t rows, std::size_t n,
                            in_span<detail::layer_value_t<Y>> X,
                            in_span<detail::layer_value_t<Y>> b, Y&& Y_out, A const& a) {
    soma::batch_forward<detail::layer_value_t<Y>>(W, rows, n, X, b, detail::as_span(Y_out), a);
}

// z_k = w · X_k + b: one neuron (weights w, bias b) over many inputs, the rows of X
// (row-major, z.size() x w.size()). z_k is bitwise the neuron's weighted input for X_k,
// detail::inner_product(w, X_k, n, true, b). Throws std::invalid_argument on a size
// mismatch or when z overlaps w or X.
template <detail::ieee_binary T>
SOMA_ABI void batch_weighted_input(in_span<T> w, std::type_identity_t<T> b, in_span<T> X,
                                   std::span<T> z) {
    constexpr char const* f = "soma::batch_weighted_input";
    std::size_t const n = w.size();
    if (X.size() != detail::checked_product(f, z.size(), n)) {
        detail::size_mismatch(f, "X", X.size(), "z.size() * w.size()", z.size() * n);
    }
    std::span<T const> const out(z.data(), z.size());
    if (detail::overlap(out, w)) detail::overlap_error(f, "z", "w");
    if (detail::overlap(out, X)) detail::overlap_error(f, "z", "X");
    // fma(x, w, s) == fma(w, x, s): the rows of X play the weights' part, w the input's.
    detail::inner_products(X.data(), z.size(), n, w.data(), &b, 0, z.data());
}

// The same for outputs that are not a std::span: std::vector, std::array, ...
template <detail::layer_output Z>
SOMA_ABI void batch_weighted_input(in_span<detail::layer_value_t<Z>> w,
                                   std::type_identity_t<detail::layer_value_t<Z>> b,
                                   in_span<detail::layer_value_t<Z>> X, Z&& z) {
    soma::batch_weighted_input<detail::layer_value_t<Z>>(w, b, X, detail::as_span(z));
}

}  // namespace soma

#endif  // SOMA_LAYER_HPP
// ---- end soma/layer.hpp ----
// ---- begin soma/neuron.hpp ----
// soma/neuron.hpp - the artificial neuron: y = a(z), z = w·x + b.
//
// The tutorial's two starting formulas of neural networks:
//     z = w_1 x_1 + w_2 x_2 + ... + w_n x_n + b      (weighted input, b = -θ)
//     y = a(z)                                       (a the activation function)
// soma::neuron stores the weights w and the bias b; soma::augmented_neuron stores the
// single augmented vector (w_1, ..., w_n, b) and computes z as the inner product with
// (x_1, ..., x_n, 1). Both give the same bits for the same parameters, and converting
// between them is lossless.
//
// N is the number of inputs, fixed at compile time (size mismatches do not compile), or
// std::dynamic_extent for a size known only at run time (a mismatch throws
// std::invalid_argument naming both sizes). Evaluation never allocates.
#ifndef SOMA_NEURON_HPP
#define SOMA_NEURON_HPP

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <ranges>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

// ---- begin soma/bias.hpp ----
// soma/bias.hpp - threshold θ, bias b = -θ (偏置), and the bias as part of an inner product.
#ifndef SOMA_BIAS_HPP
#define SOMA_BIAS_HPP

#include <array>
#include <concepts>
#include <cstddef>
#include <limits>
#include <ranges>
#include <span>
#include <vector>


namespace soma {

// A type in which -θ is meaningful: floating point or signed integral. (An unsigned
// threshold has no bias; using one is a compile error.)
template <class T>
concept signed_scalar = scalar<T> &&(std::floating_point<T> || std::signed_integral<T>);

// b = -θ. Exact. For integral T, θ = min() has no negation in T and throws
// std::overflow_error (a compile error in constant evaluation).
template <signed_scalar T>
SOMA_ABI [[nodiscard]] constexpr T bias_from_threshold(T theta) {
    if constexpr (std::integral<T>) {
        if (theta == std::numeric_limits<T>::min())
            detail::throw_overflow("soma::bias_from_threshold");
    }
    return static_cast<T>(-theta);
}

// θ = -b, the inverse of bias_from_threshold.
template <signed_scalar T>
SOMA_ABI [[nodiscard]] constexpr T threshold_from_bias(T b) {
    if constexpr (std::integral<T>) {
        if (b == std::numeric_limits<T>::min()) detail::throw_overflow("soma::threshold_from_bias");
    }
    return static_cast<T>(-b);
}

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class R>
using augmented_t =
    std::conditional_t<static_extent_v<R> == std::dynamic_extent, std::vector<element_t<R>>,
                       std::array<element_t<R>, static_extent_v<R> + 1>>;

template <class R>
constexpr augmented_t<R> append(R const& v, element_t<R> last) {
    auto const n = static_cast<std::size_t>(std::ranges::size(v));
    augmented_t<R> out{};
    if constexpr (static_extent_v<R> == std::dynamic_extent) out.resize(n + 1);
    auto const* p = std::ranges::data(v);
    for (std::size_t i = 0; i < n; ++i) out[i] = p[i];
    out[n] = last;
    return out;
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// augment(x) = (x_1, ..., x_n, 1): the inputs with a constant 1 appended, so that
// z = (x_1..x_n, 1)·(w_1..w_n, b). std::array<T, N+1> for a static extent N, else
// std::vector<T>.
template <input_vector X>
SOMA_ABI [[nodiscard]] constexpr detail::augmented_t<X> augment(X const& x) {
    return detail::append(x, element_t<X>(1));
}

// augment(w, b) = (w_1, ..., w_n, b): the weights with the bias appended.
template <input_vector W>
SOMA_ABI [[nodiscard]] constexpr detail::augmented_t<W> augment(
    W const& w, std::type_identity_t<element_t<W>> b) {
    return detail::append(w, b);
}

}  // namespace soma

#endif  // SOMA_BIAS_HPP
// ---- end soma/bias.hpp ----
// ---- begin soma/weighted_input.hpp ----
// soma/weighted_input.hpp - the weighted input z = w·x + b of a neuron (加权输入).
//
// The tutorial's neuron sums its input signals x_i, each scaled by its weight w_i, and
// compares the sum with the threshold θ; with the bias b = -θ the comparison becomes
// z >= 0 for the weighted input
//
//     z = w_1 x_1 + w_2 x_2 + ... + w_n x_n + b.
//
// This header is the one place that formula is written. How it is summed:
//   - integral T: exactly (signed types in 128-bit integers), the bias last. A result
//     that does not fit T throws std::overflow_error (a compile error in constant
//     evaluation) instead of wrapping or invoking undefined behaviour; partial sums
//     outside T's range do not, when the result fits.
//   - float and double: in soma's canonical order (see soma/detail/inner_product.hpp):
//     64 (float) or 32 (double) fused-multiply-add chains joined by a fixed pairwise
//     tree. The SIMD kernels (AVX2, AVX-512, NEON) follow the same order, so the result
//     has the same bits on every FMA-capable target, compiler and optimisation level.
//     Accuracy: |z - exact| <= gamma_k Σ|w_i x_i| (+|b|) + n·eta, k = ceil(m/P) + log2 P,
//     m the number of terms (n, or n+1 with a bias), eta the smallest subnormal.
//   - long double: left to right, the bias last, without fused operations.
//   NaN in any term gives NaN; +inf and -inf together give NaN (IEEE), also when the
//   infinity comes from finite terms whose product or partial sum overflowed; otherwise
//   an infinite term gives that infinity. The sum may overflow to infinity although the
//   exact sum is finite (partial sums are rounded). In constant evaluation a NaN result
//   does not compile.
//
// The bias is the (n+1)-th term of the inner product (x_1..x_n, 1)·(w_1..w_n, b), so
// weighted_input(w, x, b) == dot(augment(w, b), augment(x)) bit for bit (soma/bias.hpp).
#ifndef SOMA_WEIGHTED_INPUT_HPP
#define SOMA_WEIGHTED_INPUT_HPP

#include <cstddef>
#include <limits>
#include <ranges>
#include <span>
#include <type_traits>


namespace soma {
namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// The exact integer sum Σ w_i x_i (+ b), checked once at the end: a partial sum may leave
// T's range as long as the result fits (dot({INT_MAX, 1, -1}, {1, 1, 1}) is INT_MAX).
// Signed types up to 64 bits are summed in 128 bits with a count of wrap-arounds, which
// holds the exact sum of any number of terms; unsigned sums only grow, so a partial sum
// or product that does not fit T means the result does not either.
template <scalar T>
[[nodiscard]] constexpr T checked_inner_product(T const* w, T const* x, std::size_t n,
                                                bool has_bias, T b) {
    if constexpr (std::is_signed_v<T> && sizeof(T) <= 8) {
        __extension__ using wide = __int128;
        using product_t = std::conditional_t<sizeof(T) <= 4, long long, wide>;
        wide z = 0;
        long long wraps = 0;  // the exact sum is z + wraps * 2^128
        auto add = [&](wide t) {
            if (__builtin_add_overflow(z, t, &z)) wraps += t < 0 ? -1 : 1;
        };
        for (std::size_t i = 0; i < n; ++i) {
            add(static_cast<product_t>(w[i]) * static_cast<product_t>(x[i]));  // exact
        }
        if (has_bias) add(b);
        if (wraps != 0 || z < std::numeric_limits<T>::min() || z > std::numeric_limits<T>::max()) {
            detail::throw_overflow("soma::weighted_input");
        }
        return static_cast<T>(z);
    } else {
        T z = 0;
        for (std::size_t i = 0; i < n; ++i) {
            T p{};
            if (__builtin_mul_overflow(w[i], x[i], &p) || __builtin_add_overflow(z, p, &z)) {
                detail::throw_overflow("soma::weighted_input");
            }
        }
        if (has_bias && __builtin_add_overflow(z, b, &z))
            detail::throw_overflow("soma::weighted_input");
        return z;
    }
}

template <std::floating_point T>
[[nodiscard]] constexpr T sequential_inner_product(T const* w, T const* x, std::size_t n,
                                                   bool has_bias, T b) noexcept {
    T z = 0;
    for (std::size_t i = 0; i < n; ++i) {
        T const p = w[i] * x[i];
        z = z + p;
    }
    if (has_bias) z = z + b;
    return z;
}

// Σ_{i<n} w_i x_i, plus b as the last term when has_bias; N is the static extent when
// one is known (small fixed sizes compile to straight-line code).
template <scalar T, std::size_t N = std::dynamic_extent>
[[nodiscard, gnu::always_inline]] constexpr T weighted_sum(T const* w, T const* x, std::size_t n,
                                                           bool has_bias, T b) {
    if constexpr (std::integral<T>) {
        return checked_inner_product(w, x, n, has_bias, b);
    } else if constexpr (ieee_binary<T>) {
        if constexpr (N != std::dynamic_extent) {
            return detail::inner_product_fixed<T, N>(w, x, has_bias, b);
        } else {
            return detail::inner_product(w, x, n, has_bias, b);
        }
    } else {
        return sequential_inner_product(w, x, n, has_bias, b);
    }
}

template <class A, class B>
constexpr std::size_t checked_size(A const& a, B const& b, char const* where, char const* name_a,
                                   char const* name_b) {
    auto const na = static_cast<std::size_t>(std::ranges::size(a));
    auto const nb = static_cast<std::size_t>(std::ranges::size(b));
    if constexpr (static_extent_v<A> == std::dynamic_extent ||
                  static_extent_v<B> == std::dynamic_extent) {
        if (na != nb) detail::throw_size_mismatch(where, name_a, na, name_b, nb);
    }
    return na;
}

// Why two vector types cannot be paired, as one static_assert that says what to pass (the
// overloads below that take them exist only to report this, instead of the compiler's notes
// on every unsatisfied constraint).
template <class A, class B>
constexpr bool diagnose_vectors() {
    using a_t = std::remove_cvref_t<A>;
    using b_t = std::remove_cvref_t<B>;
    if constexpr (!std::ranges::contiguous_range<a_t> || !std::ranges::sized_range<a_t> ||
                  !std::ranges::contiguous_range<b_t> || !std::ranges::sized_range<b_t>) {
        static_assert(std::ranges::contiguous_range<a_t> && std::ranges::contiguous_range<b_t>,
                      "soma: w and x must be contiguous, sized vectors (std::array, std::vector, "
                      "std::span or a C array); copy a std::list, std::deque or a view into a "
                      "std::vector first");
    } else if constexpr (!input_vector<a_t> || !input_vector<b_t>) {
        static_assert(input_vector<a_t> && input_vector<b_t>,
                      "soma: the elements must be numbers (an arithmetic type other than bool)");
    } else if constexpr (!std::same_as<element_t<a_t>, element_t<b_t>>) {
        static_assert(std::same_as<element_t<a_t>, element_t<b_t>>,
                      "soma: w and x must have the same element type (soma never converts "
                      "silently); convert one, e.g. std::vector<double>(x.begin(), x.end())");
    } else {
        static_assert(compatible_vectors<a_t, b_t>,
                      "soma: the sizes fixed at compile time differ (std::array<T, N> or "
                      "std::span<T, N> of different N)");
    }
    return false;
}

template <class A, class B>
inline constexpr std::size_t common_extent =
    static_extent_v<A> != std::dynamic_extent ? static_extent_v<A> : static_extent_v<B>;

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// dot(a, b) = Σ a_i b_i, the inner product (内积) of two vectors of equal size.
// Sizes known at compile time must agree (else the call does not compile); otherwise a
// mismatch throws std::invalid_argument naming both sizes. dot of two empty vectors is 0.
template <class A, class B>
requires compatible_vectors<A, B> SOMA_ABI [[nodiscard]] constexpr element_t<A> dot(A const& a,
                                                                                    B const& b) {
    std::size_t const n = detail::checked_size(a, b, "soma::dot", "a", "b");
    return detail::weighted_sum<element_t<A>, detail::common_extent<A, B>>(
        std::ranges::data(a), std::ranges::data(b), n, false, element_t<A>{});
}

// Vectors dot cannot pair: a compile error saying why (detail::diagnose_vectors).
template <class A, class B>
requires(!compatible_vectors<A, B>) SOMA_ABI void dot(A const&, B const&) {
    (void)detail::diagnose_vectors<A, B>();
}

// weighted_input(w, x) = Σ w_i x_i: the weighted sum of the inputs, before the bias.
template <class W, class X>
requires compatible_vectors<W, X> SOMA_ABI [[nodiscard]] constexpr element_t<W> weighted_input(
    W const& w, X const& x) {
    std::size_t const n = detail::checked_size(w, x, "soma::weighted_input", "w", "x");
    return detail::weighted_sum<element_t<W>, detail::common_extent<W, X>>(
        std::ranges::data(w), std::ranges::data(x), n, false, element_t<W>{});
}

// weighted_input(w, x, b) = Σ w_i x_i + b = z, the weighted input of a neuron with bias
// b = -θ. The neuron fires when z >= 0.
template <class W, class X>
requires compatible_vectors<W, X> SOMA_ABI [[nodiscard]] constexpr element_t<W> weighted_input(
    W const& w, X const& x, std::type_identity_t<element_t<W>> b) {
    std::size_t const n = detail::checked_size(w, x, "soma::weighted_input", "w", "x");
    return detail::weighted_sum<element_t<W>, detail::common_extent<W, X>>(
        std::ranges::data(w), std::ranges::data(x), n, true, b);
}

// Vectors weighted_input cannot pair: a compile error saying why.
template <class W, class X>
requires(!compatible_vectors<W, X>) SOMA_ABI void weighted_input(W const&, X const&) {
    (void)detail::diagnose_vectors<W, X>();
}
template <class W, class X, class B>
requires(!compatible_vectors<W, X>) SOMA_ABI void weighted_input(W const&, X const&, B const&) {
    (void)detail::diagnose_vectors<W, X>();
}

}  // namespace soma

#endif  // SOMA_WEIGHTED_INPUT_HPP
// ---- end soma/weighted_input.hpp ----

namespace soma {

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class T, std::size_t N>
using fixed_or_vector =
    std::conditional_t<N == std::dynamic_extent, std::vector<T>, std::array<T, N>>;

template <std::size_t N>
inline constexpr std::size_t plus_one = N == std::dynamic_extent ? N : N + 1;

// A vector x that can be fed to a neuron with N inputs of type T.
template <class X, class T, std::size_t N>
concept input_for = input_vector<X> && std::same_as<element_t<X>, T> &&
    (N == std::dynamic_extent || static_extent_v<X> == std::dynamic_extent ||
     static_extent_v<X> == N);

template <class T, std::size_t N>
using braced_input =
    std::conditional_t<N == std::dynamic_extent, std::initializer_list<T>, std::array<T, N>>;

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

template <scalar T, std::size_t N, class Activation>
requires activation_for<Activation, T>
class augmented_neuron;

// A neuron with weights w_1..w_n, bias b and activation a.
template <scalar T, std::size_t N = std::dynamic_extent, class Activation = sigmoid_activation>
requires activation_for<Activation, T>
class neuron {
public:
    using value_type = T;
    using activation_type = Activation;
    using weights_type = detail::fixed_or_vector<T, N>;
    using augmented_weights_type = detail::fixed_or_vector<T, detail::plus_one<N>>;
    using input_list = detail::braced_input<T, N>;
    static constexpr std::size_t extent = N;

    constexpr neuron() = default;

    // A neuron in bias form: z = w·x + b.
    constexpr neuron(weights_type w, T b, Activation a = Activation{})
        : w_(std::move(w)), b_(b), a_(std::move(a)) {}

    // A neuron in threshold form (the tutorial's first form): fires when w·x >= θ;
    // stored as b = -θ (exact).
    [[nodiscard]] static constexpr neuron from_threshold(
        weights_type w, T theta, Activation a = Activation{}) requires signed_scalar<T> {
        return neuron(std::move(w), bias_from_threshold(theta), std::move(a));
    }

    // The lossless conversion from the augmented form.
    constexpr explicit neuron(augmented_neuron<T, N, Activation> const& n);

    [[nodiscard]] constexpr std::size_t size() const noexcept { return w_.size(); }
    [[nodiscard]] constexpr std::span<T const, N> weights() const noexcept {
        return std::span<T const, N>(w_.data(), w_.size());
    }
    [[nodiscard]] constexpr T bias() const noexcept { return b_; }
    [[nodiscard]] constexpr T threshold() const requires signed_scalar<T> {
        return threshold_from_bias(b_);
    }
    [[nodiscard]] constexpr Activation const& activation() const noexcept { return a_; }

    // (w_1, ..., w_n, b), the parameter vector of the inner-product form.
    SOMA_ABI [[nodiscard]] constexpr augmented_weights_type augmented_weights() const {
        return augment(w_, b_);
    }

    // z = w·x + b.
    SOMA_ABI [[nodiscard]] constexpr T weighted_input(input_list const& x) const {
        return z_of(std::ranges::data(x), std::ranges::size(x));
    }
    template <detail::input_for<T, N> X>
    SOMA_ABI [[nodiscard]] constexpr T weighted_input(X const& x) const {
        return z_of(std::ranges::data(x), static_cast<std::size_t>(std::ranges::size(x)));
    }

    // y = a(z).
    SOMA_ABI [[nodiscard]] constexpr T operator()(input_list const& x) const {
        return a_(weighted_input(x));
    }
    template <detail::input_for<T, N> X>
    SOMA_ABI [[nodiscard]] constexpr T operator()(X const& x) const {
        return a_(weighted_input(x));
    }

    // Whether the neuron fires (点火): z >= 0, i.e. w·x >= θ; false when z is NaN.
    // For integral T this is exactly w·x >= θ; in floating point, z = w·x + b is
    // rounded, so it can differ from a separately rounded w·x >= θ by that rounding.
    SOMA_ABI [[nodiscard]] constexpr bool fires(input_list const& x) const {
        return soma::fires(weighted_input(x), T(0));
    }
    template <detail::input_for<T, N> X>
    SOMA_ABI [[nodiscard]] constexpr bool fires(X const& x) const {
        return soma::fires(weighted_input(x), T(0));
    }

    SOMA_ABI friend constexpr bool operator==(neuron const& p, neuron const& q) {
        return std::ranges::equal(p.w_, q.w_) && p.b_ == q.b_;
    }

private:
    SOMA_ABI constexpr T z_of(T const* x, std::size_t n) const {
        if constexpr (N == std::dynamic_extent) {
            if (n != w_.size()) detail::throw_size_mismatch("soma::neuron", "w", w_.size(), "x", n);
        } else {
            if (n != N) detail::throw_size_mismatch("soma::neuron", "w", N, "x", n);
        }
        return detail::weighted_sum<T, N>(w_.data(), x, w_.size(), true, b_);
    }

    weights_type w_{};
    T b_{};
    [[no_unique_address]] Activation a_{};
};

// The same neuron with its parameters in one vector (w_1, ..., w_n, b): z is the inner
// product (w_1, ..., w_n, b)·(x_1, ..., x_n, 1), the form the tutorial says computers
// prefer. The constant 1 is implicit (no copy of x is made).
template <scalar T, std::size_t N = std::dynamic_extent, class Activation = sigmoid_activation>
requires activation_for<Activation, T>
class augmented_neuron {
public:
    using value_type = T;
    using activation_type = Activation;
    using augmented_weights_type = detail::fixed_or_vector<T, detail::plus_one<N>>;
    using input_list = detail::braced_input<T, N>;
    static constexpr std::size_t extent = N;

    constexpr augmented_neuron() requires(N != std::dynamic_extent) = default;

    // From (w_1, ..., w_n, b). A dynamic vector must hold at least the bias.
    constexpr explicit augmented_neuron(augmented_weights_type wb, Activation a = Activation{})
        : wb_(std::move(wb)), a_(std::move(a)) {
        if constexpr (N == std::dynamic_extent) {
            if (wb_.empty())
                detail::throw_size_mismatch("soma::augmented_neuron", "(w, b)", 0, "at least (b)",
                                            1);
        }
    }

    // The lossless conversion from the bias form.
    constexpr explicit augmented_neuron(neuron<T, N, Activation> const& n)
        : wb_(n.augmented_weights()), a_(n.activation()) {}

    [[nodiscard]] constexpr std::size_t size() const noexcept { return wb_.size() - 1; }
    [[nodiscard]] constexpr std::span<T const, detail::plus_one<N>> augmented_weights()
        const noexcept {
        return std::span<T const, detail::plus_one<N>>(wb_.data(), wb_.size());
    }
    [[nodiscard]] constexpr std::span<T const, N> weights() const noexcept {
        return std::span<T const, N>(wb_.data(), size());
    }
    [[nodiscard]] constexpr T bias() const noexcept { return wb_[size()]; }
    [[nodiscard]] constexpr Activation const& activation() const noexcept { return a_; }

    // z = (w_1..w_n, b)·(x_1..x_n, 1).
    SOMA_ABI [[nodiscard]] constexpr T weighted_input(input_list const& x) const {
        return z_of(std::ranges::data(x), std::ranges::size(x));
    }
    template <detail::input_for<T, N> X>
    SOMA_ABI [[nodiscard]] constexpr T weighted_input(X const& x) const {
        return z_of(std::ranges::data(x), static_cast<std::size_t>(std::ranges::size(x)));
    }
    SOMA_ABI [[nodiscard]] constexpr T operator()(input_list const& x) const {
        return a_(weighted_input(x));
    }
    template <detail::input_for<T, N> X>
    SOMA_ABI [[nodiscard]] constexpr T operator()(X const& x) const {
        return a_(weighted_input(x));
    }
    SOMA_ABI [[nodiscard]] constexpr bool fires(input_list const& x) const {
        return soma::fires(weighted_input(x), T(0));
    }
    template <detail::input_for<T, N> X>
    SOMA_ABI [[nodiscard]] constexpr bool fires(X const& x) const {
        return soma::fires(weighted_input(x), T(0));
    }

private:
    SOMA_ABI constexpr T z_of(T const* x, std::size_t n) const {
        if (n != size()) detail::throw_size_mismatch("soma::augmented_neuron", "w", size(), "x", n);
        // The last augmented input is the constant 1: term n is b * 1 == b, exactly the
        // bias term of weighted_input(w, x, b), so both forms give the same bits.
        return detail::weighted_sum<T, N>(wb_.data(), x, n, true, wb_[n]);
    }

    augmented_weights_type wb_{};
    [[no_unique_address]] Activation a_{};
};

template <scalar T, std::size_t N, class Activation>
requires activation_for<Activation, T>
constexpr neuron<T, N, Activation>::neuron(augmented_neuron<T, N, Activation> const& n)
    : b_(n.bias()), a_(n.activation()) {
    auto const w = n.weights();
    if constexpr (N == std::dynamic_extent) w_.resize(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) w_[i] = w[i];
}

// The tutorial's neuron: fires (y = 1) when w·x >= θ, else y = 0.
template <scalar T, std::size_t N = std::dynamic_extent>
using step_neuron = neuron<T, N, step_activation>;

// The neuron of the rest of the chapter: y = σ(w·x + b).
template <std::floating_point T, std::size_t N = std::dynamic_extent>
using sigmoid_neuron = neuron<T, N, sigmoid_activation>;

}  // namespace soma

#endif  // SOMA_NEURON_HPP
// ---- end soma/neuron.hpp ----

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// The interleaved layout of a static layer's weights: rows in blocks of B = 64 bytes of
// values (16 floats, 8 doubles: a cache line, and at least one register of every ISA's
// vocabulary); inside a block, weight i of its rows together. W[r, i] is at
//     (r / B) B In + slot(i) w + r mod B,   w = the block's rows (B, or Out mod B for the
// last), slot(i) = i for rows shorter than P terms (dense_slot below for longer ones),
// so a register of L rows of weight i is one load, and a block's weights are one
// contiguous run. (Plain column-major, stride Out, puts every column of a block in the
// same few cache sets: measured, AVX-512, GCC 12, 128 x 128 without σ: 2.36 µs column-major,
// 1.12 µs in blocks.)
template <class T>
inline constexpr std::size_t dense_block = 64 / sizeof(T);

// Rows of more than P = 256 / sizeof(T) terms are summed in groups of eight chains
// (dense_kernels-inl.hpp: chain c = j + (P/8) m, terms i = c + P step): a block keeps its
// columns in that order, group by group, so that the kernel reads each block front to
// back. dense_slot(i) is column i's place: P/8 groups j, each of its full steps then its
// last, partial one, eight columns m per step. A layer of one row keeps its weights in
// order.
template <class T, std::size_t In>
[[nodiscard, gnu::always_inline]] constexpr std::size_t dense_slot(std::size_t i) noexcept {
    constexpr std::size_t p = 256 / sizeof(T);
    constexpr std::size_t bases = p / 8;
    constexpr std::size_t full_steps = In / p;
    constexpr std::size_t rest = In % p;
    if constexpr (In < p) {
        return i;
    } else {
        std::size_t const c = i % p;
        std::size_t const j = c % bases;
        std::size_t const m = c / bases;
        std::size_t const step = i / p;
        // Groups before j: 8 full_steps columns each, plus the chains j' + m' bases < rest.
        std::size_t start = j * 8 * full_steps;
        for (std::size_t g = 0; g < j; ++g) start += rest > g ? (rest - g + bases - 1) / bases : 0;
        return start + step * 8 + m;
    }
}

template <class T, std::size_t In, std::size_t Out>
[[nodiscard, gnu::always_inline]] constexpr std::size_t dense_offset(std::size_t r,
                                                                     std::size_t i) noexcept {
    if constexpr (Out == 1) {
        (void)r;
        return i;  // one row: its weights in order (the kernel's inner product reads them so)
    } else {
        constexpr std::size_t block = dense_block<T>;
        std::size_t const first = r / block * block;
        std::size_t const width = Out - first < block ? Out - first : block;
        return first * In + dense_slot<T, In>(i) * width + (r - first);
    }
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

// The shape-specialised kernel, once per ISA namespace (see dense_kernels-inl.hpp).
#if defined(SOMA_X86_KERNELS)
SOMA_DETAIL_TARGET_AVX512_BEGIN
namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx512 {
#define SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE 1
// ---- begin soma/detail/dense_kernels-inl.hpp ----
// soma/detail/dense_kernels-inl.hpp - a dense layer of a shape fixed at compile time, written
// once over an ISA's vocabulary.
//
// No include guard, on purpose: soma/dense_layer.hpp includes this file (with
// SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE defined) inside each ISA's namespace
// (soma::detail::avx512, ::avx2, ::neon, ::portable) and, on x86-64, inside that ISA's
// target region, after the ISA's vocabulary header has defined vec<T> and the kernels of
// kernels-inl.hpp there. So every function below is compiled for that ISA, with its fused
// multiply-add, whatever the command line says.
//
// The layer: Out rows of In + 1 terms each (In weights and the bias), weights interleaved
// across rows in blocks of 64 bytes of rows (dense_offset in dense_layer.hpp), so that one
// load brings weight i of L consecutive rows. P = 256 / sizeof(T) is the canonical order's
// number of partial sums (soma/detail/inner_product.hpp). With In + 1 <= P, that is
// fewer than P terms, every term has a partial sum of its own, so the canonical order is
//     s_i = fma(W[r, i], x_i, -0) = round(W[r, i] x_i)  (i < In),   s_In = b_r,
// then the fixed pairwise tree of inner_product_scalar over the In + 1 partial sums. Here
// each s_i is a register holding that partial sum for L rows at once, and the tree adds
// whole registers: every lane of the result is bitwise the single-neuron z_r, with no
// in-register reduction at all (the reason for the interleaved layout). Shapes are
// template arguments, so the loops are straight-line code: no size tests, no dispatch.
//
// Longer rows: see dense_long_rows below.
//
// Registers past the last row hold products of -0 padding (masked loads read nothing
// outside the arrays); they are computed but never stored.

#if !defined(SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE)
#error "soma/detail/dense_kernels-inl.hpp is included by soma/dense_layer.hpp only"
#endif

// Levels h = H, H/2, ..., 1 of the canonical tree over M <= P partial sums, each a register
// of L rows (the same levels as fixed_tree in inner_product.hpp).
template <class V, std::size_t M, std::size_t H>
[[gnu::always_inline]] inline void dense_tree(typename V::v (&s)[M]) noexcept {
    constexpr std::size_t live = M < 2 * H ? M : 2 * H;
    if constexpr (live > H) {
#pragma GCC unroll 64
        for (std::size_t j = 0; j + H < live; ++j) s[j] = V::add(s[j], s[j + H]);
    }
    if constexpr (H > 1) dense_tree<V, M, H / 2>(s);
}

// Weight i of rows r0 .. r0 + count - 1 (count <= L, r0 a multiple of L, so the rows are
// in one block of the layout, dense_layer.hpp's dense_offset; the lanes above are -0).
// Full: count == L, known at compile time so that no load tests it.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_column(
    T const* Wt, std::size_t i, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    T const* const c = Wt + dense_offset<T, In, Out>(r0, i);
    if constexpr (Full) {
        return vec<T>::load(c);
    } else {
        return vec<T>::load_first(c, count, negative_zero);
    }
}

// Slot `slot` of the block of row r0 (the layout of long rows, dense_slot).
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_slot_column(
    T const* Wt, std::size_t slot, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    constexpr std::size_t block = dense_block<T>;
    std::size_t const first = r0 / block * block;
    std::size_t const width = Out - first < block ? Out - first : block;
    T const* const c = Wt + first * In + slot * width + (r0 - first);
    if constexpr (Full) {
        return vec<T>::load(c);
    } else {
        return vec<T>::load_first(c, count, negative_zero);
    }
}

// The biases b_r0 .. b_(r0+count-1).
template <ieee_binary T, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_biases(
    T const* b, std::size_t r0, std::size_t count, typename vec<T>::v negative_zero) noexcept {
    if constexpr (Full) {
        return vec<T>::load(b + r0);
    } else {
        return vec<T>::load_first(b + r0, count, negative_zero);
    }
}

// z_r for rows r0 .. r0 + count - 1 (count <= L) in one register, lane g for row r0 + g.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_rows(
    T const* Wt, T const* x, T const* b, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    v s[In + 1];
#pragma GCC unroll 64
    for (std::size_t i = 0; i < In; ++i) {
        s[i] = V::fma(dense_column<T, In, Out, Full>(Wt, i, r0, count, negative_zero),
                      V::splat(x[i]), negative_zero);
    }
    s[In] = dense_biases<T, Full>(b, r0, count, negative_zero);
    dense_tree<V, In + 1, partial_sums<T> / 2>(s);
    return s[0];
}

// σ on the rows of one register of which only the first `count` are stored. float is
// evaluated in double, on the narrowest register that holds the rows stored: half a
// register (with at most half the lanes in use the upper half is not computed: measured,
// AVX-512, GCC 12, 4 x 4 layer, 25.6 ns with both halves, 11.0 ns with one), or on AVX-512
// a quarter, four doubles in a 256-bit register, whose division costs half a 512-bit one
// (4 x 4 layer: 10.8 ns -> 8.4 ns). The lanes stored have the bits of sigmoid_lanes.
template <ieee_binary T>
[[gnu::always_inline]] inline void dense_sigmoid_store(typename vec<T>::v z, T* out,
                                                       std::size_t count) noexcept {
    using V = vec<T>;
    if constexpr (V::lanes == 1) {
        *out = sigmoid_one(V::reduce(z));
    } else if constexpr (std::same_as<T, float>) {
        if (count * 2 > V::lanes) {
            store_lanes<T>(sigmoid_lanes<T>(z), out, count);
            return;
        }
        auto const half = [z] {
            auto const lo = sigmoid_f32_in_double<vec<double>>(V::widen_lo(z));
            return V::narrow(lo, lo);
        };
        typename V::v y;
        if constexpr (requires { typename V::quarter_double; }) {
            y = count * 4 <= V::lanes
                    ? V::narrow_quarter(
                          sigmoid_f32_in_double<typename V::quarter_double>(V::widen_quarter(z)))
                    : half();
        } else {
            y = half();
        }
        store_lanes<T>(V::select(V::is_nan(z), V::or_bits(z, sigmoid_constants::f32_quiet_bit), y),
                       out, count);
    } else {
        store_lanes<T>(sigmoid_lanes<T>(z), out, count);
    }
}

// Rows of more than P terms (In + 1 > P): the P partial sums are P registers of L rows,
// s_c = fma(W[r, i], x_i, s_c) for i = c, c + P, c + 2P, ... in increasing i, the bias
// added to s_(In mod P), then the tree over all P. The chains are taken eight at a time,
// c = j + (P/8) m for m = 0..7: exactly the eight partial sums the first three levels of
// the tree (h = P/2, P/4, P/8) combine into its value t_j. So each group's eight
// accumulators stay in registers (eight independent FMA chains also hide the 4-cycle
// latency at two FMAs per cycle), its three levels are applied at once, and only the P/8
// values t_j wait for the last levels: nothing is stored, no register is reduced across
// its lanes.
//
// R row registers (R L rows) are evaluated together, sharing each x_i: a broadcast is one
// load, as a weight register is, and the loads are the limit (two per cycle); with R = 2
// a term costs 1.5 loads instead of 2.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t R>
inline void dense_long_rows(T const* Wt, T const* x, T const* b, std::size_t r0, std::size_t count,
                            typename vec<T>::v negative_zero, typename vec<T>::v (&z)[R]) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t group = 8;
    constexpr std::size_t bases = p / group;    // groups, and the t_j after three levels
    constexpr std::size_t full_steps = In / p;  // every chain gets a term in these
    constexpr std::size_t rest = In % p;        // chains c < rest get one more
    constexpr std::size_t lanes = V::lanes;
    static_assert(In >= p && p % group == 0 && bases >= 2 && (Full || R == 1));
    v t[R][bases];
    std::size_t start = 0;  // group j's first slot (dense_slot)
    // Not unrolled: unrolled, the compiler hoisted the broadcasts of x and every group's
    // FMAs to the front and spilled them to the stack (measured, AVX-512, GCC 12, 64 x 64
    // without σ: 356 ns unrolled, 146 ns not).
#pragma GCC unroll 1
    for (std::size_t j = 0; j < bases; ++j) {
        v acc[R][group];
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) acc[q][m] = negative_zero;
        }
        for (std::size_t step = 0; step < full_steps; ++step) {
            std::size_t const i = step * p + j;
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) {
                std::size_t const k = i + m * bases;
                std::size_t const slot = start + step * group + m;
                v const xk = V::splat(x[k]);
#pragma GCC unroll 2
                for (std::size_t q = 0; q < R; ++q) {
                    acc[q][m] = V::fma(dense_slot_column<T, In, Out, Full>(Wt, slot, r0 + q * lanes,
                                                                           count, negative_zero),
                                       xk, acc[q][m]);
                }
            }
        }
        if constexpr (rest != 0) {
            std::size_t const i = full_steps * p + j;
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) {
                if (j + m * bases < rest) {
                    std::size_t const k = i + m * bases;
                    v const xk = V::splat(x[k]);
#pragma GCC unroll 2
                    for (std::size_t q = 0; q < R; ++q) {
                        acc[q][m] = V::fma(dense_slot_column<T, In, Out, Full>(
                                               Wt, start + full_steps * group + m, r0 + q * lanes,
                                               count, negative_zero),
                                           xk, acc[q][m]);
                    }
                }
            }
        }
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
            if (j == rest % bases) {
                // fma(b, 1, s) == s + b, after the chain's last term.
                constexpr std::size_t m = rest / bases;
                acc[q][m] = V::add(acc[q][m],
                                   dense_biases<T, Full>(b, r0 + q * lanes, count, negative_zero));
            }
            // Levels h = P/2, P/4, P/8: member m + 4, m + 2, m + 1 is chain c + h.
#pragma GCC unroll 4
            for (std::size_t m = 0; m < 4; ++m) acc[q][m] = V::add(acc[q][m], acc[q][m + 4]);
            acc[q][0] = V::add(acc[q][0], acc[q][2]);
            acc[q][1] = V::add(acc[q][1], acc[q][3]);
            t[q][j] = V::add(acc[q][0], acc[q][1]);
        }
        start += full_steps * group + (rest > j ? (rest - j + bases - 1) / bases : 0);
    }
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
        dense_tree<V, bases, bases / 2>(t[q]);
        z[q] = t[q][0];
    }
}

template <ieee_binary T, bool Sigmoid>
[[gnu::always_inline]] inline void dense_finish(typename vec<T>::v z, T* out,
                                                std::size_t count) noexcept {
    if constexpr (Sigmoid) {
        dense_sigmoid_store<T>(z, out, count);
    } else {
        store_lanes<T>(z, out, count);
    }
}

// out_r = a(z_r) for every row r < Out, z_r = Σ_i W[r, i] x_i + b_r in the canonical order,
// a = σ when Sigmoid (applied to each register while it is in registers), else the
// identity (the caller applies its activation). out must not overlap Wt, x or b.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
[[gnu::always_inline]] inline void dense_fixed_inline(T const* Wt, T const* x, T const* b,
                                                      T* out) noexcept {
    using V = vec<T>;
    using finish = std::conditional_t<Sigmoid, store_sigmoid, store_weighted_inputs>;
    constexpr std::size_t lanes = V::lanes;
    constexpr bool long_rows = In + 1 > partial_sums<T>;
    if constexpr (Out == 1 && (lanes > 1 || long_rows)) {
        // One row: its terms along a register (the kernels' short form, R registers known
        // at compile time, or the general inner product for long rows), or, for at most
        // four terms, one value at a time.
        T z;
        if constexpr (long_rows) {
            z = inner_product<T>(Wt, x, In, true, b[0]);
        } else if constexpr (In + 1 <= 4) {
            z = small_sum(Wt, x, In, true, b[0]);
        } else {
            constexpr std::size_t regs = (In + 1 + lanes - 1) / lanes;
            z = V::reduce(
                short_lanes<T, regs>(Wt, x, In, true, b[0], V::opaque(V::splat(T(-0.0)))));
        }
        finish::template one<T>(z, out);
    } else {
        // -0 opaque: a known -0 addend would let the compiler turn fma(w, x, -0) into w*x
        // and fuse that product into the tree (see SOMA_DETAIL_OPAQUE).
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t full_blocks = Out / lanes;
        constexpr std::size_t tail = Out % lanes;
        // σ of one register is one long dependency chain (about 100 cycles); with several
        // blocks, σ over the stored z two registers at a time (sigmoid_array) overlaps them
        // (measured, AVX-512, GCC 12, 64 x 64 layer: 434 ns with σ per block, 300 ns).
        constexpr bool sigmoid_per_block = Sigmoid && Out <= lanes;
        if constexpr (long_rows) {
            std::size_t k = 0;
            for (; k + 2 <= full_blocks; k += 2) {
                typename V::v z[2];
                dense_long_rows<T, In, Out, true, 2>(Wt, x, b, k * lanes, lanes, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + k * lanes, lanes);
                dense_finish<T, sigmoid_per_block>(z[1], out + (k + 1) * lanes, lanes);
            }
            if (k < full_blocks) {
                typename V::v z[1];
                dense_long_rows<T, In, Out, true, 1>(Wt, x, b, k * lanes, lanes, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + k * lanes, lanes);
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                typename V::v z[1];
                dense_long_rows<T, In, Out, false, 1>(Wt, x, b, r0, tail, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + r0, tail);
            }
        } else {
#pragma GCC unroll 16
            for (std::size_t k = 0; k < full_blocks; ++k) {
                dense_finish<T, sigmoid_per_block>(
                    dense_rows<T, In, Out, true>(Wt, x, b, k * lanes, lanes, negative_zero),
                    out + k * lanes, lanes);
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                dense_finish<T, sigmoid_per_block>(
                    dense_rows<T, In, Out, false>(Wt, x, b, r0, tail, negative_zero), out + r0,
                    tail);
            }
        }
        if constexpr (Sigmoid && !sigmoid_per_block) sigmoid_array<T>(out, out, Out);
    }
}

// The same, out of line: the entry of the per-shape dispatch (dense_layer.hpp), and the
// direct call for layers too large to inline.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
void dense_fixed(T const* Wt, T const* x, T const* b, T* out) noexcept {
    dense_fixed_inline<T, In, Out, Sigmoid>(Wt, x, b, out);
}

// ---------------------------------------------------------------------------------------
// Batches: Y_q = a(W X_q + b) for inputs q < count, X row-major (count x In), Y row-major
// (count x Out). Each partial sum of the canonical order receives the same fused
// multiply-adds in the same order as in dense_fixed, and the same tree combines them; only
// the order in which independent partial sums (chains, rows, inputs) are computed differs,
// so every Y_q is bitwise dense_fixed(X_q).
//
// Rows of more than P terms are a matrix product, and one input at a time it is bound by
// reading the weights: a weight register feeds one FMA, and the 784 x 128 float layer's
// 400 KB of weights come from L2 for every input. Here a tile of R row registers times
// B inputs shares each weight register among B inputs and each broadcast x_k among R row
// registers: a term of a chain is R weight loads and B broadcasts for R B FMAs, and the
// weights are read from L2 once per B inputs.
//
// With two FMAs and two loads per cycle and an FMA latency of 4 cycles (AVX2 and AVX-512 on
// current x86-64 cores; wide NEON cores are alike) a tile needs at least 8 independent
// accumulators, and is FMA-bound when its R + B loads take fewer cycles than its R B FMAs. R = 2
// everywhere (R = 1 for a last register of rows). With C chains of a group in flight per tile
// element there are C R B accumulators:
//   32 registers (AVX-512, NEON), chains of 4 or more terms: C = 1, B = 8: 16 accumulators,
//       2 weights, 1 broadcast; 10 loads (5 cycles) for 16 FMAs (8 cycles). R = 2, B = 12
//       and R = 3, B = 8 (24 accumulators) measured slower, R = 4, B = 4 three times
//       slower; R = 1, B = 16 is load-bound (17 loads for 16 FMAs).
//   16 registers (AVX2; the portable kernel's scalars): C = 1, B = 4: 8 accumulators,
//       2 weights, 1 broadcast and the -0 fill; 6 loads (3 cycles) for 8 FMAs (4 cycles).
// A chain's value waits in memory (one store and one load per chain and tile element) until
// its group's eight chains are done and the tree's first three levels combine them, as
// dense_long_rows does in registers. That costs little against chains of ceil(In / P)
// terms (784 inputs: 13), but with one to three terms per chain half the work is the tree
// and the stores compete with it; then, with 32 registers, C = 2, B = 4 keeps two chains
// in flight (16 accumulators) and combines them before storing, and with 16 registers and
// a single term per chain the one-input kernel (all eight chains in registers) is faster.
// Measured, Intel Xeon (AVX-512, 2.1 GHz, shared), GCC 12, float, one layer, 256 inputs,
// µs, one input at a time / C = 1 / C = 2:
//   AVX-512, B = 8 (C = 1) or 4 (C = 2):  784 x 128: 1416 / 483 / 592;  128 x 128: 242 /
//       147 / 131;  64 x 64: 47 / 61 / 42.
//   AVX2, B = 4 (C = 1) or 2 (C = 2):     784 x 128: 2092 / 962 / 2181; 128 x 128: 234 /
//       203 / 306;  64 x 64: 65 / 78 / 105.
// ---------------------------------------------------------------------------------------

inline constexpr std::size_t dense_batch_registers =
    this_isa == isa::avx512 || this_isa == isa::neon ? 32 : 16;
inline constexpr std::size_t dense_batch_row_registers = 2;

// C and B for rows of In terms (above); C = 0: one input at a time.
template <ieee_binary T, std::size_t In>
inline constexpr std::size_t dense_batch_chains = dense_batch_registers == 32
                                                      ? (In / partial_sums<T> < 4 ? 2 : 1)
                                                      : (In / partial_sums<T> < 2 ? 0 : 1);
template <ieee_binary T, std::size_t In>
inline constexpr std::size_t dense_batch_inputs = dense_batch_registers == 32
                                                      ? (dense_batch_chains<T, In> == 2 ? 4 : 8)
                                                      : 4;

// One term i (at slot `slot` of the layout) of chain e of the tile: R weight loads, B
// broadcasts, R B FMAs.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t C, std::size_t R,
          std::size_t B>
[[gnu::always_inline]] inline void dense_batch_term(
    T const* Wt, T const* X, std::size_t i, std::size_t slot, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero, typename vec<T>::v (&acc)[R][B][C], std::size_t e) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    v w[R];
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
        w[q] =
            dense_slot_column<T, In, Out, Full>(Wt, slot, r0 + q * V::lanes, count, negative_zero);
    }
#pragma GCC unroll 16
    for (std::size_t k = 0; k < B; ++k) {
        v const xk = V::splat(X[k * In + i]);
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) acc[q][k][e] = V::fma(w[q], xk, acc[q][k][e]);
    }
}

// z for rows r0 .. r0 + R L - 1 (or the last `count` < L rows, R = 1) of the B inputs
// X + q In, q < B, stored to Z + q Out + r0 (the tile's rows of each input's output). C
// chains of a group are in flight at once (C in 1, 2, 4, 8), u + (8/C) e for e < C: the
// group's first log2 C levels (member m + 4, m + 2, m + 1 is chain c + P/2, P/4, P/8) then
// combine them in registers into v_u, which covers members u mod 8/C, and the 8/C values
// v_u wait in memory for the group's last levels.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t C, std::size_t R,
          std::size_t B>
inline void dense_batch_long_rows(T const* Wt, T const* X, T const* b, std::size_t r0,
                                  std::size_t count, typename vec<T>::v negative_zero,
                                  T* Z) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t group = 8;
    constexpr std::size_t bases = p / group;
    constexpr std::size_t full_steps = In / p;
    constexpr std::size_t rest = In % p;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t subgroups = group / C;
    static_assert(In >= p && p % group == 0 && bases >= 2 && (Full || R == 1));
    static_assert(C == 1 || C == 2 || C == 4 || C == 8);
    v t[R][B][bases];
    std::size_t start = 0;  // group j's first slot (dense_slot)
#pragma GCC unroll 1
    for (std::size_t j = 0; j < bases; ++j) {
        v g[R][B][subgroups];
#pragma GCC unroll 1
        for (std::size_t u = 0; u < subgroups; ++u) {
            v acc[R][B][C];
#pragma GCC unroll 2
            for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
                for (std::size_t k = 0; k < B; ++k) {
#pragma GCC unroll 8
                    for (std::size_t e = 0; e < C; ++e) acc[q][k][e] = negative_zero;
                }
            }
#pragma GCC unroll 1
            for (std::size_t step = 0; step < full_steps; ++step) {
#pragma GCC unroll 8
                for (std::size_t e = 0; e < C; ++e) {
                    std::size_t const m = u + subgroups * e;
                    dense_batch_term<T, In, Out, Full, C, R, B>(Wt, X, step * p + j + bases * m,
                                                                start + step * group + m, r0, count,
                                                                negative_zero, acc, e);
                }
            }
#pragma GCC unroll 8
            for (std::size_t e = 0; e < C; ++e) {
                std::size_t const c = j + bases * (u + subgroups * e);
                if constexpr (rest != 0) {
                    if (c < rest) {
                        std::size_t const m = u + subgroups * e;
                        dense_batch_term<T, In, Out, Full, C, R, B>(
                            Wt, X, full_steps * p + c, start + full_steps * group + m, r0, count,
                            negative_zero, acc, e);
                    }
                }
                if (c == rest) {
                    // fma(b, 1, s) == s + b, after the chain's last term.
#pragma GCC unroll 2
                    for (std::size_t q = 0; q < R; ++q) {
                        v const bias =
                            dense_biases<T, Full>(b, r0 + q * lanes, count, negative_zero);
#pragma GCC unroll 16
                        for (std::size_t k = 0; k < B; ++k) {
                            acc[q][k][e] = V::add(acc[q][k][e], bias);
                        }
                    }
                }
            }
#pragma GCC unroll 2
            for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
                for (std::size_t k = 0; k < B; ++k) {
                    if constexpr (C > 1) dense_tree<V, C, C / 2>(acc[q][k]);
                    g[q][k][u] = acc[q][k][0];
                }
            }
        }
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
            for (std::size_t k = 0; k < B; ++k) {
                if constexpr (subgroups > 1) dense_tree<V, subgroups, subgroups / 2>(g[q][k]);
                t[q][k][j] = g[q][k][0];
            }
        }
        start += full_steps * group + (rest > j ? (rest - j + bases - 1) / bases : 0);
    }
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
        for (std::size_t k = 0; k < B; ++k) {
            dense_tree<V, bases, bases / 2>(t[q][k]);
            store_lanes<T>(t[q][k][0], Z + k * Out + r0 + q * lanes, count);
        }
    }
}

// Every row of the B inputs X + q In into Z + q Out, q < B (z, before the activation).
template <ieee_binary T, std::size_t In, std::size_t Out, std::size_t C, std::size_t B>
inline void dense_batch_tile(T const* Wt, T const* X, T const* b, typename vec<T>::v negative_zero,
                             T* Z) noexcept {
    constexpr std::size_t lanes = vec<T>::lanes;
    constexpr std::size_t full_blocks = Out / lanes;
    constexpr std::size_t tail = Out % lanes;
    constexpr std::size_t R = dense_batch_row_registers;
    std::size_t k = 0;
    for (; k + R <= full_blocks; k += R) {
        dense_batch_long_rows<T, In, Out, true, C, R, B>(Wt, X, b, k * lanes, lanes, negative_zero,
                                                         Z);
    }
    for (; k < full_blocks; ++k) {
        dense_batch_long_rows<T, In, Out, true, C, 1, B>(Wt, X, b, k * lanes, lanes, negative_zero,
                                                         Z);
    }
    if constexpr (tail != 0) {
        dense_batch_long_rows<T, In, Out, false, C, 1, B>(Wt, X, b, full_blocks * lanes, tail,
                                                          negative_zero, Z);
    }
}

// Inputs per pass of a layer of rows shorter than P terms: the pass's outputs (at most
// 64 Out values) are still in L1 when σ runs over them as one array.
inline constexpr std::size_t dense_batch_chunk = 64;

// Y_q = a(W X_q + b), q < count, each bitwise dense_fixed(X_q) (a = σ when Sigmoid, else
// z). Y must not overlap Wt, X or b.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
void dense_batch(T const* Wt, T const* X, T const* b, T* Y, std::size_t count) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    constexpr bool long_rows = In + 1 > partial_sums<T>;
    if constexpr (Out == 1 || Out == 0) {
        // One row keeps its weights in order (no rows to share a load): the single kernel.
        for (std::size_t q = 0; q < count; ++q) {
            dense_fixed_inline<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
        }
    } else if constexpr (!long_rows) {
        // Each product has a partial sum of its own and the tree costs as many adds as
        // there are FMAs, so a weight load and a broadcast per FMA and tree add already
        // match two loads and two vector operations per cycle: registers gain nothing.
        // The inputs run inside a block of rows instead, whose at most 4 KB of weights stay
        // in L1 however wide the layer.
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t full_blocks = Out / lanes;
        constexpr std::size_t tail = Out % lanes;
        for (std::size_t q0 = 0; q0 < count; q0 += dense_batch_chunk) {
            std::size_t const n = count - q0 < dense_batch_chunk ? count - q0 : dense_batch_chunk;
            T const* const Xc = X + q0 * In;
            T* const Yc = Y + q0 * Out;
            for (std::size_t k = 0; k < full_blocks; ++k) {
                for (std::size_t q = 0; q < n; ++q) {
                    V::store(Yc + q * Out + k * lanes,
                             dense_rows<T, In, Out, true>(Wt, Xc + q * In, b, k * lanes, lanes,
                                                          negative_zero));
                }
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                for (std::size_t q = 0; q < n; ++q) {
                    store_lanes<T>(
                        dense_rows<T, In, Out, false>(Wt, Xc + q * In, b, r0, tail, negative_zero),
                        Yc + q * Out + r0, tail);
                }
            }
            if constexpr (Sigmoid) sigmoid_array<T>(Yc, Yc, n * Out);
        }
    } else if constexpr (dense_batch_chains<T, In> == 0) {
        for (std::size_t q = 0; q < count; ++q) {
            dense_fixed<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
        }
    } else {
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t C = dense_batch_chains<T, In>;
        constexpr std::size_t B = dense_batch_inputs<T, In>;
        std::size_t q = 0;
        // σ over each tile's outputs while they are in L1, as one array (sigmoid_array
        // overlaps the long dependency chains of several registers).
        for (; q + B <= count; q += B) {
            dense_batch_tile<T, In, Out, C, B>(Wt, X + q * In, b, negative_zero, Y + q * Out);
            if constexpr (Sigmoid) sigmoid_array<T>(Y + q * Out, Y + q * Out, B * Out);
        }
        // The remainder: a tile of B/2 inputs, then one at a time.
        if (count - q >= B / 2) {
            dense_batch_tile<T, In, Out, C, B / 2>(Wt, X + q * In, b, negative_zero, Y + q * Out);
            if constexpr (Sigmoid) sigmoid_array<T>(Y + q * Out, Y + q * Out, B / 2 * Out);
            q += B / 2;
        }
        for (; q < count; ++q) dense_fixed<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
    }
}
// ---- end soma/detail/dense_kernels-inl.hpp ----
#undef SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx512
SOMA_DETAIL_TARGET_END

SOMA_DETAIL_TARGET_AVX2_BEGIN
namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx2 {
#define SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE 1
// ---- begin soma/detail/dense_kernels-inl.hpp ----
// soma/detail/dense_kernels-inl.hpp - a dense layer of a shape fixed at compile time, written
// once over an ISA's vocabulary.
//
// No include guard, on purpose: soma/dense_layer.hpp includes this file (with
// SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE defined) inside each ISA's namespace
// (soma::detail::avx512, ::avx2, ::neon, ::portable) and, on x86-64, inside that ISA's
// target region, after the ISA's vocabulary header has defined vec<T> and the kernels of
// kernels-inl.hpp there. So every function below is compiled for that ISA, with its fused
// multiply-add, whatever the command line says.
//
// The layer: Out rows of In + 1 terms each (In weights and the bias), weights interleaved
// across rows in blocks of 64 bytes of rows (dense_offset in dense_layer.hpp), so that one
// load brings weight i of L consecutive rows. P = 256 / sizeof(T) is the canonical order's
// number of partial sums (soma/detail/inner_product.hpp). With In + 1 <= P, that is
// fewer than P terms, every term has a partial sum of its own, so the canonical order is
//     s_i = fma(W[r, i], x_i, -0) = round(W[r, i] x_i)  (i < In),   s_In = b_r,
// then the fixed pairwise tree of inner_product_scalar over the In + 1 partial sums. Here
// each s_i is a register holding that partial sum for L rows at once, and the tree adds
// whole registers: every lane of the result is bitwise the single-neuron z_r, with no
// in-register reduction at all (the reason for the interleaved layout). Shapes are
// template arguments, so the loops are straight-line code: no size tests, no dispatch.
//
// Longer rows: see dense_long_rows below.
//
// Registers past the last row hold products of -0 padding (masked loads read nothing
// outside the arrays); they are computed but never stored.

#if !defined(SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE)
#error "soma/detail/dense_kernels-inl.hpp is included by soma/dense_layer.hpp only"
#endif

// Levels h = H, H/2, ..., 1 of the canonical tree over M <= P partial sums, each a register
// of L rows (the same levels as fixed_tree in inner_product.hpp).
template <class V, std::size_t M, std::size_t H>
[[gnu::always_inline]] inline void dense_tree(typename V::v (&s)[M]) noexcept {
    constexpr std::size_t live = M < 2 * H ? M : 2 * H;
    if constexpr (live > H) {
#pragma GCC unroll 64
        for (std::size_t j = 0; j + H < live; ++j) s[j] = V::add(s[j], s[j + H]);
    }
    if constexpr (H > 1) dense_tree<V, M, H / 2>(s);
}

// Weight i of rows r0 .. r0 + count - 1 (count <= L, r0 a multiple of L, so the rows are
// in one block of the layout, dense_layer.hpp's dense_offset; the lanes above are -0).
// Full: count == L, known at compile time so that no load tests it.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_column(
    T const* Wt, std::size_t i, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    T const* const c = Wt + dense_offset<T, In, Out>(r0, i);
    if constexpr (Full) {
        return vec<T>::load(c);
    } else {
        return vec<T>::load_first(c, count, negative_zero);
    }
}

// Slot `slot` of the block of row r0 (the layout of long rows, dense_slot).
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_slot_column(
    T const* Wt, std::size_t slot, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    constexpr std::size_t block = dense_block<T>;
    std::size_t const first = r0 / block * block;
    std::size_t const width = Out - first < block ? Out - first : block;
    T const* const c = Wt + first * In + slot * width + (r0 - first);
    if constexpr (Full) {
        return vec<T>::load(c);
    } else {
        return vec<T>::load_first(c, count, negative_zero);
    }
}

// The biases b_r0 .. b_(r0+count-1).
template <ieee_binary T, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_biases(
    T const* b, std::size_t r0, std::size_t count, typename vec<T>::v negative_zero) noexcept {
    if constexpr (Full) {
        return vec<T>::load(b + r0);
    } else {
        return vec<T>::load_first(b + r0, count, negative_zero);
    }
}

// z_r for rows r0 .. r0 + count - 1 (count <= L) in one register, lane g for row r0 + g.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_rows(
    T const* Wt, T const* x, T const* b, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    v s[In + 1];
#pragma GCC unroll 64
    for (std::size_t i = 0; i < In; ++i) {
        s[i] = V::fma(dense_column<T, In, Out, Full>(Wt, i, r0, count, negative_zero),
                      V::splat(x[i]), negative_zero);
    }
    s[In] = dense_biases<T, Full>(b, r0, count, negative_zero);
    dense_tree<V, In + 1, partial_sums<T> / 2>(s);
    return s[0];
}

// σ on the rows of one register of which only the first `count` are stored. float is
// evaluated in double, on the narrowest register that holds the rows stored: half a
// register (with at most half the lanes in use the upper half is not computed: measured,
// AVX-512, GCC 12, 4 x 4 layer, 25.6 ns with both halves, 11.0 ns with one), or on AVX-512
// a quarter, four doubles in a 256-bit register, whose division costs half a 512-bit one
// (4 x 4 layer: 10.8 ns -> 8.4 ns). The lanes stored have the bits of sigmoid_lanes.
template <ieee_binary T>
[[gnu::always_inline]] inline void dense_sigmoid_store(typename vec<T>::v z, T* out,
                                                       std::size_t count) noexcept {
    using V = vec<T>;
    if constexpr (V::lanes == 1) {
        *out = sigmoid_one(V::reduce(z));
    } else if constexpr (std::same_as<T, float>) {
        if (count * 2 > V::lanes) {
            store_lanes<T>(sigmoid_lanes<T>(z), out, count);
            return;
        }
        auto const half = [z] {
            auto const lo = sigmoid_f32_in_double<vec<double>>(V::widen_lo(z));
            return V::narrow(lo, lo);
        };
        typename V::v y;
        if constexpr (requires { typename V::quarter_double; }) {
            y = count * 4 <= V::lanes
                    ? V::narrow_quarter(
                          sigmoid_f32_in_double<typename V::quarter_double>(V::widen_quarter(z)))
                    : half();
        } else {
            y = half();
        }
        store_lanes<T>(V::select(V::is_nan(z), V::or_bits(z, sigmoid_constants::f32_quiet_bit), y),
                       out, count);
    } else {
        store_lanes<T>(sigmoid_lanes<T>(z), out, count);
    }
}

// Rows of more than P terms (In + 1 > P): the P partial sums are P registers of L rows,
// s_c = fma(W[r, i], x_i, s_c) for i = c, c + P, c + 2P, ... in increasing i, the bias
// added to s_(In mod P), then the tree over all P. The chains are taken eight at a time,
// c = j + (P/8) m for m = 0..7: exactly the eight partial sums the first three levels of
// the tree (h = P/2, P/4, P/8) combine into its value t_j. So each group's eight
// accumulators stay in registers (eight independent FMA chains also hide the 4-cycle
// latency at two FMAs per cycle), its three levels are applied at once, and only the P/8
// values t_j wait for the last levels: nothing is stored, no register is reduced across
// its lanes.
//
// R row registers (R L rows) are evaluated together, sharing each x_i: a broadcast is one
// load, as a weight register is, and the loads are the limit (two per cycle); with R = 2
// a term costs 1.5 loads instead of 2.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t R>
inline void dense_long_rows(T const* Wt, T const* x, T const* b, std::size_t r0, std::size_t count,
                            typename vec<T>::v negative_zero, typename vec<T>::v (&z)[R]) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t group = 8;
    constexpr std::size_t bases = p / group;    // groups, and the t_j after three levels
    constexpr std::size_t full_steps = In / p;  // every chain gets a term in these
    constexpr std::size_t rest = In % p;        // chains c < rest get one more
    constexpr std::size_t lanes = V::lanes;
    static_assert(In >= p && p % group == 0 && bases >= 2 && (Full || R == 1));
    v t[R][bases];
    std::size_t start = 0;  // group j's first slot (dense_slot)
    // Not unrolled: unrolled, the compiler hoisted the broadcasts of x and every group's
    // FMAs to the front and spilled them to the stack (measured, AVX-512, GCC 12, 64 x 64
    // without σ: 356 ns unrolled, 146 ns not).
#pragma GCC unroll 1
    for (std::size_t j = 0; j < bases; ++j) {
        v acc[R][group];
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) acc[q][m] = negative_zero;
        }
        for (std::size_t step = 0; step < full_steps; ++step) {
            std::size_t const i = step * p + j;
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) {
                std::size_t const k = i + m * bases;
                std::size_t const slot = start + step * group + m;
                v const xk = V::splat(x[k]);
#pragma GCC unroll 2
                for (std::size_t q = 0; q < R; ++q) {
                    acc[q][m] = V::fma(dense_slot_column<T, In, Out, Full>(Wt, slot, r0 + q * lanes,
                                                                           count, negative_zero),
                                       xk, acc[q][m]);
                }
            }
        }
        if constexpr (rest != 0) {
            std::size_t const i = full_steps * p + j;
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) {
                if (j + m * bases < rest) {
                    std::size_t const k = i + m * bases;
                    v const xk = V::splat(x[k]);
#pragma GCC unroll 2
                    for (std::size_t q = 0; q < R; ++q) {
                        acc[q][m] = V::fma(dense_slot_column<T, In, Out, Full>(
                                               Wt, start + full_steps * group + m, r0 + q * lanes,
                                               count, negative_zero),
                                           xk, acc[q][m]);
                    }
                }
            }
        }
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
            if (j == rest % bases) {
                // fma(b, 1, s) == s + b, after the chain's last term.
                constexpr std::size_t m = rest / bases;
                acc[q][m] = V::add(acc[q][m],
                                   dense_biases<T, Full>(b, r0 + q * lanes, count, negative_zero));
            }
            // Levels h = P/2, P/4, P/8: member m + 4, m + 2, m + 1 is chain c + h.
#pragma GCC unroll 4
            for (std::size_t m = 0; m < 4; ++m) acc[q][m] = V::add(acc[q][m], acc[q][m + 4]);
            acc[q][0] = V::add(acc[q][0], acc[q][2]);
            acc[q][1] = V::add(acc[q][1], acc[q][3]);
            t[q][j] = V::add(acc[q][0], acc[q][1]);
        }
        start += full_steps * group + (rest > j ? (rest - j + bases - 1) / bases : 0);
    }
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
        dense_tree<V, bases, bases / 2>(t[q]);
        z[q] = t[q][0];
    }
}

template <ieee_binary T, bool Sigmoid>
[[gnu::always_inline]] inline void dense_finish(typename vec<T>::v z, T* out,
                                                std::size_t count) noexcept {
    if constexpr (Sigmoid) {
        dense_sigmoid_store<T>(z, out, count);
    } else {
        store_lanes<T>(z, out, count);
    }
}

// out_r = a(z_r) for every row r < Out, z_r = Σ_i W[r, i] x_i + b_r in the canonical order,
// a = σ when Sigmoid (applied to each register while it is in registers), else the
// identity (the caller applies its activation). out must not overlap Wt, x or b.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
[[gnu::always_inline]] inline void dense_fixed_inline(T const* Wt, T const* x, T const* b,
                                                      T* out) noexcept {
    using V = vec<T>;
    using finish = std::conditional_t<Sigmoid, store_sigmoid, store_weighted_inputs>;
    constexpr std::size_t lanes = V::lanes;
    constexpr bool long_rows = In + 1 > partial_sums<T>;
    if constexpr (Out == 1 && (lanes > 1 || long_rows)) {
        // One row: its terms along a register (the kernels' short form, R registers known
        // at compile time, or the general inner product for long rows), or, for at most
        // four terms, one value at a time.
        T z;
        if constexpr (long_rows) {
            z = inner_product<T>(Wt, x, In, true, b[0]);
        } else if constexpr (In + 1 <= 4) {
            z = small_sum(Wt, x, In, true, b[0]);
        } else {
            constexpr std::size_t regs = (In + 1 + lanes - 1) / lanes;
            z = V::reduce(
                short_lanes<T, regs>(Wt, x, In, true, b[0], V::opaque(V::splat(T(-0.0)))));
        }
        finish::template one<T>(z, out);
    } else {
        // -0 opaque: a known -0 addend would let the compiler turn fma(w, x, -0) into w*x
        // and fuse that product into the tree (see SOMA_DETAIL_OPAQUE).
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t full_blocks = Out / lanes;
        constexpr std::size_t tail = Out % lanes;
        // σ of one register is one long dependency chain (about 100 cycles); with several
        // blocks, σ over the stored z two registers at a time (sigmoid_array) overlaps them
        // (measured, AVX-512, GCC 12, 64 x 64 layer: 434 ns with σ per block, 300 ns).
        constexpr bool sigmoid_per_block = Sigmoid && Out <= lanes;
        if constexpr (long_rows) {
            std::size_t k = 0;
            for (; k + 2 <= full_blocks; k += 2) {
                typename V::v z[2];
                dense_long_rows<T, In, Out, true, 2>(Wt, x, b, k * lanes, lanes, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + k * lanes, lanes);
                dense_finish<T, sigmoid_per_block>(z[1], out + (k + 1) * lanes, lanes);
            }
            if (k < full_blocks) {
                typename V::v z[1];
                dense_long_rows<T, In, Out, true, 1>(Wt, x, b, k * lanes, lanes, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + k * lanes, lanes);
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                typename V::v z[1];
                dense_long_rows<T, In, Out, false, 1>(Wt, x, b, r0, tail, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + r0, tail);
            }
        } else {
#pragma GCC unroll 16
            for (std::size_t k = 0; k < full_blocks; ++k) {
                dense_finish<T, sigmoid_per_block>(
                    dense_rows<T, In, Out, true>(Wt, x, b, k * lanes, lanes, negative_zero),
                    out + k * lanes, lanes);
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                dense_finish<T, sigmoid_per_block>(
                    dense_rows<T, In, Out, false>(Wt, x, b, r0, tail, negative_zero), out + r0,
                    tail);
            }
        }
        if constexpr (Sigmoid && !sigmoid_per_block) sigmoid_array<T>(out, out, Out);
    }
}

// The same, out of line: the entry of the per-shape dispatch (dense_layer.hpp), and the
// direct call for layers too large to inline.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
void dense_fixed(T const* Wt, T const* x, T const* b, T* out) noexcept {
    dense_fixed_inline<T, In, Out, Sigmoid>(Wt, x, b, out);
}

// ---------------------------------------------------------------------------------------
// Batches: Y_q = a(W X_q + b) for inputs q < count, X row-major (count x In), Y row-major
// (count x Out). Each partial sum of the canonical order receives the same fused
// multiply-adds in the same order as in dense_fixed, and the same tree combines them; only
// the order in which independent partial sums (chains, rows, inputs) are computed differs,
// so every Y_q is bitwise dense_fixed(X_q).
//
// Rows of more than P terms are a matrix product, and one input at a time it is bound by
// reading the weights: a weight register feeds one FMA, and the 784 x 128 float layer's
// 400 KB of weights come from L2 for every input. Here a tile of R row registers times
// B inputs shares each weight register among B inputs and each broadcast x_k among R row
// registers: a term of a chain is R weight loads and B broadcasts for R B FMAs, and the
// weights are read from L2 once per B inputs.
//
// With two FMAs and two loads per cycle and an FMA latency of 4 cycles (AVX2 and AVX-512 on
// current x86-64 cores; wide NEON cores are alike) a tile needs at least 8 independent
// accumulators, and is FMA-bound when its R + B loads take fewer cycles than its R B FMAs. R = 2
// everywhere (R = 1 for a last register of rows). With C chains of a group in flight per tile
// element there are C R B accumulators:
//   32 registers (AVX-512, NEON), chains of 4 or more terms: C = 1, B = 8: 16 accumulators,
//       2 weights, 1 broadcast; 10 loads (5 cycles) for 16 FMAs (8 cycles). R = 2, B = 12
//       and R = 3, B = 8 (24 accumulators) measured slower, R = 4, B = 4 three times
//       slower; R = 1, B = 16 is load-bound (17 loads for 16 FMAs).
//   16 registers (AVX2; the portable kernel's scalars): C = 1, B = 4: 8 accumulators,
//       2 weights, 1 broadcast and the -0 fill; 6 loads (3 cycles) for 8 FMAs (4 cycles).
// A chain's value waits in memory (one store and one load per chain and tile element) until
// its group's eight chains are done and the tree's first three levels combine them, as
// dense_long_rows does in registers. That costs little against chains of ceil(In / P)
// terms (784 inputs: 13), but with one to three terms per chain half the work is the tree
// and the stores compete with it; then, with 32 registers, C = 2, B = 4 keeps two chains
// in flight (16 accumulators) and combines them before storing, and with 16 registers and
// a single term per chain the one-input kernel (all eight chains in registers) is faster.
// Measured, Intel Xeon (AVX-512, 2.1 GHz, shared), GCC 12, float, one layer, 256 inputs,
// µs, one input at a time / C = 1 / C = 2:
//   AVX-512, B = 8 (C = 1) or 4 (C = 2):  784 x 128: 1416 / 483 / 592;  128 x 128: 242 /
//       147 / 131;  64 x 64: 47 / 61 / 42.
//   AVX2, B = 4 (C = 1) or 2 (C = 2):     784 x 128: 2092 / 962 / 2181; 128 x 128: 234 /
//       203 / 306;  64 x 64: 65 / 78 / 105.
// ---------------------------------------------------------------------------------------

inline constexpr std::size_t dense_batch_registers =
    this_isa == isa::avx512 || this_isa == isa::neon ? 32 : 16;
inline constexpr std::size_t dense_batch_row_registers = 2;

// C and B for rows of In terms (above); C = 0: one input at a time.
template <ieee_binary T, std::size_t In>
inline constexpr std::size_t dense_batch_chains = dense_batch_registers == 32
                                                      ? (In / partial_sums<T> < 4 ? 2 : 1)
                                                      : (In / partial_sums<T> < 2 ? 0 : 1);
template <ieee_binary T, std::size_t In>
inline constexpr std::size_t dense_batch_inputs = dense_batch_registers == 32
                                                      ? (dense_batch_chains<T, In> == 2 ? 4 : 8)
                                                      : 4;

// One term i (at slot `slot` of the layout) of chain e of the tile: R weight loads, B
// broadcasts, R B FMAs.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t C, std::size_t R,
          std::size_t B>
[[gnu::always_inline]] inline void dense_batch_term(
    T const* Wt, T const* X, std::size_t i, std::size_t slot, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero, typename vec<T>::v (&acc)[R][B][C], std::size_t e) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    v w[R];
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
        w[q] =
            dense_slot_column<T, In, Out, Full>(Wt, slot, r0 + q * V::lanes, count, negative_zero);
    }
#pragma GCC unroll 16
    for (std::size_t k = 0; k < B; ++k) {
        v const xk = V::splat(X[k * In + i]);
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) acc[q][k][e] = V::fma(w[q], xk, acc[q][k][e]);
    }
}

// z for rows r0 .. r0 + R L - 1 (or the last `count` < L rows, R = 1) of the B inputs
// X + q In, q < B, stored to Z + q Out + r0 (the tile's rows of each input's output). C
// chains of a group are in flight at once (C in 1, 2, 4, 8), u + (8/C) e for e < C: the
// group's first log2 C levels (member m + 4, m + 2, m + 1 is chain c + P/2, P/4, P/8) then
// combine them in registers into v_u, which covers members u mod 8/C, and the 8/C values
// v_u wait in memory for the group's last levels.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t C, std::size_t R,
          std::size_t B>
inline void dense_batch_long_rows(T const* Wt, T const* X, T const* b, std::size_t r0,
                                  std::size_t count, typename vec<T>::v negative_zero,
                                  T* Z) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t group = 8;
    constexpr std::size_t bases = p / group;
    constexpr std::size_t full_steps = In / p;
    constexpr std::size_t rest = In % p;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t subgroups = group / C;
    static_assert(In >= p && p % group == 0 && bases >= 2 && (Full || R == 1));
    static_assert(C == 1 || C == 2 || C == 4 || C == 8);
    v t[R][B][bases];
    std::size_t start = 0;  // group j's first slot (dense_slot)
#pragma GCC unroll 1
    for (std::size_t j = 0; j < bases; ++j) {
        v g[R][B][subgroups];
#pragma GCC unroll 1
        for (std::size_t u = 0; u < subgroups; ++u) {
            v acc[R][B][C];
#pragma GCC unroll 2
            for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
                for (std::size_t k = 0; k < B; ++k) {
#pragma GCC unroll 8
                    for (std::size_t e = 0; e < C; ++e) acc[q][k][e] = negative_zero;
                }
            }
#pragma GCC unroll 1
            for (std::size_t step = 0; step < full_steps; ++step) {
#pragma GCC unroll 8
                for (std::size_t e = 0; e < C; ++e) {
                    std::size_t const m = u + subgroups * e;
                    dense_batch_term<T, In, Out, Full, C, R, B>(Wt, X, step * p + j + bases * m,
                                                                start + step * group + m, r0, count,
                                                                negative_zero, acc, e);
                }
            }
#pragma GCC unroll 8
            for (std::size_t e = 0; e < C; ++e) {
                std::size_t const c = j + bases * (u + subgroups * e);
                if constexpr (rest != 0) {
                    if (c < rest) {
                        std::size_t const m = u + subgroups * e;
                        dense_batch_term<T, In, Out, Full, C, R, B>(
                            Wt, X, full_steps * p + c, start + full_steps * group + m, r0, count,
                            negative_zero, acc, e);
                    }
                }
                if (c == rest) {
                    // fma(b, 1, s) == s + b, after the chain's last term.
#pragma GCC unroll 2
                    for (std::size_t q = 0; q < R; ++q) {
                        v const bias =
                            dense_biases<T, Full>(b, r0 + q * lanes, count, negative_zero);
#pragma GCC unroll 16
                        for (std::size_t k = 0; k < B; ++k) {
                            acc[q][k][e] = V::add(acc[q][k][e], bias);
                        }
                    }
                }
            }
#pragma GCC unroll 2
            for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
                for (std::size_t k = 0; k < B; ++k) {
                    if constexpr (C > 1) dense_tree<V, C, C / 2>(acc[q][k]);
                    g[q][k][u] = acc[q][k][0];
                }
            }
        }
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
            for (std::size_t k = 0; k < B; ++k) {
                if constexpr (subgroups > 1) dense_tree<V, subgroups, subgroups / 2>(g[q][k]);
                t[q][k][j] = g[q][k][0];
            }
        }
        start += full_steps * group + (rest > j ? (rest - j + bases - 1) / bases : 0);
    }
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
        for (std::size_t k = 0; k < B; ++k) {
            dense_tree<V, bases, bases / 2>(t[q][k]);
            store_lanes<T>(t[q][k][0], Z + k * Out + r0 + q * lanes, count);
        }
    }
}

// Every row of the B inputs X + q In into Z + q Out, q < B (z, before the activation).
template <ieee_binary T, std::size_t In, std::size_t Out, std::size_t C, std::size_t B>
inline void dense_batch_tile(T const* Wt, T const* X, T const* b, typename vec<T>::v negative_zero,
                             T* Z) noexcept {
    constexpr std::size_t lanes = vec<T>::lanes;
    constexpr std::size_t full_blocks = Out / lanes;
    constexpr std::size_t tail = Out % lanes;
    constexpr std::size_t R = dense_batch_row_registers;
    std::size_t k = 0;
    for (; k + R <= full_blocks; k += R) {
        dense_batch_long_rows<T, In, Out, true, C, R, B>(Wt, X, b, k * lanes, lanes, negative_zero,
                                                         Z);
    }
    for (; k < full_blocks; ++k) {
        dense_batch_long_rows<T, In, Out, true, C, 1, B>(Wt, X, b, k * lanes, lanes, negative_zero,
                                                         Z);
    }
    if constexpr (tail != 0) {
        dense_batch_long_rows<T, In, Out, false, C, 1, B>(Wt, X, b, full_blocks * lanes, tail,
                                                          negative_zero, Z);
    }
}

// Inputs per pass of a layer of rows shorter than P terms: the pass's outputs (at most
// 64 Out values) are still in L1 when σ runs over them as one array.
inline constexpr std::size_t dense_batch_chunk = 64;

// Y_q = a(W X_q + b), q < count, each bitwise dense_fixed(X_q) (a = σ when Sigmoid, else
// z). Y must not overlap Wt, X or b.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
void dense_batch(T const* Wt, T const* X, T const* b, T* Y, std::size_t count) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    constexpr bool long_rows = In + 1 > partial_sums<T>;
    if constexpr (Out == 1 || Out == 0) {
        // One row keeps its weights in order (no rows to share a load): the single kernel.
        for (std::size_t q = 0; q < count; ++q) {
            dense_fixed_inline<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
        }
    } else if constexpr (!long_rows) {
        // Each product has a partial sum of its own and the tree costs as many adds as
        // there are FMAs, so a weight load and a broadcast per FMA and tree add already
        // match two loads and two vector operations per cycle: registers gain nothing.
        // The inputs run inside a block of rows instead, whose at most 4 KB of weights stay
        // in L1 however wide the layer.
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t full_blocks = Out / lanes;
        constexpr std::size_t tail = Out % lanes;
        for (std::size_t q0 = 0; q0 < count; q0 += dense_batch_chunk) {
            std::size_t const n = count - q0 < dense_batch_chunk ? count - q0 : dense_batch_chunk;
            T const* const Xc = X + q0 * In;
            T* const Yc = Y + q0 * Out;
            for (std::size_t k = 0; k < full_blocks; ++k) {
                for (std::size_t q = 0; q < n; ++q) {
                    V::store(Yc + q * Out + k * lanes,
                             dense_rows<T, In, Out, true>(Wt, Xc + q * In, b, k * lanes, lanes,
                                                          negative_zero));
                }
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                for (std::size_t q = 0; q < n; ++q) {
                    store_lanes<T>(
                        dense_rows<T, In, Out, false>(Wt, Xc + q * In, b, r0, tail, negative_zero),
                        Yc + q * Out + r0, tail);
                }
            }
            if constexpr (Sigmoid) sigmoid_array<T>(Yc, Yc, n * Out);
        }
    } else if constexpr (dense_batch_chains<T, In> == 0) {
        for (std::size_t q = 0; q < count; ++q) {
            dense_fixed<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
        }
    } else {
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t C = dense_batch_chains<T, In>;
        constexpr std::size_t B = dense_batch_inputs<T, In>;
        std::size_t q = 0;
        // σ over each tile's outputs while they are in L1, as one array (sigmoid_array
        // overlaps the long dependency chains of several registers).
        for (; q + B <= count; q += B) {
            dense_batch_tile<T, In, Out, C, B>(Wt, X + q * In, b, negative_zero, Y + q * Out);
            if constexpr (Sigmoid) sigmoid_array<T>(Y + q * Out, Y + q * Out, B * Out);
        }
        // The remainder: a tile of B/2 inputs, then one at a time.
        if (count - q >= B / 2) {
            dense_batch_tile<T, In, Out, C, B / 2>(Wt, X + q * In, b, negative_zero, Y + q * Out);
            if constexpr (Sigmoid) sigmoid_array<T>(Y + q * Out, Y + q * Out, B / 2 * Out);
            q += B / 2;
        }
        for (; q < count; ++q) dense_fixed<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
    }
}
// ---- end soma/detail/dense_kernels-inl.hpp ----
#undef SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx2
SOMA_DETAIL_TARGET_END
#endif

#if defined(SOMA_NEON_KERNELS)
namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::neon {
#define SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE 1
// ---- begin soma/detail/dense_kernels-inl.hpp ----
// soma/detail/dense_kernels-inl.hpp - a dense layer of a shape fixed at compile time, written
// once over an ISA's vocabulary.
//
// No include guard, on purpose: soma/dense_layer.hpp includes this file (with
// SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE defined) inside each ISA's namespace
// (soma::detail::avx512, ::avx2, ::neon, ::portable) and, on x86-64, inside that ISA's
// target region, after the ISA's vocabulary header has defined vec<T> and the kernels of
// kernels-inl.hpp there. So every function below is compiled for that ISA, with its fused
// multiply-add, whatever the command line says.
//
// The layer: Out rows of In + 1 terms each (In weights and the bias), weights interleaved
// across rows in blocks of 64 bytes of rows (dense_offset in dense_layer.hpp), so that one
// load brings weight i of L consecutive rows. P = 256 / sizeof(T) is the canonical order's
// number of partial sums (soma/detail/inner_product.hpp). With In + 1 <= P, that is
// fewer than P terms, every term has a partial sum of its own, so the canonical order is
//     s_i = fma(W[r, i], x_i, -0) = round(W[r, i] x_i)  (i < In),   s_In = b_r,
// then the fixed pairwise tree of inner_product_scalar over the In + 1 partial sums. Here
// each s_i is a register holding that partial sum for L rows at once, and the tree adds
// whole registers: every lane of the result is bitwise the single-neuron z_r, with no
// in-register reduction at all (the reason for the interleaved layout). Shapes are
// template arguments, so the loops are straight-line code: no size tests, no dispatch.
//
// Longer rows: see dense_long_rows below.
//
// Registers past the last row hold products of -0 padding (masked loads read nothing
// outside the arrays); they are computed but never stored.

#if !defined(SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE)
#error "soma/detail/dense_kernels-inl.hpp is included by soma/dense_layer.hpp only"
#endif

// Levels h = H, H/2, ..., 1 of the canonical tree over M <= P partial sums, each a register
// of L rows (the same levels as fixed_tree in inner_product.hpp).
template <class V, std::size_t M, std::size_t H>
[[gnu::always_inline]] inline void dense_tree(typename V::v (&s)[M]) noexcept {
    constexpr std::size_t live = M < 2 * H ? M : 2 * H;
    if constexpr (live > H) {
#pragma GCC unroll 64
        for (std::size_t j = 0; j + H < live; ++j) s[j] = V::add(s[j], s[j + H]);
    }
    if constexpr (H > 1) dense_tree<V, M, H / 2>(s);
}

// Weight i of rows r0 .. r0 + count - 1 (count <= L, r0 a multiple of L, so the rows are
// in one block of the layout, dense_layer.hpp's dense_offset; the lanes above are -0).
// Full: count == L, known at compile time so that no load tests it.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_column(
    T const* Wt, std::size_t i, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    T const* const c = Wt + dense_offset<T, In, Out>(r0, i);
    if constexpr (Full) {
        return vec<T>::load(c);
    } else {
        return vec<T>::load_first(c, count, negative_zero);
    }
}

// Slot `slot` of the block of row r0 (the layout of long rows, dense_slot).
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_slot_column(
    T const* Wt, std::size_t slot, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    constexpr std::size_t block = dense_block<T>;
    std::size_t const first = r0 / block * block;
    std::size_t const width = Out - first < block ? Out - first : block;
    T const* const c = Wt + first * In + slot * width + (r0 - first);
    if constexpr (Full) {
        return vec<T>::load(c);
    } else {
        return vec<T>::load_first(c, count, negative_zero);
    }
}

// The biases b_r0 .. b_(r0+count-1).
template <ieee_binary T, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_biases(
    T const* b, std::size_t r0, std::size_t count, typename vec<T>::v negative_zero) noexcept {
    if constexpr (Full) {
        return vec<T>::load(b + r0);
    } else {
        return vec<T>::load_first(b + r0, count, negative_zero);
    }
}

// z_r for rows r0 .. r0 + count - 1 (count <= L) in one register, lane g for row r0 + g.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_rows(
    T const* Wt, T const* x, T const* b, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    v s[In + 1];
#pragma GCC unroll 64
    for (std::size_t i = 0; i < In; ++i) {
        s[i] = V::fma(dense_column<T, In, Out, Full>(Wt, i, r0, count, negative_zero),
                      V::splat(x[i]), negative_zero);
    }
    s[In] = dense_biases<T, Full>(b, r0, count, negative_zero);
    dense_tree<V, In + 1, partial_sums<T> / 2>(s);
    return s[0];
}

// σ on the rows of one register of which only the first `count` are stored. float is
// evaluated in double, on the narrowest register that holds the rows stored: half a
// register (with at most half the lanes in use the upper half is not computed: measured,
// AVX-512, GCC 12, 4 x 4 layer, 25.6 ns with both halves, 11.0 ns with one), or on AVX-512
// a quarter, four doubles in a 256-bit register, whose division costs half a 512-bit one
// (4 x 4 layer: 10.8 ns -> 8.4 ns). The lanes stored have the bits of sigmoid_lanes.
template <ieee_binary T>
[[gnu::always_inline]] inline void dense_sigmoid_store(typename vec<T>::v z, T* out,
                                                       std::size_t count) noexcept {
    using V = vec<T>;
    if constexpr (V::lanes == 1) {
        *out = sigmoid_one(V::reduce(z));
    } else if constexpr (std::same_as<T, float>) {
        if (count * 2 > V::lanes) {
            store_lanes<T>(sigmoid_lanes<T>(z), out, count);
            return;
        }
        auto const half = [z] {
            auto const lo = sigmoid_f32_in_double<vec<double>>(V::widen_lo(z));
            return V::narrow(lo, lo);
        };
        typename V::v y;
        if constexpr (requires { typename V::quarter_double; }) {
            y = count * 4 <= V::lanes
                    ? V::narrow_quarter(
                          sigmoid_f32_in_double<typename V::quarter_double>(V::widen_quarter(z)))
                    : half();
        } else {
            y = half();
        }
        store_lanes<T>(V::select(V::is_nan(z), V::or_bits(z, sigmoid_constants::f32_quiet_bit), y),
                       out, count);
    } else {
        store_lanes<T>(sigmoid_lanes<T>(z), out, count);
    }
}

// Rows of more than P terms (In + 1 > P): the P partial sums are P registers of L rows,
// s_c = fma(W[r, i], x_i, s_c) for i = c, c + P, c + 2P, ... in increasing i, the bias
// added to s_(In mod P), then the tree over all P. The chains are taken eight at a time,
// c = j + (P/8) m for m = 0..7: exactly the eight partial sums the first three levels of
// the tree (h = P/2, P/4, P/8) combine into its value t_j. So each group's eight
// accumulators stay in registers (eight independent FMA chains also hide the 4-cycle
// latency at two FMAs per cycle), its three levels are applied at once, and only the P/8
// values t_j wait for the last levels: nothing is stored, no register is reduced across
// its lanes.
//
// R row registers (R L rows) are evaluated together, sharing each x_i: a broadcast is one
// load, as a weight register is, and the loads are the limit (two per cycle); with R = 2
// a term costs 1.5 loads instead of 2.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t R>
inline void dense_long_rows(T const* Wt, T const* x, T const* b, std::size_t r0, std::size_t count,
                            typename vec<T>::v negative_zero, typename vec<T>::v (&z)[R]) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t group = 8;
    constexpr std::size_t bases = p / group;    // groups, and the t_j after three levels
    constexpr std::size_t full_steps = In / p;  // every chain gets a term in these
    constexpr std::size_t rest = In % p;        // chains c < rest get one more
    constexpr std::size_t lanes = V::lanes;
    static_assert(In >= p && p % group == 0 && bases >= 2 && (Full || R == 1));
    v t[R][bases];
    std::size_t start = 0;  // group j's first slot (dense_slot)
    // Not unrolled: unrolled, the compiler hoisted the broadcasts of x and every group's
    // FMAs to the front and spilled them to the stack (measured, AVX-512, GCC 12, 64 x 64
    // without σ: 356 ns unrolled, 146 ns not).
#pragma GCC unroll 1
    for (std::size_t j = 0; j < bases; ++j) {
        v acc[R][group];
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) acc[q][m] = negative_zero;
        }
        for (std::size_t step = 0; step < full_steps; ++step) {
            std::size_t const i = step * p + j;
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) {
                std::size_t const k = i + m * bases;
                std::size_t const slot = start + step * group + m;
                v const xk = V::splat(x[k]);
#pragma GCC unroll 2
                for (std::size_t q = 0; q < R; ++q) {
                    acc[q][m] = V::fma(dense_slot_column<T, In, Out, Full>(Wt, slot, r0 + q * lanes,
                                                                           count, negative_zero),
                                       xk, acc[q][m]);
                }
            }
        }
        if constexpr (rest != 0) {
            std::size_t const i = full_steps * p + j;
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) {
                if (j + m * bases < rest) {
                    std::size_t const k = i + m * bases;
                    v const xk = V::splat(x[k]);
#pragma GCC unroll 2
                    for (std::size_t q = 0; q < R; ++q) {
                        acc[q][m] = V::fma(dense_slot_column<T, In, Out, Full>(
                                               Wt, start + full_steps * group + m, r0 + q * lanes,
                                               count, negative_zero),
                                           xk, acc[q][m]);
                    }
                }
            }
        }
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
            if (j == rest % bases) {
                // fma(b, 1, s) == s + b, after the chain's last term.
                constexpr std::size_t m = rest / bases;
                acc[q][m] = V::add(acc[q][m],
                                   dense_biases<T, Full>(b, r0 + q * lanes, count, negative_zero));
            }
            // Levels h = P/2, P/4, P/8: member m + 4, m + 2, m + 1 is chain c + h.
#pragma GCC unroll 4
            for (std::size_t m = 0; m < 4; ++m) acc[q][m] = V::add(acc[q][m], acc[q][m + 4]);
            acc[q][0] = V::add(acc[q][0], acc[q][2]);
            acc[q][1] = V::add(acc[q][1], acc[q][3]);
            t[q][j] = V::add(acc[q][0], acc[q][1]);
        }
        start += full_steps * group + (rest > j ? (rest - j + bases - 1) / bases : 0);
    }
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
        dense_tree<V, bases, bases / 2>(t[q]);
        z[q] = t[q][0];
    }
}

template <ieee_binary T, bool Sigmoid>
[[gnu::always_inline]] inline void dense_finish(typename vec<T>::v z, T* out,
                                                std::size_t count) noexcept {
    if constexpr (Sigmoid) {
        dense_sigmoid_store<T>(z, out, count);
    } else {
        store_lanes<T>(z, out, count);
    }
}

// out_r = a(z_r) for every row r < Out, z_r = Σ_i W[r, i] x_i + b_r in the canonical order,
// a = σ when Sigmoid (applied to each register while it is in registers), else the
// identity (the caller applies its activation). out must not overlap Wt, x or b.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
[[gnu::always_inline]] inline void dense_fixed_inline(T const* Wt, T const* x, T const* b,
                                                      T* out) noexcept {
    using V = vec<T>;
    using finish = std::conditional_t<Sigmoid, store_sigmoid, store_weighted_inputs>;
    constexpr std::size_t lanes = V::lanes;
    constexpr bool long_rows = In + 1 > partial_sums<T>;
    if constexpr (Out == 1 && (lanes > 1 || long_rows)) {
        // One row: its terms along a register (the kernels' short form, R registers known
        // at compile time, or the general inner product for long rows), or, for at most
        // four terms, one value at a time.
        T z;
        if constexpr (long_rows) {
            z = inner_product<T>(Wt, x, In, true, b[0]);
        } else if constexpr (In + 1 <= 4) {
            z = small_sum(Wt, x, In, true, b[0]);
        } else {
            constexpr std::size_t regs = (In + 1 + lanes - 1) / lanes;
            z = V::reduce(
                short_lanes<T, regs>(Wt, x, In, true, b[0], V::opaque(V::splat(T(-0.0)))));
        }
        finish::template one<T>(z, out);
    } else {
        // -0 opaque: a known -0 addend would let the compiler turn fma(w, x, -0) into w*x
        // and fuse that product into the tree (see SOMA_DETAIL_OPAQUE).
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t full_blocks = Out / lanes;
        constexpr std::size_t tail = Out % lanes;
        // σ of one register is one long dependency chain (about 100 cycles); with several
        // blocks, σ over the stored z two registers at a time (sigmoid_array) overlaps them
        // (measured, AVX-512, GCC 12, 64 x 64 layer: 434 ns with σ per block, 300 ns).
        constexpr bool sigmoid_per_block = Sigmoid && Out <= lanes;
        if constexpr (long_rows) {
            std::size_t k = 0;
            for (; k + 2 <= full_blocks; k += 2) {
                typename V::v z[2];
                dense_long_rows<T, In, Out, true, 2>(Wt, x, b, k * lanes, lanes, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + k * lanes, lanes);
                dense_finish<T, sigmoid_per_block>(z[1], out + (k + 1) * lanes, lanes);
            }
            if (k < full_blocks) {
                typename V::v z[1];
                dense_long_rows<T, In, Out, true, 1>(Wt, x, b, k * lanes, lanes, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + k * lanes, lanes);
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                typename V::v z[1];
                dense_long_rows<T, In, Out, false, 1>(Wt, x, b, r0, tail, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + r0, tail);
            }
        } else {
#pragma GCC unroll 16
            for (std::size_t k = 0; k < full_blocks; ++k) {
                dense_finish<T, sigmoid_per_block>(
                    dense_rows<T, In, Out, true>(Wt, x, b, k * lanes, lanes, negative_zero),
                    out + k * lanes, lanes);
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                dense_finish<T, sigmoid_per_block>(
                    dense_rows<T, In, Out, false>(Wt, x, b, r0, tail, negative_zero), out + r0,
                    tail);
            }
        }
        if constexpr (Sigmoid && !sigmoid_per_block) sigmoid_array<T>(out, out, Out);
    }
}

// The same, out of line: the entry of the per-shape dispatch (dense_layer.hpp), and the
// direct call for layers too large to inline.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
void dense_fixed(T const* Wt, T const* x, T const* b, T* out) noexcept {
    dense_fixed_inline<T, In, Out, Sigmoid>(Wt, x, b, out);
}

// ---------------------------------------------------------------------------------------
// Batches: Y_q = a(W X_q + b) for inputs q < count, X row-major (count x In), Y row-major
// (count x Out). Each partial sum of the canonical order receives the same fused
// multiply-adds in the same order as in dense_fixed, and the same tree combines them; only
// the order in which independent partial sums (chains, rows, inputs) are computed differs,
// so every Y_q is bitwise dense_fixed(X_q).
//
// Rows of more than P terms are a matrix product, and one input at a time it is bound by
// reading the weights: a weight register feeds one FMA, and the 784 x 128 float layer's
// 400 KB of weights come from L2 for every input. Here a tile of R row registers times
// B inputs shares each weight register among B inputs and each broadcast x_k among R row
// registers: a term of a chain is R weight loads and B broadcasts for R B FMAs, and the
// weights are read from L2 once per B inputs.
//
// With two FMAs and two loads per cycle and an FMA latency of 4 cycles (AVX2 and AVX-512 on
// current x86-64 cores; wide NEON cores are alike) a tile needs at least 8 independent
// accumulators, and is FMA-bound when its R + B loads take fewer cycles than its R B FMAs. R = 2
// everywhere (R = 1 for a last register of rows). With C chains of a group in flight per tile
// element there are C R B accumulators:
//   32 registers (AVX-512, NEON), chains of 4 or more terms: C = 1, B = 8: 16 accumulators,
//       2 weights, 1 broadcast; 10 loads (5 cycles) for 16 FMAs (8 cycles). R = 2, B = 12
//       and R = 3, B = 8 (24 accumulators) measured slower, R = 4, B = 4 three times
//       slower; R = 1, B = 16 is load-bound (17 loads for 16 FMAs).
//   16 registers (AVX2; the portable kernel's scalars): C = 1, B = 4: 8 accumulators,
//       2 weights, 1 broadcast and the -0 fill; 6 loads (3 cycles) for 8 FMAs (4 cycles).
// A chain's value waits in memory (one store and one load per chain and tile element) until
// its group's eight chains are done and the tree's first three levels combine them, as
// dense_long_rows does in registers. That costs little against chains of ceil(In / P)
// terms (784 inputs: 13), but with one to three terms per chain half the work is the tree
// and the stores compete with it; then, with 32 registers, C = 2, B = 4 keeps two chains
// in flight (16 accumulators) and combines them before storing, and with 16 registers and
// a single term per chain the one-input kernel (all eight chains in registers) is faster.
// Measured, Intel Xeon (AVX-512, 2.1 GHz, shared), GCC 12, float, one layer, 256 inputs,
// µs, one input at a time / C = 1 / C = 2:
//   AVX-512, B = 8 (C = 1) or 4 (C = 2):  784 x 128: 1416 / 483 / 592;  128 x 128: 242 /
//       147 / 131;  64 x 64: 47 / 61 / 42.
//   AVX2, B = 4 (C = 1) or 2 (C = 2):     784 x 128: 2092 / 962 / 2181; 128 x 128: 234 /
//       203 / 306;  64 x 64: 65 / 78 / 105.
// ---------------------------------------------------------------------------------------

inline constexpr std::size_t dense_batch_registers =
    this_isa == isa::avx512 || this_isa == isa::neon ? 32 : 16;
inline constexpr std::size_t dense_batch_row_registers = 2;

// C and B for rows of In terms (above); C = 0: one input at a time.
template <ieee_binary T, std::size_t In>
inline constexpr std::size_t dense_batch_chains = dense_batch_registers == 32
                                                      ? (In / partial_sums<T> < 4 ? 2 : 1)
                                                      : (In / partial_sums<T> < 2 ? 0 : 1);
template <ieee_binary T, std::size_t In>
inline constexpr std::size_t dense_batch_inputs = dense_batch_registers == 32
                                                      ? (dense_batch_chains<T, In> == 2 ? 4 : 8)
                                                      : 4;

// One term i (at slot `slot` of the layout) of chain e of the tile: R weight loads, B
// broadcasts, R B FMAs.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t C, std::size_t R,
          std::size_t B>
[[gnu::always_inline]] inline void dense_batch_term(
    T const* Wt, T const* X, std::size_t i, std::size_t slot, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero, typename vec<T>::v (&acc)[R][B][C], std::size_t e) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    v w[R];
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
        w[q] =
            dense_slot_column<T, In, Out, Full>(Wt, slot, r0 + q * V::lanes, count, negative_zero);
    }
#pragma GCC unroll 16
    for (std::size_t k = 0; k < B; ++k) {
        v const xk = V::splat(X[k * In + i]);
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) acc[q][k][e] = V::fma(w[q], xk, acc[q][k][e]);
    }
}

// z for rows r0 .. r0 + R L - 1 (or the last `count` < L rows, R = 1) of the B inputs
// X + q In, q < B, stored to Z + q Out + r0 (the tile's rows of each input's output). C
// chains of a group are in flight at once (C in 1, 2, 4, 8), u + (8/C) e for e < C: the
// group's first log2 C levels (member m + 4, m + 2, m + 1 is chain c + P/2, P/4, P/8) then
// combine them in registers into v_u, which covers members u mod 8/C, and the 8/C values
// v_u wait in memory for the group's last levels.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t C, std::size_t R,
          std::size_t B>
inline void dense_batch_long_rows(T const* Wt, T const* X, T const* b, std::size_t r0,
                                  std::size_t count, typename vec<T>::v negative_zero,
                                  T* Z) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t group = 8;
    constexpr std::size_t bases = p / group;
    constexpr std::size_t full_steps = In / p;
    constexpr std::size_t rest = In % p;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t subgroups = group / C;
    static_assert(In >= p && p % group == 0 && bases >= 2 && (Full || R == 1));
    static_assert(C == 1 || C == 2 || C == 4 || C == 8);
    v t[R][B][bases];
    std::size_t start = 0;  // group j's first slot (dense_slot)
#pragma GCC unroll 1
    for (std::size_t j = 0; j < bases; ++j) {
        v g[R][B][subgroups];
#pragma GCC unroll 1
        for (std::size_t u = 0; u < subgroups; ++u) {
            v acc[R][B][C];
#pragma GCC unroll 2
            for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
                for (std::size_t k = 0; k < B; ++k) {
#pragma GCC unroll 8
                    for (std::size_t e = 0; e < C; ++e) acc[q][k][e] = negative_zero;
                }
            }
#pragma GCC unroll 1
            for (std::size_t step = 0; step < full_steps; ++step) {
#pragma GCC unroll 8
                for (std::size_t e = 0; e < C; ++e) {
                    std::size_t const m = u + subgroups * e;
                    dense_batch_term<T, In, Out, Full, C, R, B>(Wt, X, step * p + j + bases * m,
                                                                start + step * group + m, r0, count,
                                                                negative_zero, acc, e);
                }
            }
#pragma GCC unroll 8
            for (std::size_t e = 0; e < C; ++e) {
                std::size_t const c = j + bases * (u + subgroups * e);
                if constexpr (rest != 0) {
                    if (c < rest) {
                        std::size_t const m = u + subgroups * e;
                        dense_batch_term<T, In, Out, Full, C, R, B>(
                            Wt, X, full_steps * p + c, start + full_steps * group + m, r0, count,
                            negative_zero, acc, e);
                    }
                }
                if (c == rest) {
                    // fma(b, 1, s) == s + b, after the chain's last term.
#pragma GCC unroll 2
                    for (std::size_t q = 0; q < R; ++q) {
                        v const bias =
                            dense_biases<T, Full>(b, r0 + q * lanes, count, negative_zero);
#pragma GCC unroll 16
                        for (std::size_t k = 0; k < B; ++k) {
                            acc[q][k][e] = V::add(acc[q][k][e], bias);
                        }
                    }
                }
            }
#pragma GCC unroll 2
            for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
                for (std::size_t k = 0; k < B; ++k) {
                    if constexpr (C > 1) dense_tree<V, C, C / 2>(acc[q][k]);
                    g[q][k][u] = acc[q][k][0];
                }
            }
        }
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
            for (std::size_t k = 0; k < B; ++k) {
                if constexpr (subgroups > 1) dense_tree<V, subgroups, subgroups / 2>(g[q][k]);
                t[q][k][j] = g[q][k][0];
            }
        }
        start += full_steps * group + (rest > j ? (rest - j + bases - 1) / bases : 0);
    }
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
        for (std::size_t k = 0; k < B; ++k) {
            dense_tree<V, bases, bases / 2>(t[q][k]);
            store_lanes<T>(t[q][k][0], Z + k * Out + r0 + q * lanes, count);
        }
    }
}

// Every row of the B inputs X + q In into Z + q Out, q < B (z, before the activation).
template <ieee_binary T, std::size_t In, std::size_t Out, std::size_t C, std::size_t B>
inline void dense_batch_tile(T const* Wt, T const* X, T const* b, typename vec<T>::v negative_zero,
                             T* Z) noexcept {
    constexpr std::size_t lanes = vec<T>::lanes;
    constexpr std::size_t full_blocks = Out / lanes;
    constexpr std::size_t tail = Out % lanes;
    constexpr std::size_t R = dense_batch_row_registers;
    std::size_t k = 0;
    for (; k + R <= full_blocks; k += R) {
        dense_batch_long_rows<T, In, Out, true, C, R, B>(Wt, X, b, k * lanes, lanes, negative_zero,
                                                         Z);
    }
    for (; k < full_blocks; ++k) {
        dense_batch_long_rows<T, In, Out, true, C, 1, B>(Wt, X, b, k * lanes, lanes, negative_zero,
                                                         Z);
    }
    if constexpr (tail != 0) {
        dense_batch_long_rows<T, In, Out, false, C, 1, B>(Wt, X, b, full_blocks * lanes, tail,
                                                          negative_zero, Z);
    }
}

// Inputs per pass of a layer of rows shorter than P terms: the pass's outputs (at most
// 64 Out values) are still in L1 when σ runs over them as one array.
inline constexpr std::size_t dense_batch_chunk = 64;

// Y_q = a(W X_q + b), q < count, each bitwise dense_fixed(X_q) (a = σ when Sigmoid, else
// z). Y must not overlap Wt, X or b.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
void dense_batch(T const* Wt, T const* X, T const* b, T* Y, std::size_t count) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    constexpr bool long_rows = In + 1 > partial_sums<T>;
    if constexpr (Out == 1 || Out == 0) {
        // One row keeps its weights in order (no rows to share a load): the single kernel.
        for (std::size_t q = 0; q < count; ++q) {
            dense_fixed_inline<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
        }
    } else if constexpr (!long_rows) {
        // Each product has a partial sum of its own and the tree costs as many adds as
        // there are FMAs, so a weight load and a broadcast per FMA and tree add already
        // match two loads and two vector operations per cycle: registers gain nothing.
        // The inputs run inside a block of rows instead, whose at most 4 KB of weights stay
        // in L1 however wide the layer.
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t full_blocks = Out / lanes;
        constexpr std::size_t tail = Out % lanes;
        for (std::size_t q0 = 0; q0 < count; q0 += dense_batch_chunk) {
            std::size_t const n = count - q0 < dense_batch_chunk ? count - q0 : dense_batch_chunk;
            T const* const Xc = X + q0 * In;
            T* const Yc = Y + q0 * Out;
            for (std::size_t k = 0; k < full_blocks; ++k) {
                for (std::size_t q = 0; q < n; ++q) {
                    V::store(Yc + q * Out + k * lanes,
                             dense_rows<T, In, Out, true>(Wt, Xc + q * In, b, k * lanes, lanes,
                                                          negative_zero));
                }
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                for (std::size_t q = 0; q < n; ++q) {
                    store_lanes<T>(
                        dense_rows<T, In, Out, false>(Wt, Xc + q * In, b, r0, tail, negative_zero),
                        Yc + q * Out + r0, tail);
                }
            }
            if constexpr (Sigmoid) sigmoid_array<T>(Yc, Yc, n * Out);
        }
    } else if constexpr (dense_batch_chains<T, In> == 0) {
        for (std::size_t q = 0; q < count; ++q) {
            dense_fixed<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
        }
    } else {
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t C = dense_batch_chains<T, In>;
        constexpr std::size_t B = dense_batch_inputs<T, In>;
        std::size_t q = 0;
        // σ over each tile's outputs while they are in L1, as one array (sigmoid_array
        // overlaps the long dependency chains of several registers).
        for (; q + B <= count; q += B) {
            dense_batch_tile<T, In, Out, C, B>(Wt, X + q * In, b, negative_zero, Y + q * Out);
            if constexpr (Sigmoid) sigmoid_array<T>(Y + q * Out, Y + q * Out, B * Out);
        }
        // The remainder: a tile of B/2 inputs, then one at a time.
        if (count - q >= B / 2) {
            dense_batch_tile<T, In, Out, C, B / 2>(Wt, X + q * In, b, negative_zero, Y + q * Out);
            if constexpr (Sigmoid) sigmoid_array<T>(Y + q * Out, Y + q * Out, B / 2 * Out);
            q += B / 2;
        }
        for (; q < count; ++q) dense_fixed<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
    }
}
// ---- end soma/detail/dense_kernels-inl.hpp ----
#undef SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::neon
#endif

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::portable {
#define SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE 1
// ---- begin soma/detail/dense_kernels-inl.hpp ----
// soma/detail/dense_kernels-inl.hpp - a dense layer of a shape fixed at compile time, written
// once over an ISA's vocabulary.
//
// No include guard, on purpose: soma/dense_layer.hpp includes this file (with
// SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE defined) inside each ISA's namespace
// (soma::detail::avx512, ::avx2, ::neon, ::portable) and, on x86-64, inside that ISA's
// target region, after the ISA's vocabulary header has defined vec<T> and the kernels of
// kernels-inl.hpp there. So every function below is compiled for that ISA, with its fused
// multiply-add, whatever the command line says.
//
// The layer: Out rows of In + 1 terms each (In weights and the bias), weights interleaved
// across rows in blocks of 64 bytes of rows (dense_offset in dense_layer.hpp), so that one
// load brings weight i of L consecutive rows. P = 256 / sizeof(T) is the canonical order's
// number of partial sums (soma/detail/inner_product.hpp). With In + 1 <= P, that is
// fewer than P terms, every term has a partial sum of its own, so the canonical order is
//     s_i = fma(W[r, i], x_i, -0) = round(W[r, i] x_i)  (i < In),   s_In = b_r,
// then the fixed pairwise tree of inner_product_scalar over the In + 1 partial sums. Here
// each s_i is a register holding that partial sum for L rows at once, and the tree adds
// whole registers: every lane of the result is bitwise the single-neuron z_r, with no
// in-register reduction at all (the reason for the interleaved layout). Shapes are
// template arguments, so the loops are straight-line code: no size tests, no dispatch.
//
// Longer rows: see dense_long_rows below.
//
// Registers past the last row hold products of -0 padding (masked loads read nothing
// outside the arrays); they are computed but never stored.

#if !defined(SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE)
#error "soma/detail/dense_kernels-inl.hpp is included by soma/dense_layer.hpp only"
#endif

// Levels h = H, H/2, ..., 1 of the canonical tree over M <= P partial sums, each a register
// of L rows (the same levels as fixed_tree in inner_product.hpp).
template <class V, std::size_t M, std::size_t H>
[[gnu::always_inline]] inline void dense_tree(typename V::v (&s)[M]) noexcept {
    constexpr std::size_t live = M < 2 * H ? M : 2 * H;
    if constexpr (live > H) {
#pragma GCC unroll 64
        for (std::size_t j = 0; j + H < live; ++j) s[j] = V::add(s[j], s[j + H]);
    }
    if constexpr (H > 1) dense_tree<V, M, H / 2>(s);
}

// Weight i of rows r0 .. r0 + count - 1 (count <= L, r0 a multiple of L, so the rows are
// in one block of the layout, dense_layer.hpp's dense_offset; the lanes above are -0).
// Full: count == L, known at compile time so that no load tests it.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_column(
    T const* Wt, std::size_t i, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    T const* const c = Wt + dense_offset<T, In, Out>(r0, i);
    if constexpr (Full) {
        return vec<T>::load(c);
    } else {
        return vec<T>::load_first(c, count, negative_zero);
    }
}

// Slot `slot` of the block of row r0 (the layout of long rows, dense_slot).
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_slot_column(
    T const* Wt, std::size_t slot, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    constexpr std::size_t block = dense_block<T>;
    std::size_t const first = r0 / block * block;
    std::size_t const width = Out - first < block ? Out - first : block;
    T const* const c = Wt + first * In + slot * width + (r0 - first);
    if constexpr (Full) {
        return vec<T>::load(c);
    } else {
        return vec<T>::load_first(c, count, negative_zero);
    }
}

// The biases b_r0 .. b_(r0+count-1).
template <ieee_binary T, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_biases(
    T const* b, std::size_t r0, std::size_t count, typename vec<T>::v negative_zero) noexcept {
    if constexpr (Full) {
        return vec<T>::load(b + r0);
    } else {
        return vec<T>::load_first(b + r0, count, negative_zero);
    }
}

// z_r for rows r0 .. r0 + count - 1 (count <= L) in one register, lane g for row r0 + g.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full>
[[nodiscard, gnu::always_inline]] inline typename vec<T>::v dense_rows(
    T const* Wt, T const* x, T const* b, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    v s[In + 1];
#pragma GCC unroll 64
    for (std::size_t i = 0; i < In; ++i) {
        s[i] = V::fma(dense_column<T, In, Out, Full>(Wt, i, r0, count, negative_zero),
                      V::splat(x[i]), negative_zero);
    }
    s[In] = dense_biases<T, Full>(b, r0, count, negative_zero);
    dense_tree<V, In + 1, partial_sums<T> / 2>(s);
    return s[0];
}

// σ on the rows of one register of which only the first `count` are stored. float is
// evaluated in double, on the narrowest register that holds the rows stored: half a
// register (with at most half the lanes in use the upper half is not computed: measured,
// AVX-512, GCC 12, 4 x 4 layer, 25.6 ns with both halves, 11.0 ns with one), or on AVX-512
// a quarter, four doubles in a 256-bit register, whose division costs half a 512-bit one
// (4 x 4 layer: 10.8 ns -> 8.4 ns). The lanes stored have the bits of sigmoid_lanes.
template <ieee_binary T>
[[gnu::always_inline]] inline void dense_sigmoid_store(typename vec<T>::v z, T* out,
                                                       std::size_t count) noexcept {
    using V = vec<T>;
    if constexpr (V::lanes == 1) {
        *out = sigmoid_one(V::reduce(z));
    } else if constexpr (std::same_as<T, float>) {
        if (count * 2 > V::lanes) {
            store_lanes<T>(sigmoid_lanes<T>(z), out, count);
            return;
        }
        auto const half = [z] {
            auto const lo = sigmoid_f32_in_double<vec<double>>(V::widen_lo(z));
            return V::narrow(lo, lo);
        };
        typename V::v y;
        if constexpr (requires { typename V::quarter_double; }) {
            y = count * 4 <= V::lanes
                    ? V::narrow_quarter(
                          sigmoid_f32_in_double<typename V::quarter_double>(V::widen_quarter(z)))
                    : half();
        } else {
            y = half();
        }
        store_lanes<T>(V::select(V::is_nan(z), V::or_bits(z, sigmoid_constants::f32_quiet_bit), y),
                       out, count);
    } else {
        store_lanes<T>(sigmoid_lanes<T>(z), out, count);
    }
}

// Rows of more than P terms (In + 1 > P): the P partial sums are P registers of L rows,
// s_c = fma(W[r, i], x_i, s_c) for i = c, c + P, c + 2P, ... in increasing i, the bias
// added to s_(In mod P), then the tree over all P. The chains are taken eight at a time,
// c = j + (P/8) m for m = 0..7: exactly the eight partial sums the first three levels of
// the tree (h = P/2, P/4, P/8) combine into its value t_j. So each group's eight
// accumulators stay in registers (eight independent FMA chains also hide the 4-cycle
// latency at two FMAs per cycle), its three levels are applied at once, and only the P/8
// values t_j wait for the last levels: nothing is stored, no register is reduced across
// its lanes.
//
// R row registers (R L rows) are evaluated together, sharing each x_i: a broadcast is one
// load, as a weight register is, and the loads are the limit (two per cycle); with R = 2
// a term costs 1.5 loads instead of 2.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t R>
inline void dense_long_rows(T const* Wt, T const* x, T const* b, std::size_t r0, std::size_t count,
                            typename vec<T>::v negative_zero, typename vec<T>::v (&z)[R]) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t group = 8;
    constexpr std::size_t bases = p / group;    // groups, and the t_j after three levels
    constexpr std::size_t full_steps = In / p;  // every chain gets a term in these
    constexpr std::size_t rest = In % p;        // chains c < rest get one more
    constexpr std::size_t lanes = V::lanes;
    static_assert(In >= p && p % group == 0 && bases >= 2 && (Full || R == 1));
    v t[R][bases];
    std::size_t start = 0;  // group j's first slot (dense_slot)
    // Not unrolled: unrolled, the compiler hoisted the broadcasts of x and every group's
    // FMAs to the front and spilled them to the stack (measured, AVX-512, GCC 12, 64 x 64
    // without σ: 356 ns unrolled, 146 ns not).
#pragma GCC unroll 1
    for (std::size_t j = 0; j < bases; ++j) {
        v acc[R][group];
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) acc[q][m] = negative_zero;
        }
        for (std::size_t step = 0; step < full_steps; ++step) {
            std::size_t const i = step * p + j;
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) {
                std::size_t const k = i + m * bases;
                std::size_t const slot = start + step * group + m;
                v const xk = V::splat(x[k]);
#pragma GCC unroll 2
                for (std::size_t q = 0; q < R; ++q) {
                    acc[q][m] = V::fma(dense_slot_column<T, In, Out, Full>(Wt, slot, r0 + q * lanes,
                                                                           count, negative_zero),
                                       xk, acc[q][m]);
                }
            }
        }
        if constexpr (rest != 0) {
            std::size_t const i = full_steps * p + j;
#pragma GCC unroll 8
            for (std::size_t m = 0; m < group; ++m) {
                if (j + m * bases < rest) {
                    std::size_t const k = i + m * bases;
                    v const xk = V::splat(x[k]);
#pragma GCC unroll 2
                    for (std::size_t q = 0; q < R; ++q) {
                        acc[q][m] = V::fma(dense_slot_column<T, In, Out, Full>(
                                               Wt, start + full_steps * group + m, r0 + q * lanes,
                                               count, negative_zero),
                                           xk, acc[q][m]);
                    }
                }
            }
        }
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
            if (j == rest % bases) {
                // fma(b, 1, s) == s + b, after the chain's last term.
                constexpr std::size_t m = rest / bases;
                acc[q][m] = V::add(acc[q][m],
                                   dense_biases<T, Full>(b, r0 + q * lanes, count, negative_zero));
            }
            // Levels h = P/2, P/4, P/8: member m + 4, m + 2, m + 1 is chain c + h.
#pragma GCC unroll 4
            for (std::size_t m = 0; m < 4; ++m) acc[q][m] = V::add(acc[q][m], acc[q][m + 4]);
            acc[q][0] = V::add(acc[q][0], acc[q][2]);
            acc[q][1] = V::add(acc[q][1], acc[q][3]);
            t[q][j] = V::add(acc[q][0], acc[q][1]);
        }
        start += full_steps * group + (rest > j ? (rest - j + bases - 1) / bases : 0);
    }
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
        dense_tree<V, bases, bases / 2>(t[q]);
        z[q] = t[q][0];
    }
}

template <ieee_binary T, bool Sigmoid>
[[gnu::always_inline]] inline void dense_finish(typename vec<T>::v z, T* out,
                                                std::size_t count) noexcept {
    if constexpr (Sigmoid) {
        dense_sigmoid_store<T>(z, out, count);
    } else {
        store_lanes<T>(z, out, count);
    }
}

// out_r = a(z_r) for every row r < Out, z_r = Σ_i W[r, i] x_i + b_r in the canonical order,
// a = σ when Sigmoid (applied to each register while it is in registers), else the
// identity (the caller applies its activation). out must not overlap Wt, x or b.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
[[gnu::always_inline]] inline void dense_fixed_inline(T const* Wt, T const* x, T const* b,
                                                      T* out) noexcept {
    using V = vec<T>;
    using finish = std::conditional_t<Sigmoid, store_sigmoid, store_weighted_inputs>;
    constexpr std::size_t lanes = V::lanes;
    constexpr bool long_rows = In + 1 > partial_sums<T>;
    if constexpr (Out == 1 && (lanes > 1 || long_rows)) {
        // One row: its terms along a register (the kernels' short form, R registers known
        // at compile time, or the general inner product for long rows), or, for at most
        // four terms, one value at a time.
        T z;
        if constexpr (long_rows) {
            z = inner_product<T>(Wt, x, In, true, b[0]);
        } else if constexpr (In + 1 <= 4) {
            z = small_sum(Wt, x, In, true, b[0]);
        } else {
            constexpr std::size_t regs = (In + 1 + lanes - 1) / lanes;
            z = V::reduce(
                short_lanes<T, regs>(Wt, x, In, true, b[0], V::opaque(V::splat(T(-0.0)))));
        }
        finish::template one<T>(z, out);
    } else {
        // -0 opaque: a known -0 addend would let the compiler turn fma(w, x, -0) into w*x
        // and fuse that product into the tree (see SOMA_DETAIL_OPAQUE).
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t full_blocks = Out / lanes;
        constexpr std::size_t tail = Out % lanes;
        // σ of one register is one long dependency chain (about 100 cycles); with several
        // blocks, σ over the stored z two registers at a time (sigmoid_array) overlaps them
        // (measured, AVX-512, GCC 12, 64 x 64 layer: 434 ns with σ per block, 300 ns).
        constexpr bool sigmoid_per_block = Sigmoid && Out <= lanes;
        if constexpr (long_rows) {
            std::size_t k = 0;
            for (; k + 2 <= full_blocks; k += 2) {
                typename V::v z[2];
                dense_long_rows<T, In, Out, true, 2>(Wt, x, b, k * lanes, lanes, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + k * lanes, lanes);
                dense_finish<T, sigmoid_per_block>(z[1], out + (k + 1) * lanes, lanes);
            }
            if (k < full_blocks) {
                typename V::v z[1];
                dense_long_rows<T, In, Out, true, 1>(Wt, x, b, k * lanes, lanes, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + k * lanes, lanes);
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                typename V::v z[1];
                dense_long_rows<T, In, Out, false, 1>(Wt, x, b, r0, tail, negative_zero, z);
                dense_finish<T, sigmoid_per_block>(z[0], out + r0, tail);
            }
        } else {
#pragma GCC unroll 16
            for (std::size_t k = 0; k < full_blocks; ++k) {
                dense_finish<T, sigmoid_per_block>(
                    dense_rows<T, In, Out, true>(Wt, x, b, k * lanes, lanes, negative_zero),
                    out + k * lanes, lanes);
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                dense_finish<T, sigmoid_per_block>(
                    dense_rows<T, In, Out, false>(Wt, x, b, r0, tail, negative_zero), out + r0,
                    tail);
            }
        }
        if constexpr (Sigmoid && !sigmoid_per_block) sigmoid_array<T>(out, out, Out);
    }
}

// The same, out of line: the entry of the per-shape dispatch (dense_layer.hpp), and the
// direct call for layers too large to inline.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
void dense_fixed(T const* Wt, T const* x, T const* b, T* out) noexcept {
    dense_fixed_inline<T, In, Out, Sigmoid>(Wt, x, b, out);
}

// ---------------------------------------------------------------------------------------
// Batches: Y_q = a(W X_q + b) for inputs q < count, X row-major (count x In), Y row-major
// (count x Out). Each partial sum of the canonical order receives the same fused
// multiply-adds in the same order as in dense_fixed, and the same tree combines them; only
// the order in which independent partial sums (chains, rows, inputs) are computed differs,
// so every Y_q is bitwise dense_fixed(X_q).
//
// Rows of more than P terms are a matrix product, and one input at a time it is bound by
// reading the weights: a weight register feeds one FMA, and the 784 x 128 float layer's
// 400 KB of weights come from L2 for every input. Here a tile of R row registers times
// B inputs shares each weight register among B inputs and each broadcast x_k among R row
// registers: a term of a chain is R weight loads and B broadcasts for R B FMAs, and the
// weights are read from L2 once per B inputs.
//
// With two FMAs and two loads per cycle and an FMA latency of 4 cycles (AVX2 and AVX-512 on
// current x86-64 cores; wide NEON cores are alike) a tile needs at least 8 independent
// accumulators, and is FMA-bound when its R + B loads take fewer cycles than its R B FMAs. R = 2
// everywhere (R = 1 for a last register of rows). With C chains of a group in flight per tile
// element there are C R B accumulators:
//   32 registers (AVX-512, NEON), chains of 4 or more terms: C = 1, B = 8: 16 accumulators,
//       2 weights, 1 broadcast; 10 loads (5 cycles) for 16 FMAs (8 cycles). R = 2, B = 12
//       and R = 3, B = 8 (24 accumulators) measured slower, R = 4, B = 4 three times
//       slower; R = 1, B = 16 is load-bound (17 loads for 16 FMAs).
//   16 registers (AVX2; the portable kernel's scalars): C = 1, B = 4: 8 accumulators,
//       2 weights, 1 broadcast and the -0 fill; 6 loads (3 cycles) for 8 FMAs (4 cycles).
// A chain's value waits in memory (one store and one load per chain and tile element) until
// its group's eight chains are done and the tree's first three levels combine them, as
// dense_long_rows does in registers. That costs little against chains of ceil(In / P)
// terms (784 inputs: 13), but with one to three terms per chain half the work is the tree
// and the stores compete with it; then, with 32 registers, C = 2, B = 4 keeps two chains
// in flight (16 accumulators) and combines them before storing, and with 16 registers and
// a single term per chain the one-input kernel (all eight chains in registers) is faster.
// Measured, Intel Xeon (AVX-512, 2.1 GHz, shared), GCC 12, float, one layer, 256 inputs,
// µs, one input at a time / C = 1 / C = 2:
//   AVX-512, B = 8 (C = 1) or 4 (C = 2):  784 x 128: 1416 / 483 / 592;  128 x 128: 242 /
//       147 / 131;  64 x 64: 47 / 61 / 42.
//   AVX2, B = 4 (C = 1) or 2 (C = 2):     784 x 128: 2092 / 962 / 2181; 128 x 128: 234 /
//       203 / 306;  64 x 64: 65 / 78 / 105.
// ---------------------------------------------------------------------------------------

inline constexpr std::size_t dense_batch_registers =
    this_isa == isa::avx512 || this_isa == isa::neon ? 32 : 16;
inline constexpr std::size_t dense_batch_row_registers = 2;

// C and B for rows of In terms (above); C = 0: one input at a time.
template <ieee_binary T, std::size_t In>
inline constexpr std::size_t dense_batch_chains = dense_batch_registers == 32
                                                      ? (In / partial_sums<T> < 4 ? 2 : 1)
                                                      : (In / partial_sums<T> < 2 ? 0 : 1);
template <ieee_binary T, std::size_t In>
inline constexpr std::size_t dense_batch_inputs = dense_batch_registers == 32
                                                      ? (dense_batch_chains<T, In> == 2 ? 4 : 8)
                                                      : 4;

// One term i (at slot `slot` of the layout) of chain e of the tile: R weight loads, B
// broadcasts, R B FMAs.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t C, std::size_t R,
          std::size_t B>
[[gnu::always_inline]] inline void dense_batch_term(
    T const* Wt, T const* X, std::size_t i, std::size_t slot, std::size_t r0, std::size_t count,
    typename vec<T>::v negative_zero, typename vec<T>::v (&acc)[R][B][C], std::size_t e) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    v w[R];
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
        w[q] =
            dense_slot_column<T, In, Out, Full>(Wt, slot, r0 + q * V::lanes, count, negative_zero);
    }
#pragma GCC unroll 16
    for (std::size_t k = 0; k < B; ++k) {
        v const xk = V::splat(X[k * In + i]);
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) acc[q][k][e] = V::fma(w[q], xk, acc[q][k][e]);
    }
}

// z for rows r0 .. r0 + R L - 1 (or the last `count` < L rows, R = 1) of the B inputs
// X + q In, q < B, stored to Z + q Out + r0 (the tile's rows of each input's output). C
// chains of a group are in flight at once (C in 1, 2, 4, 8), u + (8/C) e for e < C: the
// group's first log2 C levels (member m + 4, m + 2, m + 1 is chain c + P/2, P/4, P/8) then
// combine them in registers into v_u, which covers members u mod 8/C, and the 8/C values
// v_u wait in memory for the group's last levels.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Full, std::size_t C, std::size_t R,
          std::size_t B>
inline void dense_batch_long_rows(T const* Wt, T const* X, T const* b, std::size_t r0,
                                  std::size_t count, typename vec<T>::v negative_zero,
                                  T* Z) noexcept {
    using V = vec<T>;
    using v = typename V::v;
    constexpr std::size_t p = partial_sums<T>;
    constexpr std::size_t group = 8;
    constexpr std::size_t bases = p / group;
    constexpr std::size_t full_steps = In / p;
    constexpr std::size_t rest = In % p;
    constexpr std::size_t lanes = V::lanes;
    constexpr std::size_t subgroups = group / C;
    static_assert(In >= p && p % group == 0 && bases >= 2 && (Full || R == 1));
    static_assert(C == 1 || C == 2 || C == 4 || C == 8);
    v t[R][B][bases];
    std::size_t start = 0;  // group j's first slot (dense_slot)
#pragma GCC unroll 1
    for (std::size_t j = 0; j < bases; ++j) {
        v g[R][B][subgroups];
#pragma GCC unroll 1
        for (std::size_t u = 0; u < subgroups; ++u) {
            v acc[R][B][C];
#pragma GCC unroll 2
            for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
                for (std::size_t k = 0; k < B; ++k) {
#pragma GCC unroll 8
                    for (std::size_t e = 0; e < C; ++e) acc[q][k][e] = negative_zero;
                }
            }
#pragma GCC unroll 1
            for (std::size_t step = 0; step < full_steps; ++step) {
#pragma GCC unroll 8
                for (std::size_t e = 0; e < C; ++e) {
                    std::size_t const m = u + subgroups * e;
                    dense_batch_term<T, In, Out, Full, C, R, B>(Wt, X, step * p + j + bases * m,
                                                                start + step * group + m, r0, count,
                                                                negative_zero, acc, e);
                }
            }
#pragma GCC unroll 8
            for (std::size_t e = 0; e < C; ++e) {
                std::size_t const c = j + bases * (u + subgroups * e);
                if constexpr (rest != 0) {
                    if (c < rest) {
                        std::size_t const m = u + subgroups * e;
                        dense_batch_term<T, In, Out, Full, C, R, B>(
                            Wt, X, full_steps * p + c, start + full_steps * group + m, r0, count,
                            negative_zero, acc, e);
                    }
                }
                if (c == rest) {
                    // fma(b, 1, s) == s + b, after the chain's last term.
#pragma GCC unroll 2
                    for (std::size_t q = 0; q < R; ++q) {
                        v const bias =
                            dense_biases<T, Full>(b, r0 + q * lanes, count, negative_zero);
#pragma GCC unroll 16
                        for (std::size_t k = 0; k < B; ++k) {
                            acc[q][k][e] = V::add(acc[q][k][e], bias);
                        }
                    }
                }
            }
#pragma GCC unroll 2
            for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
                for (std::size_t k = 0; k < B; ++k) {
                    if constexpr (C > 1) dense_tree<V, C, C / 2>(acc[q][k]);
                    g[q][k][u] = acc[q][k][0];
                }
            }
        }
#pragma GCC unroll 2
        for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
            for (std::size_t k = 0; k < B; ++k) {
                if constexpr (subgroups > 1) dense_tree<V, subgroups, subgroups / 2>(g[q][k]);
                t[q][k][j] = g[q][k][0];
            }
        }
        start += full_steps * group + (rest > j ? (rest - j + bases - 1) / bases : 0);
    }
#pragma GCC unroll 2
    for (std::size_t q = 0; q < R; ++q) {
#pragma GCC unroll 16
        for (std::size_t k = 0; k < B; ++k) {
            dense_tree<V, bases, bases / 2>(t[q][k]);
            store_lanes<T>(t[q][k][0], Z + k * Out + r0 + q * lanes, count);
        }
    }
}

// Every row of the B inputs X + q In into Z + q Out, q < B (z, before the activation).
template <ieee_binary T, std::size_t In, std::size_t Out, std::size_t C, std::size_t B>
inline void dense_batch_tile(T const* Wt, T const* X, T const* b, typename vec<T>::v negative_zero,
                             T* Z) noexcept {
    constexpr std::size_t lanes = vec<T>::lanes;
    constexpr std::size_t full_blocks = Out / lanes;
    constexpr std::size_t tail = Out % lanes;
    constexpr std::size_t R = dense_batch_row_registers;
    std::size_t k = 0;
    for (; k + R <= full_blocks; k += R) {
        dense_batch_long_rows<T, In, Out, true, C, R, B>(Wt, X, b, k * lanes, lanes, negative_zero,
                                                         Z);
    }
    for (; k < full_blocks; ++k) {
        dense_batch_long_rows<T, In, Out, true, C, 1, B>(Wt, X, b, k * lanes, lanes, negative_zero,
                                                         Z);
    }
    if constexpr (tail != 0) {
        dense_batch_long_rows<T, In, Out, false, C, 1, B>(Wt, X, b, full_blocks * lanes, tail,
                                                          negative_zero, Z);
    }
}

// Inputs per pass of a layer of rows shorter than P terms: the pass's outputs (at most
// 64 Out values) are still in L1 when σ runs over them as one array.
inline constexpr std::size_t dense_batch_chunk = 64;

// Y_q = a(W X_q + b), q < count, each bitwise dense_fixed(X_q) (a = σ when Sigmoid, else
// z). Y must not overlap Wt, X or b.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
void dense_batch(T const* Wt, T const* X, T const* b, T* Y, std::size_t count) noexcept {
    using V = vec<T>;
    constexpr std::size_t lanes = V::lanes;
    constexpr bool long_rows = In + 1 > partial_sums<T>;
    if constexpr (Out == 1 || Out == 0) {
        // One row keeps its weights in order (no rows to share a load): the single kernel.
        for (std::size_t q = 0; q < count; ++q) {
            dense_fixed_inline<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
        }
    } else if constexpr (!long_rows) {
        // Each product has a partial sum of its own and the tree costs as many adds as
        // there are FMAs, so a weight load and a broadcast per FMA and tree add already
        // match two loads and two vector operations per cycle: registers gain nothing.
        // The inputs run inside a block of rows instead, whose at most 4 KB of weights stay
        // in L1 however wide the layer.
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t full_blocks = Out / lanes;
        constexpr std::size_t tail = Out % lanes;
        for (std::size_t q0 = 0; q0 < count; q0 += dense_batch_chunk) {
            std::size_t const n = count - q0 < dense_batch_chunk ? count - q0 : dense_batch_chunk;
            T const* const Xc = X + q0 * In;
            T* const Yc = Y + q0 * Out;
            for (std::size_t k = 0; k < full_blocks; ++k) {
                for (std::size_t q = 0; q < n; ++q) {
                    V::store(Yc + q * Out + k * lanes,
                             dense_rows<T, In, Out, true>(Wt, Xc + q * In, b, k * lanes, lanes,
                                                          negative_zero));
                }
            }
            if constexpr (tail != 0) {
                constexpr std::size_t r0 = full_blocks * lanes;
                for (std::size_t q = 0; q < n; ++q) {
                    store_lanes<T>(
                        dense_rows<T, In, Out, false>(Wt, Xc + q * In, b, r0, tail, negative_zero),
                        Yc + q * Out + r0, tail);
                }
            }
            if constexpr (Sigmoid) sigmoid_array<T>(Yc, Yc, n * Out);
        }
    } else if constexpr (dense_batch_chains<T, In> == 0) {
        for (std::size_t q = 0; q < count; ++q) {
            dense_fixed<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
        }
    } else {
        typename V::v const negative_zero = V::opaque(V::splat(T(-0.0)));
        constexpr std::size_t C = dense_batch_chains<T, In>;
        constexpr std::size_t B = dense_batch_inputs<T, In>;
        std::size_t q = 0;
        // σ over each tile's outputs while they are in L1, as one array (sigmoid_array
        // overlaps the long dependency chains of several registers).
        for (; q + B <= count; q += B) {
            dense_batch_tile<T, In, Out, C, B>(Wt, X + q * In, b, negative_zero, Y + q * Out);
            if constexpr (Sigmoid) sigmoid_array<T>(Y + q * Out, Y + q * Out, B * Out);
        }
        // The remainder: a tile of B/2 inputs, then one at a time.
        if (count - q >= B / 2) {
            dense_batch_tile<T, In, Out, C, B / 2>(Wt, X + q * In, b, negative_zero, Y + q * Out);
            if constexpr (Sigmoid) sigmoid_array<T>(Y + q * Out, Y + q * Out, B / 2 * Out);
            q += B / 2;
        }
        for (; q < count; ++q) dense_fixed<T, In, Out, Sigmoid>(Wt, X + q * In, b, Y + q * Out);
    }
}
// ---- end soma/detail/dense_kernels-inl.hpp ----
#undef SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::portable

namespace soma {

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// Whether a static layer of In inputs keeps its weights interleaved across rows and runs
// the shape-specialised kernel: float and double.
template <class T, std::size_t In>
[[nodiscard]] consteval bool dense_interleaved() noexcept {
    return ieee_binary<T> && In != std::dynamic_extent;
}

template <ieee_binary T>
using dense_kernel = void (*)(T const* Wt, T const* x, T const* b, T* out) noexcept;

// ISA i's kernel for the shape In x Out (Sigmoid: y = σ(z), else z); the portable one when
// this build has none for i.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
[[nodiscard]] constexpr dense_kernel<T> dense_kernel_for(isa i) noexcept {
#if defined(SOMA_X86_KERNELS)
    if (i == isa::avx512) return &avx512::dense_fixed<T, In, Out, Sigmoid>;
    if (i == isa::avx2_fma) return &avx2::dense_fixed<T, In, Out, Sigmoid>;
#endif
#if defined(SOMA_NEON_KERNELS)
    if (i == isa::neon) return &neon::dense_fixed<T, In, Out, Sigmoid>;
#endif
    (void)i;
    return &portable::dense_fixed<T, In, Out, Sigmoid>;
}

// Layers up to this many weights are inlined into the caller when the flags enable the
// ISA (16 x 16: the layer is then a few dozen instructions, as a fixed-size matrix
// product is); larger ones are a direct call.
inline constexpr std::size_t dense_inline_weights = 256;

// The shape's kernel for this machine. When the flags enable an ISA the call is direct
// (inlined for small layers); otherwise the kernel of the table kernels() chose is picked
// on the first call for this shape and kept, one pointer per shape.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
[[gnu::always_inline]] inline void dense_fixed_run(T const* Wt, T const* x, T const* b,
                                                   T* out) noexcept {
    if constexpr (runtime_dispatch) {
        static dense_kernel<T> const chosen = dense_kernel_for<T, In, Out, Sigmoid>(kernels().id);
        chosen(Wt, x, b, out);
    } else {
        constexpr bool small = In * Out <= dense_inline_weights && In + 1 <= partial_sums<T>;
#if defined(SOMA_X86_KERNELS)
        if constexpr (compiled_isa == isa::avx512) {
            if constexpr (small) {
                avx512::dense_fixed_inline<T, In, Out, Sigmoid>(Wt, x, b, out);
            } else {
                avx512::dense_fixed<T, In, Out, Sigmoid>(Wt, x, b, out);
            }
            return;
        } else if constexpr (compiled_isa == isa::avx2_fma) {
            if constexpr (small) {
                avx2::dense_fixed_inline<T, In, Out, Sigmoid>(Wt, x, b, out);
            } else {
                avx2::dense_fixed<T, In, Out, Sigmoid>(Wt, x, b, out);
            }
            return;
        }
#endif
#if defined(SOMA_NEON_KERNELS)
        if constexpr (compiled_isa == isa::neon) {
            if constexpr (small) {
                neon::dense_fixed_inline<T, In, Out, Sigmoid>(Wt, x, b, out);
            } else {
                neon::dense_fixed<T, In, Out, Sigmoid>(Wt, x, b, out);
            }
            return;
        }
#endif
        if constexpr (compiled_isa == isa::portable) {
            if constexpr (small) {
                portable::dense_fixed_inline<T, In, Out, Sigmoid>(Wt, x, b, out);
            } else {
                portable::dense_fixed<T, In, Out, Sigmoid>(Wt, x, b, out);
            }
        }
    }
}

template <ieee_binary T>
using dense_batch_kernel = void (*)(T const* Wt, T const* X, T const* b, T* Y,
                                    std::size_t count) noexcept;

// ISA i's batch kernel for the shape (dense_batch in dense_kernels-inl.hpp).
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
[[nodiscard]] constexpr dense_batch_kernel<T> dense_batch_kernel_for(isa i) noexcept {
#if defined(SOMA_X86_KERNELS)
    if (i == isa::avx512) return &avx512::dense_batch<T, In, Out, Sigmoid>;
    if (i == isa::avx2_fma) return &avx2::dense_batch<T, In, Out, Sigmoid>;
#endif
#if defined(SOMA_NEON_KERNELS)
    if (i == isa::neon) return &neon::dense_batch<T, In, Out, Sigmoid>;
#endif
    (void)i;
    return &portable::dense_batch<T, In, Out, Sigmoid>;
}

// Y_q = a(W X_q + b) for q < count with this machine's batch kernel, chosen once per shape
// (one call per batch, never one per input).
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
inline void dense_batch_run(T const* Wt, T const* X, T const* b, T* Y, std::size_t count) noexcept {
    if constexpr (runtime_dispatch) {
        static dense_batch_kernel<T> const chosen =
            dense_batch_kernel_for<T, In, Out, Sigmoid>(kernels().id);
        chosen(Wt, X, b, Y, count);
    } else {
        dense_batch_kernel_for<T, In, Out, Sigmoid>(compiled_isa)(Wt, X, b, Y, count);
    }
}

// A vector y a layer can write Out outputs of type T into: contiguous, sized, mutable,
// element type T, of static extent Out or dynamic (checked at run time).
template <class Y, class T, std::size_t N>
concept output_for = std::ranges::contiguous_range<Y> && std::ranges::sized_range<Y> &&
                     std::same_as<std::ranges::range_value_t<Y>, T> &&
                     !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<Y>>> &&
                     (N == std::dynamic_extent || static_extent_v<Y> == std::dynamic_extent ||
                      static_extent_v<Y> == N);

// A parameter vector of exactly N values of T (N static) or of any size (checked).
template <class R, class T, std::size_t N>
concept parameters_for = input_vector<R> && std::same_as<element_t<R>, T> &&
    (N == std::dynamic_extent || static_extent_v<R> == std::dynamic_extent ||
     static_extent_v<R> == N);

template <std::size_t A, std::size_t B>
inline constexpr std::size_t extent_product =
    A == std::dynamic_extent || B == std::dynamic_extent ? std::dynamic_extent : A* B;

template <class R>
[[nodiscard]] constexpr std::size_t size_of(R const& r) noexcept {
    return static_cast<std::size_t>(std::ranges::size(r));
}

// a(z) in place over outputs already holding z (an activation other than σ).
template <class T, class A>
constexpr void activate_each(A const& a, T* y, std::size_t n) {
    for (std::size_t r = 0; r < n; ++r) y[r] = static_cast<T>(std::invoke(a, y[r]));
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// A dense layer: Out neurons with In inputs each, weights W (row-major, Out x In), biases b,
// one activation a. In = Out = std::dynamic_extent is the run-time-shaped form below.
template <scalar T, std::size_t In = std::dynamic_extent, std::size_t Out = std::dynamic_extent,
          class Activation = sigmoid_activation>
requires activation_for<Activation, T> &&
    ((In == std::dynamic_extent) == (Out == std::dynamic_extent)) class dense_layer {
    static constexpr bool interleaved = detail::dense_interleaved<T, In>();

public:
    using value_type = T;
    using activation_type = Activation;
    using input_type = std::array<T, In>;
    using output_type = std::array<T, Out>;
    using weights_type = std::array<T, In * Out>;
    using biases_type = std::array<T, Out>;
    using neuron_type = soma::neuron<T, In, Activation>;
    static constexpr std::size_t in_extent = In;
    static constexpr std::size_t out_extent = Out;

    constexpr dense_layer() = default;

    // From row-major W (Out x In: W[r * In + i] is weight i of neuron r) and b (Out values).
    // Vectors of static extent must have exactly In * Out and Out elements (else this does
    // not compile); vectors of run-time size are checked (std::invalid_argument naming
    // both sizes). Braced lists must have exactly that many values too.
    template <detail::parameters_for<T, In * Out> WR, detail::parameters_for<T, Out> BR>
    constexpr dense_layer(WR const& W, BR const& b, Activation a = Activation{})
        : a_(std::move(a)) {
        set(std::ranges::data(W), detail::size_of(W), std::ranges::data(b), detail::size_of(b));
    }
    template <std::size_t NW, std::size_t NB>
    requires(NW == In * Out &&
             NB == Out) constexpr dense_layer(std::type_identity_t<T> const (&W)[NW],
                                              std::type_identity_t<T> const (&b)[NB],
                                              Activation a = Activation{})
        : a_(std::move(a)) {
        set(W, NW, b, NB);
    }
    // Neuron r of the layer is neurons[r]; the activation is that of neurons[0] (every
    // neuron of a layer shares one).
    constexpr explicit dense_layer(std::array<neuron_type, Out> const& neurons) requires(Out > 0)
        : a_(neurons[0].activation()) {
        for (std::size_t r = 0; r < Out; ++r) {
            auto const w = neurons[r].weights();
            for (std::size_t i = 0; i < In; ++i) w_[index(r, i)] = w[i];
            b_[r] = neurons[r].bias();
        }
    }

    [[nodiscard]] static constexpr std::size_t inputs() noexcept { return In; }
    [[nodiscard]] static constexpr std::size_t outputs() noexcept { return Out; }

    // Replaces W (row-major, Out x In) and b, with the constructor's size checks (what a
    // learning rule does after each step; soma/backprop.hpp).
    template <detail::parameters_for<T, In * Out> WR, detail::parameters_for<T, Out> BR>
    SOMA_ABI constexpr void set_parameters(WR const& W, BR const& b) {
        set(std::ranges::data(W), detail::size_of(W), std::ranges::data(b), detail::size_of(b));
    }

    // W[r, i], the weight of input i in neuron r (r < Out, i < In).
    SOMA_ABI [[nodiscard]] constexpr T weight(std::size_t r, std::size_t i) const {
        check_row(r);
        if (i >= In) detail::throw_size_mismatch("soma::dense_layer::weight", "i", i, "In", In);
        return w_[index(r, i)];
    }
    SOMA_ABI [[nodiscard]] constexpr T bias(std::size_t r) const {
        check_row(r);
        return b_[r];
    }
    // W row-major (Out x In), whatever the layout the layer keeps.
    SOMA_ABI [[nodiscard]] constexpr weights_type weights() const noexcept {
        weights_type W{};
        for (std::size_t r = 0; r < Out; ++r) {
            for (std::size_t i = 0; i < In; ++i) W[r * In + i] = w_[index(r, i)];
        }
        return W;
    }
    [[nodiscard]] constexpr std::span<T const, Out> biases() const noexcept { return b_; }
    // Row r of W: the weights of neuron r.
    SOMA_ABI [[nodiscard]] constexpr input_type row(std::size_t r) const {
        check_row(r);
        input_type w{};
        for (std::size_t i = 0; i < In; ++i) w[i] = w_[index(r, i)];
        return w;
    }
    // Neuron r (weights row r, bias b_r, the layer's activation): layer(x)[r] is bitwise
    // neuron(r)(x).
    SOMA_ABI [[nodiscard]] constexpr neuron_type neuron(std::size_t r) const {
        return neuron_type(row(r), bias(r), a_);
    }
    [[nodiscard]] constexpr Activation const& activation() const noexcept { return a_; }

    // z = W x + b into z (Out values). x has In values; z must not overlap x.
    template <detail::input_for<T, In> X, detail::output_for<T, Out> Z>
    SOMA_ABI constexpr void weighted_inputs(X const& x, Z&& z) const {
        run(checked_x(x, "soma::dense_layer::weighted_inputs"),
            checked_y(z, x, "soma::dense_layer::weighted_inputs", "z"), false);
    }

    // y = a(W x + b) into y (Out values), without allocating. y must not overlap x.
    template <detail::input_for<T, In> X, detail::output_for<T, Out> Y>
    SOMA_ABI constexpr void forward(X const& x, Y&& y) const {
        run(checked_x(x, "soma::dense_layer::forward"),
            checked_y(y, x, "soma::dense_layer::forward", "y"), true);
    }
    template <detail::output_for<T, Out> Y>
    SOMA_ABI constexpr void forward(input_type const& x, Y&& y) const {
        run(x.data(), checked_y(y, x, "soma::dense_layer::forward", "y"), true);
    }

    // y = a(W x + b).
    SOMA_ABI [[nodiscard]] constexpr output_type operator()(input_type const& x) const {
        output_type y{};
        run(x.data(), y.data(), true);
        return y;
    }
    template <detail::input_for<T, In> X>
    SOMA_ABI [[nodiscard]] constexpr output_type operator()(X const& x) const {
        output_type y{};
        run(checked_x(x, "soma::dense_layer"), y.data(), true);
        return y;
    }

    // Y_k = a(W X_k + b) for every input k: X row-major (inputs x In), Y row-major
    // (inputs x Out), inputs = X.size() / In. Each Y_k is bitwise forward(X_k). Throws
    // std::invalid_argument when the sizes do not fit or Y overlaps X.
    SOMA_ABI constexpr void batch_forward(in_span<T> X, std::span<T> Y) const {
        constexpr char const* f = "soma::dense_layer::batch_forward";
        std::size_t const inputs = In != 0 ? X.size() / In : (Out != 0 ? Y.size() / Out : 0);
        if (In != 0 && X.size() % In != 0) {
            detail::throw_size_mismatch(f, "X", X.size(), "a multiple of In, In", In);
        }
        if (Y.size() != inputs * Out) {
            detail::throw_size_mismatch(f, "Y", Y.size(), "(X.size() / In) * Out", inputs * Out);
        }
        if (!std::is_constant_evaluated() && detail::overlap<T>(std::span<T const>(Y), X)) {
            detail::overlap_error(f, "Y", "X");
        }
        if constexpr (interleaved) {
            if (!std::is_constant_evaluated()) {
                if constexpr (std::same_as<Activation, sigmoid_activation>) {
                    detail::dense_batch_run<T, In, Out, true>(w_.data(), X.data(), b_.data(),
                                                              Y.data(), inputs);
                } else {
                    detail::dense_batch_run<T, In, Out, false>(w_.data(), X.data(), b_.data(),
                                                               Y.data(), inputs);
                    detail::activate_each(a_, Y.data(), inputs * Out);
                }
                return;
            }
        }
        for (std::size_t k = 0; k < inputs; ++k) run(X.data() + k * In, Y.data() + k * Out, true);
    }
    template <detail::layer_output Y>
    requires std::same_as<detail::layer_value_t<Y>, T> SOMA_ABI constexpr void batch_forward(
        in_span<T> X, Y&& Y_out) const {
        batch_forward(X, std::span<T>(std::ranges::data(Y_out), std::ranges::size(Y_out)));
    }

    SOMA_ABI friend constexpr bool operator==(dense_layer const& p, dense_layer const& q) {
        return p.w_ == q.w_ && p.b_ == q.b_;
    }

private:
    // Where W[r, i] is kept.
    SOMA_ABI [[nodiscard]] static constexpr std::size_t index(std::size_t r,
                                                              std::size_t i) noexcept {
        if constexpr (interleaved) {
            return detail::dense_offset<T, In, Out>(r, i);
        } else {
            return r * In + i;
        }
    }

    SOMA_ABI static constexpr void check_row(std::size_t r) {
        if (r >= Out) detail::throw_size_mismatch("soma::dense_layer", "r", r, "Out", Out);
    }

    SOMA_ABI constexpr void set(T const* W, std::size_t nw, T const* b, std::size_t nb) {
        if (nw != In * Out)
            detail::throw_size_mismatch("soma::dense_layer", "W", nw, "In * Out", In * Out);
        if (nb != Out) detail::throw_size_mismatch("soma::dense_layer", "b", nb, "Out", Out);
        for (std::size_t r = 0; r < Out; ++r) {
            for (std::size_t i = 0; i < In; ++i) w_[index(r, i)] = W[r * In + i];
            b_[r] = b[r];
        }
    }

    template <class X>
    SOMA_ABI [[nodiscard]] static constexpr T const* checked_x(X const& x, char const* where) {
        if constexpr (static_extent_v<X> == std::dynamic_extent) {
            if (detail::size_of(x) != In) {
                detail::throw_size_mismatch(where, "x", detail::size_of(x), "In", In);
            }
        }
        return std::ranges::data(x);
    }

    template <class Y, class X>
    SOMA_ABI [[nodiscard]] static constexpr T* checked_y(Y& y, X const& x, char const* where,
                                                         char const* name) {
        if constexpr (static_extent_v<Y> == std::dynamic_extent) {
            if (detail::size_of(y) != Out) {
                detail::throw_size_mismatch(where, name, detail::size_of(y), "Out", Out);
            }
        }
        if (!std::is_constant_evaluated()) {
            if constexpr (detail::ieee_binary<T>) {
                if (detail::overlap<T>(std::span<T const>(std::ranges::data(y), Out),
                                       std::span<T const>(std::ranges::data(x), In))) {
                    detail::overlap_error(where, name, "x");
                }
            }
        }
        return std::ranges::data(y);
    }

    // The definition: neuron r's own code, row by row (constant evaluation, and run time
    // for types without kernels).
    SOMA_ABI constexpr void run_scalar(T const* x, T* y, bool activate) const {
        for (std::size_t r = 0; r < Out; ++r) {
            input_type const w = row(r);
            T const z = detail::weighted_sum<T, In>(w.data(), x, In, true, b_[r]);
            y[r] = activate ? static_cast<T>(std::invoke(a_, z)) : z;
        }
    }

    SOMA_ABI constexpr void run(T const* x, T* y, bool activate) const {
        if constexpr (detail::ieee_binary<T>) {
            if (!std::is_constant_evaluated()) {
                if constexpr (interleaved) {
                    if constexpr (std::same_as<Activation, sigmoid_activation>) {
                        if (activate) {
                            detail::dense_fixed_run<T, In, Out, true>(w_.data(), x, b_.data(), y);
                            return;
                        }
                    }
                    detail::dense_fixed_run<T, In, Out, false>(w_.data(), x, b_.data(), y);
                    if (activate) detail::activate_each(a_, y, Out);
                } else if (activate) {
                    detail::forward_unchecked(w_.data(), Out, In, x, b_.data(), y, a_);
                } else {
                    detail::inner_products(w_.data(), Out, In, x, b_.data(), 1, y);
                }
                return;
            }
        }
        run_scalar(x, y, activate);
    }

    weights_type w_{};
    biases_type b_{};
    [[no_unique_address]] Activation a_{};
};

// The run-time-shaped layer: In and Out set by the constructor, parameters in std::vector,
// weights row-major. Evaluation goes through the multi-row kernels of soma/layer.hpp.
template <scalar T, class Activation>
requires activation_for<Activation, T>
class dense_layer<T, std::dynamic_extent, std::dynamic_extent, Activation> {
public:
    using value_type = T;
    using activation_type = Activation;
    using input_type = std::vector<T>;
    using output_type = std::vector<T>;
    using weights_type = std::vector<T>;
    using biases_type = std::vector<T>;
    using neuron_type = soma::neuron<T, std::dynamic_extent, Activation>;
    static constexpr std::size_t in_extent = std::dynamic_extent;
    static constexpr std::size_t out_extent = std::dynamic_extent;

    dense_layer() = default;

    // A layer of `outputs` neurons with `inputs` inputs each: W row-major, outputs x inputs
    // values; b, outputs values. Throws std::invalid_argument naming both sizes otherwise.
    template <detail::parameters_for<T, std::dynamic_extent> WR,
              detail::parameters_for<T, std::dynamic_extent> BR>
    dense_layer(std::size_t inputs, std::size_t outputs, WR const& W, BR const& b,
                Activation a = Activation{})
        : in_(inputs), out_(outputs), a_(std::move(a)) {
        constexpr char const* f = "soma::dense_layer";
        std::size_t const nw = detail::checked_product(f, outputs, inputs);
        if (detail::size_of(W) != nw) {
            detail::throw_size_mismatch(f, "W", detail::size_of(W), "inputs * outputs", nw);
        }
        if (detail::size_of(b) != outputs) {
            detail::throw_size_mismatch(f, "b", detail::size_of(b), "outputs", outputs);
        }
        w_.assign(std::ranges::data(W), std::ranges::data(W) + nw);
        b_.assign(std::ranges::data(b), std::ranges::data(b) + outputs);
    }
    // The same, with the number of inputs W.size() / b.size() (b must not be empty).
    template <detail::parameters_for<T, std::dynamic_extent> WR,
              detail::parameters_for<T, std::dynamic_extent> BR>
    dense_layer(WR const& W, BR const& b, Activation a = Activation{})
        : dense_layer(inputs_of(W, b), detail::size_of(b), W, b, std::move(a)) {}
    // A run-time copy of a layer of static shape.
    template <std::size_t In, std::size_t Out>
    requires(In !=
             std::dynamic_extent) explicit dense_layer(dense_layer<T, In, Out, Activation> const& l)
        : dense_layer(In, Out, l.weights(), l.biases(), l.activation()) {}

    [[nodiscard]] std::size_t inputs() const noexcept { return in_; }
    [[nodiscard]] std::size_t outputs() const noexcept { return out_; }

    // Replaces W (row-major, outputs x inputs) and b; the shape stays: throws
    // std::invalid_argument naming both sizes when W or b does not have its size.
    template <detail::parameters_for<T, std::dynamic_extent> WR,
              detail::parameters_for<T, std::dynamic_extent> BR>
    SOMA_ABI void set_parameters(WR const& W, BR const& b) {
        constexpr char const* f = "soma::dense_layer::set_parameters";
        if (detail::size_of(W) != w_.size()) {
            detail::throw_size_mismatch(f, "W", detail::size_of(W), "inputs * outputs", w_.size());
        }
        if (detail::size_of(b) != b_.size()) {
            detail::throw_size_mismatch(f, "b", detail::size_of(b), "outputs", b_.size());
        }
        std::ranges::copy(std::span<T const>(std::ranges::data(W), w_.size()), w_.begin());
        std::ranges::copy(std::span<T const>(std::ranges::data(b), b_.size()), b_.begin());
    }
    SOMA_ABI [[nodiscard]] T weight(std::size_t r, std::size_t i) const {
        check_row(r);
        if (i >= in_) detail::throw_size_mismatch("soma::dense_layer::weight", "i", i, "In", in_);
        return w_[r * in_ + i];
    }
    SOMA_ABI [[nodiscard]] T bias(std::size_t r) const {
        check_row(r);
        return b_[r];
    }
    [[nodiscard]] std::span<T const> weights() const noexcept { return w_; }
    [[nodiscard]] std::span<T const> biases() const noexcept { return b_; }
    SOMA_ABI [[nodiscard]] std::span<T const> row(std::size_t r) const {
        check_row(r);
        return std::span<T const>(w_).subspan(r * in_, in_);
    }
    SOMA_ABI [[nodiscard]] neuron_type neuron(std::size_t r) const {
        auto const w = row(r);
        return neuron_type(std::vector<T>(w.begin(), w.end()), b_[r], a_);
    }
    [[nodiscard]] Activation const& activation() const noexcept { return a_; }

    template <detail::input_for<T, std::dynamic_extent> X,
              detail::output_for<T, std::dynamic_extent> Z>
    SOMA_ABI void weighted_inputs(X const& x, Z&& z) const {
        constexpr char const* f = "soma::dense_layer::weighted_inputs";
        run(checked_x(x, f), checked_y(z, x, f, "z"), false);
    }
    template <detail::input_for<T, std::dynamic_extent> X,
              detail::output_for<T, std::dynamic_extent> Y>
    SOMA_ABI void forward(X const& x, Y&& y) const {
        constexpr char const* f = "soma::dense_layer::forward";
        run(checked_x(x, f), checked_y(y, x, f, "y"), true);
    }
    template <detail::output_for<T, std::dynamic_extent> Y>
    SOMA_ABI void forward(std::initializer_list<T> x, Y&& y) const {
        forward(std::span<T const>(x.begin(), x.size()), std::forward<Y>(y));
    }
    template <detail::input_for<T, std::dynamic_extent> X>
    SOMA_ABI [[nodiscard]] output_type operator()(X const& x) const {
        output_type y(out_);
        run(checked_x(x, "soma::dense_layer"), y.data(), true);
        return y;
    }
    SOMA_ABI [[nodiscard]] output_type operator()(std::initializer_list<T> x) const {
        return (*this)(std::span<T const>(x.begin(), x.size()));
    }

    // As the static form's batch_forward: X inputs x In, Y inputs x Out, each Y_k bitwise
    // forward(X_k).
    SOMA_ABI void batch_forward(in_span<T> X, std::span<T> Y) const {
        constexpr char const* f = "soma::dense_layer::batch_forward";
        std::size_t const inputs = in_ != 0 ? X.size() / in_ : (out_ != 0 ? Y.size() / out_ : 0);
        if (in_ != 0 && X.size() % in_ != 0) {
            detail::throw_size_mismatch(f, "X", X.size(), "a multiple of In, In", in_);
        }
        if (Y.size() != inputs * out_) {
            detail::throw_size_mismatch(f, "Y", Y.size(), "(X.size() / In) * Out", inputs * out_);
        }
        if constexpr (detail::ieee_binary<T>) {
            if (detail::overlap<T>(std::span<T const>(Y), X)) detail::overlap_error(f, "Y", "X");
            detail::batch_forward_unchecked(w_.data(), out_, in_, X.data(), inputs, b_.data(),
                                            Y.data(), a_);
        } else {
            for (std::size_t k = 0; k < inputs; ++k) {
                run(X.data() + k * in_, Y.data() + k * out_, true);
            }
        }
    }
    template <detail::layer_output Y>
    requires std::same_as<detail::layer_value_t<Y>, T> SOMA_ABI void batch_forward(
        in_span<T> X, Y&& Y_out) const {
        batch_forward(X, std::span<T>(std::ranges::data(Y_out), std::ranges::size(Y_out)));
    }

    SOMA_ABI friend bool operator==(dense_layer const& p, dense_layer const& q) {
        return p.in_ == q.in_ && p.w_ == q.w_ && p.b_ == q.b_;
    }

private:
    template <class WR, class BR>
    SOMA_ABI static std::size_t inputs_of(WR const& W, BR const& b) {
        std::size_t const nw = detail::size_of(W);
        std::size_t const nb = detail::size_of(b);
        if (nb == 0) detail::throw_size_mismatch("soma::dense_layer", "b", 0, "at least", 1);
        if (nw % nb != 0) {
            detail::throw_size_mismatch("soma::dense_layer", "W", nw, "a multiple of b, b", nb);
        }
        return nw / nb;
    }

    SOMA_ABI void check_row(std::size_t r) const {
        if (r >= out_) detail::throw_size_mismatch("soma::dense_layer", "r", r, "Out", out_);
    }

    template <class X>
    SOMA_ABI T const* checked_x(X const& x, char const* where) const {
        if (detail::size_of(x) != in_) {
            detail::throw_size_mismatch(where, "x", detail::size_of(x), "In", in_);
        }
        return std::ranges::data(x);
    }

    template <class Y, class X>
    SOMA_ABI T* checked_y(Y& y, X const& x, char const* where, char const* name) const {
        if (detail::size_of(y) != out_) {
            detail::throw_size_mismatch(where, name, detail::size_of(y), "Out", out_);
        }
        if constexpr (detail::ieee_binary<T>) {
            if (detail::overlap<T>(std::span<T const>(std::ranges::data(y), out_),
                                   std::span<T const>(std::ranges::data(x), in_))) {
                detail::overlap_error(where, name, "x");
            }
        }
        return std::ranges::data(y);
    }

    SOMA_ABI void run(T const* x, T* y, bool activate) const {
        if constexpr (detail::ieee_binary<T>) {
            if (activate) {
                detail::forward_unchecked(w_.data(), out_, in_, x, b_.data(), y, a_);
            } else {
                detail::inner_products(w_.data(), out_, in_, x, b_.data(), 1, y);
            }
        } else {
            for (std::size_t r = 0; r < out_; ++r) {
                T const z = detail::weighted_sum<T>(w_.data() + r * in_, x, in_, true, b_[r]);
                y[r] = activate ? static_cast<T>(std::invoke(a_, z)) : z;
            }
        }
    }

    std::size_t in_ = 0;
    std::size_t out_ = 0;
    std::vector<T> w_;
    std::vector<T> b_;
    [[no_unique_address]] Activation a_{};
};

// The run-time-shaped layer of T with activation A.
template <scalar T, class Activation = sigmoid_activation>
using dynamic_dense_layer = dense_layer<T, std::dynamic_extent, std::dynamic_extent, Activation>;

}  // namespace soma

#endif  // SOMA_DENSE_LAYER_HPP
// ---- end soma/dense_layer.hpp ----
// ---- begin soma/loss.hpp ----
// soma/loss.hpp - how far a network's outputs y are from the targets t: the function that
// learning makes small, and its gradient at the output layer.
//
// Backpropagation (soma/backprop.hpp) starts from δ_j = ∂E/∂z_j, the derivative of the
// loss E with respect to the output layer's weighted inputs z_j; each loss here gives it:
//   output_delta(a, z, y, t, δ)     δ_j from z_j, y_j = a(z_j) and t_j
// and value(y, t), E itself for one example (for reports; the gradients do not use it).
#ifndef SOMA_LOSS_HPP
#define SOMA_LOSS_HPP

#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <type_traits>

// ---- begin soma/softmax.hpp ----
// soma/softmax.hpp - softmax over an output vector: y_i = e^(z_i) / Σ_j e^(z_j).
#ifndef SOMA_SOFTMAX_HPP
#define SOMA_SOFTMAX_HPP

#include <concepts>
#include <cstddef>
#include <ranges>
#include <span>
#include <type_traits>


namespace soma {

// y_i = e^(z_i - m) / Σ_j e^(z_j - m), m = max_j z_j, for i < n = z.size(): the output
// layer of a classifier, y_i > 0 summing to 1 (up to rounding).
//
// Domain: every vector of float or double, stable for all finite z (no overflow, also for
// z = ±1e38 or ±1e308: z_i - m is taken as -1024 where z_i < m - 1024, which gives +0 as
// e^(z_i - m) does). Special values:
//   any NaN in z    every y_i is the first NaN of z with its quiet bit set
//   m = +inf        the k entries equal to +inf share 1/k each (rounded), the others +0
//   z_i = -inf      y_i = +0 (a masked entry) when some z_j is finite
//   every z_i -inf  y_i = 1/n (the limit of softmax(c, ..., c) as c -> -inf)
//   n = 0           nothing is written
// Flags: no FE_OVERFLOW, FE_INVALID or FE_DIVBYZERO for non-NaN z; FE_UNDERFLOW where a
// term e^(z_i - m) is subnormal in double.
//
// Order: terms e_j = e^(z_j - m) are evaluated in double by soma's own exponential (that
// of soma::sigmoid, never the C library) and summed in double in index order,
// s = (...((e_0 + e_1) + e_2) + ...) + e_{n-1}; y_i = e_i / s, one division, rounded to T.
// The same bits on every target and compiler, in constant evaluation too.
//
// Accuracy, with u = 2^-53 and D = max_j min(m - z_j, 746) (the largest shift that still
// yields a nonzero term): for results above the smallest normal number,
//   double  |y_i - exact_i| <= (n + 3 + 2D)·u·exact_i  (the rounding of z_i - m, the
//           exponential, n - 1 additions and one division; first order)
//   float   <= 0.5 ULP + (n + 3 + 2D)·2^-29 ULP, i.e. <= 1 ULP for n + 2D <= 2^28
// tested against an x87 long double reference.
//
// Preconditions: out.size() == z.size(), else throws std::invalid_argument naming both
// sizes; out is z itself (in place) or shares no element with z, else throws
// std::invalid_argument ("out overlaps z"). Nothing is written when it throws. Elements
// outside [0, n) are never read or written.
template <detail::ieee_binary T>
SOMA_ABI constexpr void softmax(std::span<std::type_identity_t<T> const> z, std::span<T> out) {
    if (z.size() != out.size()) {
        detail::throw_size_mismatch("soma::softmax", "z", z.size(), "out", out.size());
    }
    if (std::is_constant_evaluated()) {
        detail::portable::softmax_values<T>(z.data(), out.data(), z.size());
        return;
    }
    if (detail::partial_overlap<T>(out.data(), out.size(), z.data(), z.size())) {
        detail::throw_overlap("soma::softmax", "out", "z",
                              " (out may be z itself, not part of it)");
    }
    detail::kernels().of<T>().softmax(z.data(), out.data(), z.size());
}

// z = softmax(z) in place.
template <detail::ieee_binary T>
SOMA_ABI constexpr void softmax(std::span<T> z_in_out) noexcept {
    if (std::is_constant_evaluated()) {
        detail::portable::softmax_values<T>(z_in_out.data(), z_in_out.data(), z_in_out.size());
        return;
    }
    detail::kernels().of<T>().softmax(z_in_out.data(), z_in_out.data(), z_in_out.size());
}

// The same for std::vector and other contiguous ranges, which do not deduce T in the span
// overloads above.
template <class Z, class Out>
requires detail::sigmoid_input_range<Z> && detail::sigmoid_output_range<Out> &&
    std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>> &&
    detail::ieee_binary<std::ranges::range_value_t<Out>> &&
    (!detail::is_span_v<std::remove_cvref_t<Z>> ||
     !detail::is_span_v<std::remove_cvref_t<Out>>)SOMA_ABI void softmax(Z&& z, Out&& out) {
    using T = std::ranges::range_value_t<Out>;
    soma::softmax<T>(std::span<T const>(std::ranges::data(z), std::ranges::size(z)),
                     std::span<T>(std::ranges::data(out), std::ranges::size(out)));
}

template <class R>
requires detail::sigmoid_output_range<R> && detail::ieee_binary<std::ranges::range_value_t<R>> &&
    (!detail::is_span_v<std::remove_cvref_t<R>>)SOMA_ABI void softmax(R&& z_in_out) noexcept {
    using T = std::ranges::range_value_t<R>;
    soma::softmax<T>(std::span<T>(std::ranges::data(z_in_out), std::ranges::size(z_in_out)));
}

}  // namespace soma

#endif  // SOMA_SOFTMAX_HPP
// ---- end soma/softmax.hpp ----

namespace soma {

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// a'(z_j), from y_j = a(z_j) where the activation can (sigmoid: y(1 - y)), else from z_j.
template <class A, class T>
[[nodiscard]] constexpr T activation_derivative(A const& a, T z, T y) noexcept {
    if constexpr (requires { a.derivative_of_output(y); }) {
        (void)z;
        return static_cast<T>(a.derivative_of_output(y));
    } else {
        (void)y;
        return static_cast<T>(a.derivative(z));
    }
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// E = ½ Σ_j (y_j - t_j)²,   ∂E/∂y_j = y_j - t_j,   δ_j = (y_j - t_j) a'(z_j).
// Works with any differentiable output activation (a type with derivative(z) or
// derivative_of_output(y)). value() sums in order with fused multiply-adds (the same bits
// everywhere).
struct squared_error {
    template <std::floating_point T>
    [[nodiscard]] constexpr T value(std::span<T const> y, std::span<T const> t) const noexcept {
        T e = 0;
        for (std::size_t j = 0; j < y.size(); ++j) {
            T const d = y[j] - t[j];
            e = detail::fma(d, d, e);
        }
        return e / 2;
    }
    template <class A, std::floating_point T>
    constexpr void output_delta(A const& a, std::span<T const> z, std::span<T const> y,
                                std::span<T const> t, std::span<T> delta) const noexcept {
        for (std::size_t j = 0; j < y.size(); ++j) {
            delta[j] = (y[j] - t[j]) * detail::activation_derivative(a, z[j], y[j]);
        }
    }
};

// For sigmoid outputs y_j = σ(z_j) read as probabilities, targets t_j in [0, 1]:
//   E = -Σ_j [t_j ln y_j + (1 - t_j) ln(1 - y_j)],   δ_j = ∂E/∂z_j = y_j - t_j,
// since ∂E/∂y_j = (y_j - t_j) / (y_j (1 - y_j)) and σ'(z) = y(1 - y) cancel: no vanishing
// gradient when a sigmoid saturates on the wrong side. The output layer's activation must
// be soma::sigmoid_activation (a compile error otherwise). value() uses std::log (its bits
// are the C library's; only reports use it) and is +inf where y_j is 0 or 1 against the
// opposite target.
struct cross_entropy {
    template <std::floating_point T>
    [[nodiscard]] T value(std::span<T const> y, std::span<T const> t) const noexcept {
        T e = 0;
        for (std::size_t j = 0; j < y.size(); ++j) {
            if (t[j] != 0) e = e - t[j] * std::log(y[j]);
            if (t[j] != 1) e = e - (1 - t[j]) * std::log1p(-y[j]);
        }
        return e;
    }
    template <class A, std::floating_point T>
    constexpr void output_delta(A const&, std::span<T const>, std::span<T const> y,
                                std::span<T const> t, std::span<T> delta) const noexcept {
        static_assert(std::same_as<A, sigmoid_activation>,
                      "soma::cross_entropy: the output layer's activation must be "
                      "soma::sigmoid_activation (use soma::squared_error otherwise)");
        for (std::size_t j = 0; j < y.size(); ++j) delta[j] = y[j] - t[j];
    }
};

// For classification into n >= 2 classes with one-hot targets: the output layer is linear
// (soma::identity_activation), its outputs z are read through softmax,
//   p_j = e^{z_j} / Σ_k e^{z_k}   (soma::softmax),
//   E = -Σ_j t_j ln p_j,   δ_j = ∂E/∂z_j = p_j Σ_k t_k - t_j,
// which is p_j - t_j for one-hot (or any probability) targets, Σ_k t_k = 1; computed as
// fma(p_j, Σ_k t_k, -t_j), the sum in order.
// The output layer's activation must be soma::identity_activation (a compile error
// otherwise). output_delta computes p with soma::softmax (the same bits everywhere);
// value() uses std::log and std::exp (reports only): E = Σ_j t_j (m + ln Σ_k e^{z_k - m} - z_j)
// with m = max z, finite for every finite z.
struct softmax_cross_entropy {
    template <std::floating_point T>
    [[nodiscard]] T value(std::span<T const> z, std::span<T const> t) const noexcept {
        if (z.empty()) return T(0);
        T m = z[0];
        for (T v : z) m = v > m ? v : m;
        T s = 0;
        for (T v : z) s = s + std::exp(v - m);
        T const log_s = std::log(s);
        T e = 0;
        for (std::size_t j = 0; j < z.size(); ++j) {
            if (t[j] != 0) e = e + t[j] * ((m - z[j]) + log_s);
        }
        return e;
    }
    template <class A, std::floating_point T>
    void output_delta(A const&, std::span<T const> z, std::span<T const>, std::span<T const> t,
                      std::span<T> delta) const {
        static_assert(std::same_as<A, identity_activation>,
                      "soma::softmax_cross_entropy: the output layer's activation must be "
                      "soma::identity_activation (softmax is applied by the loss)");
        soma::softmax<T>(z, delta);
        T total = 0;
        for (T v : t) total = total + v;
        for (std::size_t j = 0; j < z.size(); ++j) delta[j] = detail::fma(delta[j], total, -t[j]);
    }
};

}  // namespace soma

#endif  // SOMA_LOSS_HPP
// ---- end soma/loss.hpp ----
// ---- begin soma/network.hpp ----
// soma/network.hpp - neurons form a network: layers in a chain, each one's outputs the next
// one's inputs.
//
// For layers 1..L with y_0 = x:   y_k = a_k(W_k y_{k-1} + b_k),   net(x) = y_L.
// Every output is bitwise the layer-by-layer evaluation (each layer bitwise its neurons,
// soma/dense_layer.hpp); nothing is reordered across layers.
//
// soma::network<Layer1, ..., LayerL>: layers of static shape are checked at compile time
// (the outputs of layer k must be the inputs of layer k + 1, else a static_assert names
// the layer and both sizes); the intermediate outputs live on the stack, so a network of
// static layers never allocates and is usable in constexpr. Run-time-shaped layers are
// checked when the network is made (std::invalid_argument naming the layer and both
// sizes). soma::dynamic_network<T, A> is a chain whose length, too, is known only at run
// time (a network read from a file, say). batch_forward of a network of static dense
// layers runs layer by layer over blocks of inputs (each layer's batch kernel), with the
// same bits as one input at a time.
#ifndef SOMA_NETWORK_HPP
#define SOMA_NETWORK_HPP

#include <array>
#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>


namespace soma {

// A layer a network can chain: its scalar type, its extents (std::dynamic_extent when known
// only at run time), its sizes and its output vector type; soma::dense_layer is one.
template <class L>
concept network_layer = requires(L const& l) {
    typename L::value_type;
    typename L::output_type;
    { L::in_extent } -> std::convertible_to<std::size_t>;
    { L::out_extent } -> std::convertible_to<std::size_t>;
    { l.inputs() } -> std::convertible_to<std::size_t>;
    { l.outputs() } -> std::convertible_to<std::size_t>;
};

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// Whether outputs Out can feed inputs In: equal, or either known only at run time.
template <std::size_t Out, std::size_t In>
inline constexpr bool extents_chain =
    Out == std::dynamic_extent || In == std::dynamic_extent || Out == In;

template <std::size_t K, class... Layers>
using layer_at = std::tuple_element_t<K, std::tuple<Layers...>>;

template <class... Layers, std::size_t... K>
consteval bool layers_chain(std::index_sequence<K...>) {
    return (
        extents_chain<layer_at<K, Layers...>::out_extent, layer_at<K + 1, Layers...>::in_extent> &&
        ...);
}

// The compile-time check, one instantiation per pair of layers, so that the error names
// the layer and both sizes: layer_sizes_agree<k, outputs of layer k, inputs of layer k + 1>.
template <std::size_t Layer, std::size_t Outputs, std::size_t NextInputs>
struct layer_sizes_agree {
    static_assert(extents_chain<Outputs, NextInputs>,
                  "soma::network: the outputs of a layer must be the inputs of the next; "
                  "layer_sizes_agree<k, outputs of layer k, inputs of layer k + 1> above names "
                  "the layer and both sizes");
    static constexpr bool value = true;
};

template <class... Layers, std::size_t... K>
consteval bool assert_layers_chain(std::index_sequence<K...>) {
    return (layer_sizes_agree<K, layer_at<K, Layers...>::out_extent,
                              layer_at<K + 1, Layers...>::in_extent>::value &&
            ...);
}

[[noreturn]] inline void throw_layer_mismatch(std::size_t k, std::size_t outputs,
                                              std::size_t next_inputs) {
    detail::raise<std::invalid_argument>("soma::network: layer " + std::to_string(k) + " has " +
                                         std::to_string(outputs) + " outputs but layer " +
                                         std::to_string(k + 1) + " has " +
                                         std::to_string(next_inputs) + " inputs");
}

// A buffer for a layer's outputs: std::array for a static extent (on the stack), else a
// std::vector of the layer's size.
template <class L>
[[nodiscard]] constexpr typename L::output_type output_buffer(L const& l) {
    if constexpr (L::out_extent == std::dynamic_extent) {
        return typename L::output_type(l.outputs());
    } else {
        (void)l;
        return typename L::output_type{};
    }
}

template <class T, std::size_t N>
[[nodiscard]] constexpr std::span<T, N> fixed_or_dynamic_span(T* p, std::size_t n) {
    if constexpr (N == std::dynamic_extent) {
        return std::span<T>(p, n);
    } else {
        (void)n;
        return std::span<T, N>(p, N);
    }
}

// A layer with a batch_forward over rows of a row-major matrix (soma::dense_layer).
template <class L, class T>
concept batch_layer_of = requires(L const& l, in_span<T> X, std::span<T> Y) {
    l.batch_forward(X, Y);
};

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// Whether Layers form a chain: at least one layer, one scalar type, and the outputs of each
// layer, where known at compile time, the inputs of the next.
template <class... Layers>
concept chainable =
    (sizeof...(Layers) >= 1) && (network_layer<Layers> && ...) &&
    (std::same_as<typename detail::layer_at<0, Layers...>::value_type,
                  typename Layers::value_type> &&
     ...) &&
    detail::layers_chain<Layers...>(std::make_index_sequence<sizeof...(Layers) - 1>{});

// A chain of layers y_k = a_k(W_k y_{k-1} + b_k), y_0 = x, net(x) = y_L.
template <network_layer... Layers>
requires(sizeof...(Layers) >= 1) class network {
    using first = detail::layer_at<0, Layers...>;
    using last = detail::layer_at<sizeof...(Layers) - 1, Layers...>;
    static_assert(
        detail::assert_layers_chain<Layers...>(std::make_index_sequence<sizeof...(Layers) - 1>{}));
    static_assert((std::same_as<typename first::value_type, typename Layers::value_type> && ...),
                  "soma::network: every layer must have the same scalar type");

public:
    using value_type = typename first::value_type;
    using input_type = typename first::input_type;
    using output_type = typename last::output_type;
    using layer_tuple = std::tuple<Layers...>;
    static constexpr std::size_t depth = sizeof...(Layers);
    static constexpr std::size_t in_extent = first::in_extent;
    static constexpr std::size_t out_extent = last::out_extent;

    constexpr network() = default;

    // The chain l_0 -> l_1 -> ... Run-time-shaped layers whose sizes do not chain throw
    // std::invalid_argument naming the layer and both sizes.
    constexpr explicit network(Layers... layers) : layers_(std::move(layers)...) {
        check_sizes(std::make_index_sequence<depth - 1>{});
    }

    // Layer K (0-based).
    template <std::size_t K>
    requires(K < depth) [[nodiscard]] constexpr auto const& layer() const noexcept {
        return std::get<K>(layers_);
    }

    // Replaces layer K's W (row-major) and b; the shapes stay (layer K's set_parameters).
    template <std::size_t K, class WR, class BR>
    requires(K < depth) SOMA_ABI constexpr void set_parameters(WR const& W, BR const& b) {
        std::get<K>(layers_).set_parameters(W, b);
    }

    [[nodiscard]] constexpr std::size_t inputs() const noexcept { return layer<0>().inputs(); }
    [[nodiscard]] constexpr std::size_t outputs() const noexcept {
        return layer<depth - 1>().outputs();
    }

    // y = net(x) into y, without allocating when every layer has a static shape (the
    // intermediate outputs are on the stack). Sizes are those of the first layer's inputs
    // and the last layer's outputs (checked as the layers check them).
    template <detail::input_for<value_type, in_extent> X,
              detail::output_for<value_type, out_extent> Y>
    SOMA_ABI constexpr void forward(X const& x, Y&& y) const {
        forward_from<0>(x, y);
    }
    template <detail::output_for<value_type, out_extent> Y>
    SOMA_ABI constexpr void forward(input_type const& x, Y&& y) const {
        forward_from<0>(x, y);
    }

    // net(x) = y_L.
    template <detail::input_for<value_type, in_extent> X>
    SOMA_ABI [[nodiscard]] constexpr output_type operator()(X const& x) const {
        output_type y = detail::output_buffer(layer<depth - 1>());
        forward_from<0>(x, y);
        return y;
    }
    SOMA_ABI [[nodiscard]] constexpr output_type operator()(input_type const& x) const {
        output_type y = detail::output_buffer(layer<depth - 1>());
        forward_from<0>(x, y);
        return y;
    }

    // Y_k = net(X_k) for every input k: X row-major (inputs x in), Y row-major
    // (inputs x out), inputs = X.size() / in. Each Y_k is bitwise net(X_k). Throws
    // std::invalid_argument when the sizes do not fit or Y overlaps X.
    SOMA_ABI constexpr void batch_forward(in_span<value_type> X, std::span<value_type> Y) const {
        constexpr char const* f = "soma::network::batch_forward";
        std::size_t const in = inputs();
        std::size_t const out = outputs();
        std::size_t const count = in != 0 ? X.size() / in : (out != 0 ? Y.size() / out : 0);
        if (in != 0 && X.size() % in != 0) {
            detail::throw_size_mismatch(f, "X", X.size(), "a multiple of the inputs,", in);
        }
        if (Y.size() != count * out) {
            detail::throw_size_mismatch(f, "Y", Y.size(), "(X.size() / inputs) * outputs",
                                        count * out);
        }
        if constexpr (detail::ieee_binary<value_type>) {
            if (!std::is_constant_evaluated() &&
                detail::overlap<value_type>(std::span<value_type const>(Y), X)) {
                detail::overlap_error(f, "Y", "X");
            }
        }
        if constexpr (batch_by_blocks) {
            if (!std::is_constant_evaluated()) {
                batch_blocks(X.data(), count, Y.data());
                return;
            }
        }
        for (std::size_t k = 0; k < count; ++k) {
            auto const x_k =
                detail::fixed_or_dynamic_span<value_type const, in_extent>(X.data() + k * in, in);
            auto const y_k =
                detail::fixed_or_dynamic_span<value_type, out_extent>(Y.data() + k * out, out);
            forward_from<0>(x_k, y_k);
        }
    }
    template <detail::layer_output Y>
    requires std::same_as<detail::layer_value_t<Y>, value_type> SOMA_ABI constexpr void
    batch_forward(in_span<value_type> X, Y&& Y_out) const {
        batch_forward(X, std::span<value_type>(std::ranges::data(Y_out), std::ranges::size(Y_out)));
    }

    SOMA_ABI friend constexpr bool operator==(network const& p, network const& q) {
        return p.layers_ == q.layers_;
    }

private:
    // Whether batch_forward runs the batch layer by layer in blocks of inputs: every layer of
    // static shape and with a batch_forward of its own (dense_layer's reads its weights once
    // per tile of inputs, dense_kernels-inl.hpp).
    static constexpr bool batch_by_blocks =
        detail::ieee_binary<value_type> &&
        ((Layers::in_extent != std::dynamic_extent && Layers::out_extent != std::dynamic_extent) &&
         ...) &&
        (detail::batch_layer_of<Layers, value_type> && ...);

    // The widest intermediate output (layers 0 .. depth - 2), at least 1.
    static constexpr std::size_t hidden_width = [] {
        std::size_t const outs[] = {Layers::out_extent...};
        std::size_t w = 1;
        if (!batch_by_blocks) return w;
        for (std::size_t k = 0; k + 1 < depth; ++k) w = outs[k] > w ? outs[k] : w;
        return w;
    }();

    // Inputs per block: every layer runs over the block before the next, so a block of
    // inputs is what each layer's batch kernel tiles (eight inputs a tile on AVX-512, four
    // on AVX2: blocks of 8 to 64 are whole tiles). The block's intermediate outputs, two
    // buffers of block x hidden_width on the stack, are at most 16 KB each (64 inputs of
    // 64 floats; 32 of 128 for 784-128-10), so that the next layer reads them from L1
    // while the first layer's inputs and the weights stream from L2. Hidden layers wider
    // than 2048 floats get smaller blocks, down to one input (then the stack holds two
    // outputs of the widest layer, about what one input at a time needs).
    static constexpr std::size_t batch_block = [] {
        std::size_t const fit = 16384 / (sizeof(value_type) * hidden_width);
        if (fit >= 64) return std::size_t{64};
        if (fit >= 8) return fit / 8 * 8;
        return fit >= 1 ? fit : std::size_t{1};
    }();

    SOMA_ABI void batch_blocks(value_type const* X, std::size_t count, value_type* Y) const {
        if constexpr (depth == 1) {
            batch_layer<0>(X, count, Y, nullptr, nullptr);
        } else {
            // Not value-initialized: every element is written before it is read.
            std::array<value_type, batch_block * hidden_width> h0;
            std::array<value_type, batch_block * hidden_width> h1;
            for (std::size_t k = 0; k < count; k += batch_block) {
                std::size_t const n = count - k < batch_block ? count - k : batch_block;
                batch_layer<0>(X + k * in_extent, n, Y + k * out_extent, h0.data(), h1.data());
            }
        }
    }

    // Layers K .. depth - 1 over n inputs x: layer K into h (or y for the last), the rest from
    // there, swapping the two buffers.
    template <std::size_t K>
    SOMA_ABI void batch_layer(value_type const* x, std::size_t n, value_type* y, value_type* h,
                              value_type* other) const {
        auto const& l = std::get<K>(layers_);
        using layer_t = detail::layer_at<K, Layers...>;
        std::span<value_type const> const in(x, n * layer_t::in_extent);
        if constexpr (K + 1 == depth) {
            l.batch_forward(in, std::span<value_type>(y, n * layer_t::out_extent));
        } else {
            l.batch_forward(in, std::span<value_type>(h, n * layer_t::out_extent));
            batch_layer<K + 1>(h, n, y, other, h);
        }
    }

    template <std::size_t... K>
    SOMA_ABI constexpr void check_sizes(std::index_sequence<K...>) const {
        (check_pair<K>(), ...);
    }
    template <std::size_t K>
    SOMA_ABI constexpr void check_pair() const {
        auto const& l = std::get<K>(layers_);
        auto const& next = std::get<K + 1>(layers_);
        if (l.outputs() != next.inputs()) {
            detail::throw_layer_mismatch(K, l.outputs(), next.inputs());
        }
    }

    template <std::size_t K, class X, class Y>
    SOMA_ABI constexpr void forward_from(X const& x, Y& y) const {
        auto const& l = std::get<K>(layers_);
        if constexpr (K + 1 == depth) {
            l.forward(x, y);
        } else {
            auto h = detail::output_buffer(l);
            l.forward(x, h);
            forward_from<K + 1>(h, y);
        }
    }

    std::tuple<Layers...> layers_{};
};

template <class... Layers>
network(Layers...) -> network<Layers...>;

// A chain of run-time-shaped dense layers whose number, too, is known only at run time:
// y_0 = x, y_k = a(W_k y_{k-1} + b_k), net(x) = y_L; one activation type for all layers.
// Evaluation allocates its two intermediate buffers per call (a network of static layers
// does not allocate at all).
template <scalar T, class Activation = sigmoid_activation>
requires activation_for<Activation, T>
class dynamic_network {
public:
    using value_type = T;
    using layer_type = dynamic_dense_layer<T, Activation>;
    using output_type = std::vector<T>;

    dynamic_network() = default;

    // At least one layer; throws std::invalid_argument when the outputs of layer k are not
    // the inputs of layer k + 1 (naming the layer and both sizes) or there is no layer.
    explicit dynamic_network(std::vector<layer_type> layers) : layers_(std::move(layers)) {
        if (layers_.empty()) {
            detail::raise<std::invalid_argument>(
                "soma::dynamic_network: a network has at least one layer");
        }
        for (std::size_t k = 0; k + 1 < layers_.size(); ++k) {
            if (layers_[k].outputs() != layers_[k + 1].inputs()) {
                detail::throw_layer_mismatch(k, layers_[k].outputs(), layers_[k + 1].inputs());
            }
        }
    }

    [[nodiscard]] std::size_t depth() const noexcept { return layers_.size(); }
    SOMA_ABI [[nodiscard]] layer_type const& layer(std::size_t k) const {
        if (k >= layers_.size()) {
            detail::throw_size_mismatch("soma::dynamic_network::layer", "k", k, "depth",
                                        layers_.size());
        }
        return layers_[k];
    }
    [[nodiscard]] std::span<layer_type const> layers() const noexcept { return layers_; }
    [[nodiscard]] std::size_t inputs() const noexcept {
        return layers_.empty() ? 0 : layers_.front().inputs();
    }
    [[nodiscard]] std::size_t outputs() const noexcept {
        return layers_.empty() ? 0 : layers_.back().outputs();
    }

    template <detail::input_for<T, std::dynamic_extent> X,
              detail::output_for<T, std::dynamic_extent> Y>
    SOMA_ABI void forward(X const& x, Y&& y) const {
        if (layers_.empty())
            detail::raise<std::invalid_argument>("soma::dynamic_network: no layers");
        if (layers_.size() == 1) {
            layers_.front().forward(x, y);
            return;
        }
        std::vector<T> h = layers_.front()(x);
        std::vector<T> next;
        for (std::size_t k = 1; k + 1 < layers_.size(); ++k) {
            next.resize(layers_[k].outputs());
            layers_[k].forward(h, next);
            h.swap(next);
        }
        layers_.back().forward(h, y);
    }
    template <detail::output_for<T, std::dynamic_extent> Y>
    SOMA_ABI void forward(std::initializer_list<T> x, Y&& y) const {
        forward(std::span<T const>(x.begin(), x.size()), std::forward<Y>(y));
    }
    template <detail::input_for<T, std::dynamic_extent> X>
    SOMA_ABI [[nodiscard]] output_type operator()(X const& x) const {
        output_type y(outputs());
        forward(x, y);
        return y;
    }
    SOMA_ABI [[nodiscard]] output_type operator()(std::initializer_list<T> x) const {
        return (*this)(std::span<T const>(x.begin(), x.size()));
    }

    SOMA_ABI friend bool operator==(dynamic_network const& p, dynamic_network const& q) {
        return p.layers_ == q.layers_;
    }

private:
    std::vector<layer_type> layers_;
};

}  // namespace soma

#endif  // SOMA_NETWORK_HPP
// ---- end soma/network.hpp ----
// ---- begin soma/random.hpp ----
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
// ---- end soma/random.hpp ----

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// The kernels of backpropagation and of the optimizers, for one ISA.
template <ieee_binary T>
struct training_kernels_of {
    // The ISA's register width in values of T (what the kernels vectorize across).
    std::size_t lanes;
    // G[r, i] = fma(delta_r, x_i, G[r, i]), g_r = g_r + delta_r (r < rows, i < n).
    void (*accumulate_outer)(T const* delta, std::size_t rows, T const* x, std::size_t n, T* G,
                             T* g) noexcept;
    // The same chains into Gt[i, r] (n x rows, row-major).
    void (*accumulate_outer_transposed)(T const* delta, std::size_t rows, T const* x, std::size_t n,
                                        T* Gt, T* g) noexcept;
    // e_i = Σ_r W[r, i] delta_r, in increasing r, from -0 (i < n).
    void (*transposed_product)(T const* W, std::size_t rows, std::size_t n, T const* delta,
                               T* e) noexcept;
    // v_j = fma(mu, v_j, a·g_j), w_j = w_j + v_j (j < n).
    void (*momentum_step)(T mu, T a, T const* g, T* v, T* w, std::size_t n) noexcept;
    // y_j = fma(a, x_j, y_j) (j < n).
    void (*axpy)(T a, T const* x, T* y, std::size_t n) noexcept;
};

// One ISA's training kernels for float and double (each ISA's `training_table`; defined
// once with SOMA_SEPARATE_KERNELS, as the kernel tables are: soma/detail/config.hpp).
struct training_tables {
    training_kernels_of<float> f32;
    training_kernels_of<double> f64;

    template <ieee_binary T>
    [[nodiscard]] constexpr training_kernels_of<T> const& of() const noexcept {
        if constexpr (std::same_as<T, float>) {
            return f32;
        } else {
            return f64;
        }
    }
};

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#if defined(SOMA_X86_KERNELS)
SOMA_DETAIL_TARGET_AVX512_BEGIN
namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx512 {
#define SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE 1
// ---- begin soma/detail/training_kernels-inl.hpp ----
// soma/detail/training_kernels-inl.hpp - the sums of backpropagation, written once over an
// ISA's vocabulary.
//
// No include guard, on purpose: soma/backprop.hpp includes this file (with
// SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE defined) inside each ISA's namespace (avx512,
// avx2, neon, portable) and, on x86-64, inside that ISA's target region, after the ISA's
// vocabulary has defined vec<T> there.
//
// The order: every sum here is a chain of fused multiply-adds in increasing index order,
// one chain per output element, s = fma(a_k, b_k, s) for k = 0, 1, ... The kernels
// vectorize across the independent chains (L output elements per register), never along a
// chain, so each chain sees the same operations whatever L is: the same bits on every ISA
// (an fma is correctly rounded everywhere) and with every compiler (every fused operation
// is explicit; no plain product feeds a plain sum, so contraction has nothing to fuse).
// The weighted inputs of the forward pass are the layers' own canonical inner products.

#if !defined(SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE)
#error "soma/detail/training_kernels-inl.hpp is included by soma/backprop.hpp only"
#endif

// y_i = fma(a, x_i, y_i), i < n.
template <ieee_binary T>
[[gnu::always_inline]] inline void fused_axpy(T a, T const* x, T* y, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const va = V::splat(a);
    std::size_t i = 0;
    // Two registers per step: the chains are independent, so this is load/store bound
    // (two loads and one store per fma); unrolling further gains nothing measurable.
    for (; i + 2 * L <= n; i += 2 * L) {
        auto const y0 = V::fma(va, V::load(x + i), V::load(y + i));
        auto const y1 = V::fma(va, V::load(x + i + L), V::load(y + i + L));
        V::store(y + i, y0);
        V::store(y + i + L, y1);
    }
    for (; i + L <= n; i += L) V::store(y + i, V::fma(va, V::load(x + i), V::load(y + i)));
    // The last n - i < L elements one at a time (the same fma, rounded once): a masked
    // store here and the masked load of the next row's tail, in the same cache line,
    // cannot be forwarded; measured, AVX-512, a 8-16-2 network: the stalls were a third of
    // the training time.
    for (; i < n; ++i) y[i] = detail::fma(a, x[i], y[i]);
}

// The gradient of one example, added: G[r, i] = fma(delta_r, x_i, G[r, i]) (G row-major,
// rows x n) and g_r = g_r + delta_r, r < rows.
template <ieee_binary T>
void accumulate_outer(T const* delta, std::size_t rows, T const* x, std::size_t n, T* G,
                      T* g) noexcept {
    for (std::size_t r = 0; r < rows; ++r) {
        fused_axpy<T>(delta[r], x, G + r * n, n);
        g[r] = g[r] + delta[r];
    }
}

// The same sums kept transposed: Gt[i, r] = fma(x_i, delta_r, Gt[i, r]) (Gt row-major,
// n x rows), g_r = g_r + delta_r. fma(x, δ, G) = fma(δ, x, G) bit for bit, so the chains
// are those of accumulate_outer; for rows shorter than a register and columns at least one
// register long (8 inputs, 16 neurons) this keeps every fma in full registers.
template <ieee_binary T>
void accumulate_outer_transposed(T const* delta, std::size_t rows, T const* x, std::size_t n, T* Gt,
                                 T* g) noexcept {
    for (std::size_t i = 0; i < n; ++i) fused_axpy<T>(x[i], delta, Gt + i * rows, rows);
    for (std::size_t r = 0; r < rows; ++r) g[r] = g[r] + delta[r];
}

// e_i = Σ_r W[r, i] delta_r (W row-major, rows x n): the chain for e_i starts at -0 and
// adds fma(W[r, i], delta_r, e_i) for r = 0, 1, ..., rows - 1. Four registers of outputs
// per pass over the rows: four independent chains hide the fma latency (4 cycles), and
// each row's four loads are contiguous.
template <ieee_binary T>
void transposed_product(T const* W, std::size_t rows, std::size_t n, T const* delta,
                        T* e) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const negative_zero = V::splat(T(-0.0));
    std::size_t i = 0;
    for (; i + 4 * L <= n; i += 4 * L) {
        auto e0 = negative_zero, e1 = negative_zero, e2 = negative_zero, e3 = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            T const* const w = W + r * n + i;
            auto const d = V::splat(delta[r]);
            e0 = V::fma(V::load(w), d, e0);
            e1 = V::fma(V::load(w + L), d, e1);
            e2 = V::fma(V::load(w + 2 * L), d, e2);
            e3 = V::fma(V::load(w + 3 * L), d, e3);
        }
        V::store(e + i, e0);
        V::store(e + i + L, e1);
        V::store(e + i + 2 * L, e2);
        V::store(e + i + 3 * L, e3);
    }
    for (; i + L <= n; i += L) {
        auto s = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            s = V::fma(V::load(W + r * n + i), V::splat(delta[r]), s);
        }
        V::store(e + i, s);
    }
    if (i < n) {
        std::size_t const c = n - i;
        auto s = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            s = V::fma(V::load_first(W + r * n + i, c, negative_zero), V::splat(delta[r]), s);
        }
        V::store_first(e + i, s, c);
    }
}

// One step of gradient descent with momentum, element by element:
//   v_j = fma(mu, v_j, a·g_j),  w_j = w_j + v_j     (a = -learning rate · scale).
// mu = 0 is plain gradient descent: v_j = a·g_j + 0 (the same value as fma(a, g_j, 0)).
template <ieee_binary T>
void momentum_step(T mu, T a, T const* grad, T* velocity, T* w, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const vmu = V::splat(mu);
    auto const va = V::splat(a);
    std::size_t i = 0;
    for (; i + L <= n; i += L) {
        auto const v = V::fma(vmu, V::load(velocity + i), V::mul(va, V::load(grad + i)));
        V::store(velocity + i, v);
        V::store(w + i, V::add(V::load(w + i), v));
    }
    if (i < n) {
        std::size_t const c = n - i;
        auto const z = V::zero();
        auto const v = V::fma(vmu, V::load_first(velocity + i, c, z),
                              V::mul(va, V::load_first(grad + i, c, z)));
        V::store_first(velocity + i, v, c);
        V::store_first(w + i, V::add(V::load_first(w + i, c, z), v), c);
    }
}

// The kernels of this ISA, as one table (soma/backprop.hpp chooses one). With
// SOMA_SEPARATE_KERNELS only the SOMA_KERNELS_IMPLEMENTATION translation unit defines it.
#if defined(SOMA_SEPARATE_KERNELS) && !defined(SOMA_KERNELS_IMPLEMENTATION)
extern training_tables const training_table;
#else
SOMA_DETAIL_KERNEL_TABLE training_tables training_table{
    {vec<float>::lanes, &accumulate_outer<float>, &accumulate_outer_transposed<float>,
     &transposed_product<float>, &momentum_step<float>, &fused_axpy<float>},
    {vec<double>::lanes, &accumulate_outer<double>, &accumulate_outer_transposed<double>,
     &transposed_product<double>, &momentum_step<double>, &fused_axpy<double>}};
#endif
// ---- end soma/detail/training_kernels-inl.hpp ----
#undef SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx512
SOMA_DETAIL_TARGET_END

SOMA_DETAIL_TARGET_AVX2_BEGIN
namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx2 {
#define SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE 1
// ---- begin soma/detail/training_kernels-inl.hpp ----
// soma/detail/training_kernels-inl.hpp - the sums of backpropagation, written once over an
// ISA's vocabulary.
//
// No include guard, on purpose: soma/backprop.hpp includes this file (with
// SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE defined) inside each ISA's namespace (avx512,
// avx2, neon, portable) and, on x86-64, inside that ISA's target region, after the ISA's
// vocabulary has defined vec<T> there.
//
// The order: every sum here is a chain of fused multiply-adds in increasing index order,
// one chain per output element, s = fma(a_k, b_k, s) for k = 0, 1, ... The kernels
// vectorize across the independent chains (L output elements per register), never along a
// chain, so each chain sees the same operations whatever L is: the same bits on every ISA
// (an fma is correctly rounded everywhere) and with every compiler (every fused operation
// is explicit; no plain product feeds a plain sum, so contraction has nothing to fuse).
// The weighted inputs of the forward pass are the layers' own canonical inner products.

#if !defined(SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE)
#error "soma/detail/training_kernels-inl.hpp is included by soma/backprop.hpp only"
#endif

// y_i = fma(a, x_i, y_i), i < n.
template <ieee_binary T>
[[gnu::always_inline]] inline void fused_axpy(T a, T const* x, T* y, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const va = V::splat(a);
    std::size_t i = 0;
    // Two registers per step: the chains are independent, so this is load/store bound
    // (two loads and one store per fma); unrolling further gains nothing measurable.
    for (; i + 2 * L <= n; i += 2 * L) {
        auto const y0 = V::fma(va, V::load(x + i), V::load(y + i));
        auto const y1 = V::fma(va, V::load(x + i + L), V::load(y + i + L));
        V::store(y + i, y0);
        V::store(y + i + L, y1);
    }
    for (; i + L <= n; i += L) V::store(y + i, V::fma(va, V::load(x + i), V::load(y + i)));
    // The last n - i < L elements one at a time (the same fma, rounded once): a masked
    // store here and the masked load of the next row's tail, in the same cache line,
    // cannot be forwarded; measured, AVX-512, a 8-16-2 network: the stalls were a third of
    // the training time.
    for (; i < n; ++i) y[i] = detail::fma(a, x[i], y[i]);
}

// The gradient of one example, added: G[r, i] = fma(delta_r, x_i, G[r, i]) (G row-major,
// rows x n) and g_r = g_r + delta_r, r < rows.
template <ieee_binary T>
void accumulate_outer(T const* delta, std::size_t rows, T const* x, std::size_t n, T* G,
                      T* g) noexcept {
    for (std::size_t r = 0; r < rows; ++r) {
        fused_axpy<T>(delta[r], x, G + r * n, n);
        g[r] = g[r] + delta[r];
    }
}

// The same sums kept transposed: Gt[i, r] = fma(x_i, delta_r, Gt[i, r]) (Gt row-major,
// n x rows), g_r = g_r + delta_r. fma(x, δ, G) = fma(δ, x, G) bit for bit, so the chains
// are those of accumulate_outer; for rows shorter than a register and columns at least one
// register long (8 inputs, 16 neurons) this keeps every fma in full registers.
template <ieee_binary T>
void accumulate_outer_transposed(T const* delta, std::size_t rows, T const* x, std::size_t n, T* Gt,
                                 T* g) noexcept {
    for (std::size_t i = 0; i < n; ++i) fused_axpy<T>(x[i], delta, Gt + i * rows, rows);
    for (std::size_t r = 0; r < rows; ++r) g[r] = g[r] + delta[r];
}

// e_i = Σ_r W[r, i] delta_r (W row-major, rows x n): the chain for e_i starts at -0 and
// adds fma(W[r, i], delta_r, e_i) for r = 0, 1, ..., rows - 1. Four registers of outputs
// per pass over the rows: four independent chains hide the fma latency (4 cycles), and
// each row's four loads are contiguous.
template <ieee_binary T>
void transposed_product(T const* W, std::size_t rows, std::size_t n, T const* delta,
                        T* e) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const negative_zero = V::splat(T(-0.0));
    std::size_t i = 0;
    for (; i + 4 * L <= n; i += 4 * L) {
        auto e0 = negative_zero, e1 = negative_zero, e2 = negative_zero, e3 = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            T const* const w = W + r * n + i;
            auto const d = V::splat(delta[r]);
            e0 = V::fma(V::load(w), d, e0);
            e1 = V::fma(V::load(w + L), d, e1);
            e2 = V::fma(V::load(w + 2 * L), d, e2);
            e3 = V::fma(V::load(w + 3 * L), d, e3);
        }
        V::store(e + i, e0);
        V::store(e + i + L, e1);
        V::store(e + i + 2 * L, e2);
        V::store(e + i + 3 * L, e3);
    }
    for (; i + L <= n; i += L) {
        auto s = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            s = V::fma(V::load(W + r * n + i), V::splat(delta[r]), s);
        }
        V::store(e + i, s);
    }
    if (i < n) {
        std::size_t const c = n - i;
        auto s = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            s = V::fma(V::load_first(W + r * n + i, c, negative_zero), V::splat(delta[r]), s);
        }
        V::store_first(e + i, s, c);
    }
}

// One step of gradient descent with momentum, element by element:
//   v_j = fma(mu, v_j, a·g_j),  w_j = w_j + v_j     (a = -learning rate · scale).
// mu = 0 is plain gradient descent: v_j = a·g_j + 0 (the same value as fma(a, g_j, 0)).
template <ieee_binary T>
void momentum_step(T mu, T a, T const* grad, T* velocity, T* w, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const vmu = V::splat(mu);
    auto const va = V::splat(a);
    std::size_t i = 0;
    for (; i + L <= n; i += L) {
        auto const v = V::fma(vmu, V::load(velocity + i), V::mul(va, V::load(grad + i)));
        V::store(velocity + i, v);
        V::store(w + i, V::add(V::load(w + i), v));
    }
    if (i < n) {
        std::size_t const c = n - i;
        auto const z = V::zero();
        auto const v = V::fma(vmu, V::load_first(velocity + i, c, z),
                              V::mul(va, V::load_first(grad + i, c, z)));
        V::store_first(velocity + i, v, c);
        V::store_first(w + i, V::add(V::load_first(w + i, c, z), v), c);
    }
}

// The kernels of this ISA, as one table (soma/backprop.hpp chooses one). With
// SOMA_SEPARATE_KERNELS only the SOMA_KERNELS_IMPLEMENTATION translation unit defines it.
#if defined(SOMA_SEPARATE_KERNELS) && !defined(SOMA_KERNELS_IMPLEMENTATION)
extern training_tables const training_table;
#else
SOMA_DETAIL_KERNEL_TABLE training_tables training_table{
    {vec<float>::lanes, &accumulate_outer<float>, &accumulate_outer_transposed<float>,
     &transposed_product<float>, &momentum_step<float>, &fused_axpy<float>},
    {vec<double>::lanes, &accumulate_outer<double>, &accumulate_outer_transposed<double>,
     &transposed_product<double>, &momentum_step<double>, &fused_axpy<double>}};
#endif
// ---- end soma/detail/training_kernels-inl.hpp ----
#undef SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx2
SOMA_DETAIL_TARGET_END
#endif

#if defined(SOMA_NEON_KERNELS)
namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::neon {
#define SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE 1
// ---- begin soma/detail/training_kernels-inl.hpp ----
// soma/detail/training_kernels-inl.hpp - the sums of backpropagation, written once over an
// ISA's vocabulary.
//
// No include guard, on purpose: soma/backprop.hpp includes this file (with
// SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE defined) inside each ISA's namespace (avx512,
// avx2, neon, portable) and, on x86-64, inside that ISA's target region, after the ISA's
// vocabulary has defined vec<T> there.
//
// The order: every sum here is a chain of fused multiply-adds in increasing index order,
// one chain per output element, s = fma(a_k, b_k, s) for k = 0, 1, ... The kernels
// vectorize across the independent chains (L output elements per register), never along a
// chain, so each chain sees the same operations whatever L is: the same bits on every ISA
// (an fma is correctly rounded everywhere) and with every compiler (every fused operation
// is explicit; no plain product feeds a plain sum, so contraction has nothing to fuse).
// The weighted inputs of the forward pass are the layers' own canonical inner products.

#if !defined(SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE)
#error "soma/detail/training_kernels-inl.hpp is included by soma/backprop.hpp only"
#endif

// y_i = fma(a, x_i, y_i), i < n.
template <ieee_binary T>
[[gnu::always_inline]] inline void fused_axpy(T a, T const* x, T* y, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const va = V::splat(a);
    std::size_t i = 0;
    // Two registers per step: the chains are independent, so this is load/store bound
    // (two loads and one store per fma); unrolling further gains nothing measurable.
    for (; i + 2 * L <= n; i += 2 * L) {
        auto const y0 = V::fma(va, V::load(x + i), V::load(y + i));
        auto const y1 = V::fma(va, V::load(x + i + L), V::load(y + i + L));
        V::store(y + i, y0);
        V::store(y + i + L, y1);
    }
    for (; i + L <= n; i += L) V::store(y + i, V::fma(va, V::load(x + i), V::load(y + i)));
    // The last n - i < L elements one at a time (the same fma, rounded once): a masked
    // store here and the masked load of the next row's tail, in the same cache line,
    // cannot be forwarded; measured, AVX-512, a 8-16-2 network: the stalls were a third of
    // the training time.
    for (; i < n; ++i) y[i] = detail::fma(a, x[i], y[i]);
}

// The gradient of one example, added: G[r, i] = fma(delta_r, x_i, G[r, i]) (G row-major,
// rows x n) and g_r = g_r + delta_r, r < rows.
template <ieee_binary T>
void accumulate_outer(T const* delta, std::size_t rows, T const* x, std::size_t n, T* G,
                      T* g) noexcept {
    for (std::size_t r = 0; r < rows; ++r) {
        fused_axpy<T>(delta[r], x, G + r * n, n);
        g[r] = g[r] + delta[r];
    }
}

// The same sums kept transposed: Gt[i, r] = fma(x_i, delta_r, Gt[i, r]) (Gt row-major,
// n x rows), g_r = g_r + delta_r. fma(x, δ, G) = fma(δ, x, G) bit for bit, so the chains
// are those of accumulate_outer; for rows shorter than a register and columns at least one
// register long (8 inputs, 16 neurons) this keeps every fma in full registers.
template <ieee_binary T>
void accumulate_outer_transposed(T const* delta, std::size_t rows, T const* x, std::size_t n, T* Gt,
                                 T* g) noexcept {
    for (std::size_t i = 0; i < n; ++i) fused_axpy<T>(x[i], delta, Gt + i * rows, rows);
    for (std::size_t r = 0; r < rows; ++r) g[r] = g[r] + delta[r];
}

// e_i = Σ_r W[r, i] delta_r (W row-major, rows x n): the chain for e_i starts at -0 and
// adds fma(W[r, i], delta_r, e_i) for r = 0, 1, ..., rows - 1. Four registers of outputs
// per pass over the rows: four independent chains hide the fma latency (4 cycles), and
// each row's four loads are contiguous.
template <ieee_binary T>
void transposed_product(T const* W, std::size_t rows, std::size_t n, T const* delta,
                        T* e) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const negative_zero = V::splat(T(-0.0));
    std::size_t i = 0;
    for (; i + 4 * L <= n; i += 4 * L) {
        auto e0 = negative_zero, e1 = negative_zero, e2 = negative_zero, e3 = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            T const* const w = W + r * n + i;
            auto const d = V::splat(delta[r]);
            e0 = V::fma(V::load(w), d, e0);
            e1 = V::fma(V::load(w + L), d, e1);
            e2 = V::fma(V::load(w + 2 * L), d, e2);
            e3 = V::fma(V::load(w + 3 * L), d, e3);
        }
        V::store(e + i, e0);
        V::store(e + i + L, e1);
        V::store(e + i + 2 * L, e2);
        V::store(e + i + 3 * L, e3);
    }
    for (; i + L <= n; i += L) {
        auto s = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            s = V::fma(V::load(W + r * n + i), V::splat(delta[r]), s);
        }
        V::store(e + i, s);
    }
    if (i < n) {
        std::size_t const c = n - i;
        auto s = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            s = V::fma(V::load_first(W + r * n + i, c, negative_zero), V::splat(delta[r]), s);
        }
        V::store_first(e + i, s, c);
    }
}

// One step of gradient descent with momentum, element by element:
//   v_j = fma(mu, v_j, a·g_j),  w_j = w_j + v_j     (a = -learning rate · scale).
// mu = 0 is plain gradient descent: v_j = a·g_j + 0 (the same value as fma(a, g_j, 0)).
template <ieee_binary T>
void momentum_step(T mu, T a, T const* grad, T* velocity, T* w, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const vmu = V::splat(mu);
    auto const va = V::splat(a);
    std::size_t i = 0;
    for (; i + L <= n; i += L) {
        auto const v = V::fma(vmu, V::load(velocity + i), V::mul(va, V::load(grad + i)));
        V::store(velocity + i, v);
        V::store(w + i, V::add(V::load(w + i), v));
    }
    if (i < n) {
        std::size_t const c = n - i;
        auto const z = V::zero();
        auto const v = V::fma(vmu, V::load_first(velocity + i, c, z),
                              V::mul(va, V::load_first(grad + i, c, z)));
        V::store_first(velocity + i, v, c);
        V::store_first(w + i, V::add(V::load_first(w + i, c, z), v), c);
    }
}

// The kernels of this ISA, as one table (soma/backprop.hpp chooses one). With
// SOMA_SEPARATE_KERNELS only the SOMA_KERNELS_IMPLEMENTATION translation unit defines it.
#if defined(SOMA_SEPARATE_KERNELS) && !defined(SOMA_KERNELS_IMPLEMENTATION)
extern training_tables const training_table;
#else
SOMA_DETAIL_KERNEL_TABLE training_tables training_table{
    {vec<float>::lanes, &accumulate_outer<float>, &accumulate_outer_transposed<float>,
     &transposed_product<float>, &momentum_step<float>, &fused_axpy<float>},
    {vec<double>::lanes, &accumulate_outer<double>, &accumulate_outer_transposed<double>,
     &transposed_product<double>, &momentum_step<double>, &fused_axpy<double>}};
#endif
// ---- end soma/detail/training_kernels-inl.hpp ----
#undef SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::neon
#endif

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::portable {
#define SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE 1
// ---- begin soma/detail/training_kernels-inl.hpp ----
// soma/detail/training_kernels-inl.hpp - the sums of backpropagation, written once over an
// ISA's vocabulary.
//
// No include guard, on purpose: soma/backprop.hpp includes this file (with
// SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE defined) inside each ISA's namespace (avx512,
// avx2, neon, portable) and, on x86-64, inside that ISA's target region, after the ISA's
// vocabulary has defined vec<T> there.
//
// The order: every sum here is a chain of fused multiply-adds in increasing index order,
// one chain per output element, s = fma(a_k, b_k, s) for k = 0, 1, ... The kernels
// vectorize across the independent chains (L output elements per register), never along a
// chain, so each chain sees the same operations whatever L is: the same bits on every ISA
// (an fma is correctly rounded everywhere) and with every compiler (every fused operation
// is explicit; no plain product feeds a plain sum, so contraction has nothing to fuse).
// The weighted inputs of the forward pass are the layers' own canonical inner products.

#if !defined(SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE)
#error "soma/detail/training_kernels-inl.hpp is included by soma/backprop.hpp only"
#endif

// y_i = fma(a, x_i, y_i), i < n.
template <ieee_binary T>
[[gnu::always_inline]] inline void fused_axpy(T a, T const* x, T* y, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const va = V::splat(a);
    std::size_t i = 0;
    // Two registers per step: the chains are independent, so this is load/store bound
    // (two loads and one store per fma); unrolling further gains nothing measurable.
    for (; i + 2 * L <= n; i += 2 * L) {
        auto const y0 = V::fma(va, V::load(x + i), V::load(y + i));
        auto const y1 = V::fma(va, V::load(x + i + L), V::load(y + i + L));
        V::store(y + i, y0);
        V::store(y + i + L, y1);
    }
    for (; i + L <= n; i += L) V::store(y + i, V::fma(va, V::load(x + i), V::load(y + i)));
    // The last n - i < L elements one at a time (the same fma, rounded once): a masked
    // store here and the masked load of the next row's tail, in the same cache line,
    // cannot be forwarded; measured, AVX-512, a 8-16-2 network: the stalls were a third of
    // the training time.
    for (; i < n; ++i) y[i] = detail::fma(a, x[i], y[i]);
}

// The gradient of one example, added: G[r, i] = fma(delta_r, x_i, G[r, i]) (G row-major,
// rows x n) and g_r = g_r + delta_r, r < rows.
template <ieee_binary T>
void accumulate_outer(T const* delta, std::size_t rows, T const* x, std::size_t n, T* G,
                      T* g) noexcept {
    for (std::size_t r = 0; r < rows; ++r) {
        fused_axpy<T>(delta[r], x, G + r * n, n);
        g[r] = g[r] + delta[r];
    }
}

// The same sums kept transposed: Gt[i, r] = fma(x_i, delta_r, Gt[i, r]) (Gt row-major,
// n x rows), g_r = g_r + delta_r. fma(x, δ, G) = fma(δ, x, G) bit for bit, so the chains
// are those of accumulate_outer; for rows shorter than a register and columns at least one
// register long (8 inputs, 16 neurons) this keeps every fma in full registers.
template <ieee_binary T>
void accumulate_outer_transposed(T const* delta, std::size_t rows, T const* x, std::size_t n, T* Gt,
                                 T* g) noexcept {
    for (std::size_t i = 0; i < n; ++i) fused_axpy<T>(x[i], delta, Gt + i * rows, rows);
    for (std::size_t r = 0; r < rows; ++r) g[r] = g[r] + delta[r];
}

// e_i = Σ_r W[r, i] delta_r (W row-major, rows x n): the chain for e_i starts at -0 and
// adds fma(W[r, i], delta_r, e_i) for r = 0, 1, ..., rows - 1. Four registers of outputs
// per pass over the rows: four independent chains hide the fma latency (4 cycles), and
// each row's four loads are contiguous.
template <ieee_binary T>
void transposed_product(T const* W, std::size_t rows, std::size_t n, T const* delta,
                        T* e) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const negative_zero = V::splat(T(-0.0));
    std::size_t i = 0;
    for (; i + 4 * L <= n; i += 4 * L) {
        auto e0 = negative_zero, e1 = negative_zero, e2 = negative_zero, e3 = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            T const* const w = W + r * n + i;
            auto const d = V::splat(delta[r]);
            e0 = V::fma(V::load(w), d, e0);
            e1 = V::fma(V::load(w + L), d, e1);
            e2 = V::fma(V::load(w + 2 * L), d, e2);
            e3 = V::fma(V::load(w + 3 * L), d, e3);
        }
        V::store(e + i, e0);
        V::store(e + i + L, e1);
        V::store(e + i + 2 * L, e2);
        V::store(e + i + 3 * L, e3);
    }
    for (; i + L <= n; i += L) {
        auto s = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            s = V::fma(V::load(W + r * n + i), V::splat(delta[r]), s);
        }
        V::store(e + i, s);
    }
    if (i < n) {
        std::size_t const c = n - i;
        auto s = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            s = V::fma(V::load_first(W + r * n + i, c, negative_zero), V::splat(delta[r]), s);
        }
        V::store_first(e + i, s, c);
    }
}

// One step of gradient descent with momentum, element by element:
//   v_j = fma(mu, v_j, a·g_j),  w_j = w_j + v_j     (a = -learning rate · scale).
// mu = 0 is plain gradient descent: v_j = a·g_j + 0 (the same value as fma(a, g_j, 0)).
template <ieee_binary T>
void momentum_step(T mu, T a, T const* grad, T* velocity, T* w, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const vmu = V::splat(mu);
    auto const va = V::splat(a);
    std::size_t i = 0;
    for (; i + L <= n; i += L) {
        auto const v = V::fma(vmu, V::load(velocity + i), V::mul(va, V::load(grad + i)));
        V::store(velocity + i, v);
        V::store(w + i, V::add(V::load(w + i), v));
    }
    if (i < n) {
        std::size_t const c = n - i;
        auto const z = V::zero();
        auto const v = V::fma(vmu, V::load_first(velocity + i, c, z),
                              V::mul(va, V::load_first(grad + i, c, z)));
        V::store_first(velocity + i, v, c);
        V::store_first(w + i, V::add(V::load_first(w + i, c, z), v), c);
    }
}

// The kernels of this ISA, as one table (soma/backprop.hpp chooses one). With
// SOMA_SEPARATE_KERNELS only the SOMA_KERNELS_IMPLEMENTATION translation unit defines it.
#if defined(SOMA_SEPARATE_KERNELS) && !defined(SOMA_KERNELS_IMPLEMENTATION)
extern training_tables const training_table;
#else
SOMA_DETAIL_KERNEL_TABLE training_tables training_table{
    {vec<float>::lanes, &accumulate_outer<float>, &accumulate_outer_transposed<float>,
     &transposed_product<float>, &momentum_step<float>, &fused_axpy<float>},
    {vec<double>::lanes, &accumulate_outer<double>, &accumulate_outer_transposed<double>,
     &transposed_product<double>, &momentum_step<double>, &fused_axpy<double>}};
#endif
// ---- end soma/detail/training_kernels-inl.hpp ----
#undef SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::portable

namespace soma {

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// ISA i's training kernels; the portable ones when this build has none for i.
template <ieee_binary T>
[[nodiscard]] constexpr training_kernels_of<T> const& training_kernels_for(isa i) noexcept {
#if defined(SOMA_X86_KERNELS)
    if (i == isa::avx512) return avx512::training_table.of<T>();
    if (i == isa::avx2_fma) return avx2::training_table.of<T>();
#endif
#if defined(SOMA_NEON_KERNELS)
    if (i == isa::neon) return neon::training_table.of<T>();
#endif
    (void)i;
    return portable::training_table.of<T>();
}

// The training kernels of the ISA the table kernels() chose, chosen once.
template <ieee_binary T>
[[nodiscard]] inline training_kernels_of<T> const& training_kernels() noexcept {
    if constexpr (runtime_dispatch) {
        static training_kernels_of<T> const* const chosen = &training_kernels_for<T>(kernels().id);
        return *chosen;
    } else {
        return training_kernels_for<T>(compiled_isa);
    }
}

template <class T, std::size_t N>
using vector_of = std::conditional_t<N == std::dynamic_extent, std::vector<T>, std::array<T, N>>;

template <class T, std::size_t N>
[[nodiscard]] constexpr vector_of<T, N> make_vector(std::size_t n) {
    if constexpr (N == std::dynamic_extent) {
        return std::vector<T>(n);
    } else {
        (void)n;
        return std::array<T, N>{};
    }
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// The parameters of one dense layer, row-major: W (outputs x inputs; W[r * inputs + i] is
// weight i of neuron r) and b. Static extents keep them in std::array (no allocation),
// run-time ones in std::vector. The same type holds a layer's gradient ∂E/∂W, ∂E/∂b.
template <class T, std::size_t In, std::size_t Out>
class layer_parameters {
public:
    using value_type = T;

    constexpr layer_parameters() requires(In != std::dynamic_extent) = default;
    constexpr layer_parameters(std::size_t inputs, std::size_t outputs)
        : in_(inputs),
          out_(outputs),
          W_(detail::make_vector<T, detail::extent_product<In, Out>>(inputs * outputs)),
          b_(detail::make_vector<T, Out>(outputs)) {}

    [[nodiscard]] constexpr std::size_t inputs() const noexcept { return in_; }
    [[nodiscard]] constexpr std::size_t outputs() const noexcept { return out_; }
    [[nodiscard]] constexpr std::span<T> weights() noexcept { return W_; }
    [[nodiscard]] constexpr std::span<T const> weights() const noexcept { return W_; }
    [[nodiscard]] constexpr std::span<T> biases() noexcept { return b_; }
    [[nodiscard]] constexpr std::span<T const> biases() const noexcept { return b_; }
    // W[r, i].
    [[nodiscard]] constexpr T& weight(std::size_t r, std::size_t i) noexcept {
        return W_[r * in_ + i];
    }
    [[nodiscard]] constexpr T weight(std::size_t r, std::size_t i) const noexcept {
        return W_[r * in_ + i];
    }

    friend constexpr bool operator==(layer_parameters const&, layer_parameters const&) = default;

private:
    std::size_t in_ = In;
    std::size_t out_ = Out;
    detail::vector_of<T, detail::extent_product<In, Out>> W_{};
    detail::vector_of<T, Out> b_{};
};

template <class Net>
class network_parameters;

// Every layer's parameters of a soma::network of dense layers, in layer order. spans()
// lists them as W_1, b_1, W_2, b_2, ...: what an optimizer walks.
template <class... Layers>
class network_parameters<network<Layers...>> {
public:
    using network_type = network<Layers...>;
    using value_type = typename network_type::value_type;
    static constexpr std::size_t depth = sizeof...(Layers);

    // The shapes of net's layers, every value 0.
    explicit constexpr network_parameters(network_type const& net)
        : layers_(make(net, std::index_sequence_for<Layers...>{})) {}

    template <std::size_t K>
    [[nodiscard]] constexpr auto& layer() noexcept {
        return std::get<K>(layers_);
    }
    template <std::size_t K>
    [[nodiscard]] constexpr auto const& layer() const noexcept {
        return std::get<K>(layers_);
    }

    [[nodiscard]] constexpr std::array<std::span<value_type>, 2 * depth> spans() noexcept {
        return spans_of<value_type>(*this, std::index_sequence_for<Layers...>{});
    }
    [[nodiscard]] constexpr std::array<std::span<value_type const>, 2 * depth> spans()
        const noexcept {
        return spans_of<value_type const>(*this, std::index_sequence_for<Layers...>{});
    }
    // The number of parameters (weights and biases) of all layers.
    [[nodiscard]] constexpr std::size_t size() const noexcept {
        std::size_t n = 0;
        for (auto const& s : spans()) n += s.size();
        return n;
    }
    constexpr void fill(value_type v) noexcept {
        for (auto const& s : spans()) {
            for (value_type& p : s) p = v;
        }
    }

    // The parameters of net's layers.
    [[nodiscard]] static constexpr network_parameters of(network_type const& net) {
        network_parameters p(net);
        p.read(net, std::index_sequence_for<Layers...>{});
        return p;
    }
    // Writes these parameters into net's layers (the shapes must be net's).
    constexpr void store(network_type& net) const {
        store_into(net, std::index_sequence_for<Layers...>{});
    }

    friend constexpr bool operator==(network_parameters const&,
                                     network_parameters const&) = default;

private:
    using tuple_type =
        std::tuple<layer_parameters<value_type, Layers::in_extent, Layers::out_extent>...>;

    template <std::size_t... K>
    static constexpr tuple_type make(network_type const& net, std::index_sequence<K...>) {
        return tuple_type(std::tuple_element_t<K, tuple_type>(
            net.template layer<K>().inputs(), net.template layer<K>().outputs())...);
    }
    template <class V, class Self, std::size_t... K>
    static constexpr std::array<std::span<V>, 2 * depth> spans_of(Self& self,
                                                                  std::index_sequence<K...>) {
        std::array<std::span<V>, 2 * depth> s{};
        ((s[2 * K] = std::get<K>(self.layers_).weights(),
          s[2 * K + 1] = std::get<K>(self.layers_).biases()),
         ...);
        return s;
    }
    template <std::size_t... K>
    constexpr void read(network_type const& net, std::index_sequence<K...>) {
        (read_layer<K>(net), ...);
    }
    template <std::size_t K>
    constexpr void read_layer(network_type const& net) {
        auto const& l = net.template layer<K>();
        auto& p = std::get<K>(layers_);
        auto const W = l.weights();
        auto const b = l.biases();
        for (std::size_t j = 0; j < p.weights().size(); ++j) p.weights()[j] = W[j];
        for (std::size_t j = 0; j < p.biases().size(); ++j) p.biases()[j] = b[j];
    }
    template <std::size_t... K>
    constexpr void store_into(network_type& net, std::index_sequence<K...>) const {
        (net.template set_parameters<K>(std::get<K>(layers_).weights(),
                                        std::get<K>(layers_).biases()),
         ...);
    }

    tuple_type layers_;
};

// Initial weights from a seed: layer by layer, W row-major, each weight uniform in
// [-l, l] with l = sqrt(6 / (inputs + outputs)) (Glorot and Bengio, 2010: the variance
// 2 / (inputs + outputs) keeps the signal's scale through tanh and sigmoid layers), drawn
// as random_generator::uniform(-l, l); every bias 0. The same bits for the same seed
// everywhere (l: std::sqrt of a quotient, both correctly rounded).
template <class... Layers>
constexpr void initialize(network_parameters<network<Layers...>>& p, random_generator& g) {
    using T = typename network<Layers...>::value_type;
    auto const init = [&](auto& layer) {
        T const fan = static_cast<T>(layer.inputs() + layer.outputs());
        T const l = std::sqrt(T(6) / fan);
        for (T& w : layer.weights()) w = g.template uniform<T>(-l, l);
        for (T& b : layer.biases()) b = T(0);
    };
    [&]<std::size_t... K>(std::index_sequence<K...>) {
        (init(p.template layer<K>()), ...);
    }
    (std::index_sequence_for<Layers...>{});
}

// Sets net's parameters to initialize()'s from `seed`.
template <class... Layers>
void initialize(network<Layers...>& net, std::uint64_t seed) {
    network_parameters<network<Layers...>> p(net);
    random_generator g(seed);
    initialize(p, g);
    p.store(net);
}

// Backpropagation for a network of dense layers and a loss: keeps its own copy of the
// parameters (row-major), the gradient summed over the examples given since the last
// zero_gradients(), and every buffer a pass needs, all made by the constructor: nothing
// is allocated per example.
template <class Net, class Loss = squared_error>
class backprop;

template <class... Layers, class Loss>
class backprop<network<Layers...>, Loss> {
public:
    using network_type = network<Layers...>;
    using value_type = typename network_type::value_type;
    using parameters_type = network_parameters<network_type>;
    static constexpr std::size_t depth = sizeof...(Layers);
    static_assert(detail::ieee_binary<value_type>, "soma::backprop: networks of float or double");

    explicit backprop(network_type const& net, Loss loss = Loss{})
        : net_(net),
          loss_(std::move(loss)),
          params_(parameters_type::of(net)),
          grad_(net),
          transposed_(net),
          z_(buffers(net, std::index_sequence_for<Layers...>{})),
          y_(buffers(net, std::index_sequence_for<Layers...>{})),
          delta_(buffers(net, std::index_sequence_for<Layers...>{})),
          kernels_(&detail::kernels().of<value_type>()),
          training_kernels_(&detail::training_kernels<value_type>()),
          transposed_layers_(
              transposed_layers(net, *training_kernels_, std::index_sequence_for<Layers...>{})) {}

    [[nodiscard]] parameters_type& parameters() noexcept { return params_; }
    [[nodiscard]] parameters_type const& parameters() const noexcept { return params_; }
    // Σ over the examples since zero_gradients() of ∂E/∂W_k and ∂E/∂b_k.
    [[nodiscard]] parameters_type const& gradients() const noexcept {
        if (pending_) {
            sync(std::index_sequence_for<Layers...>{});
            pending_ = false;
        }
        return grad_;
    }
    void zero_gradients() noexcept {
        grad_.fill(value_type(0));
        transposed_.fill(value_type(0));
        pending_ = false;
    }
    [[nodiscard]] Loss const& loss() const noexcept { return loss_; }

    [[nodiscard]] std::size_t inputs() const noexcept { return net_.inputs(); }
    [[nodiscard]] std::size_t outputs() const noexcept { return net_.outputs(); }

    // y = net(x) with parameters(): bitwise what the network gives once they are stored.
    // x has inputs() values; the result (outputs() values) lives until the next call.
    SOMA_ABI [[nodiscard]] std::span<value_type const> forward(std::span<value_type const> x) {
        check(x.size(), inputs(), "x", "inputs");
        forward_from<0>(x.data());
        return std::get<depth - 1>(y_);
    }

    // One example (x, t): the forward pass, then its gradient added to gradients().
    // Returns the loss E(net(x), t). Throws std::invalid_argument when x or t does not
    // have the network's number of inputs or outputs.
    SOMA_ABI value_type accumulate(std::span<value_type const> x, std::span<value_type const> t) {
        check(x.size(), inputs(), "x", "inputs");
        check(t.size(), outputs(), "t", "outputs");
        forward_from<0>(x.data());
        auto const& out = net_.template layer<depth - 1>();
        std::span<value_type const> const y = std::get<depth - 1>(y_);
        loss_.output_delta(out.activation(), std::span<value_type const>(std::get<depth - 1>(z_)),
                           y, t, std::span<value_type>(std::get<depth - 1>(delta_)));
        backward_from<depth - 1>(x.data());
        return loss_.value(y, t);
    }

    // Writes parameters() into net.
    void store(network_type& net) const { params_.store(net); }

private:
    template <std::size_t... K>
    static auto buffers(network_type const& net, std::index_sequence<K...>) {
        return std::tuple(detail::output_buffer(net.template layer<K>())...);
    }

    static void check(std::size_t size, std::size_t expected, char const* name,
                      char const* expected_name) {
        if (size != expected) {
            detail::throw_size_mismatch("soma::backprop", name, size, expected_name, expected);
        }
    }

    // keeps_transposed for each layer, decided once.
    template <std::size_t... K>
    static std::array<bool, depth> transposed_layers(
        network_type const& net, detail::training_kernels_of<value_type> const& tk,
        std::index_sequence<K...>) noexcept {
        return {keeps_transposed(tk, net.template layer<K>().outputs(),
                                 net.template layer<K>().inputs())...};
    }

    template <std::size_t K>
    SOMA_ABI void forward_from(value_type const* x) {
        auto const& l = net_.template layer<K>();
        auto const& p = params_.template layer<K>();
        auto& z = std::get<K>(z_);
        auto& y = std::get<K>(y_);
        std::size_t const rows = p.outputs();
        kernels_->inner_products(p.weights().data(), rows, p.inputs(), x, p.biases().data(), 1,
                                 z.data());
        using A = std::remove_cvref_t<decltype(l.activation())>;
        if constexpr (std::same_as<A, sigmoid_activation>) {
            kernels_->sigmoid(z.data(), y.data(), rows);
        } else if constexpr (requires(A const& a, std::span<value_type> s) { a(s); }) {
            for (std::size_t r = 0; r < rows; ++r) y[r] = z[r];
            l.activation()(std::span<value_type>(y.data(), rows));
        } else {
            for (std::size_t r = 0; r < rows; ++r) {
                y[r] = static_cast<value_type>(std::invoke(l.activation(), z[r]));
            }
        }
        if constexpr (K + 1 < depth) forward_from<K + 1>(y.data());
    }

    // delta_K is δ_K: adds its gradient, then makes δ_{K-1} and recurses.
    template <std::size_t K>
    SOMA_ABI void backward_from(value_type const* x) {
        auto const& tk = *training_kernels_;
        auto const& p = params_.template layer<K>();
        auto& g = grad_.template layer<K>();
        auto const& delta = std::get<K>(delta_);
        value_type const* const input = K == 0 ? x : previous_output<K>();
        if (transposed_layers_[K]) {
            tk.accumulate_outer_transposed(delta.data(), p.outputs(), input, p.inputs(),
                                           transposed_.template layer<K>().weights().data(),
                                           g.biases().data());
            pending_ = true;
        } else {
            tk.accumulate_outer(delta.data(), p.outputs(), input, p.inputs(), g.weights().data(),
                                g.biases().data());
        }
        if constexpr (K > 0) {
            auto& before = std::get<K - 1>(delta_);
            tk.transposed_product(p.weights().data(), p.outputs(), p.inputs(), delta.data(),
                                  before.data());
            auto const& a = net_.template layer<K - 1>().activation();
            auto const& z = std::get<K - 1>(z_);
            auto const& y = std::get<K - 1>(y_);
            for (std::size_t j = 0; j < p.inputs(); ++j) {
                before[j] = before[j] * detail::activation_derivative(a, z[j], y[j]);
            }
            backward_from<K - 1>(x);
        }
    }

    // Whether a layer's weight gradient is summed transposed (n x rows): when that puts
    // fewer values outside full registers, counting a full register as one operation and
    // each value of a partial one as one (the tails go one value at a time).
    [[nodiscard]] static bool keeps_transposed(detail::training_kernels_of<value_type> const& tk,
                                               std::size_t rows, std::size_t n) noexcept {
        std::size_t const L = tk.lanes;
        return n * (rows / L + rows % L) < rows * (n / L + n % L);
    }

    template <std::size_t... K>
    void sync(std::index_sequence<K...>) const noexcept {
        (sync_layer<K>(), ...);
    }
    template <std::size_t K>
    void sync_layer() const noexcept {
        if (!transposed_layers_[K]) return;
        auto const& p = params_.template layer<K>();
        std::size_t const rows = p.outputs(), n = p.inputs();
        auto const Gt = transposed_.template layer<K>().weights();
        auto const G = grad_.template layer<K>().weights();
        for (std::size_t r = 0; r < rows; ++r) {
            for (std::size_t i = 0; i < n; ++i) G[r * n + i] = Gt[i * rows + r];
        }
    }

    template <std::size_t K>
    [[nodiscard]] value_type const* previous_output() const noexcept {
        if constexpr (K == 0) {
            return nullptr;
        } else {
            return std::get<K - 1>(y_).data();
        }
    }

    network_type net_;  // the shapes and activations
    [[no_unique_address]] Loss loss_;
    parameters_type params_;
    mutable parameters_type grad_;
    parameters_type transposed_;    // the weight gradients summed transposed (keeps_transposed)
    mutable bool pending_ = false;  // transposed_ holds sums not yet copied into grad_
    std::tuple<typename Layers::output_type...> z_;
    std::tuple<typename Layers::output_type...> y_;
    std::tuple<typename Layers::output_type...> delta_;
    detail::kernels_of<value_type> const* kernels_;  // the table kernels() chose
    detail::training_kernels_of<value_type> const* training_kernels_;
    std::array<bool, depth> transposed_layers_;  // keeps_transposed of each layer
};

template <class... Layers>
backprop(network<Layers...> const&) -> backprop<network<Layers...>>;
template <class... Layers, class Loss>
backprop(network<Layers...> const&, Loss) -> backprop<network<Layers...>, Loss>;

}  // namespace soma

#endif  // SOMA_BACKPROP_HPP
// ---- end soma/backprop.hpp ----
// ---- begin soma/data.hpp ----
// soma/data.hpp - training data: pairs (x, t) of an input vector and a target vector.
//
// A soma::dataset<T> holds P pairs, each of n inputs x and m outputs (targets) t. The
// inputs of all pairs are one row-major P x n matrix in one contiguous std::vector<T>
// (row p is x_p), the outputs one P x m matrix; input(p) and output(p) are spans into them.
//
// Two text formats are read:
//
//   FANN's training-file format (read_fann, written by write_fann):
//       P n m                        line 1: pairs, inputs per pair, outputs per pair
//       x_1 x_2 ... x_n              line 2: the inputs of pair 1
//       t_1 ... t_m                  line 3: its outputs
//       ...                          (P pairs: 2P lines after the header)
//   Values are separated by spaces or tabs. Every pair is exactly two lines, as in the data
//   files that come with FANN: a line with too few or too many values is an error. A
//   trailing '\r' (CRLF line ends) and trailing whitespace are ignored, and so are blank
//   lines after the last pair; anything else after it is an error.
//
//   CSV (read_csv): one pair per line, the last m columns are the outputs t, the others the
//   inputs x; every line has the same number of columns. The separator is a parameter
//   (default ','), an optional first line (a header) is skipped, spaces and tabs around a
//   value are ignored, blank lines at the end are allowed. No quoting: a quoted value is
//   not a number.
//
// Numbers. Floating-point values are decimal (1, -0.5, 2.5e-3, .5) or hexadecimal floats
// (0x1.8p+1, -0x1p-3), read with std::from_chars: correctly rounded to T (round to
// nearest even). A leading '+' is allowed; -0 reads as -0. A value too large for T
// (1e39 for float) is an error; one below 1e-46 for float or 1e-324 for double (under
// half the smallest subnormal, 2^-149 ≈ 1.4e-45 and 2^-1074 ≈ 4.9e-324) rounds to ±0, as
// correct rounding says; one between that and half the smallest subnormal is reported as
// out of range (libraries differ there). NaN and infinity are rejected
// ("nan", "inf"): they are no data a neuron can learn from. Integral T reads decimal
// integers in T's range.
//
// Errors. Every reader throws std::invalid_argument (through soma's error mechanism: the
// error handler of soma/errors.hpp under -fno-exceptions) whose message names the
// function, the file when read from a path, the line (1-based) and what is wrong, e.g.
//     soma::read_fann: data/xor.train: line 5: 'O.5' is not a number
//     soma::read_fann: line 4: 3 values, expected 2 (the inputs of pair 2)
//     soma::read_fann: line 9: the data end after 3 of the 4 pairs the header (line 1) announces
// Nothing is returned on error.
#ifndef SOMA_DATA_HPP
#define SOMA_DATA_HPP

#include <algorithm>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>


namespace soma {

// P pairs (x_p, t_p) of n = inputs() inputs and m = outputs() outputs each.
template <scalar T>
class dataset {
public:
    using value_type = T;

    // No pairs, and 0 inputs and outputs: a placeholder to assign to.
    dataset() = default;

    // No pairs yet; push_back adds them. Requires inputs >= 1 and outputs >= 1 (else
    // std::invalid_argument).
    dataset(std::size_t inputs, std::size_t outputs) : n_(inputs), m_(outputs) { check_shape(); }

    // From the two row-major matrices: X is P x inputs, Y is P x outputs (row p the pair p).
    // Requires inputs >= 1, outputs >= 1, X.size() a multiple of inputs and the same P
    // rows in Y (else std::invalid_argument naming the sizes).
    dataset(std::size_t inputs, std::size_t outputs, std::vector<T> X, std::vector<T> Y)
        : n_(inputs), m_(outputs), x_(std::move(X)), t_(std::move(Y)) {
        check_shape();
        if (x_.size() % n_ != 0 || t_.size() != x_.size() / n_ * m_) {
            detail::raise<std::invalid_argument>(
                "soma::dataset: X has " + std::to_string(x_.size()) + " values and Y has " +
                std::to_string(t_.size()) + ", which are not P x " + std::to_string(n_) +
                " and P x " + std::to_string(m_) + " for one P");
        }
    }

    // Appends the pair (x, t). Sizes must be inputs() and outputs() (else
    // std::invalid_argument naming both sizes; nothing is appended).
    void push_back(std::span<T const> x, std::span<T const> t) {
        if (x.size() != n_)
            detail::throw_size_mismatch("soma::dataset", "x", x.size(), "the pairs' inputs", n_);
        if (t.size() != m_)
            detail::throw_size_mismatch("soma::dataset", "t", t.size(), "the pairs' outputs", m_);
        x_.insert(x_.end(), x.begin(), x.end());
        t_.insert(t_.end(), t.begin(), t.end());
    }

    // P, the number of pairs.
    [[nodiscard]] std::size_t size() const noexcept { return n_ == 0 ? 0 : x_.size() / n_; }
    [[nodiscard]] bool empty() const noexcept { return x_.empty(); }
    // n, the inputs of a pair.
    [[nodiscard]] std::size_t inputs() const noexcept { return n_; }
    // m, the outputs of a pair.
    [[nodiscard]] std::size_t outputs() const noexcept { return m_; }

    // x_p, the inputs of pair p (0-based); p < size() (else std::invalid_argument).
    [[nodiscard]] std::span<T const> input(std::size_t p) const {
        check_pair(p);
        return std::span<T const>(x_).subspan(p * n_, n_);
    }
    // t_p, the outputs of pair p (0-based); p < size() (else std::invalid_argument).
    [[nodiscard]] std::span<T const> output(std::size_t p) const {
        check_pair(p);
        return std::span<T const>(t_).subspan(p * m_, m_);
    }

    // The P x n matrix of all inputs, row-major (row p is x_p).
    [[nodiscard]] std::span<T const> inputs_matrix() const noexcept { return x_; }
    // The P x m matrix of all outputs, row-major (row p is t_p).
    [[nodiscard]] std::span<T const> outputs_matrix() const noexcept { return t_; }

    // The same shape and values compare equal with == (so -0 == +0; compare bits to tell).
    friend bool operator==(dataset const&, dataset const&) = default;

private:
    void check_shape() const {
        if (n_ == 0 || m_ == 0) {
            detail::raise<std::invalid_argument>(
                "soma::dataset: a pair needs at least one input and one output (got " +
                std::to_string(n_) + " inputs, " + std::to_string(m_) + " outputs)");
        }
    }
    void check_pair(std::size_t p) const {
        if (p >= size()) {
            detail::raise<std::invalid_argument>("soma::dataset: pair " + std::to_string(p) +
                                                 " of a dataset of " + std::to_string(size()) +
                                                 " pairs");
        }
    }

    std::size_t n_ = 0;
    std::size_t m_ = 0;
    std::vector<T> x_;
    std::vector<T> t_;
};

// read_csv's options.
struct csv_options {
    // Between two values on a line. Not a character of a number (digit, sign, '.', a
    // letter), not a line end.
    char separator = ',';
    // Whether line 1 is a header (column names) to skip; it is not checked.
    bool header = false;
};

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

[[nodiscard]] constexpr bool blank_char(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}
[[nodiscard]] constexpr bool digit_char(char c) noexcept {
    return c >= '0' && c <= '9';
}
[[nodiscard]] constexpr bool hex_digit_char(char c) noexcept {
    return digit_char(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

[[nodiscard]] inline std::string_view trimmed(std::string_view s) noexcept {
    while (!s.empty() && blank_char(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank_char(s.back())) s.remove_suffix(1);
    return s;
}

enum class parse_status { ok, not_a_number, out_of_range };

// For a number std::from_chars reports out of range: whether it certainly rounds to
// zero in T, being below half the smallest subnormal 2^d, d = min_exponent - digits
// (float 2^-149, double 2^-1074). s is the significand and exponent, without sign or 0x.
// With k the position of the first nonzero digit relative to the point (12.5: 2, 0.03: -1)
// and e the exponent, the value is below 10^(k + e), or 16^k 2^e for hex. Libraries differ
// on whether a subnormal result is "out of range"; values near the subnormal range are
// therefore reported as out of range rather than guessed.
template <std::floating_point T>
[[nodiscard]] bool rounds_to_zero(std::string_view s, bool hex) noexcept {
    std::size_t const e_at = s.find_first_of(hex ? "pP" : "eE");
    std::string_view const significand = s.substr(0, e_at);
    long long e = 0;
    if (e_at != std::string_view::npos) {
        std::string_view x = s.substr(e_at + 1);
        bool const negative = !x.empty() && x.front() == '-';
        if (!x.empty() && (x.front() == '-' || x.front() == '+')) x.remove_prefix(1);
        auto const r = std::from_chars(x.data(), x.data() + x.size(), e);
        // An exponent this large decides alone (and k + e below cannot overflow).
        if (r.ec == std::errc::result_out_of_range || e > (1LL << 40)) return negative;
        if (negative) e = -e;
    }
    std::size_t const point = std::min(significand.find('.'), significand.size());
    std::size_t const first = significand.find_first_not_of("0.");
    if (first == std::string_view::npos) return true;  // zero
    long long const k = first < point ? static_cast<long long>(point - first)
                                      : -static_cast<long long>(first - point - 1);
    long long const half_denorm = std::numeric_limits<T>::min_exponent -
                                  std::numeric_limits<T>::digits - 1;  // log2(denorm_min / 2)
    // 10^x = 2^(3.3219... x) < 2^(3.32 x) for x < 0.
    return hex ? 4 * k + e <= half_denorm : 332 * (k + e) <= 100 * half_denorm;
}

// Parses the whole of token as a T (the rules at the top of this file).
template <scalar T>
[[nodiscard]] parse_status parse_value(std::string_view token, T& v) noexcept {
    char const* first = token.data();
    char const* const last = token.data() + token.size();
    if (first != last && *first == '+') {
        ++first;
        if (first == last || *first == '-' || *first == '+') return parse_status::not_a_number;
    }
    if constexpr (std::floating_point<T>) {
        bool const negative = first != last && *first == '-';
        if (negative) ++first;
        bool const hex =
            last - first >= 2 && first[0] == '0' && (first[1] == 'x' || first[1] == 'X');
        if (hex) first += 2;
        // from_chars reads "inf", "nan" and signs of its own: only a digit or '.' may start.
        if (first == last ||
            !((hex ? hex_digit_char(*first) : digit_char(*first)) || *first == '.'))
            return parse_status::not_a_number;
        auto const r = std::from_chars(first, last, v,
                                       hex ? std::chars_format::hex : std::chars_format::general);
        if (r.ptr != last || (r.ec != std::errc{} && r.ec != std::errc::result_out_of_range))
            return parse_status::not_a_number;
        if (r.ec == std::errc::result_out_of_range) {
            if (!rounds_to_zero<T>(std::string_view(first, static_cast<std::size_t>(last - first)),
                                   hex))
                return parse_status::out_of_range;
            v = T(0);  // the correctly rounded value
        }
        if (negative) v = -v;
        return parse_status::ok;
    } else {
        if (first == last || !(digit_char(*first) || *first == '-'))
            return parse_status::not_a_number;
        auto const r = std::from_chars(first, last, v);
        if (r.ptr != last) return parse_status::not_a_number;
        if (r.ec == std::errc::result_out_of_range) return parse_status::out_of_range;
        if (r.ec != std::errc{}) return parse_status::not_a_number;
        return parse_status::ok;
    }
}

template <class T>
[[nodiscard]] constexpr char const* type_name() noexcept {
    if constexpr (std::same_as<T, float>)
        return "float";
    else if constexpr (std::same_as<T, double>)
        return "double";
    else if constexpr (std::same_as<T, long double>)
        return "long double";
    else if constexpr (std::signed_integral<T>)
        return "a signed integer of this size";
    else
        return "an unsigned integer of this size";
}

// The lines of a text, numbered from 1, with the line ends (LF or CRLF) removed, and the
// errors that name them: "<function>: <source>: line <k>: <what>".
class line_reader {
public:
    line_reader(std::istream& in, char const* function, std::string source)
        : in_(in), function_(function), source_(std::move(source)) {}

    // The next line, or false at the end of the text.
    bool next() {
        if (!std::getline(in_, text_)) {
            if (in_.bad()) fail("reading failed");
            return false;
        }
        ++number_;
        if (!text_.empty() && text_.back() == '\r') text_.pop_back();
        return true;
    }
    [[nodiscard]] std::string_view text() const noexcept { return text_; }
    [[nodiscard]] std::size_t number() const noexcept { return number_; }
    [[nodiscard]] bool blank() const noexcept { return trimmed(text_).empty(); }

    [[noreturn]] void fail(std::string const& what) const { fail_at(number_, what); }
    [[noreturn]] void fail_at(std::size_t line, std::string const& what) const {
        std::string message = std::string(function_) + ": ";
        if (!source_.empty()) message += source_ + ": ";
        if (line != 0) message += "line " + std::to_string(line) + ": ";
        raise<std::invalid_argument>(message + what);
    }

    // 'token', built by appending (GCC 12 at -O3 warns, falsely, of overlapping copies in
    // "'" + std::string(token): -Wrestrict).
    [[nodiscard]] static std::string quoted(std::string_view token) {
        std::string q;
        q.reserve(token.size() + 2);
        q += '\'';
        q += token;
        q += '\'';
        return q;
    }

    // The value of token on the current line, or an error quoting it.
    template <scalar T>
    [[nodiscard]] T value(std::string_view token) const {
        T v{};
        switch (parse_value(token, v)) {
            case parse_status::ok:
                return v;
            case parse_status::out_of_range:
                fail(quoted(token) + " is out of the range of " + type_name<T>());
            case parse_status::not_a_number:
                break;
        }
        fail(quoted(token) + " is not " + (std::floating_point<T> ? "a number" : "an integer"));
    }

private:
    std::istream& in_;
    char const* function_;
    std::string source_;
    std::string text_;
    std::size_t number_ = 0;
};

// "1 value", "2 values".
inline std::string count_of(std::size_t k, char const* noun) {
    return std::to_string(k) + ' ' + noun + (k == 1 ? "" : "s");
}

// The whitespace-separated tokens of a line.
inline void split_blanks(std::string_view line, std::vector<std::string_view>& tokens) {
    tokens.clear();
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && blank_char(line[i])) ++i;
        std::size_t const start = i;
        while (i < line.size() && !blank_char(line[i])) ++i;
        if (i > start) tokens.push_back(line.substr(start, i - start));
    }
}

// A count of the FANN header: a decimal integer >= 1.
inline std::size_t header_count(line_reader const& lines, std::string_view token,
                                char const* what) {
    std::size_t v = 0;
    auto const r = std::from_chars(token.data(), token.data() + token.size(), v);
    if (r.ptr != token.data() + token.size() || r.ec != std::errc{} || v == 0) {
        lines.fail("the number of " + std::string(what) + " is '" + std::string(token) +
                   "', expected an integer >= 1");
    }
    return v;
}

// Reserving for what a header announces, but not more than this many values up front:
// a wrong header must not allocate gigabytes before the data prove it wrong.
inline constexpr std::size_t reserve_limit = std::size_t(1) << 20;

template <scalar T>
dataset<T> read_fann(line_reader& lines) {
    if (!lines.next())
        lines.fail_at(1, "the text is empty; expected the header 'pairs inputs outputs'");
    std::vector<std::string_view> tokens;
    split_blanks(lines.text(), tokens);
    if (tokens.size() != 3) {
        lines.fail("the header has " + count_of(tokens.size(), "value") +
                   ", expected 3: pairs inputs outputs");
    }
    std::size_t const pairs = header_count(lines, tokens[0], "pairs");
    std::size_t const n = header_count(lines, tokens[1], "inputs");
    std::size_t const m = header_count(lines, tokens[2], "outputs");
    std::size_t nx = 0;
    std::size_t nt = 0;
    if (__builtin_mul_overflow(pairs, n, &nx) || __builtin_mul_overflow(pairs, m, &nt))
        lines.fail("pairs x inputs or pairs x outputs overflows std::size_t");
    std::vector<T> X;
    std::vector<T> Y;
    X.reserve(std::min(nx, reserve_limit));
    Y.reserve(std::min(nt, reserve_limit));
    for (std::size_t p = 1; p <= pairs; ++p) {
        for (int part = 0; part < 2; ++part) {
            std::size_t const want = part == 0 ? n : m;
            char const* const what = part == 0 ? "inputs" : "outputs";
            if (!lines.next()) {
                lines.fail_at(lines.number() + 1, "the data end after " + std::to_string(p - 1) +
                                                      " of the " + count_of(pairs, "pair") +
                                                      " the header (line 1) announces");
            }
            split_blanks(lines.text(), tokens);
            if (tokens.size() != want) {
                lines.fail((tokens.empty() ? std::string("a blank line")
                                           : count_of(tokens.size(), "value")) +
                           ", expected " + std::to_string(want) + " (the " + what + " of pair " +
                           std::to_string(p) + ")");
            }
            auto& out = part == 0 ? X : Y;
            for (auto const token : tokens) out.push_back(lines.value<T>(token));
        }
    }
    while (lines.next()) {
        if (!lines.blank()) {
            lines.fail("data after the " + count_of(pairs, "pair") +
                       " the header (line 1) announces");
        }
    }
    return dataset<T>(n, m, std::move(X), std::move(Y));
}

template <scalar T>
dataset<T> read_csv(line_reader& lines, std::size_t m, csv_options const& options) {
    char const s = options.separator;
    if (m == 0) lines.fail_at(0, "outputs is 0; a pair needs at least one output");
    if (s == '\n' || s == '\r' || s == '.' || s == '+' || s == '-' || digit_char(s) ||
        (s >= 'a' && s <= 'z') || (s >= 'A' && s <= 'Z')) {
        lines.fail_at(0, "the separator '" + std::string(1, s) + "' can be part of a number");
    }
    if (options.header && !lines.next())
        lines.fail_at(1, "the text is empty; expected a header line");
    std::vector<T> X;
    std::vector<T> Y;
    std::vector<std::string_view> fields;
    std::size_t columns = 0;
    std::size_t first_data = 0;
    std::size_t first_blank = 0;
    while (lines.next()) {
        if (lines.blank()) {
            if (first_blank == 0) first_blank = lines.number();
            continue;
        }
        if (first_blank != 0) {
            lines.fail_at(first_blank, "a blank line before more data (line " +
                                           std::to_string(lines.number()) +
                                           "); blank lines are allowed only at the end");
        }
        fields.clear();
        std::string_view line = lines.text();
        for (;;) {
            std::size_t const at = line.find(s);
            fields.push_back(line.substr(0, at));
            if (at == std::string_view::npos) break;
            line.remove_prefix(at + 1);
        }
        if (columns == 0) {
            if (fields.size() <= m) {
                lines.fail(count_of(fields.size(), "value") + ", but " + count_of(m, "output") +
                           " need at least " + std::to_string(m + 1) + " (one input or more)");
            }
            columns = fields.size();
            first_data = lines.number();
        } else if (fields.size() != columns) {
            lines.fail(count_of(fields.size(), "value") + ", expected " + std::to_string(columns) +
                       " (as on line " + std::to_string(first_data) + ")");
        }
        for (std::size_t k = 0; k < fields.size(); ++k) {
            std::string_view const field = trimmed(fields[k]);
            if (field.empty()) lines.fail("value " + std::to_string(k + 1) + " is empty");
            (k + m < columns ? X : Y).push_back(lines.value<T>(field));
        }
    }
    if (columns == 0) lines.fail_at(0, "no data (no line with values)");
    return dataset<T>(columns - m, m, std::move(X), std::move(Y));
}

// The file at path for reading, or an error naming it.
inline std::ifstream open_data_file(char const* function, std::filesystem::path const& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        raise<std::invalid_argument>(std::string(function) + ": cannot open '" + path.string() +
                                     "'");
    return in;
}

// The shortest text that reads back as v (std::to_chars without a format); integers in
// decimal.
template <scalar T>
void write_number(std::ostream& out, T v) {
    char buffer[64];
    auto const r = std::to_chars(buffer, buffer + sizeof buffer, v);
    out.write(buffer, r.ptr - buffer);
}

// What FANN's format and read_fann accept: at least one pair, finite values.
template <scalar T>
void check_fann_writable(dataset<T> const& d) {
    if (d.empty()) {
        raise<std::invalid_argument>(
            "soma::write_fann: the dataset has no pairs, which FANN's format cannot hold");
    }
    if constexpr (std::floating_point<T>) {
        auto const finite = [](T v) { return v - v == T(0); };
        for (std::size_t p = 0; p < d.size(); ++p) {
            if (!std::ranges::all_of(d.input(p), finite) ||
                !std::ranges::all_of(d.output(p), finite)) {
                raise<std::invalid_argument>("soma::write_fann: pair " + std::to_string(p) +
                                             " has a NaN or an infinity, which read_fann rejects");
            }
        }
    }
}

template <scalar T>
void write_fann_text(std::ostream& out, dataset<T> const& d) {
    write_number(out, d.size());
    out << ' ';
    write_number(out, d.inputs());
    out << ' ';
    write_number(out, d.outputs());
    out << '\n';
    auto const row = [&out](std::span<T const> v) {
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i != 0) out << ' ';
            write_number(out, v[i]);
        }
        out << '\n';
    };
    for (std::size_t p = 0; p < d.size(); ++p) {
        row(d.input(p));
        row(d.output(p));
    }
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// Reads a dataset in FANN's training-file format (top of this file). Throws
// std::invalid_argument naming the line and what is wrong: a header that is not three
// integers >= 1, a value that is not a number of T (quoted), a line with too few or too
// many values, fewer pairs than the header announces, data after the last pair.
template <scalar T>
SOMA_ABI [[nodiscard]] dataset<T> read_fann(std::istream& in) {
    detail::line_reader lines(in, "soma::read_fann", "");
    return detail::read_fann<T>(lines);
}

// The same from a file; the errors also name the file, or say that it cannot be opened.
template <scalar T>
SOMA_ABI [[nodiscard]] dataset<T> read_fann(std::filesystem::path const& path) {
    std::ifstream in = detail::open_data_file("soma::read_fann", path);
    detail::line_reader lines(in, "soma::read_fann", path.string());
    return detail::read_fann<T>(lines);
}

// Reads a dataset from CSV text whose last `outputs` columns are the outputs t (top of
// this file). Requires outputs >= 1 and at least outputs + 1 columns. Throws
// std::invalid_argument naming the line and what is wrong: a value that is not a number
// of T (quoted), an empty value, a line with another number of values than the first, a
// blank line before more data, no data at all.
template <scalar T>
SOMA_ABI [[nodiscard]] dataset<T> read_csv(std::istream& in, std::size_t outputs,
                                           csv_options const& options = {}) {
    detail::line_reader lines(in, "soma::read_csv", "");
    return detail::read_csv<T>(lines, outputs, options);
}

// The same from a file; the errors also name the file, or say that it cannot be opened.
template <scalar T>
SOMA_ABI [[nodiscard]] dataset<T> read_csv(std::filesystem::path const& path, std::size_t outputs,
                                           csv_options const& options = {}) {
    std::ifstream in = detail::open_data_file("soma::read_csv", path);
    detail::line_reader lines(in, "soma::read_csv", path.string());
    return detail::read_csv<T>(lines, outputs, options);
}

// Writes d in FANN's training-file format, every value as the shortest decimal text that
// reads back as the same bits (std::to_chars), so read_fann<T>(write_fann(d)) == d bit for
// bit (-0 included). Requires at least one pair and finite values, as read_fann does (else
// std::invalid_argument naming the pair; nothing is written).
template <scalar T>
SOMA_ABI void write_fann(std::ostream& out, dataset<T> const& d) {
    detail::check_fann_writable(d);
    detail::write_fann_text(out, d);
}

// The same into a file (created or truncated); an error names a file that cannot be opened.
template <scalar T>
SOMA_ABI void write_fann(std::filesystem::path const& path, dataset<T> const& d) {
    detail::check_fann_writable(d);
    std::ofstream out(path, std::ios::binary);
    if (!out) {
        detail::raise<std::invalid_argument>("soma::write_fann: cannot open '" + path.string() +
                                             "' for writing");
    }
    detail::write_fann_text(out, d);
    out.flush();
    if (!out) {
        detail::raise<std::invalid_argument>("soma::write_fann: writing '" + path.string() +
                                             "' failed");
    }
}

}  // namespace soma

#endif  // SOMA_DATA_HPP
// ---- end soma/data.hpp ----
// ---- begin soma/network_io.hpp ----
// soma/network_io.hpp - a network's parameters as text, to ship a trained network.
//
// The format (whitespace-separated tokens; line breaks are only for the reader):
//
//     soma-network 1 <type>             type: float, double, or the integer type's name
//     layers <L>
//     layer <inputs> <outputs> <activation>
//     <W row 0: inputs values>          row r = the weights of neuron r
//     ...
//     <W row outputs-1>
//     <b: outputs values>
//     (L layer blocks in order, from the input side)
//     end
//
// Floating-point values are hexadecimal floats (0x1.8p+1 for 3; inf, -inf, nan): exact,
// so load(save(net)) has the same bits (a NaN stays a NaN, its payload is not kept).
// Integral values are decimal. Activation names: sigmoid, step, identity, or the
// `name` static member of a user activation type (which then can be saved and loaded).
//
// load<Net>() checks the text against Net: the scalar type, the number of layers, every
// static size and every activation name must match, else std::invalid_argument says which
// and gives both values; run-time-shaped layers take the sizes in the text.
#ifndef SOMA_NETWORK_IO_HPP
#define SOMA_NETWORK_IO_HPP

#include <charconv>
#include <concepts>
#include <cstddef>
#include <istream>
#include <limits>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>


namespace soma {

// The name of an activation in the text format.
template <class A>
inline constexpr char const* activation_name = A::name;
template <>
inline constexpr char const* activation_name<sigmoid_activation> = "sigmoid";
template <>
inline constexpr char const* activation_name<step_activation> = "step";
template <>
inline constexpr char const* activation_name<identity_activation> = "identity";

template <class A>
concept named_activation = requires {
    { activation_name<A> } -> std::convertible_to<char const*>;
};

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class T>
[[nodiscard]] constexpr char const* scalar_name() noexcept {
    if constexpr (std::same_as<T, float>)
        return "float";
    else if constexpr (std::same_as<T, double>)
        return "double";
    else if constexpr (std::same_as<T, long double>)
        return "long_double";
    else if constexpr (std::same_as<T, signed char>)
        return "signed_char";
    else if constexpr (std::same_as<T, short>)
        return "short";
    else if constexpr (std::same_as<T, int>)
        return "int";
    else if constexpr (std::same_as<T, long>)
        return "long";
    else if constexpr (std::same_as<T, long long>)
        return "long_long";
    else if constexpr (std::same_as<T, unsigned char>)
        return "unsigned_char";
    else if constexpr (std::same_as<T, unsigned short>)
        return "unsigned_short";
    else if constexpr (std::same_as<T, unsigned>)
        return "unsigned";
    else if constexpr (std::same_as<T, unsigned long>)
        return "unsigned_long";
    else if constexpr (std::same_as<T, unsigned long long>)
        return "unsigned_long_long";
    else
        return "char";
}

template <class T>
void write_value(std::ostream& out, T v) {
    char buffer[64];
    std::to_chars_result r{};
    if constexpr (std::floating_point<T>) {
        if (v != v) {
            out << "nan";
            return;
        }
        char* p = buffer;
        if (v < T(0) || (v == T(0) && (T(1) / v) < T(0))) {
            *p++ = '-';
            v = -v;
        }
        if (v == v && v - v != T(0)) {  // infinity
            out << std::string_view(buffer, static_cast<std::size_t>(p - buffer)) << "inf";
            return;
        }
        *p++ = '0';
        *p++ = 'x';
        r = std::to_chars(p, buffer + sizeof buffer, v, std::chars_format::hex);
    } else {
        r = std::to_chars(buffer, buffer + sizeof buffer, v);
    }
    out << std::string_view(buffer, static_cast<std::size_t>(r.ptr - buffer));
}

[[noreturn]] inline void format_error(std::string const& what) {
    detail::raise<std::invalid_argument>("soma::load: " + what);
}

// The tokens of the text, read one at a time.
class token_reader {
public:
    explicit token_reader(std::istream& in) : in_(in) {}

    std::string next(char const* expected) {
        std::string t;
        if (!(in_ >> t))
            format_error(std::string("the text ends where ") + expected + " was expected");
        return t;
    }
    void expect(char const* word) {
        std::string const t = next(word);
        if (t != word) format_error(std::string("expected '") + word + "', found '" + t + "'");
    }
    std::size_t size(char const* what) {
        std::string const t = next(what);
        std::size_t v = 0;
        auto const r = std::from_chars(t.data(), t.data() + t.size(), v);
        if (r.ec != std::errc{} || r.ptr != t.data() + t.size()) {
            format_error(std::string("expected ") + what + " (a size), found '" + t + "'");
        }
        return v;
    }
    template <class T>
    T value(char const* what) {
        std::string const t = next(what);
        char const* first = t.data();
        char const* const last = t.data() + t.size();
        T v{};
        if constexpr (std::floating_point<T>) {
            bool const negative = first != last && *first == '-';
            if (negative) ++first;
            std::string_view const rest(first, static_cast<std::size_t>(last - first));
            if (rest == "inf")
                return negative ? -std::numeric_limits<T>::infinity()
                                : std::numeric_limits<T>::infinity();
            if (rest == "nan") return std::numeric_limits<T>::quiet_NaN();
            if (rest.size() < 3 || rest[0] != '0' || (rest[1] != 'x' && rest[1] != 'X')) {
                format_error(std::string("expected ") + what + " (a hexadecimal float), found '" +
                             t + "'");
            }
            first += 2;
            auto const r = std::from_chars(first, last, v, std::chars_format::hex);
            if (r.ec != std::errc{} || r.ptr != last) {
                format_error(std::string("expected ") + what + " (a hexadecimal float), found '" +
                             t + "'");
            }
            return negative ? -v : v;
        } else {
            auto const r = std::from_chars(first, last, v);
            if (r.ec != std::errc{} || r.ptr != last) {
                format_error(std::string("expected ") + what + " (an integer), found '" + t + "'");
            }
            return v;
        }
    }

private:
    std::istream& in_;
};

template <class L>
void save_layer(std::ostream& out, L const& l) {
    using T = typename L::value_type;
    out << "layer " << l.inputs() << ' ' << l.outputs() << ' '
        << activation_name<typename L::activation_type> << '\n';
    for (std::size_t r = 0; r < l.outputs(); ++r) {
        for (std::size_t i = 0; i < l.inputs(); ++i) {
            if (i != 0) out << ' ';
            detail::write_value<T>(out, l.weight(r, i));
        }
        out << '\n';
    }
    for (std::size_t r = 0; r < l.outputs(); ++r) {
        if (r != 0) out << ' ';
        detail::write_value<T>(out, l.bias(r));
    }
    out << '\n';
}

template <class L>
L load_layer(token_reader& in, std::size_t k) {
    using T = typename L::value_type;
    using A = typename L::activation_type;
    in.expect("layer");
    std::size_t const inputs = in.size("the layer's inputs");
    std::size_t const outputs = in.size("the layer's outputs");
    std::string const name = in.next("the layer's activation");
    std::string const where = "layer " + std::to_string(k);
    if constexpr (L::in_extent != std::dynamic_extent) {
        if (inputs != L::in_extent || outputs != L::out_extent) {
            format_error(where + " is " + std::to_string(inputs) + " x " + std::to_string(outputs) +
                         " (inputs x outputs) in the text, but " + std::to_string(L::in_extent) +
                         " x " + std::to_string(L::out_extent) + " in the network's type");
        }
    }
    if (name != activation_name<A>) {
        format_error(where + " has activation '" + name + "' in the text, but '" +
                     activation_name<A> + "' in the network's type");
    }
    std::vector<T> W(checked_product("soma::load", inputs, outputs));
    std::vector<T> b(outputs);
    for (T& w : W) w = in.value<T>("a weight");
    for (T& v : b) v = in.value<T>("a bias");
    if constexpr (L::in_extent != std::dynamic_extent) {
        return L(W, b);
    } else {
        return L(inputs, outputs, W, b);
    }
}

// Reads the header; returns the number of layers (checked against depth unless 0).
template <class T>
std::size_t load_header(token_reader& in, std::size_t depth) {
    in.expect("soma-network");
    std::size_t const version = in.size("the format version");
    if (version != 1) format_error("format version " + std::to_string(version) + ", expected 1");
    std::string const type = in.next("the scalar type");
    if (type != scalar_name<T>()) {
        format_error("the scalar type is '" + type + "' in the text, but '" + scalar_name<T>() +
                     "' in the network's type");
    }
    in.expect("layers");
    std::size_t const layers = in.size("the number of layers");
    if (depth != 0 && layers != depth) {
        format_error(std::to_string(layers) + " layers in the text, but " + std::to_string(depth) +
                     " in the network's type");
    }
    return layers;
}

template <class Net, std::size_t... K>
Net load_layers(token_reader& in, std::index_sequence<K...>) {
    // Braced initialisation: the layers are read in order.
    std::tuple<std::tuple_element_t<K, typename Net::layer_tuple>...> layers{
        load_layer<std::tuple_element_t<K, typename Net::layer_tuple>>(in, K)...};
    return std::make_from_tuple<Net>(std::move(layers));
}

template <class Net>
inline constexpr bool is_dynamic_network = false;
template <class T, class A>
inline constexpr bool is_dynamic_network<dynamic_network<T, A>> = true;

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// Writes net's parameters in the text format above. Every activation must be named.
template <network_layer... Layers>
requires((named_activation<typename Layers::activation_type> && ...)) SOMA_ABI
    void save(network<Layers...> const& net, std::ostream& out) {
    out << "soma-network 1 " << detail::scalar_name<typename network<Layers...>::value_type>()
        << "\nlayers " << sizeof...(Layers) << '\n';
    [&]<std::size_t... K>(std::index_sequence<K...>) {
        (detail::save_layer(out, net.template layer<K>()), ...);
    }
    (std::make_index_sequence<sizeof...(Layers)>{});
    out << "end\n";
}

template <scalar T, named_activation A>
SOMA_ABI void save(dynamic_network<T, A> const& net, std::ostream& out) {
    out << "soma-network 1 " << detail::scalar_name<T>() << "\nlayers " << net.depth() << '\n';
    for (auto const& l : net.layers()) detail::save_layer(out, l);
    out << "end\n";
}

// The text of save(net, out).
template <class Net>
SOMA_ABI [[nodiscard]] std::string to_text(Net const& net) {
    std::ostringstream out;
    save(net, out);
    return out.str();
}

// Reads a network of type Net (a soma::network of dense layers, or a dynamic_network)
// written by save. Throws std::invalid_argument when the text is malformed or does not fit
// Net (the message names the layer and both values).
template <class Net>
SOMA_ABI [[nodiscard]] Net load(std::istream& in) {
    detail::token_reader tokens(in);
    if constexpr (detail::is_dynamic_network<Net>) {
        using T = typename Net::value_type;
        std::size_t const depth = detail::load_header<T>(tokens, 0);
        std::vector<typename Net::layer_type> layers;
        for (std::size_t k = 0; k < depth; ++k) {
            layers.push_back(detail::load_layer<typename Net::layer_type>(tokens, k));
        }
        tokens.expect("end");
        return Net(std::move(layers));
    } else {
        using T = typename Net::value_type;
        detail::load_header<T>(tokens, Net::depth);
        Net net = detail::load_layers<Net>(tokens, std::make_index_sequence<Net::depth>{});
        tokens.expect("end");
        return net;
    }
}

template <class Net>
SOMA_ABI [[nodiscard]] Net from_text(std::string_view text) {
    std::istringstream in{std::string(text)};
    return load<Net>(in);
}

}  // namespace soma

#endif  // SOMA_NETWORK_IO_HPP
// ---- end soma/network_io.hpp ----
// ---- begin soma/optimizer.hpp ----
// soma/optimizer.hpp - how a gradient changes the parameters: gradient descent, momentum,
// Adam and RPROP, and fit(), the loop over epochs and mini-batches.
//
// An optimizer is a type with
//   prepare(p)           make its state for parameters shaped like p (before the epochs:
//                        the only allocation)
//   step(p, g, s)        update p from the gradient sum g of a batch, s = 1 / its size
// over soma::network_parameters (soma/backprop.hpp). Each one is written with explicit
// fused multiply-adds in a fixed order, so that its steps have the same bits everywhere.
#ifndef SOMA_OPTIMIZER_HPP
#define SOMA_OPTIMIZER_HPP

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>


namespace soma {

// w ← w - η s g: w_j = fma(-η s, g_j, w_j) (one rounding per weight).
template <std::floating_point T>
struct gradient_descent {
    T learning_rate = T(0.1);

    template <class P>
    void prepare(P const&) noexcept {}
    template <class P>
    SOMA_ABI void step(P& p, P const& g, T scale) const noexcept {
        auto const& k = detail::training_kernels<T>();
        T const a = -(learning_rate * scale);
        auto const ps = p.spans();
        auto const gs = g.spans();
        for (std::size_t j = 0; j < ps.size(); ++j)
            k.axpy(a, gs[j].data(), ps[j].data(), ps[j].size());
    }
};

// Gradient descent with momentum (Polyak's heavy ball):
//   v ← μ v - η s g,   w ← w + v,
// as v_j = fma(μ, v_j, (-η s) g_j), then w_j + v_j; v starts at 0.
template <std::floating_point T>
class momentum {
public:
    T learning_rate;
    T mu;

    constexpr explicit momentum(T learning_rate_ = T(0.1), T mu_ = T(0.9)) noexcept
        : learning_rate(learning_rate_), mu(mu_) {}

    template <class P>
    void prepare(P const& p) {
        velocity_.assign(p.size(), T(0));
    }
    template <class P>
    SOMA_ABI void step(P& p, P const& g, T scale) noexcept {
        auto const& k = detail::training_kernels<T>();
        T const a = -(learning_rate * scale);
        auto const ps = p.spans();
        auto const gs = g.spans();
        std::size_t offset = 0;
        for (std::size_t j = 0; j < ps.size(); ++j) {
            k.momentum_step(mu, a, gs[j].data(), velocity_.data() + offset, ps[j].data(),
                            ps[j].size());
            offset += ps[j].size();
        }
    }

private:
    std::vector<T> velocity_;
};

// Adam (Kingma and Ba, 2015), step t = 1, 2, ... with the mean gradient ĝ = s g:
//   m ← β1 m + (1 - β1) ĝ,   v ← β2 v + (1 - β2) ĝ²,
//   w ← w - η_t m / (sqrt(v) + ε_t),   η_t = η sqrt(1 - β2^t) / (1 - β1^t),
//   ε_t = ε sqrt(1 - β2^t)
// (the paper's bias correction folded into η_t and ε_t, its section 2). m and v are
// fused multiply-adds, β^t a running product; sqrt and the quotient are correctly rounded.
template <std::floating_point T>
class adam {
public:
    T learning_rate;
    T beta1;
    T beta2;
    T epsilon;

    constexpr explicit adam(T learning_rate_ = T(0.001), T beta1_ = T(0.9), T beta2_ = T(0.999),
                            T epsilon_ = T(1e-8)) noexcept
        : learning_rate(learning_rate_), beta1(beta1_), beta2(beta2_), epsilon(epsilon_) {}

    template <class P>
    void prepare(P const& p) {
        m_.assign(p.size(), T(0));
        v_.assign(p.size(), T(0));
        beta1_t_ = T(1);
        beta2_t_ = T(1);
    }
    template <class P>
    SOMA_ABI void step(P& p, P const& g, T scale) noexcept {
        beta1_t_ = beta1_t_ * beta1;
        beta2_t_ = beta2_t_ * beta2;
        T const root = std::sqrt(T(1) - beta2_t_);
        T const eta = learning_rate * root / (T(1) - beta1_t_);
        T const eps = epsilon * root;
        T const c1 = T(1) - beta1;
        T const c2 = T(1) - beta2;
        auto const ps = p.spans();
        auto const gs = g.spans();
        std::size_t j = 0;
        for (std::size_t s = 0; s < ps.size(); ++s) {
            for (std::size_t i = 0; i < ps[s].size(); ++i, ++j) {
                T const gm = gs[s][i] * scale;
                m_[j] = detail::fma(beta1, m_[j], c1 * gm);
                v_[j] = detail::fma(beta2, v_[j], (c2 * gm) * gm);
                ps[s][i] = ps[s][i] - (eta * m_[j]) / (std::sqrt(v_[j]) + eps);
            }
        }
    }

private:
    std::vector<T> m_;
    std::vector<T> v_;
    T beta1_t_ = T(1);
    T beta2_t_ = T(1);
};

// Resilient backpropagation, iRPROP- (Riedmiller and Braun, 1993; Igel and Hüsken, 2000):
// each parameter has its own step Δ_j, which only the sign of its gradient steers:
//   g_j g'_j > 0:  Δ_j ← min(η⁺ Δ_j, Δ_max),  w_j ← w_j - sign(g_j) Δ_j
//   g_j g'_j < 0:  Δ_j ← max(η⁻ Δ_j, Δ_min),  g_j ← 0 (no step; the next one starts afresh)
//   otherwise:     w_j ← w_j - sign(g_j) Δ_j
// with g' the gradient of the previous step, Δ_j = Δ₀ at first. Meant for whole-batch
// gradients (fit_options::batch_size = 0); the scale does not matter, only signs do. Every
// operation is a product by a constant, a comparison or an exact sign change.
template <std::floating_point T>
class rprop {
public:
    T increase;
    T decrease;
    T initial_step;
    T max_step;
    T min_step;

    constexpr explicit rprop(T increase_ = T(1.2), T decrease_ = T(0.5), T initial_step_ = T(0.1),
                             T max_step_ = T(50), T min_step_ = T(0)) noexcept
        : increase(increase_),
          decrease(decrease_),
          initial_step(initial_step_),
          max_step(max_step_),
          min_step(min_step_) {}

    template <class P>
    void prepare(P const& p) {
        step_.assign(p.size(), initial_step);
        previous_.assign(p.size(), T(0));
    }
    template <class P>
    SOMA_ABI void step(P& p, P const& g, T) noexcept {
        auto const ps = p.spans();
        auto const gs = g.spans();
        std::size_t j = 0;
        for (std::size_t s = 0; s < ps.size(); ++s) {
            for (std::size_t i = 0; i < ps[s].size(); ++i, ++j) {
                T grad = gs[s][i];
                T const sign_change = grad * previous_[j];
                if (sign_change > 0) {
                    T const up = step_[j] * increase;
                    step_[j] = up < max_step ? up : max_step;
                } else if (sign_change < 0) {
                    T const down = step_[j] * decrease;
                    step_[j] = down > min_step ? down : min_step;
                    grad = T(0);
                }
                if (grad > 0) {
                    ps[s][i] = ps[s][i] - step_[j];
                } else if (grad < 0) {
                    ps[s][i] = ps[s][i] + step_[j];
                }
                previous_[j] = grad;
            }
        }
    }

private:
    std::vector<T> step_;
    std::vector<T> previous_;
};

// How fit() walks the data.
struct fit_options {
    std::size_t epochs = 100;
    // Examples per step; 0: all of them (batch gradient descent).
    std::size_t batch_size = 32;
    // The order of the examples is shuffled every epoch by soma::shuffle from a
    // random_generator seeded with `seed` (one generator for the whole fit).
    bool shuffle = true;
    std::uint64_t seed = 0;
};

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {
struct no_epoch_callback {
    constexpr void operator()(std::size_t, double) const noexcept {}
};
}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// Trains bp's parameters on the examples (X row-major: examples x inputs, Y row-major:
// examples x outputs) for o.epochs epochs. Each epoch takes the examples in a shuffled
// (or the given) order, in batches of o.batch_size: the gradient summed over the batch,
// then opt.step(parameters, gradient, 1 / batch). on_epoch(epoch, mean loss) is called
// after each epoch (epochs count from 1). Returns the mean loss of every epoch (the loss
// of each example as it was met during the epoch). Allocates before the first epoch only.
// Throws std::invalid_argument when X and Y do not hold the same number of examples.
template <class BP, class Optimizer, class OnEpoch = detail::no_epoch_callback>
SOMA_ABI std::vector<double> fit(BP& bp, std::span<typename BP::value_type const> X,
                                 std::span<typename BP::value_type const> Y, Optimizer& opt,
                                 fit_options const& o = {}, OnEpoch&& on_epoch = {}) {
    using T = typename BP::value_type;
    std::size_t const in = bp.inputs();
    std::size_t const out = bp.outputs();
    std::size_t const n = in != 0 ? X.size() / in : 0;
    if (X.size() != n * in) {
        detail::throw_size_mismatch("soma::fit", "X", X.size(), "a multiple of the inputs,", in);
    }
    if (Y.size() != n * out) {
        detail::throw_size_mismatch("soma::fit", "Y", Y.size(), "examples * outputs", n * out);
    }
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::vector<double> history;
    history.reserve(o.epochs);
    opt.prepare(bp.parameters());
    random_generator g(o.seed);
    std::size_t const batch = o.batch_size == 0 || o.batch_size > n ? n : o.batch_size;
    for (std::size_t epoch = 1; epoch <= o.epochs; ++epoch) {
        if (o.shuffle) soma::shuffle(std::span<std::size_t>(order), g);
        double total = 0;
        for (std::size_t first = 0; first < n; first += batch) {
            std::size_t const count = n - first < batch ? n - first : batch;
            bp.zero_gradients();
            for (std::size_t k = first; k < first + count; ++k) {
                std::size_t const e = order[k];
                total += static_cast<double>(
                    bp.accumulate(X.subspan(e * in, in), Y.subspan(e * out, out)));
            }
            opt.step(bp.parameters(), bp.gradients(), T(1) / static_cast<T>(count));
        }
        double const mean = n != 0 ? total / static_cast<double>(n) : 0.0;
        history.push_back(mean);
        on_epoch(epoch, mean);
    }
    return history;
}

// The same for a soma::dataset (soma/data.hpp: read_fann, read_csv): its inputs and outputs.
// Throws std::invalid_argument when its numbers of inputs and outputs are not the network's.
template <class BP, class Optimizer, class OnEpoch = detail::no_epoch_callback>
SOMA_ABI std::vector<double> fit(BP& bp, dataset<typename BP::value_type> const& data,
                                 Optimizer& opt, fit_options const& o = {},
                                 OnEpoch&& on_epoch = {}) {
    if (data.inputs() != bp.inputs()) {
        detail::throw_size_mismatch("soma::fit", "the data's inputs", data.inputs(),
                                    "the network's", bp.inputs());
    }
    if (data.outputs() != bp.outputs()) {
        detail::throw_size_mismatch("soma::fit", "the data's outputs", data.outputs(),
                                    "the network's", bp.outputs());
    }
    return soma::fit(bp, data.inputs_matrix(), data.outputs_matrix(), opt, o,
                     std::forward<OnEpoch>(on_epoch));
}

}  // namespace soma

#endif  // SOMA_OPTIMIZER_HPP
// ---- end soma/optimizer.hpp ----
// ---- begin soma/perceptron.hpp ----
// soma/perceptron.hpp - Rosenblatt's perceptron learning rule for the step neuron.
//
// The neuron y = u(w·x + b) (soma::step_neuron: fires, y = 1, when z = w·x + b >= 0)
// learns from examples (x_p, t_p) with targets t_p ∈ {0, 1}. For each example in the
// given order:
//     y = u(w·x_p + b)
//     w ← w + η (t_p − y) x_p
//     b ← b + η (t_p − y)
// so nothing changes when the neuron is right (t_p = y), and a mistake moves w·x_p + b
// towards the target by η (|x_p|² + 1). One pass over the examples is an epoch.
//
// Convergence theorem (Rosenblatt 1962; Novikoff 1962): if some (w*, b*) classifies every
// example correctly (the data are linearly separable), the rule makes finitely many
// mistakes, whatever η > 0 and the initial (w, b), in exact arithmetic: an epoch without
// a mistake then comes, and training stops there (converged).
//
// Cycles. The epoch maps the state (w, b) at its start to the state at its end, a function
// of the state alone (the examples come in the same order every epoch). If the state at
// the start of an epoch equals the state at the start of an earlier one, the run repeats
// the epochs in between forever; each of them made a mistake (else training would have
// stopped), so this run never converges. By the theorem, in exact arithmetic, the data
// are then not linearly separable. train_perceptron detects such a repetition with
// Brent's algorithm (two stored states, no history): it stops within about
// 2 max(μ, λ) + λ epochs for a run that enters a cycle of λ epochs after μ, and reports
// cycled = true and period = λ. Exact arithmetic holds for integral T, and for
// floating-point T when every update is exact (0/1 inputs and η = 1, say, as for logic
// gates); with rounded updates a cycle still proves that this run does not converge.
// States compare with == (so +0 and −0 are equal: they classify every input alike).
//
// Arithmetic. z is the neuron's own weighted input (soma's inner product, so the learned
// neuron classifies as training saw it). For float and double each update is one fused
// multiply-add, w_i ← fma(±η, x_i, w_i), so a run gives the same bits on every CPU and in
// constant evaluation, whatever the compiler contracts; integral updates are exact and
// checked (std::overflow_error).
#ifndef SOMA_PERCEPTRON_HPP
#define SOMA_PERCEPTRON_HPP

#include <array>
#include <concepts>
#include <cstddef>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>


namespace soma {

// How train_perceptron runs.
template <signed_scalar T>
struct perceptron_options {
    // η, the learning rate: > 0 (else std::invalid_argument).
    T eta = T(1);
    // The most epochs (passes over the examples) to run.
    std::size_t max_epochs = 100;
    // Stop when the state (w, b) at the start of an epoch repeats an earlier one (see
    // the top of this file); false runs max_epochs on data that never converge.
    bool stop_on_cycle = true;
};

// What train_perceptron learned.
template <signed_scalar T, std::size_t N = std::dynamic_extent>
struct perceptron_result {
    // (w, b) at the end of the last epoch run.
    step_neuron<T, N> neuron{};
    // The epochs run, the mistake-free last one included when converged.
    std::size_t epochs = 0;
    // The examples the last epoch run classified wrongly (0 when converged).
    std::size_t mistakes = 0;
    // The last epoch made no mistake: the neuron classifies every example as its target.
    bool converged = false;
    // The state repeated: this run never converges (in exact arithmetic: the data are not
    // linearly separable). Only with stop_on_cycle.
    bool cycled = false;
    // The length of the cycle in epochs when cycled, else 0.
    std::size_t period = 0;
};

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// A range of examples for train_perceptron: contiguous vectors of one static extent.
template <class Xs>
concept static_examples = std::ranges::random_access_range<Xs> && std::ranges::sized_range<Xs> &&
    input_vector<std::ranges::range_value_t<Xs>> && static_extent_v<std::ranges::range_value_t<Xs>>
!= std::dynamic_extent;

template <class Xs>
using example_element_t = element_t<std::ranges::range_value_t<Xs>>;
template <class Xs>
inline constexpr std::size_t example_extent = static_extent_v<std::ranges::range_value_t<Xs>>;

template <class Xs, class Ts>
concept perceptron_examples = static_examples<Xs> && input_vector<Ts> &&
    std::same_as<element_t<Ts>, example_element_t<Xs>> && signed_scalar<element_t<Ts>>;

// v + d·x: checked for integers, one rounding (fused) for float and double, so that
// run time and constant evaluation give the same bits whatever the compiler contracts.
template <signed_scalar T>
[[nodiscard]] constexpr T add_scaled(T v, T d, T x) {
    if constexpr (std::integral<T>) {
        T p{};
        T s{};
        if (__builtin_mul_overflow(d, x, &p) || __builtin_add_overflow(v, p, &s))
            throw_overflow("soma::train_perceptron");
        return s;
    } else if constexpr (ieee_binary<T>) {
        return detail::fma(d, x, v);
    } else {
        return v + d * x;
    }
}

// The rule over m examples; x_at(p) is a pointer to the n inputs of example p, t_at(p)
// its target.
template <class T, std::size_t N, class XAt, class TAt>
constexpr perceptron_result<T, N> perceptron(std::size_t m, XAt x_at, TAt t_at,
                                             perceptron_options<T> const& o,
                                             step_neuron<T, N> const& initial) {
    char const* const f = "soma::train_perceptron";
    if (!(o.eta > T(0))) raise<std::invalid_argument>(std::string(f) + ": eta must be > 0");
    for (std::size_t p = 0; p < m; ++p) {
        T const t = t_at(p);
        if (t != T(0) && t != T(1)) {
            raise<std::invalid_argument>(std::string(f) + ": t[" + std::to_string(p) +
                                         "] is neither 0 nor 1");
        }
    }
    using weights_t = typename step_neuron<T, N>::weights_type;
    std::size_t const n = initial.size();
    weights_t w{};
    if constexpr (N == std::dynamic_extent) w.resize(n);
    for (std::size_t i = 0; i < n; ++i) w[i] = initial.weights()[i];
    T b = initial.bias();

    // Brent's cycle detection: `saved` is the state at the start of epoch 2^k - 1; each
    // later state is compared with it until `power` epochs have passed, then saved anew.
    weights_t saved_w = w;
    T saved_b = b;
    std::size_t power = 1;
    std::size_t since_saved = 0;

    perceptron_result<T, N> r{};
    while (r.epochs < o.max_epochs) {
        r.mistakes = 0;
        for (std::size_t p = 0; p < m; ++p) {
            T const* const x = x_at(p);
            T const y = soma::step(weighted_sum<T, N>(w.data(), x, n, true, b));
            T const e = t_at(p) - y;
            if (e == T(0)) continue;
            ++r.mistakes;
            T const d = o.eta * e;  // ±η: exact
            for (std::size_t i = 0; i < n; ++i) w[i] = add_scaled(w[i], d, x[i]);
            b = add_scaled(b, d, T(1));
        }
        ++r.epochs;
        if (r.mistakes == 0) {
            r.converged = true;
            break;
        }
        if (o.stop_on_cycle) {
            ++since_saved;
            bool same = b == saved_b;
            for (std::size_t i = 0; same && i < n; ++i) same = w[i] == saved_w[i];
            if (same) {
                r.cycled = true;
                r.period = since_saved;
                break;
            }
            if (since_saved == power) {
                saved_w = w;
                saved_b = b;
                power *= 2;
                since_saved = 0;
            }
        }
    }
    r.neuron = step_neuron<T, N>(std::move(w), b);
    return r;
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// For p = 0, 1, ... in every epoch: y = u(w·x_p + b), w ← w + η (t_p − y) x_p,
// b ← b + η (t_p − y), until an epoch without a mistake, a repeated state (w, b) or
// max_epochs. Trains a step_neuron<T, N>, N the static extent of the examples x_p
// (std::array<T, N> or std::span<T const, N>), on targets t_p ∈ {0, 1}, starting from
// `initial` (default w = 0, b = 0). Requires
// x.size() == t.size() (else std::invalid_argument naming both sizes), η > 0 and every
// t_p 0 or 1 (else std::invalid_argument naming the first other one). Integral T: an
// update that overflows T throws std::overflow_error. constexpr: a static_assert can check
// what is learned. See the top of this file for convergence and cycles.
template <class Xs, class Ts>
requires detail::perceptron_examples<Xs, Ts> SOMA_ABI
    [[nodiscard]] constexpr perceptron_result<element_t<Ts>, detail::example_extent<Xs>>
    train_perceptron(Xs const& x, Ts const& t,
                     perceptron_options<element_t<Ts>> const& options = {},
                     step_neuron<element_t<Ts>, detail::example_extent<Xs>> const& initial = {}) {
    using T = element_t<Ts>;
    constexpr std::size_t N = detail::example_extent<Xs>;
    auto const m = static_cast<std::size_t>(std::ranges::size(x));
    auto const mt = static_cast<std::size_t>(std::ranges::size(t));
    if (m != mt) detail::throw_size_mismatch("soma::train_perceptron", "x", m, "t", mt);
    auto const first = std::ranges::begin(x);
    T const* const targets = std::ranges::data(t);
    return detail::perceptron<T, N>(
        m,
        [&](std::size_t p) {
            return std::ranges::data(first[static_cast<std::ranges::range_difference_t<Xs>>(p)]);
        },
        [&](std::size_t p) { return targets[p]; }, options, initial);
}

// The same rule on a dataset with one output per pair, t_p = d.output(p)[0] ∈ {0, 1},
// x_p = d.input(p), starting from w = 0, b = 0; a step_neuron<T> of run-time size.
// Requires d.outputs() == 1 (else std::invalid_argument), and as above.
template <signed_scalar T>
SOMA_ABI [[nodiscard]] perceptron_result<T> train_perceptron(
    dataset<T> const& d, perceptron_options<T> const& options = {}) {
    return train_perceptron(d, options, step_neuron<T>(std::vector<T>(d.inputs()), T(0)));
}

// The same from `initial`, which must have d.inputs() weights (else std::invalid_argument
// naming both sizes).
template <signed_scalar T>
SOMA_ABI [[nodiscard]] perceptron_result<T> train_perceptron(dataset<T> const& d,
                                                             perceptron_options<T> const& options,
                                                             step_neuron<T> const& initial) {
    if (d.outputs() != 1) {
        detail::throw_size_mismatch("soma::train_perceptron", "each pair's output", d.outputs(),
                                    "a step neuron's output", 1);
    }
    if (initial.size() != d.inputs()) {
        detail::throw_size_mismatch("soma::train_perceptron", "initial w", initial.size(),
                                    "each pair's input", d.inputs());
    }
    std::span<T const> const X = d.inputs_matrix();
    std::span<T const> const Y = d.outputs_matrix();
    std::size_t const n = d.inputs();
    return detail::perceptron<T, std::dynamic_extent>(
        d.size(), [&](std::size_t p) { return X.data() + p * n; },
        [&](std::size_t p) { return Y[p]; }, options, initial);
}

}  // namespace soma

#endif  // SOMA_PERCEPTRON_HPP
// ---- end soma/perceptron.hpp ----
// ---- begin soma/version.hpp ----
// soma/version.hpp - the library version (matches the CMake project version).
#ifndef SOMA_VERSION_HPP
#define SOMA_VERSION_HPP

#define SOMA_VERSION_MAJOR 0
#define SOMA_VERSION_MINOR 1
#define SOMA_VERSION_PATCH 0
// major * 10000 + minor * 100 + patch
#define SOMA_VERSION (SOMA_VERSION_MAJOR * 10000 + SOMA_VERSION_MINOR * 100 + SOMA_VERSION_PATCH)

#endif  // SOMA_VERSION_HPP
// ---- end soma/version.hpp ----

#endif  // SOMA_SOMA_HPP
// ---- end soma/soma.hpp ----
