// soma 0.1.0 - single-header edition of <soma/soma.hpp>.
//
// Generated from include/soma by scripts/make_single_header.sh; do not edit.
// The MIT license of soma applies (see LICENSE in the soma repository).
// Use it as <soma/soma.hpp> or under any name; it needs only C++20.
// ---- begin soma/soma.hpp ----
// soma/soma.hpp - everything soma offers, in one include.
//
// The artificial neuron of the textbook: weighted input z = w·x + b (b = -θ), the unit
// step and the sigmoid as activations, the bias folded into an inner product, neurons,
// and the SIMD kernels behind them.
#ifndef SOMA_SOMA_HPP
#define SOMA_SOMA_HPP

// ---- begin soma/activation.hpp ----
// soma/activation.hpp - activation functions a(z) (激活函数) as types.
//
// y = a(z): the unit step gives the biological neuron's 0/1 output, the sigmoid a
// smooth degree of excitement in (0, 1). Each activation here is an empty type usable
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

namespace soma {

// A number a neuron can compute with: any arithmetic type but bool. The tutorial's
// Example 1 is integral (w = (5, 3), θ = 4); learning needs floating point.
template <class T>
concept scalar = std::is_arithmetic_v<T> && !std::same_as<std::remove_cv_t<T>, bool>;

namespace detail {

template <class R>
struct static_extent : std::integral_constant<std::size_t, std::dynamic_extent> {};
template <class T, std::size_t N>
struct static_extent<std::array<T, N>> : std::integral_constant<std::size_t, N> {};
template <class T, std::size_t N>
struct static_extent<std::span<T, N>> : std::integral_constant<std::size_t, N> {};
template <class T, std::size_t N>
struct static_extent<T[N]> : std::integral_constant<std::size_t, N> {};

}  // namespace detail

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

// ---- begin soma/detail/sigmoid_array.hpp ----
// soma/detail/sigmoid_array.hpp - choosing the σ kernel for an array, once per call.
//
// Order of preference:
//   compiler targets AVX-512 (F/BW/DQ/VL)    -> AVX-512 kernel, no dispatch
//   compiler targets AVX2 and FMA            -> AVX2 kernel, no dispatch
//   other x86 builds with GCC or Clang       -> AVX-512 / AVX2+FMA / portable, chosen from
//                                               cpuid once per process, checked once per call
//   AArch64 with NEON                        -> NEON kernel
//   anything else                            -> the scalar definition in a loop
// Every kernel returns the bits of sigmoid_scalar.hpp, so the choice only changes speed.
#ifndef SOMA_DETAIL_SIGMOID_ARRAY_HPP
#define SOMA_DETAIL_SIGMOID_ARRAY_HPP

#include <cstddef>

// ---- begin soma/detail/cpu.hpp ----
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
// ---- end soma/detail/cpu.hpp ----
// ---- begin soma/detail/fma.hpp ----
// soma/detail/fma.hpp - a fused multiply-add that is exact in constant evaluation.
//
// fma(a, b, c) = a*b + c rounded once (IEEE 754 fusedMultiplyAdd, round to nearest even).
//
// Every floating-point kernel in soma is written with explicit fused multiply-adds so
// that its result never depends on the compiler's contraction choices. At run time this
// is std::fma (one instruction where the target has FMA; glibc's correctly rounded
// fallback elsewhere). std::fma is not constexpr in C++20, so constant evaluation uses
// an emulation that returns the same bits:
//   float:  a*b is exact in double; the sum is rounded to odd in double and then to
//           nearest in float, which is a correct single rounding because double carries
//           more than 24 + 2 bits (Boldo and Melquiond, "Emulation of FMA and correctly
//           rounded sums: proved algorithms using rounding to odd", IEEE TC 2008).
//   double: Dekker's exact product, 2Sum, then the same round-to-odd step (ibid.,
//           Algorithm 5). Valid while a*b and c stay clear of overflow and of the
//           subnormal range, which is all that soma's constant-evaluated paths need.
#ifndef SOMA_DETAIL_FMA_HPP
#define SOMA_DETAIL_FMA_HPP

#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace soma::detail {

template <class T>
concept ieee_binary = std::same_as<T, float> || std::same_as<T, double>;

template <class T>
struct two_term {
    T hi;
    T lo;
};

// 2Sum (Knuth): hi + lo == a + b exactly, hi = fl(a + b).
template <std::floating_point T>
[[nodiscard]] constexpr two_term<T> two_sum(T a, T b) noexcept {
    T const s = a + b;
    T const bb = s - a;
    T const e = (a - (s - bb)) + (b - bb);
    return {s, e};
}

// Dekker's product: hi + lo == a * b exactly, for |a*b| far from overflow and underflow.
[[nodiscard]] constexpr two_term<double> two_product_dekker(double a, double b) noexcept {
    constexpr double splitter = 134217729.0;  // 2^27 + 1
    double const ca = splitter * a;
    double const a_hi = ca - (ca - a);
    double const a_lo = a - a_hi;
    double const cb = splitter * b;
    double const b_hi = cb - (cb - b);
    double const b_lo = b - b_hi;
    double const p = a * b;
    double const e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo;
    return {p, e};
}

// Rounds hi + lo (an exact 2Sum pair) to odd: if inexact and hi's last bit is even,
// step hi one unit towards lo.
[[nodiscard]] constexpr double round_to_odd(two_term<double> s) noexcept {
    if (s.lo == 0.0) return s.hi;
    auto bits = std::bit_cast<std::uint64_t>(s.hi);
    if ((bits & 1U) != 0U) return s.hi;
    bool const same_sign = (s.hi < 0.0) == (s.lo < 0.0);
    bits = same_sign ? bits + 1U : bits - 1U;
    return std::bit_cast<double>(bits);
}

[[nodiscard]] constexpr float fma_emulated(float a, float b, float c) noexcept {
    double const p = static_cast<double>(a) * static_cast<double>(b);  // exact: 48 bits
    return static_cast<float>(round_to_odd(two_sum(p, static_cast<double>(c))));
}

[[nodiscard]] constexpr double fma_emulated(double a, double b, double c) noexcept {
    if (a == 0.0 || b == 0.0) return a * b + c;  // keeps the sign of zero sums exact
    two_term<double> const u = two_product_dekker(a, b);
    two_term<double> const t = two_sum(c, u.hi);
    double const v = round_to_odd(two_sum(t.lo, u.lo));
    return t.hi + v;
}

// fma(a, b, c) = a*b + c with one rounding, identical bits in constant evaluation and
// at run time.
template <ieee_binary T>
[[nodiscard]] constexpr T fma(T a, T b, T c) noexcept {
    if (std::is_constant_evaluated()) {
        return fma_emulated(a, b, c);
    }
    return std::fma(a, b, c);
}

}  // namespace soma::detail

#endif  // SOMA_DETAIL_FMA_HPP
// ---- end soma/detail/fma.hpp ----
// ---- begin soma/detail/sigmoid_neon.hpp ----
// soma/detail/sigmoid_neon.hpp - σ(z) over arrays with AArch64 Advanced SIMD (NEON).
//
// sigmoid_f32 / sigmoid_f64 of sigmoid_scalar.hpp lane by lane, with vfmaq_f64 for every
// detail::fma, so each lane returns the bits of the scalar definition. NEON is part of
// the AArch64 baseline: no run-time dispatch. The tail goes through a zero-padded stack
// copy, so no element past n is read.
#ifndef SOMA_DETAIL_SIGMOID_NEON_HPP
#define SOMA_DETAIL_SIGMOID_NEON_HPP

// ---- begin soma/detail/sigmoid_scalar.hpp ----
// soma/detail/sigmoid_scalar.hpp - the definition of σ(z) = 1/(1 + e^-z), one value at a time.
//
// This file is the readable definition of soma's sigmoid. The SIMD kernels in
// sigmoid_x86.hpp and sigmoid_neon.hpp perform exactly the same operations, in the same
// order, lane by lane, so that every target returns the same bits as this code (and as
// its constant evaluation, because detail::fma is exact there too). Nothing here relies
// on the compiler fusing a*b + c: every fused operation is an explicit detail::fma and
// every other product or sum is rounded on its own.
//
// Shared idea, with a = -|z| <= 0 and e = e^a in (0, 1]:
//     σ(z) = 1 / (1 + e)   for z >= 0,
//     σ(z) = e / (1 + e)   for z <  0,
// so e never overflows and 1 + e lies in (1, 2]. e = 2^k · e^r with k = round(a/ln 2)
// and r = a - k·ln 2 in [-ln2/2, ln2/2] (Cody and Waite), e^r by a polynomial.
//
// float is evaluated in double (z, e and the quotient in binary64, one rounding to
// binary32 at the end), which keeps the whole error below 0.5 + 2^-4 ULP including
// subnormal results, with one division and a degree-6 polynomial.
//
// double has no wider type to borrow, so e^r and 1/(1 + e) are carried as unevaluated
// sums hi + lo (double-double) and rounded once at the end; for subnormal results the
// final scaling by 2^k adds a second rounding, still within 1 ULP.
//
// long double uses a plain constexpr evaluation (Taylor series, true division), with a
// weaker bound; it is not part of the bitwise scalar/SIMD contract.
#ifndef SOMA_DETAIL_SIGMOID_SCALAR_HPP
#define SOMA_DETAIL_SIGMOID_SCALAR_HPP

#include <bit>
#include <cstdint>
#include <limits>


namespace soma::detail {

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

// p·2^(k + extra) for a normal p and a normal result, by adding to p's exponent field:
// t's low 12 bits hold k (two's complement), so (bits(t) + extra) << 52 is
// (k + extra)·2^52 modulo 2^64. Exact, and integer operations only (the floating-point
// multiplier ports are the kernels' bottleneck, the integer ones are not).
[[nodiscard]] constexpr double sigmoid_scale_exact(double p, double t,
                                                   std::uint64_t extra = 0) noexcept {
    std::uint64_t const bits = std::bit_cast<std::uint64_t>(p);
    return std::bit_cast<double>(bits + ((std::bit_cast<std::uint64_t>(t) + extra) << 52));
}

// 2^k from t = k + round_magic (k an integer in t's low mantissa bits), plus extra:
// (bits(t) + 1023 + extra) << 52 leaves exactly k + 1023 + extra in the exponent field.
[[nodiscard]] constexpr double sigmoid_pow2(double t, std::uint64_t extra) noexcept {
    std::uint64_t const bits = std::bit_cast<std::uint64_t>(t);
    return std::bit_cast<double>((bits + sigmoid_constants::exponent_bias + extra) << 52);
}

[[nodiscard]] constexpr double sigmoid_minus_abs(double x) noexcept {
    return std::bit_cast<double>(std::bit_cast<std::uint64_t>(x) | sigmoid_constants::sign_bit);
}

// max(lo, x) with x86 MAXPD semantics (x if either is NaN); NaN never reaches it here.
[[nodiscard]] constexpr double sigmoid_max(double lo, double x) noexcept {
    return lo > x ? lo : x;
}

// σ for float: max error 0.5 + 2^-4 ULP by analysis; the exhaustive test asserts <= 1 ULP
// over all 2^32 inputs.
[[nodiscard]] constexpr float sigmoid_f32(float z) noexcept {
    using c = sigmoid_constants;
    if (z != z) return std::bit_cast<float>(std::bit_cast<std::uint32_t>(z) | c::f32_quiet_bit);
    double const x = z;  // exact
    double const a = sigmoid_max(c::f32_a_min, sigmoid_minus_abs(x));
    double const t = detail::fma(a, c::log2e, c::round_magic);
    double const k = t - c::round_magic;
    // One-constant reduction: r = a - k·ln2_hi is exact and the omitted k·ln2_lo is below
    // 151·2^-55 < 2^-47, far under float's resolution.
    double const r = detail::fma(k, -c::ln2_hi, a);
    double p = c::f32_p6;
    p = detail::fma(p, r, c::f32_p5);
    p = detail::fma(p, r, c::f32_p4);
    p = detail::fma(p, r, c::f32_p3);
    p = detail::fma(p, r, c::f32_p2);
    p = detail::fma(p, r, c::f32_p1);
    p = detail::fma(p, r, 1.0);
    double const e = sigmoid_scale_exact(p, t);  // p·2^k, k >= -151: normal, exact
    double const d = 1.0 + e;
    double const numerator = x < 0.0 ? e : 1.0;
    return static_cast<float>(numerator / d);
}

// σ for double: max error 1 ULP (the tests assert exactly that; analysis gives
// 0.5 + 2^-5 ULP for normal results, 0.75 + 2^-5 ULP for subnormal ones).
[[nodiscard]] constexpr double sigmoid_f64(double z) noexcept {
    using c = sigmoid_constants;
    if (z != z) return std::bit_cast<double>(std::bit_cast<std::uint64_t>(z) | c::f64_quiet_bit);
    double const a = sigmoid_max(c::f64_a_min, sigmoid_minus_abs(z));
    double const t = detail::fma(a, c::log2e, c::round_magic);
    double const k = t - c::round_magic;
    // r is exact: k·ln2_hi and a are multiples of 2^-54 and |r| < 2^-1.
    double const r = detail::fma(k, -c::ln2_hi, a);
    double const r_lo = k * -c::ln2_lo;  // e^(r + r_lo) = e^r·(1 + r_lo) + O(2^-90)

    double w = c::f64_w9;
    w = detail::fma(w, r, c::f64_w8);
    w = detail::fma(w, r, c::f64_w7);
    w = detail::fma(w, r, c::f64_w6);
    w = detail::fma(w, r, c::f64_w5);
    w = detail::fma(w, r, c::f64_w4);
    w = detail::fma(w, r, c::f64_w3);
    w = detail::fma(w, r, c::f64_w2);
    w = detail::fma(w, r, c::f64_w1);
    w = detail::fma(w, r, c::f64_w0);
    // h = r²/2 exactly as h_hi + h_lo; the cubic tail h·r·w is below 2^-7.
    double const half_r = 0.5 * r;
    double const h_hi = half_r * r;
    double const h_lo = detail::fma(half_r, r, -h_hi);
    double const tail = detail::fma(h_hi, r * w, h_lo);
    // 1 + r + h_hi by two exact Fast2Sums (|1| >= |r|, |1 + r| >= |h_hi|).
    double const s1 = 1.0 + r;
    double const e1 = (1.0 - s1) + r;
    double const s2 = s1 + h_hi;
    double const e2 = (s1 - s2) + h_hi;
    double lo = (e1 + e2) + tail;
    lo = detail::fma(r_lo, s2 + tail, lo);  // e^r·r_lo needs e^r only to 2^-20
    double const p_hi = s2 + lo;            // e^(a - k ln2) = p_hi + p_lo, error < 2^-60
    double const p_lo = (s2 - p_hi) + lo;

    // d = 1 + e as d_hi + d_lo, e = (p_hi + p_lo)·2^max(k, -120).
    double const t_d = sigmoid_max(c::round_magic + c::f64_k_min_for_d, t);
    double const e_hi = sigmoid_scale_exact(p_hi, t_d);  // p_hi normal, k >= -120
    double const d_hi = 1.0 + e_hi;
    // d_lo = (1 - d_hi) + e_hi + p_lo·2^k: the product is fused on purpose, so that a
    // compiler contracting a*b + c (GCC's default -ffp-contract=fast) has nothing to fuse.
    double const d_lo = detail::fma(p_lo, sigmoid_pow2(t_d, 0), (1.0 - d_hi) + e_hi);

    // 1/d = q·(1 + rho) + O(rho²): q = 1/d_hi correctly rounded, so 1 - q·d_hi is exact.
    double const q = 1.0 / d_hi;
    double rho = detail::fma(-q, d_hi, 1.0);
    rho = detail::fma(-q, d_lo, rho);
    double const y_pos = detail::fma(q, rho, q);

    // e/d = 2^k·(p_hi + p_lo)·q·(1 + rho), rounded once (y_m in [0.35, 1.42]) before the
    // exact 2^(k+600) scaling; 2^-600 rounds a second time only for subnormal results.
    double const q_rho = q * rho;
    double const y_m = detail::fma(p_hi, q, detail::fma(p_hi, q_rho, p_lo * q));
    double const y_neg = sigmoid_scale_exact(y_m, t, c::f64_k_shift) * c::f64_unshift;
    return z < 0.0 ? y_neg : y_pos;
}

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

}  // namespace soma::detail

#endif  // SOMA_DETAIL_SIGMOID_SCALAR_HPP
// ---- end soma/detail/sigmoid_scalar.hpp ----

#ifdef SOMA_NEON_KERNELS

#include <arm_neon.h>

#include <cstddef>
#include <cstring>

namespace soma::detail {

[[nodiscard]] inline float64x2_t sigmoid_neon_pow2(float64x2_t t, std::uint64_t extra) noexcept {
    uint64x2_t const bits =
        vaddq_u64(vreinterpretq_u64_f64(t), vdupq_n_u64(sigmoid_constants::exponent_bias + extra));
    return vreinterpretq_f64_u64(vshlq_n_u64(bits, 52));
}

// sigmoid_scale_exact: p·2^(k + extra) by an integer add to the exponent field.
[[nodiscard]] inline float64x2_t sigmoid_neon_scale_exact(float64x2_t p, float64x2_t t,
                                                          std::uint64_t extra) noexcept {
    uint64x2_t const k = vshlq_n_u64(vaddq_u64(vreinterpretq_u64_f64(t), vdupq_n_u64(extra)), 52);
    return vreinterpretq_f64_u64(vaddq_u64(vreinterpretq_u64_f64(p), k));
}

[[nodiscard]] inline float64x2_t sigmoid_neon_minus_abs(float64x2_t x) noexcept {
    return vreinterpretq_f64_u64(
        vorrq_u64(vreinterpretq_u64_f64(x), vdupq_n_u64(sigmoid_constants::sign_bit)));
}

// sigmoid_f32 without the NaN patch, on 2 floats widened to double. vmaxq_f64 differs
// from MAXPD only for NaN lanes, which are replaced afterwards.
[[nodiscard]] inline float64x2_t sigmoid_f32_core_neon(float64x2_t x) noexcept {
    using c = sigmoid_constants;
    float64x2_t const a = vmaxq_f64(vdupq_n_f64(c::f32_a_min), sigmoid_neon_minus_abs(x));
    float64x2_t const magic = vdupq_n_f64(c::round_magic);
    float64x2_t const t = vfmaq_f64(magic, a, vdupq_n_f64(c::log2e));
    float64x2_t const k = vsubq_f64(t, magic);
    float64x2_t const r = vfmaq_f64(a, k, vdupq_n_f64(-c::ln2_hi));
    float64x2_t p = vdupq_n_f64(c::f32_p6);
    p = vfmaq_f64(vdupq_n_f64(c::f32_p5), p, r);
    p = vfmaq_f64(vdupq_n_f64(c::f32_p4), p, r);
    p = vfmaq_f64(vdupq_n_f64(c::f32_p3), p, r);
    p = vfmaq_f64(vdupq_n_f64(c::f32_p2), p, r);
    p = vfmaq_f64(vdupq_n_f64(c::f32_p1), p, r);
    float64x2_t const one = vdupq_n_f64(1.0);
    p = vfmaq_f64(one, p, r);
    float64x2_t const e = sigmoid_neon_scale_exact(p, t, 0);
    float64x2_t const d = vaddq_f64(one, e);
    uint64x2_t const negative = vcltq_f64(x, vdupq_n_f64(0.0));
    float64x2_t const numerator = vbslq_f64(negative, e, one);
    return vdivq_f64(numerator, d);
}

[[nodiscard]] inline float32x4_t sigmoid_f32_neon_4(float32x4_t z) noexcept {
    float64x2_t const y_lo = sigmoid_f32_core_neon(vcvt_f64_f32(vget_low_f32(z)));
    float64x2_t const y_hi = sigmoid_f32_core_neon(vcvt_high_f64_f32(z));
    float32x4_t const y = vcvt_high_f32_f64(vcvt_f32_f64(y_lo), y_hi);
    // NaN lanes: z with its quiet bit set (integer OR, no flags), as the scalar code.
    uint32x4_t const not_nan = vceqq_f32(z, z);
    float32x4_t const z_quiet = vreinterpretq_f32_u32(
        vorrq_u32(vreinterpretq_u32_f32(z), vdupq_n_u32(sigmoid_constants::f32_quiet_bit)));
    return vbslq_f32(not_nan, y, z_quiet);
}

inline void sigmoid_neon(float const* z, float* out, std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        float32x4_t const z0 = vld1q_f32(z + i);
        float32x4_t const z1 = vld1q_f32(z + i + 4);
        vst1q_f32(out + i, sigmoid_f32_neon_4(z0));
        vst1q_f32(out + i + 4, sigmoid_f32_neon_4(z1));
    }
    for (; i < n; i += 4) {
        std::size_t const left = n - i < 4 ? n - i : 4;
        float buffer[4] = {};
        std::memcpy(buffer, z + i, left * sizeof(float));
        vst1q_f32(buffer, sigmoid_f32_neon_4(vld1q_f32(buffer)));
        std::memcpy(out + i, buffer, left * sizeof(float));
    }
}

[[nodiscard]] inline float64x2_t sigmoid_f64_neon_2(float64x2_t z) noexcept {
    using c = sigmoid_constants;
    float64x2_t const a = vmaxq_f64(vdupq_n_f64(c::f64_a_min), sigmoid_neon_minus_abs(z));
    float64x2_t const magic = vdupq_n_f64(c::round_magic);
    float64x2_t const t = vfmaq_f64(magic, a, vdupq_n_f64(c::log2e));
    float64x2_t const k = vsubq_f64(t, magic);
    float64x2_t const r = vfmaq_f64(a, k, vdupq_n_f64(-c::ln2_hi));
    float64x2_t const r_lo = vmulq_f64(k, vdupq_n_f64(-c::ln2_lo));

    float64x2_t w = vdupq_n_f64(c::f64_w9);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w8), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w7), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w6), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w5), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w4), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w3), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w2), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w1), w, r);
    w = vfmaq_f64(vdupq_n_f64(c::f64_w0), w, r);
    float64x2_t const half_r = vmulq_f64(vdupq_n_f64(0.5), r);
    float64x2_t const h_hi = vmulq_f64(half_r, r);
    float64x2_t const h_lo = vfmaq_f64(vnegq_f64(h_hi), half_r, r);
    float64x2_t const tail = vfmaq_f64(h_lo, h_hi, vmulq_f64(r, w));
    float64x2_t const one = vdupq_n_f64(1.0);
    float64x2_t const s1 = vaddq_f64(one, r);
    float64x2_t const e1 = vaddq_f64(vsubq_f64(one, s1), r);
    float64x2_t const s2 = vaddq_f64(s1, h_hi);
    float64x2_t const e2 = vaddq_f64(vsubq_f64(s1, s2), h_hi);
    float64x2_t lo = vaddq_f64(vaddq_f64(e1, e2), tail);
    lo = vfmaq_f64(lo, r_lo, vaddq_f64(s2, tail));
    float64x2_t const p_hi = vaddq_f64(s2, lo);
    float64x2_t const p_lo = vaddq_f64(vsubq_f64(s2, p_hi), lo);

    float64x2_t const t_d = vmaxq_f64(vdupq_n_f64(c::round_magic + c::f64_k_min_for_d), t);
    float64x2_t const e_hi = sigmoid_neon_scale_exact(p_hi, t_d, 0);
    float64x2_t const d_hi = vaddq_f64(one, e_hi);
    float64x2_t const d_lo =
        vfmaq_f64(vaddq_f64(vsubq_f64(one, d_hi), e_hi), p_lo, sigmoid_neon_pow2(t_d, 0));

    float64x2_t const q = vdivq_f64(one, d_hi);
    float64x2_t rho = vfmsq_f64(one, q, d_hi);
    rho = vfmsq_f64(rho, q, d_lo);
    float64x2_t const y_pos = vfmaq_f64(q, q, rho);

    float64x2_t const q_rho = vmulq_f64(q, rho);
    float64x2_t const y_m = vfmaq_f64(vfmaq_f64(vmulq_f64(p_lo, q), p_hi, q_rho), p_hi, q);
    float64x2_t const y_neg =
        vmulq_f64(sigmoid_neon_scale_exact(y_m, t, c::f64_k_shift), vdupq_n_f64(c::f64_unshift));

    uint64x2_t const negative = vcltq_f64(z, vdupq_n_f64(0.0));
    float64x2_t const y = vbslq_f64(negative, y_neg, y_pos);
    uint64x2_t const not_nan = vceqq_f64(z, z);
    float64x2_t const z_quiet =
        vreinterpretq_f64_u64(vorrq_u64(vreinterpretq_u64_f64(z), vdupq_n_u64(c::f64_quiet_bit)));
    return vbslq_f64(not_nan, y, z_quiet);
}

inline void sigmoid_neon(double const* z, double* out, std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float64x2_t const z0 = vld1q_f64(z + i);
        float64x2_t const z1 = vld1q_f64(z + i + 2);
        vst1q_f64(out + i, sigmoid_f64_neon_2(z0));
        vst1q_f64(out + i + 2, sigmoid_f64_neon_2(z1));
    }
    for (; i < n; i += 2) {
        std::size_t const left = n - i < 2 ? n - i : 2;
        double buffer[2] = {};
        std::memcpy(buffer, z + i, left * sizeof(double));
        vst1q_f64(buffer, sigmoid_f64_neon_2(vld1q_f64(buffer)));
        std::memcpy(out + i, buffer, left * sizeof(double));
    }
}

}  // namespace soma::detail

#endif  // SOMA_NEON_KERNELS

#endif  // SOMA_DETAIL_SIGMOID_NEON_HPP
// ---- end soma/detail/sigmoid_neon.hpp ----
// ---- begin soma/detail/sigmoid_x86.hpp ----
// soma/detail/sigmoid_x86.hpp - σ(z) over arrays with AVX2+FMA and AVX-512F.
//
// Each kernel is sigmoid_f32 / sigmoid_f64 of sigmoid_scalar.hpp, lane by lane: the same
// constants, the same fused and unfused operations in the same order, so every lane
// returns the bits of the scalar definition (the tests check this on every float and on
// millions of doubles). Only the NaN lanes are patched at the end (z with its quiet bit
// set, by an integer OR, as the scalar code returns), which keeps the main path free of
// branches and of floating-point flags.
//
// The kernels are compiled with function-level target attributes, so a default build
// (no -march) still contains them; sigmoid_array.hpp picks one once per array call.
// Loads and stores are unaligned; the tail is handled with masked loads/stores
// (AVX-512) or a zero-padded stack copy (AVX2), so no element past n is ever read.
#ifndef SOMA_DETAIL_SIGMOID_X86_HPP
#define SOMA_DETAIL_SIGMOID_X86_HPP


#ifdef SOMA_X86_KERNELS

#include <immintrin.h>

#include <cstddef>
#include <cstring>


// GCC 12 reports its own _mm512_undefined_* placeholders as "maybe uninitialized" when
// AVX-512 intrinsics are inlined into a target("avx512f") function of a non-AVX-512 build
// (-Wmaybe-uninitialized at -O2, -Wuninitialized at -O3).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace soma::detail {

// ---------------------------------------------------------------------------------------
// AVX-512F
// ---------------------------------------------------------------------------------------

// sigmoid_f32 without the NaN patch, on 8 floats widened to double.
SOMA_TARGET_AVX512 inline __m512d sigmoid_f32_core_avx512(__m512d x) noexcept {
    using c = sigmoid_constants;
    __m512i const sign = _mm512_set1_epi64(static_cast<long long>(c::sign_bit));
    __m512d const minus_abs = _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(x), sign));
    __m512d const a = _mm512_max_pd(_mm512_set1_pd(c::f32_a_min), minus_abs);
    __m512d const magic = _mm512_set1_pd(c::round_magic);
    __m512d const t = _mm512_fmadd_pd(a, _mm512_set1_pd(c::log2e), magic);
    __m512d const k = _mm512_sub_pd(t, magic);
    __m512d const r = _mm512_fmadd_pd(k, _mm512_set1_pd(-c::ln2_hi), a);
    __m512d p = _mm512_set1_pd(c::f32_p6);
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c::f32_p5));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c::f32_p4));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c::f32_p3));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c::f32_p2));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c::f32_p1));
    __m512d const one = _mm512_set1_pd(1.0);
    p = _mm512_fmadd_pd(p, r, one);
    // p·2^k by an integer add to the exponent field (sigmoid_scale_exact): the multiplier
    // ports are this kernel's bottleneck, the integer ones are not.
    __m512d const e = _mm512_castsi512_pd(
        _mm512_add_epi64(_mm512_castpd_si512(p), _mm512_slli_epi64(_mm512_castpd_si512(t), 52)));
    __m512d const d = _mm512_add_pd(one, e);
    __mmask8 const negative = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_LT_OQ);
    __m512d const numerator = _mm512_mask_blend_pd(negative, one, e);
    return _mm512_div_pd(numerator, d);
}

SOMA_TARGET_AVX512 inline __m512 sigmoid_f32_avx512_16(__m512 z) noexcept {
    __m256 const z_lo = _mm512_castps512_ps256(z);
    __m256 const z_hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(z), 1));
    __m256 const y_lo = _mm512_cvtpd_ps(sigmoid_f32_core_avx512(_mm512_cvtps_pd(z_lo)));
    __m256 const y_hi = _mm512_cvtpd_ps(sigmoid_f32_core_avx512(_mm512_cvtps_pd(z_hi)));
    __m512 const y = _mm512_castpd_ps(_mm512_insertf64x4(
        _mm512_castpd256_pd512(_mm256_castps_pd(y_lo)), _mm256_castps_pd(y_hi), 1));
    __mmask16 const nan = _mm512_cmp_ps_mask(z, z, _CMP_UNORD_Q);
    __m512i const quiet = _mm512_set1_epi32(static_cast<int>(sigmoid_constants::f32_quiet_bit));
    return _mm512_castsi512_ps(
        _mm512_mask_or_epi32(_mm512_castps_si512(y), nan, _mm512_castps_si512(z), quiet));
}

SOMA_TARGET_AVX512 inline void sigmoid_avx512(float const* z, float* out, std::size_t n) noexcept {
    // Two independent vectors per iteration: the body is one long dependency chain
    // (about 40 cycles), so the out-of-order core needs several in flight.
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 const z0 = _mm512_loadu_ps(z + i);
        __m512 const z1 = _mm512_loadu_ps(z + i + 16);
        _mm512_storeu_ps(out + i, sigmoid_f32_avx512_16(z0));
        _mm512_storeu_ps(out + i + 16, sigmoid_f32_avx512_16(z1));
    }
    for (; i < n; i += 16) {
        std::size_t const left = n - i < 16 ? n - i : 16;
        auto const m = static_cast<__mmask16>((1U << left) - 1U);
        __m512 const z0 = _mm512_maskz_loadu_ps(m, z + i);
        _mm512_mask_storeu_ps(out + i, m, sigmoid_f32_avx512_16(z0));
    }
}

SOMA_TARGET_AVX512 inline __m512d sigmoid_f64_avx512_8(__m512d z) noexcept {
    using c = sigmoid_constants;
    __m512i const sign = _mm512_set1_epi64(static_cast<long long>(c::sign_bit));
    __m512d const minus_abs = _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(z), sign));
    __m512d const a = _mm512_max_pd(_mm512_set1_pd(c::f64_a_min), minus_abs);
    __m512d const magic = _mm512_set1_pd(c::round_magic);
    __m512d const t = _mm512_fmadd_pd(a, _mm512_set1_pd(c::log2e), magic);
    __m512d const k = _mm512_sub_pd(t, magic);
    __m512d const r = _mm512_fmadd_pd(k, _mm512_set1_pd(-c::ln2_hi), a);
    __m512d const r_lo = _mm512_mul_pd(k, _mm512_set1_pd(-c::ln2_lo));

    __m512d w = _mm512_set1_pd(c::f64_w9);
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w8));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w7));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w6));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w5));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w4));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w3));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w2));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w1));
    w = _mm512_fmadd_pd(w, r, _mm512_set1_pd(c::f64_w0));
    __m512d const half_r = _mm512_mul_pd(_mm512_set1_pd(0.5), r);
    __m512d const h_hi = _mm512_mul_pd(half_r, r);
    __m512d const h_lo = _mm512_fmsub_pd(half_r, r, h_hi);
    __m512d const tail = _mm512_fmadd_pd(h_hi, _mm512_mul_pd(r, w), h_lo);
    __m512d const one = _mm512_set1_pd(1.0);
    __m512d const s1 = _mm512_add_pd(one, r);
    __m512d const e1 = _mm512_add_pd(_mm512_sub_pd(one, s1), r);
    __m512d const s2 = _mm512_add_pd(s1, h_hi);
    __m512d const e2 = _mm512_add_pd(_mm512_sub_pd(s1, s2), h_hi);
    __m512d lo = _mm512_add_pd(_mm512_add_pd(e1, e2), tail);
    lo = _mm512_fmadd_pd(r_lo, _mm512_add_pd(s2, tail), lo);
    __m512d const p_hi = _mm512_add_pd(s2, lo);
    __m512d const p_lo = _mm512_add_pd(_mm512_sub_pd(s2, p_hi), lo);

    __m512i const bias = _mm512_set1_epi64(static_cast<long long>(c::exponent_bias));
    __m512d const t_d = _mm512_max_pd(_mm512_set1_pd(c::round_magic + c::f64_k_min_for_d), t);
    __m512i const t_d_bits = _mm512_castpd_si512(t_d);
    __m512d const e_hi = _mm512_castsi512_pd(
        _mm512_add_epi64(_mm512_castpd_si512(p_hi), _mm512_slli_epi64(t_d_bits, 52)));
    __m512d const scale_d =
        _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_add_epi64(t_d_bits, bias), 52));
    __m512d const d_hi = _mm512_add_pd(one, e_hi);
    __m512d const d_lo =
        _mm512_fmadd_pd(p_lo, scale_d, _mm512_add_pd(_mm512_sub_pd(one, d_hi), e_hi));

    __m512d const q = _mm512_div_pd(one, d_hi);
    __m512d rho = _mm512_fnmadd_pd(q, d_hi, one);
    rho = _mm512_fnmadd_pd(q, d_lo, rho);
    __m512d const y_pos = _mm512_fmadd_pd(q, rho, q);

    __m512d const q_rho = _mm512_mul_pd(q, rho);
    __m512d const y_m =
        _mm512_fmadd_pd(p_hi, q, _mm512_fmadd_pd(p_hi, q_rho, _mm512_mul_pd(p_lo, q)));
    __m512i const shift = _mm512_set1_epi64(static_cast<long long>(c::f64_k_shift));
    __m512i const k_shift = _mm512_slli_epi64(_mm512_add_epi64(_mm512_castpd_si512(t), shift), 52);
    __m512d const y_shifted =
        _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(y_m), k_shift));
    __m512d const y_neg = _mm512_mul_pd(y_shifted, _mm512_set1_pd(c::f64_unshift));

    __mmask8 const negative = _mm512_cmp_pd_mask(z, _mm512_setzero_pd(), _CMP_LT_OQ);
    __m512d const y = _mm512_mask_blend_pd(negative, y_pos, y_neg);
    __mmask8 const nan = _mm512_cmp_pd_mask(z, z, _CMP_UNORD_Q);
    __m512i const quiet = _mm512_set1_epi64(static_cast<long long>(c::f64_quiet_bit));
    return _mm512_castsi512_pd(
        _mm512_mask_or_epi64(_mm512_castpd_si512(y), nan, _mm512_castpd_si512(z), quiet));
}

SOMA_TARGET_AVX512 inline void sigmoid_avx512(double const* z, double* out,
                                              std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512d const z0 = _mm512_loadu_pd(z + i);
        __m512d const z1 = _mm512_loadu_pd(z + i + 8);
        _mm512_storeu_pd(out + i, sigmoid_f64_avx512_8(z0));
        _mm512_storeu_pd(out + i + 8, sigmoid_f64_avx512_8(z1));
    }
    for (; i < n; i += 8) {
        std::size_t const left = n - i < 8 ? n - i : 8;
        auto const m = static_cast<__mmask8>((1U << left) - 1U);
        __m512d const z0 = _mm512_maskz_loadu_pd(m, z + i);
        _mm512_mask_storeu_pd(out + i, m, sigmoid_f64_avx512_8(z0));
    }
}

// ---------------------------------------------------------------------------------------
// AVX2 + FMA
// ---------------------------------------------------------------------------------------

SOMA_TARGET_AVX2 inline __m256d sigmoid_f32_core_avx2(__m256d x) noexcept {
    using c = sigmoid_constants;
    __m256i const sign = _mm256_set1_epi64x(static_cast<long long>(c::sign_bit));
    __m256d const minus_abs = _mm256_castsi256_pd(_mm256_or_si256(_mm256_castpd_si256(x), sign));
    __m256d const a = _mm256_max_pd(_mm256_set1_pd(c::f32_a_min), minus_abs);
    __m256d const magic = _mm256_set1_pd(c::round_magic);
    __m256d const t = _mm256_fmadd_pd(a, _mm256_set1_pd(c::log2e), magic);
    __m256d const k = _mm256_sub_pd(t, magic);
    __m256d const r = _mm256_fmadd_pd(k, _mm256_set1_pd(-c::ln2_hi), a);
    __m256d p = _mm256_set1_pd(c::f32_p6);
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c::f32_p5));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c::f32_p4));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c::f32_p3));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c::f32_p2));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c::f32_p1));
    __m256d const one = _mm256_set1_pd(1.0);
    p = _mm256_fmadd_pd(p, r, one);
    __m256d const e = _mm256_castsi256_pd(
        _mm256_add_epi64(_mm256_castpd_si256(p), _mm256_slli_epi64(_mm256_castpd_si256(t), 52)));
    __m256d const d = _mm256_add_pd(one, e);
    __m256d const negative = _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_LT_OQ);
    __m256d const numerator = _mm256_blendv_pd(one, e, negative);
    return _mm256_div_pd(numerator, d);
}

SOMA_TARGET_AVX2 inline __m256 sigmoid_f32_avx2_8(__m256 z) noexcept {
    __m128 const y_lo =
        _mm256_cvtpd_ps(sigmoid_f32_core_avx2(_mm256_cvtps_pd(_mm256_castps256_ps128(z))));
    __m128 const y_hi =
        _mm256_cvtpd_ps(sigmoid_f32_core_avx2(_mm256_cvtps_pd(_mm256_extractf128_ps(z, 1))));
    __m256 const y = _mm256_insertf128_ps(_mm256_castps128_ps256(y_lo), y_hi, 1);
    __m256 const nan = _mm256_cmp_ps(z, z, _CMP_UNORD_Q);
    __m256 const quiet =
        _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(sigmoid_constants::f32_quiet_bit)));
    return _mm256_blendv_ps(y, _mm256_or_ps(z, quiet), nan);
}

SOMA_TARGET_AVX2 inline void sigmoid_avx2(float const* z, float* out, std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 const z0 = _mm256_loadu_ps(z + i);
        __m256 const z1 = _mm256_loadu_ps(z + i + 8);
        _mm256_storeu_ps(out + i, sigmoid_f32_avx2_8(z0));
        _mm256_storeu_ps(out + i + 8, sigmoid_f32_avx2_8(z1));
    }
    for (; i < n; i += 8) {
        std::size_t const left = n - i < 8 ? n - i : 8;
        float buffer[8] = {};
        std::memcpy(buffer, z + i, left * sizeof(float));
        _mm256_storeu_ps(buffer, sigmoid_f32_avx2_8(_mm256_loadu_ps(buffer)));
        std::memcpy(out + i, buffer, left * sizeof(float));
    }
}

SOMA_TARGET_AVX2 inline __m256d sigmoid_f64_avx2_4(__m256d z) noexcept {
    using c = sigmoid_constants;
    __m256i const sign = _mm256_set1_epi64x(static_cast<long long>(c::sign_bit));
    __m256d const minus_abs = _mm256_castsi256_pd(_mm256_or_si256(_mm256_castpd_si256(z), sign));
    __m256d const a = _mm256_max_pd(_mm256_set1_pd(c::f64_a_min), minus_abs);
    __m256d const magic = _mm256_set1_pd(c::round_magic);
    __m256d const t = _mm256_fmadd_pd(a, _mm256_set1_pd(c::log2e), magic);
    __m256d const k = _mm256_sub_pd(t, magic);
    __m256d const r = _mm256_fmadd_pd(k, _mm256_set1_pd(-c::ln2_hi), a);
    __m256d const r_lo = _mm256_mul_pd(k, _mm256_set1_pd(-c::ln2_lo));

    __m256d w = _mm256_set1_pd(c::f64_w9);
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w8));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w7));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w6));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w5));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w4));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w3));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w2));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w1));
    w = _mm256_fmadd_pd(w, r, _mm256_set1_pd(c::f64_w0));
    __m256d const half_r = _mm256_mul_pd(_mm256_set1_pd(0.5), r);
    __m256d const h_hi = _mm256_mul_pd(half_r, r);
    __m256d const h_lo = _mm256_fmsub_pd(half_r, r, h_hi);
    __m256d const tail = _mm256_fmadd_pd(h_hi, _mm256_mul_pd(r, w), h_lo);
    __m256d const one = _mm256_set1_pd(1.0);
    __m256d const s1 = _mm256_add_pd(one, r);
    __m256d const e1 = _mm256_add_pd(_mm256_sub_pd(one, s1), r);
    __m256d const s2 = _mm256_add_pd(s1, h_hi);
    __m256d const e2 = _mm256_add_pd(_mm256_sub_pd(s1, s2), h_hi);
    __m256d lo = _mm256_add_pd(_mm256_add_pd(e1, e2), tail);
    lo = _mm256_fmadd_pd(r_lo, _mm256_add_pd(s2, tail), lo);
    __m256d const p_hi = _mm256_add_pd(s2, lo);
    __m256d const p_lo = _mm256_add_pd(_mm256_sub_pd(s2, p_hi), lo);

    __m256i const bias = _mm256_set1_epi64x(static_cast<long long>(c::exponent_bias));
    __m256d const t_d = _mm256_max_pd(_mm256_set1_pd(c::round_magic + c::f64_k_min_for_d), t);
    __m256i const t_d_bits = _mm256_castpd_si256(t_d);
    __m256d const e_hi = _mm256_castsi256_pd(
        _mm256_add_epi64(_mm256_castpd_si256(p_hi), _mm256_slli_epi64(t_d_bits, 52)));
    __m256d const scale_d =
        _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(t_d_bits, bias), 52));
    __m256d const d_hi = _mm256_add_pd(one, e_hi);
    __m256d const d_lo =
        _mm256_fmadd_pd(p_lo, scale_d, _mm256_add_pd(_mm256_sub_pd(one, d_hi), e_hi));

    __m256d const q = _mm256_div_pd(one, d_hi);
    __m256d rho = _mm256_fnmadd_pd(q, d_hi, one);
    rho = _mm256_fnmadd_pd(q, d_lo, rho);
    __m256d const y_pos = _mm256_fmadd_pd(q, rho, q);

    __m256d const q_rho = _mm256_mul_pd(q, rho);
    __m256d const y_m =
        _mm256_fmadd_pd(p_hi, q, _mm256_fmadd_pd(p_hi, q_rho, _mm256_mul_pd(p_lo, q)));
    __m256i const shift = _mm256_set1_epi64x(static_cast<long long>(c::f64_k_shift));
    __m256i const k_shift = _mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t), shift), 52);
    __m256d const y_shifted =
        _mm256_castsi256_pd(_mm256_add_epi64(_mm256_castpd_si256(y_m), k_shift));
    __m256d const y_neg = _mm256_mul_pd(y_shifted, _mm256_set1_pd(c::f64_unshift));

    __m256d const negative = _mm256_cmp_pd(z, _mm256_setzero_pd(), _CMP_LT_OQ);
    __m256d const y = _mm256_blendv_pd(y_pos, y_neg, negative);
    __m256d const nan = _mm256_cmp_pd(z, z, _CMP_UNORD_Q);
    __m256d const quiet =
        _mm256_castsi256_pd(_mm256_set1_epi64x(static_cast<long long>(c::f64_quiet_bit)));
    return _mm256_blendv_pd(y, _mm256_or_pd(z, quiet), nan);
}

SOMA_TARGET_AVX2 inline void sigmoid_avx2(double const* z, double* out, std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256d const z0 = _mm256_loadu_pd(z + i);
        __m256d const z1 = _mm256_loadu_pd(z + i + 4);
        _mm256_storeu_pd(out + i, sigmoid_f64_avx2_4(z0));
        _mm256_storeu_pd(out + i + 4, sigmoid_f64_avx2_4(z1));
    }
    for (; i < n; i += 4) {
        std::size_t const left = n - i < 4 ? n - i : 4;
        double buffer[4] = {};
        std::memcpy(buffer, z + i, left * sizeof(double));
        _mm256_storeu_pd(buffer, sigmoid_f64_avx2_4(_mm256_loadu_pd(buffer)));
        std::memcpy(out + i, buffer, left * sizeof(double));
    }
}

}  // namespace soma::detail

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // SOMA_X86_KERNELS

#endif  // SOMA_DETAIL_SIGMOID_X86_HPP
// ---- end soma/detail/sigmoid_x86.hpp ----

namespace soma::detail {

template <ieee_binary T>
[[nodiscard]] constexpr T sigmoid_scalar(T z) noexcept {
    if constexpr (std::same_as<T, float>) {
        return sigmoid_f32(z);
    } else {
        return sigmoid_f64(z);
    }
}

template <ieee_binary T>
void sigmoid_portable(T const* z, T* out, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) out[i] = sigmoid_scalar(z[i]);
}

// Runs the kernel for one instruction set; precondition: isa_available(i).
template <ieee_binary T>
void sigmoid_with(isa i, T const* z, T* out, std::size_t n) noexcept {
    switch (i) {
#ifdef SOMA_X86_KERNELS
        case isa::avx2_fma:
            sigmoid_avx2(z, out, n);
            return;
        case isa::avx512:
            sigmoid_avx512(z, out, n);
            return;
#endif
#ifdef SOMA_NEON_KERNELS
        case isa::neon:
            sigmoid_neon(z, out, n);
            return;
#endif
        default:
            sigmoid_portable(z, out, n);
            return;
    }
}

// out[i] = σ(z[i]) for i < n; out may be z itself (in place), but not partially overlap it.
// The kernel is the one the compiler flags select (no dispatch), or, in a build without
// -march on x86-64, the best one the CPU supports, looked up once per call.
template <ieee_binary T>
void sigmoid_array(T const* z, T* out, std::size_t n) noexcept {
    if constexpr (runtime_dispatch) {
        sigmoid_with(best_isa(), z, out, n);
    } else {
        sigmoid_with(compiled_isa, z, out, n);
    }
}

}  // namespace soma::detail

#endif  // SOMA_DETAIL_SIGMOID_ARRAY_HPP
// ---- end soma/detail/sigmoid_array.hpp ----

namespace soma {

// σ(z) = 1 / (1 + e^-z), the activation of the sigmoid neuron.
//
// Domain: every z. Special values: σ(±0) = 0.5 exactly, σ(+inf) = 1, σ(-inf) = +0,
// σ(NaN) = the same NaN with its quiet bit set (bit for bit on every path). The result
// always lies in [0, 1] and is non-decreasing in z. No finite or infinite z raises
// FE_OVERFLOW, FE_INVALID or FE_DIVBYZERO. FE_INEXACT is raised; FE_UNDERFLOW where the
// result is subnormal or rounds to zero (float: z < -87.34; double: z < -708.4) and, for
// double, where |z| < 2^-340 (an intermediate power of z underflows; the result, 0.5, is exact).
// Details and measurements: docs/sigmoid.md.
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
// NEON). The algorithm is in soma/detail/sigmoid_scalar.hpp.
template <std::floating_point T>
[[nodiscard]] constexpr T sigmoid(T z) noexcept {
    if constexpr (std::same_as<T, float> || std::same_as<T, double>) {
        return detail::sigmoid_scalar(z);
    } else if constexpr (std::same_as<T, long double> &&
                         std::numeric_limits<long double>::digits == 53) {
        return static_cast<long double>(detail::sigmoid_f64(static_cast<double>(z)));
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
[[nodiscard]] constexpr T sigmoid_derivative(T z) noexcept {
    return sigmoid(z) * sigmoid(-z);
}

namespace detail {

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
    throw std::invalid_argument("soma::sigmoid: z has " + std::to_string(z_size) +
                                " elements but out has " + std::to_string(out_size));
}

template <class T>
void sigmoid_span(std::span<T const> z, std::span<T> out) noexcept {
    if constexpr (std::same_as<T, float> || std::same_as<T, double>) {
        detail::sigmoid_array(z.data(), out.data(), z.size());
    } else {
        for (std::size_t i = 0; i < z.size(); ++i) out[i] = soma::sigmoid(z[i]);
    }
}

}  // namespace detail

// out[i] = σ(z[i]) for every i: the same bits as the scalar σ, vectorized (AVX-512 or
// AVX2+FMA chosen once per call at run time on x86, NEON on AArch64).
// Precondition: out.size() == z.size(), else throws std::invalid_argument naming both
// sizes (nothing is written). out may be the same array as z; partial overlap is not
// allowed. Elements outside [0, size) are never read or written.
template <std::floating_point T>
void sigmoid(std::span<std::type_identity_t<T> const> z, std::span<T> out) {
    if (z.size() != out.size()) detail::throw_sigmoid_size_mismatch(z.size(), out.size());
    detail::sigmoid_span<T>(z, out);
}

// z[i] = σ(z[i]) in place.
template <std::floating_point T>
void sigmoid(std::span<T> z_in_out) noexcept {
    detail::sigmoid_span<T>(z_in_out, z_in_out);
}

// The same for std::vector, std::array and other contiguous ranges, which do not deduce T
// in the span overloads above.
template <class Z, class Out>
requires detail::sigmoid_input_range<Z> && detail::sigmoid_output_range<Out> &&
    std::same_as<std::ranges::range_value_t<Z>, std::ranges::range_value_t<Out>> &&
    (!detail::is_span_v<std::remove_cvref_t<Z>> ||
     !detail::is_span_v<std::remove_cvref_t<Out>>)void sigmoid(Z&& z, Out&& out) {
    using T = std::ranges::range_value_t<Out>;
    soma::sigmoid<T>(std::span<T const>(std::ranges::data(z), std::ranges::size(z)),
                     std::span<T>(std::ranges::data(out), std::ranges::size(out)));
}

template <class R>
requires detail::sigmoid_output_range<R> &&
    (!detail::is_span_v<std::remove_cvref_t<R>>)void sigmoid(R&& z_in_out) noexcept {
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

#include <concepts>
#include <ranges>
#include <span>

// ---- begin soma/detail/errors.hpp ----
// soma/detail/errors.hpp - the run-time errors soma throws. Kept out of line from the
// constexpr code: reaching one during constant evaluation is a compile error.
#ifndef SOMA_DETAIL_ERRORS_HPP
#define SOMA_DETAIL_ERRORS_HPP

#include <cstddef>
#include <stdexcept>
#include <string>

namespace soma::detail {

// Throws std::invalid_argument: "<where>: <what_a> has <a> elements but <what_b> has <b>".
[[noreturn]] inline void throw_size_mismatch(char const* where, char const* what_a, std::size_t a,
                                             char const* what_b, std::size_t b) {
    throw std::invalid_argument(std::string(where) + ": " + what_a + " has " + std::to_string(a) +
                                " elements but " + what_b + " has " + std::to_string(b));
}

// Throws std::overflow_error for an integer result that does not fit its type.
[[noreturn]] inline void throw_overflow(char const* where) {
    throw std::overflow_error(std::string(where) +
                              ": integer overflow (the result does not fit the element type)");
}

}  // namespace soma::detail

#endif  // SOMA_DETAIL_ERRORS_HPP
// ---- end soma/detail/errors.hpp ----

namespace soma {

// Unit step (单位阶跃函数): u(z) = 1 for z >= 0, 0 for z < 0.
// The value at the threshold itself is 1 (the tutorial's neuron fires when the weighted
// sum reaches θ), so u(+0) = u(-0) = 1. u(+inf) = 1, u(-inf) = 0, u(NaN) = NaN (the
// same NaN) for floating T. Exact: no rounding is involved.
template <scalar T>
[[nodiscard]] constexpr T step(T z) noexcept {
    if constexpr (std::floating_point<T>) {
        if (z != z) return z;
    }
    return z >= T(0) ? T(1) : T(0);
}

// fires(z, θ) = (z >= θ): the tutorial's firing condition w·x >= θ, with z = w·x.
// false when either side is NaN. For the weighted input with bias, fires(z, 0).
template <scalar T>
[[nodiscard]] constexpr bool fires(T z, T theta) noexcept {
    return z >= theta;
}

// step over a vector: out_i = u(z_i). Sizes must match (a compile error for two static
// extents, else std::invalid_argument naming both sizes). `out` may alias `z` exactly.
template <input_vector Z, class Out>
requires std::ranges::contiguous_range<Out> && std::ranges::sized_range<Out> &&
    std::same_as<std::ranges::range_value_t<Out>, element_t<Z>> &&
    (!std::is_const_v<std::remove_reference_t<
         std::ranges::range_reference_t<Out>>>)constexpr void step(Z const& z, Out&& out) {
    auto const n = static_cast<std::size_t>(std::ranges::size(z));
    auto const m = static_cast<std::size_t>(std::ranges::size(out));
    if (n != m) detail::throw_size_mismatch("soma::step", "z", n, "out", m);
    auto const* in = std::ranges::data(z);
    auto* o = std::ranges::data(out);
    for (std::size_t i = 0; i < n; ++i) o[i] = soma::step(in[i]);
}

// In place: z_i <- u(z_i).
template <class Z>
requires input_vector<Z> &&
    (!std::is_const_v<std::remove_reference_t<
         std::ranges::range_reference_t<Z>>>)constexpr void step(Z&& z) noexcept {
    auto* p = std::ranges::data(z);
    auto const n = static_cast<std::size_t>(std::ranges::size(z));
    for (std::size_t i = 0; i < n; ++i) p[i] = soma::step(p[i]);
}

}  // namespace soma

#endif  // SOMA_STEP_HPP
// ---- end soma/step.hpp ----

namespace soma {

// a(z) = u(z), the unit step (soma::step): 1 for z >= 0, else 0; NaN -> NaN.
struct step_activation {
    template <scalar T>
    [[nodiscard]] constexpr T operator()(T z) const noexcept {
        return soma::step(z);
    }
    template <scalar T>
    constexpr void operator()(std::span<T> z) const noexcept {
        soma::step(z);
    }
};

// a(z) = σ(z) = 1 / (1 + e^-z) (soma::sigmoid), with a'(z) = σ(z)(1 - σ(z)).
struct sigmoid_activation {
    template <std::floating_point T>
    [[nodiscard]] constexpr T operator()(T z) const noexcept {
        return soma::sigmoid(z);
    }
    template <std::floating_point T>
    void operator()(std::span<T> z) const noexcept {
        if constexpr (requires { soma::sigmoid(z); }) {
            soma::sigmoid(z);
        } else {
            for (T& v : z) v = soma::sigmoid(v);
        }
    }
    template <std::floating_point T>
    [[nodiscard]] constexpr T derivative(T z) const noexcept {
        return soma::sigmoid_derivative(z);
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
};

}  // namespace soma

#endif  // SOMA_ACTIVATION_HPP
// ---- end soma/activation.hpp ----
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
[[nodiscard]] constexpr T bias_from_threshold(T theta) {
    if constexpr (std::integral<T>) {
        if (theta == std::numeric_limits<T>::min())
            detail::throw_overflow("soma::bias_from_threshold");
    }
    return static_cast<T>(-theta);
}

// θ = -b, the inverse of bias_from_threshold.
template <signed_scalar T>
[[nodiscard]] constexpr T threshold_from_bias(T b) {
    if constexpr (std::integral<T>) {
        if (b == std::numeric_limits<T>::min()) detail::throw_overflow("soma::threshold_from_bias");
    }
    return static_cast<T>(-b);
}

namespace detail {

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

}  // namespace detail

// augment(x) = (x_1, ..., x_n, 1): the inputs with a constant 1 appended, so that
// z = (x_1..x_n, 1)·(w_1..w_n, b). std::array<T, N+1> for a static extent N, else
// std::vector<T>.
template <input_vector X>
[[nodiscard]] constexpr detail::augmented_t<X> augment(X const& x) {
    return detail::append(x, element_t<X>(1));
}

// augment(w, b) = (w_1, ..., w_n, b): the weights with the bias appended.
template <input_vector W>
[[nodiscard]] constexpr detail::augmented_t<W> augment(W const& w,
                                                       std::type_identity_t<element_t<W>> b) {
    return detail::append(w, b);
}

}  // namespace soma

#endif  // SOMA_BIAS_HPP
// ---- end soma/bias.hpp ----
// ---- begin soma/layer.hpp ----
// soma/layer.hpp - many neurons, or many inputs, at once.
//
// A dense layer of m neurons with n inputs each has row-major weights W (m x n, row r the
// weights w of neuron r) and biases b (m):
//     z = W x + b,   z_r = Σ_i W[r, i] x_i + b_r,   y_r = a(z_r).
// Every z_r is computed in soma's canonical inner-product order (soma/detail/
// inner_product.hpp) and is bitwise equal to the single-neuron weighted input of row r,
// detail::inner_product(W_r, x, n, true, b_r), on every target; accuracy is therefore the
// bound documented there: |z_r - exact| <= gamma_k Σ_i |W[r, i] x_i|, k = ceil((n+1)/P) +
// log2(P), P = 256 / sizeof(T).
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
//   |computed - exact| <= gamma_k * Σ|w_i x_i|,  k = ceil(m/P) + log2(P),
//   gamma_k = k u / (1 - k u),
// which is far tighter than the textbook bound n·u·Σ|w_i x_i| for long vectors.
//
// The same order, with the same bits, is computed by:
//   inner_product_scalar   the definition below (readable, constexpr, std::fma per term);
//   inner_product_avx2     soma/detail/inner_product_avx2.hpp   (x86-64 AVX2 + FMA3);
//   inner_product_avx512   soma/detail/inner_product_avx512.hpp (x86-64 AVX-512);
//   inner_product_neon     soma/detail/inner_product_neon.hpp   (AArch64);
//   inner_product_fixed    a straight-line form for a static extent N < P (below).
// inner_product() picks one: the scalar definition in constant evaluation; at run time
// inner_product_fixed for n <= 4 (a jump on n), otherwise the kernel of the ISA the
// compiler targets (compiled_isa in soma/detail/cpu.hpp), or, when the flags enable none,
// the best one the CPU has, chosen once on the first call through a self-replacing
// function pointer. inner_products() does the same for a batch of rows sharing x.
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
#include <cstddef>
#include <type_traits>
#include <utility>

// ---- begin soma/detail/inner_product_avx2.hpp ----
// soma/detail/inner_product_avx2.hpp - the canonical inner product with AVX2 + FMA3.
//
// Same order, hence same bits, as inner_product_scalar (soma/detail/inner_product.hpp):
// the P = 256 / sizeof(T) partial sums are exactly eight 256-bit registers s[0..7], lane l
// of s[k] holding partial sum 8k + l (float) or 4k + l (double).
//
// Why eight accumulators: the canonical order fixes them, and eight independent chains
// are what two FMA pipes with 4-cycle latency need to stay busy (2 x 4 = 8 in flight).
// They take half the sixteen YMM registers; the rest hold the loads. A two-row batch
// kernel would need all sixteen for accumulators and spill, so batches run row by row.
//
// No alignment requirement. The remainder of r < P terms uses vmaskmov loads, which never
// fault on or read the masked-off elements, and a blend that keeps the masked-off partial
// sums untouched (an FMA with zero operands would turn a -0 partial sum into +0).
#ifndef SOMA_DETAIL_INNER_PRODUCT_AVX2_HPP
#define SOMA_DETAIL_INNER_PRODUCT_AVX2_HPP

#include <cstddef>
#include <cstdint>


#if defined(SOMA_X86_KERNELS)
#include <immintrin.h>

namespace soma::detail {

template <ieee_binary T>
struct avx2_ops;

template <>
struct avx2_ops<float> {
    using v = __m256;
    static constexpr std::size_t lanes = 8;
    SOMA_TARGET_AVX2 static v splat(float a) noexcept { return _mm256_set1_ps(a); }
    // -0 in every lane, opaque to the optimizer (see inner_product_avx512.hpp: a known -0
    // addend lets fma(w, x, -0) become w*x, which -ffp-contract=fast may then fuse).
    SOMA_TARGET_AVX2 static v negative_zero() noexcept {
        v z = _mm256_set1_ps(-0.0f);
        asm("" : "+x"(z));
        return z;
    }
    SOMA_TARGET_AVX2 static v load(float const* p) noexcept { return _mm256_loadu_ps(p); }
    // All-ones in the lanes l < c.
    SOMA_TARGET_AVX2 static __m256i first(std::size_t c) noexcept {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(c)),
                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    SOMA_TARGET_AVX2 static v load(__m256i k, float const* p) noexcept {
        return _mm256_maskload_ps(p, k);
    }
    SOMA_TARGET_AVX2 static v select(__m256i k, v yes, v no) noexcept {
        return _mm256_blendv_ps(no, yes, _mm256_castsi256_ps(k));
    }
    SOMA_TARGET_AVX2 static __m256i only(std::size_t l) noexcept {
        return _mm256_cmpeq_epi32(_mm256_set1_epi32(static_cast<int>(l)),
                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    SOMA_TARGET_AVX2 static v fma(v a, v b, v c) noexcept { return _mm256_fmadd_ps(a, b, c); }
    SOMA_TARGET_AVX2 static v add(v a, v b) noexcept { return _mm256_add_ps(a, b); }
    // The tree inside one register: h = 4, 2, 1.
    SOMA_TARGET_AVX2 static float reduce(v s) noexcept {
        __m128 const s4 = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
        __m128 const s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
        return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
    }
};

template <>
struct avx2_ops<double> {
    using v = __m256d;
    static constexpr std::size_t lanes = 4;
    SOMA_TARGET_AVX2 static v splat(double a) noexcept { return _mm256_set1_pd(a); }
    SOMA_TARGET_AVX2 static v negative_zero() noexcept {
        v z = _mm256_set1_pd(-0.0);
        asm("" : "+x"(z));
        return z;
    }
    SOMA_TARGET_AVX2 static v load(double const* p) noexcept { return _mm256_loadu_pd(p); }
    SOMA_TARGET_AVX2 static __m256i first(std::size_t c) noexcept {
        return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<std::int64_t>(c)),
                                  _mm256_setr_epi64x(0, 1, 2, 3));
    }
    SOMA_TARGET_AVX2 static v load(__m256i k, double const* p) noexcept {
        return _mm256_maskload_pd(p, k);
    }
    SOMA_TARGET_AVX2 static v select(__m256i k, v yes, v no) noexcept {
        return _mm256_blendv_pd(no, yes, _mm256_castsi256_pd(k));
    }
    SOMA_TARGET_AVX2 static __m256i only(std::size_t l) noexcept {
        return _mm256_cmpeq_epi64(_mm256_set1_epi64x(static_cast<std::int64_t>(l)),
                                  _mm256_setr_epi64x(0, 1, 2, 3));
    }
    SOMA_TARGET_AVX2 static v fma(v a, v b, v c) noexcept { return _mm256_fmadd_pd(a, b, c); }
    SOMA_TARGET_AVX2 static v add(v a, v b) noexcept { return _mm256_add_pd(a, b); }
    // The tree inside one register: h = 2, 1.
    SOMA_TARGET_AVX2 static double reduce(v s) noexcept {
        __m128d const s2 = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
        return _mm_cvtsd_f64(_mm_add_sd(s2, _mm_unpackhi_pd(s2, s2)));
    }
};

// z = Σ w_i x_i (+ b) in the canonical order. No alignment requirement; reads exactly
// w[0..n) and x[0..n).
template <ieee_binary T>
SOMA_TARGET_AVX2 inline T inner_product_avx2(T const* w, T const* x, std::size_t n, bool has_bias,
                                             T b) noexcept {
    using ops = avx2_ops<T>;
    using v = typename ops::v;
    constexpr std::size_t lanes = ops::lanes;
    constexpr std::size_t p = 8 * lanes;
    if (n == 0 && !has_bias) return T(0);
    v s[8];
#pragma GCC unroll 8
    for (std::size_t k = 0; k < 8; ++k) s[k] = ops::negative_zero();
    std::size_t i = 0;
    for (; i + p <= n; i += p) {
#pragma GCC unroll 8
        for (std::size_t k = 0; k < 8; ++k) {
            s[k] = ops::fma(ops::load(w + i + k * lanes), ops::load(x + i + k * lanes), s[k]);
        }
    }
    // The last r < P terms into partial sums 0 .. r-1, then the bias into partial sum r.
    std::size_t const r = n - i;
#pragma GCC unroll 8
    for (std::size_t k = 0; k < 8; ++k) {
        if (r > k * lanes) {
            auto const mask = ops::first(r - k * lanes);
            v const t = ops::fma(ops::load(mask, w + i + k * lanes),
                                 ops::load(mask, x + i + k * lanes), s[k]);
            s[k] = ops::select(mask, t, s[k]);
        }
    }
    if (has_bias) {
        // b in lane r % L and -0 elsewhere: adding -0 leaves the other partial sums exact.
        v const bias = ops::select(ops::only(r % lanes), ops::splat(b), ops::splat(T(-0.0)));
#pragma GCC unroll 8
        for (std::size_t k = 0; k < 8; ++k) {
            if (k == r / lanes) s[k] = ops::add(s[k], bias);
        }
    }
    // The pairwise tree: h = P/2, P/4, P/8 across registers, then in-register. With at
    // most L terms only s[0] holds any and the others are -0, which the tree may skip.
    if (n + (has_bias ? 1 : 0) <= lanes) return ops::reduce(s[0]);
#pragma GCC unroll 4
    for (std::size_t k = 0; k < 4; ++k) s[k] = ops::add(s[k], s[k + 4]);
    s[0] = ops::add(s[0], s[2]);
    s[1] = ops::add(s[1], s[3]);
    return ops::reduce(ops::add(s[0], s[1]));
}

}  // namespace soma::detail

#endif  // SOMA_X86_KERNELS

#endif  // SOMA_DETAIL_INNER_PRODUCT_AVX2_HPP
// ---- end soma/detail/inner_product_avx2.hpp ----
// ---- begin soma/detail/inner_product_avx512.hpp ----
// soma/detail/inner_product_avx512.hpp - the canonical inner product with AVX-512.
//
// Same order, hence same bits, as inner_product_scalar (soma/detail/inner_product.hpp):
// the P = 256 / sizeof(T) partial sums are exactly four 512-bit registers s[0..3], lane l
// of s[k] holding partial sum 16k + l (float) or 8k + l (double).
//
// Why four accumulators: the canonical order fixes them (256 bytes), and four is also what
// the load ports allow: every fused multiply-add needs two 64-byte loads, and two such
// loads per cycle give one FMA per cycle, which four independent chains of 4-cycle
// latency sustain. The batch kernel evaluates four rows per pass (16 accumulators), so
// each load of x serves four FMAs and two FMAs per cycle become possible.
//
// No alignment requirement. The remainder of r < P terms uses masked loads, which never
// touch memory past the end, and masked FMAs that leave the lanes past the end untouched
// (an FMA with zero operands would turn a -0 partial sum into +0). Because a 64-byte load
// that straddles two cache lines costs two load slots, long vectors are peeled until w is
// aligned, and a still misaligned x is read as aligned blocks joined by a permute; both
// change only which lane holds which partial sum or how a chunk of x is assembled, never
// an arithmetic operation. Vectors of at most L terms use one register and its tree.
#ifndef SOMA_DETAIL_INNER_PRODUCT_AVX512_HPP
#define SOMA_DETAIL_INNER_PRODUCT_AVX512_HPP

#include <cstddef>
#include <cstdint>
#include <utility>


#if defined(SOMA_X86_KERNELS)
#include <immintrin.h>

namespace soma::detail {

template <ieee_binary T>
struct avx512_ops;

template <>
struct avx512_ops<float> {
    using v = __m512;
    using mask = __mmask16;
    static constexpr std::size_t lanes = 16;
    SOMA_TARGET_AVX512 static v splat(float a) noexcept { return _mm512_set1_ps(a); }
    // -0 in every lane, opaque to the optimizer: a compiler that knows an addend is -0 may
    // turn fma(w, x, -0) into w*x and then, under -ffp-contract=fast, fuse that product
    // into a later addition of the tree, which would change the bits.
    SOMA_TARGET_AVX512 static v negative_zero() noexcept {
        v z = _mm512_set1_ps(-0.0f);
        asm("" : "+v"(z));
        return z;
    }
    SOMA_TARGET_AVX512 static v load(float const* p) noexcept { return _mm512_loadu_ps(p); }
    SOMA_TARGET_AVX512 static v load(mask k, float const* p) noexcept {
        return _mm512_maskz_loadu_ps(k, p);
    }
    // The first popcount(k) elements of p into the lanes set in k, in order.
    SOMA_TARGET_AVX512 static v expand(mask k, float const* p) noexcept {
        return _mm512_maskz_expandloadu_ps(k, p);
    }
    // Lanes L-k .. L-1 of lo followed by lanes 0 .. L-k-1 of hi.
    SOMA_TARGET_AVX512 static v rotate(v lo, v hi, std::size_t k) noexcept {
        __m512i const idx = _mm512_add_epi32(
            _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
            _mm512_set1_epi32(static_cast<int>(lanes - k)));
        return _mm512_permutex2var_ps(lo, idx, hi);
    }
    // Lanes d .. L-1 of lo followed by lanes 0 .. d-1 of hi (join with shift_index(d)).
    SOMA_TARGET_AVX512 static __m512i shift_index(std::size_t d) noexcept {
        return _mm512_add_epi32(
            _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
            _mm512_set1_epi32(static_cast<int>(d)));
    }
    SOMA_TARGET_AVX512 static v join(v lo, v hi, __m512i idx) noexcept {
        return _mm512_permutex2var_ps(lo, idx, hi);
    }
    SOMA_TARGET_AVX512 static v fma(v a, v b, v c) noexcept { return _mm512_fmadd_ps(a, b, c); }
    SOMA_TARGET_AVX512 static v fma(v a, v b, v c, mask k) noexcept {
        return _mm512_mask3_fmadd_ps(a, b, c, k);
    }
    SOMA_TARGET_AVX512 static v add(v a, v b) noexcept { return _mm512_add_ps(a, b); }
    SOMA_TARGET_AVX512 static v add(v a, v b, mask k) noexcept {
        return _mm512_mask_add_ps(a, k, a, b);
    }
    // The tree inside one register: h = 8, 4, 2, 1, each step bringing lanes j + h down to
    // lanes j with a shuffle. Zero-masked forms with a full mask: the plain ones (and the
    // 512-to-256 casts) trip a false -Wmaybe-uninitialized in GCC 12's headers.
    SOMA_TARGET_AVX512 static float reduce(v s) noexcept {
        constexpr mask all = 0xFFFF;
        s = _mm512_add_ps(s, _mm512_maskz_shuffle_f32x4(all, s, s, 0x4E));  // h = 8: 256-bit halves
        s = _mm512_add_ps(s, _mm512_maskz_shuffle_f32x4(all, s, s, 0xB1));  // h = 4: 128-bit blocks
        s = _mm512_add_ps(s, _mm512_maskz_permute_ps(all, s, 0x4E));        // h = 2
        s = _mm512_add_ps(s, _mm512_maskz_permute_ps(all, s, 0xB1));        // h = 1
        return _mm512_cvtss_f32(s);
    }
    // The same in-register tree for four rows at once, writing z[0..3]: h = 8 pairs the
    // 256-bit halves of two rows per add, h = 4 the 128-bit blocks of four rows per add,
    // then h = 2 and 1 inside each block. Each row sees exactly its own pairwise sums.
    SOMA_TARGET_AVX512 static void reduce4(v a, v b, v c, v d, float* z) noexcept {
        constexpr mask all = 0xFFFF;
        v const ab = _mm512_add_ps(_mm512_maskz_shuffle_f32x4(all, a, b, 0x44),
                                   _mm512_maskz_shuffle_f32x4(all, a, b, 0xEE));
        v const cd = _mm512_add_ps(_mm512_maskz_shuffle_f32x4(all, c, d, 0x44),
                                   _mm512_maskz_shuffle_f32x4(all, c, d, 0xEE));
        v t = _mm512_add_ps(_mm512_maskz_shuffle_f32x4(all, ab, cd, 0x88),
                            _mm512_maskz_shuffle_f32x4(all, ab, cd, 0xDD));
        t = _mm512_add_ps(t, _mm512_maskz_permute_ps(all, t, 0x4E));
        t = _mm512_add_ps(t, _mm512_maskz_permute_ps(all, t, 0xB1));
        _mm512_mask_storeu_ps(z, 0x000F, _mm512_maskz_compress_ps(0x1111, t));
    }
};

template <>
struct avx512_ops<double> {
    using v = __m512d;
    using mask = __mmask8;
    static constexpr std::size_t lanes = 8;
    SOMA_TARGET_AVX512 static v splat(double a) noexcept { return _mm512_set1_pd(a); }
    SOMA_TARGET_AVX512 static v negative_zero() noexcept {
        v z = _mm512_set1_pd(-0.0);
        asm("" : "+v"(z));
        return z;
    }
    SOMA_TARGET_AVX512 static v load(double const* p) noexcept { return _mm512_loadu_pd(p); }
    SOMA_TARGET_AVX512 static v load(mask k, double const* p) noexcept {
        return _mm512_maskz_loadu_pd(k, p);
    }
    SOMA_TARGET_AVX512 static v expand(mask k, double const* p) noexcept {
        return _mm512_maskz_expandloadu_pd(k, p);
    }
    SOMA_TARGET_AVX512 static v rotate(v lo, v hi, std::size_t k) noexcept {
        __m512i const idx = _mm512_add_epi64(_mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0),
                                             _mm512_set1_epi64(static_cast<long long>(lanes - k)));
        return _mm512_permutex2var_pd(lo, idx, hi);
    }
    SOMA_TARGET_AVX512 static __m512i shift_index(std::size_t d) noexcept {
        return _mm512_add_epi64(_mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0),
                                _mm512_set1_epi64(static_cast<long long>(d)));
    }
    SOMA_TARGET_AVX512 static v join(v lo, v hi, __m512i idx) noexcept {
        return _mm512_permutex2var_pd(lo, idx, hi);
    }
    SOMA_TARGET_AVX512 static v fma(v a, v b, v c) noexcept { return _mm512_fmadd_pd(a, b, c); }
    SOMA_TARGET_AVX512 static v fma(v a, v b, v c, mask k) noexcept {
        return _mm512_mask3_fmadd_pd(a, b, c, k);
    }
    SOMA_TARGET_AVX512 static v add(v a, v b) noexcept { return _mm512_add_pd(a, b); }
    SOMA_TARGET_AVX512 static v add(v a, v b, mask k) noexcept {
        return _mm512_mask_add_pd(a, k, a, b);
    }
    // The tree inside one register: h = 4, 2, 1, as for float.
    SOMA_TARGET_AVX512 static double reduce(v s) noexcept {
        constexpr mask all = 0xFF;
        s = _mm512_add_pd(s, _mm512_maskz_shuffle_f64x2(all, s, s, 0x4E));  // h = 4: 256-bit halves
        s = _mm512_add_pd(s, _mm512_maskz_shuffle_f64x2(all, s, s, 0xB1));  // h = 2: 128-bit blocks
        s = _mm512_add_pd(s, _mm512_maskz_permute_pd(all, s, 0x55));        // h = 1
        return _mm512_cvtsd_f64(s);
    }
    // Four rows at once, as for float: h = 4 over pairs of rows, h = 2 over four rows'
    // 128-bit blocks, h = 1 inside each block.
    SOMA_TARGET_AVX512 static void reduce4(v a, v b, v c, v d, double* z) noexcept {
        constexpr mask all = 0xFF;
        v const ab = _mm512_add_pd(_mm512_maskz_shuffle_f64x2(all, a, b, 0x44),
                                   _mm512_maskz_shuffle_f64x2(all, a, b, 0xEE));
        v const cd = _mm512_add_pd(_mm512_maskz_shuffle_f64x2(all, c, d, 0x44),
                                   _mm512_maskz_shuffle_f64x2(all, c, d, 0xEE));
        v t = _mm512_add_pd(_mm512_maskz_shuffle_f64x2(all, ab, cd, 0x88),
                            _mm512_maskz_shuffle_f64x2(all, ab, cd, 0xDD));
        t = _mm512_add_pd(t, _mm512_maskz_permute_pd(all, t, 0x55));
        _mm512_mask_storeu_pd(z, 0x0F, _mm512_maskz_compress_pd(0x55, t));
    }
};

// The four accumulators of one inner product, partial sum j in lane j % L of s[j / L].
template <ieee_binary T>
struct avx512_sums {
    using ops = avx512_ops<T>;
    using v = typename ops::v;
    static constexpr std::size_t lanes = ops::lanes;
    static constexpr std::size_t p = 4 * lanes;
    v s0, s1, s2, s3;

    SOMA_TARGET_AVX512 static avx512_sums start() noexcept {
        v const z = ops::negative_zero();
        return {z, z, z, z};
    }
    // Terms i .. i+P-1 with x already loaded (shared between rows).
    SOMA_TARGET_AVX512 void block(T const* w, v x0, v x1, v x2, v x3) noexcept {
        s0 = ops::fma(ops::load(w), x0, s0);
        s1 = ops::fma(ops::load(w + lanes), x1, s1);
        s2 = ops::fma(ops::load(w + 2 * lanes), x2, s2);
        s3 = ops::fma(ops::load(w + 3 * lanes), x3, s3);
    }
    // Alignment peeling. Full-width loads that straddle two cache lines cost two load slots,
    // so for long vectors the main loop starts at the first i = k (< L) where w + i is
    // 64-byte aligned. The registers then hold the partial sums rotated by k: storage
    // position q = (i - k) mod P receives term i, i.e. partial sum (q + k) mod P. The k
    // peeled terms 0 .. k-1 belong at positions P-k .. P-1, the top lanes of s3; the tail
    // and the bias land at positions r = (n - k) mod P as before; unrotate() restores
    // the canonical layout before the tree. Only the placement changes, not one operation.
    SOMA_TARGET_AVX512 void peel(T const* w, T const* x, std::size_t k) noexcept {
        using m = typename ops::mask;
        auto const top = static_cast<m>(static_cast<m>(~m{0}) << (lanes - k));
        s3 = ops::fma(ops::expand(top, w), ops::expand(top, x), s3, top);
    }
    SOMA_TARGET_AVX512 void unrotate(std::size_t k) noexcept {
        if (k == 0) return;
        v const t0 = ops::rotate(s3, s0, k);
        v const t1 = ops::rotate(s0, s1, k);
        v const t2 = ops::rotate(s1, s2, k);
        s3 = ops::rotate(s2, s3, k);
        s0 = t0;
        s1 = t1;
        s2 = t2;
    }
    // Elements to skip until w is 64-byte aligned (w is T-aligned), for long vectors.
    SOMA_TARGET_AVX512 static std::size_t peel_count(T const* w, std::size_t n) noexcept {
        if (n < 4 * p) return 0;
        auto const address = reinterpret_cast<std::uintptr_t>(w);
        return ((64U - (address & 63U)) & 63U) / sizeof(T);
    }
    // Where the last r < P terms and the bias go: per register, the lanes of the tail
    // terms (partial sums 0 .. r-1) and the lane of the bias (partial sum r). Computed once
    // and shared by every row of a batch, since all rows have the same r.
    struct tail {
        using m = typename ops::mask;
        m t0, t1, t2, t3;
        m b0, b1, b2, b3;
        SOMA_TARGET_AVX512 static m first(std::size_t r, std::size_t from) noexcept {
            if (r <= from) return 0;
            std::size_t const c = r - from;
            return c >= lanes ? static_cast<m>(~m{0}) : static_cast<m>((1U << c) - 1U);
        }
        SOMA_TARGET_AVX512 static tail make(std::size_t r, bool has_bias) noexcept {
            // A one-hot mask over the P partial sums, split per register (a switch on the
            // register index instead makes compilers address s0..s3 through memory).
            std::uint64_t const one_hot = has_bias ? std::uint64_t{1} << r : 0;
            return {first(r, 0),
                    first(r, lanes),
                    first(r, 2 * lanes),
                    first(r, 3 * lanes),
                    static_cast<m>(one_hot),
                    static_cast<m>(one_hot >> lanes),
                    static_cast<m>(one_hot >> (2 * lanes)),
                    static_cast<m>(one_hot >> (3 * lanes))};
        }
    };
    SOMA_TARGET_AVX512 static v tail_step(v s, T const* w, T const* x,
                                          typename ops::mask k) noexcept {
        return ops::fma(ops::load(k, w), ops::load(k, x), s, k);
    }
    // The last r < P terms into partial sums 0 .. r-1, then the bias into partial sum r.
    SOMA_TARGET_AVX512 void finish_terms(T const* w, T const* x, tail const& t, T b) noexcept {
        if (t.t0 != 0) s0 = tail_step(s0, w, x, t.t0);
        if (t.t1 != 0) s1 = tail_step(s1, w + lanes, x + lanes, t.t1);
        if (t.t2 != 0) s2 = tail_step(s2, w + 2 * lanes, x + 2 * lanes, t.t2);
        if (t.t3 != 0) s3 = tail_step(s3, w + 3 * lanes, x + 3 * lanes, t.t3);
        v const bv = ops::splat(b);
        if (t.b0 != 0) s0 = ops::add(s0, bv, t.b0);
        if (t.b1 != 0) s1 = ops::add(s1, bv, t.b1);
        if (t.b2 != 0) s2 = ops::add(s2, bv, t.b2);
        if (t.b3 != 0) s3 = ops::add(s3, bv, t.b3);
    }
    // finish_terms for four rows sharing one tail: each test is made once per group and
    // each tail load of x serves four rows.
    template <v avx512_sums::*s>
    SOMA_TARGET_AVX512 static void tail4(avx512_sums& a0, avx512_sums& a1, avx512_sums& a2,
                                         avx512_sums& a3, T const* w0, T const* w1, T const* w2,
                                         T const* w3, T const* x, typename ops::mask k) noexcept {
        v const xv = ops::load(k, x);
        a0.*s = ops::fma(ops::load(k, w0), xv, a0.*s, k);
        a1.*s = ops::fma(ops::load(k, w1), xv, a1.*s, k);
        a2.*s = ops::fma(ops::load(k, w2), xv, a2.*s, k);
        a3.*s = ops::fma(ops::load(k, w3), xv, a3.*s, k);
    }
    template <v avx512_sums::*s>
    SOMA_TARGET_AVX512 static void bias4(avx512_sums& a0, avx512_sums& a1, avx512_sums& a2,
                                         avx512_sums& a3, T b0, T b1, T b2, T b3,
                                         typename ops::mask k) noexcept {
        a0.*s = ops::add(a0.*s, ops::splat(b0), k);
        a1.*s = ops::add(a1.*s, ops::splat(b1), k);
        a2.*s = ops::add(a2.*s, ops::splat(b2), k);
        a3.*s = ops::add(a3.*s, ops::splat(b3), k);
    }
    SOMA_TARGET_AVX512 static void finish4(avx512_sums& a0, avx512_sums& a1, avx512_sums& a2,
                                           avx512_sums& a3, T const* w0, T const* w1, T const* w2,
                                           T const* w3, T const* x, tail const& t, T b0, T b1, T b2,
                                           T b3) noexcept {
        constexpr std::size_t l = lanes;
        if (t.t0 != 0) tail4<&avx512_sums::s0>(a0, a1, a2, a3, w0, w1, w2, w3, x, t.t0);
        if (t.t1 != 0) {
            tail4<&avx512_sums::s1>(a0, a1, a2, a3, w0 + l, w1 + l, w2 + l, w3 + l, x + l, t.t1);
        }
        if (t.t2 != 0) {
            tail4<&avx512_sums::s2>(a0, a1, a2, a3, w0 + 2 * l, w1 + 2 * l, w2 + 2 * l, w3 + 2 * l,
                                    x + 2 * l, t.t2);
        }
        if (t.t3 != 0) {
            tail4<&avx512_sums::s3>(a0, a1, a2, a3, w0 + 3 * l, w1 + 3 * l, w2 + 3 * l, w3 + 3 * l,
                                    x + 3 * l, t.t3);
        }
        if (t.b0 != 0) bias4<&avx512_sums::s0>(a0, a1, a2, a3, b0, b1, b2, b3, t.b0);
        if (t.b1 != 0) bias4<&avx512_sums::s1>(a0, a1, a2, a3, b0, b1, b2, b3, t.b1);
        if (t.b2 != 0) bias4<&avx512_sums::s2>(a0, a1, a2, a3, b0, b1, b2, b3, t.b2);
        if (t.b3 != 0) bias4<&avx512_sums::s3>(a0, a1, a2, a3, b0, b1, b2, b3, t.b3);
    }
    // One row of a batch with at most 2L terms: s0 and s1 only (the others stay -0 and
    // their tree level is skipped); returns the register the in-register tree starts from.
    SOMA_TARGET_AVX512 static v short_row(T const* w, v x0, v x1, typename ops::mask k0,
                                          typename ops::mask k1, typename ops::mask b0,
                                          typename ops::mask b1, T bias, bool two,
                                          v zero) noexcept {
        v s0 = ops::fma(ops::load(k0, w), x0, zero, k0);
        if (b0 != 0) s0 = ops::add(s0, ops::splat(bias), b0);
        if (!two) return s0;
        v s1 = ops::fma(ops::load(k1, w + lanes), x1, zero, k1);
        if (b1 != 0) s1 = ops::add(s1, ops::splat(bias), b1);
        return ops::add(s0, s1);
    }
    // The levels h = P/2 (s0 += s2, s1 += s3) and h = P/4 (s0 += s1) of the tree; levels
    // whose upper half holds no term (all -0) are skipped.
    SOMA_TARGET_AVX512 v combine(std::size_t m) const noexcept {
        if (m <= lanes) return s0;
        if (m <= 2 * lanes) return ops::add(s0, s1);
        return ops::add(ops::add(s0, s2), ops::add(s1, s3));
    }
    SOMA_TARGET_AVX512 T reduce(std::size_t m) const noexcept { return ops::reduce(combine(m)); }
};

// z = Σ w_i x_i (+ b) in the canonical order. No alignment requirement; reads exactly
// w[0..n) and x[0..n).
template <ieee_binary T>
SOMA_TARGET_AVX512 inline T inner_product_avx512(T const* w, T const* x, std::size_t n,
                                                 bool has_bias, T b) noexcept {
    using sums = avx512_sums<T>;
    using ops = typename sums::ops;
    using v = typename ops::v;
    constexpr std::size_t lanes = sums::lanes;
    if (n == 0 && !has_bias) return T(0);
    if (n + (has_bias ? 1 : 0) <= lanes) {
        // Short vectors: one register of partial sums, the rest of the tree is all -0.
        using m = typename ops::mask;
        auto const k = static_cast<m>((1U << n) - 1U);
        v s = ops::fma(ops::load(k, w), ops::load(k, x), ops::negative_zero(), k);
        if (has_bias) s = ops::add(s, ops::splat(b), static_cast<m>(1U << n));
        return ops::reduce(s);
    }
    if (n + (has_bias ? 1 : 0) <= 2 * lanes) {
        // Two registers: s0 full (n >= L here), s1 the rest and the bias; the tree's first
        // level (s0 += s2, s1 += s3) only adds -0 and is skipped.
        using m = typename ops::mask;
        v const z = ops::negative_zero();
        std::size_t const c = n - lanes;
        auto const k = c >= lanes ? static_cast<m>(~m{0}) : static_cast<m>((1U << c) - 1U);
        v const s0 = ops::fma(ops::load(w), ops::load(x), z);
        v s1 = ops::fma(ops::load(k, w + lanes), ops::load(k, x + lanes), z, k);
        if (has_bias) s1 = ops::add(s1, ops::splat(b), static_cast<m>(1U << c));
        return ops::reduce(ops::add(s0, s1));
    }
    sums a = sums::start();
    std::size_t const k = sums::peel_count(w, n);
    if (k != 0) a.peel(w, x, k);
    std::size_t i = k;
    // With w aligned, x may still straddle cache lines (its own alignment d elements
    // off). Then x is read as aligned blocks, each 16-lane chunk assembled from two
    // neighbours by one permute: two load slots and a permute per FMA instead of three
    // load slots. The first block is a masked load of its lanes >= d (x[i] on, nothing
    // before x); the loop stops while the next full block still lies inside x.
    auto const address = reinterpret_cast<std::uintptr_t>(x + i);
    std::size_t const d = (address & 63U) / sizeof(T);
    if (d != 0 && i + sums::p + lanes <= n) {
        using m = typename ops::mask;
        auto const shift = ops::shift_index(d);
        auto const* xb = reinterpret_cast<T const*>(address - d * sizeof(T));
        v x0 = ops::load(static_cast<m>(static_cast<m>(~m{0}) << d), xb);
        for (; i + sums::p + lanes <= n; i += sums::p) {
            v x1 = ops::load(xb + lanes);
            v x2 = ops::load(xb + 2 * lanes);
            v x3 = ops::load(xb + 3 * lanes);
            v x4 = ops::load(xb + 4 * lanes);
            // Each block is loaded once: without these, GCC re-reads blocks as memory
            // operands of the permutes (which overwrite a table register) instead of
            // copying a register, spending the load slots this loop exists to save.
            asm("" : "+v"(x1), "+v"(x2), "+v"(x3), "+v"(x4));
            a.block(w + i, ops::join(x0, x1, shift), ops::join(x1, x2, shift),
                    ops::join(x2, x3, shift), ops::join(x3, x4, shift));
            x0 = x4;
            xb += sums::p;
        }
    }
    for (; i + sums::p <= n; i += sums::p) {
        a.block(w + i, ops::load(x + i), ops::load(x + i + lanes), ops::load(x + i + 2 * lanes),
                ops::load(x + i + 3 * lanes));
    }
    if (i != n || has_bias) a.finish_terms(w + i, x + i, sums::tail::make(n - i, has_bias), b);
    a.unrotate(k);
    return a.reduce(n + (has_bias ? 1 : 0));
}

// z_r = Σ_i W[r*n + i] x_i (+ b[r * b_stride]) for r < rows: each z_r bitwise equal to
// inner_product_avx512(W + r*n, x, n, b != nullptr, b[r * b_stride]). b may be null (no
// bias). Four rows per pass share every load of x.
template <ieee_binary T>
SOMA_TARGET_AVX512 inline void inner_products_avx512(T const* W, std::size_t rows, std::size_t n,
                                                     T const* x, T const* b, std::size_t b_stride,
                                                     T* z) noexcept {
    using sums = avx512_sums<T>;
    using ops = typename sums::ops;
    constexpr std::size_t lanes = sums::lanes;
    bool const has_bias = b != nullptr;
    std::size_t const m = n + (has_bias ? 1 : 0);
    std::size_t r = 0;
    if (m > 0 && m <= 2 * lanes) {
        // Short rows (small layers): x's two registers are loaded once for all rows.
        using mk = typename ops::mask;
        std::size_t const c0 = n < lanes ? n : lanes;
        mk const k0 = sums::tail::first(c0, 0);
        mk const k1 = sums::tail::first(n, lanes);
        mk const b0 = has_bias && n < lanes ? static_cast<mk>(1U << n) : mk{0};
        mk const b1 = has_bias && n >= lanes ? static_cast<mk>(1U << (n - lanes)) : mk{0};
        bool const two = m > lanes;
        auto const x0 = ops::load(k0, x);
        auto const x1 = ops::load(k1, x + lanes);
        auto const zero = ops::negative_zero();
        for (; r + 4 <= rows; r += 4) {
            T const* w0 = W + r * n;
            auto bias = [&](std::size_t j) { return has_bias ? b[(r + j) * b_stride] : T(0); };
            ops::reduce4(sums::short_row(w0, x0, x1, k0, k1, b0, b1, bias(0), two, zero),
                         sums::short_row(w0 + n, x0, x1, k0, k1, b0, b1, bias(1), two, zero),
                         sums::short_row(w0 + 2 * n, x0, x1, k0, k1, b0, b1, bias(2), two, zero),
                         sums::short_row(w0 + 3 * n, x0, x1, k0, k1, b0, b1, bias(3), two, zero),
                         z + r);
        }
    } else if (m > 0 && rows >= 4) {
        // Software pipelining: the in-register trees of a group run after the next group's
        // FMAs are issued, so the two overlap instead of waiting on each other.
        using v = typename ops::v;
        v c0{}, c1{}, c2{}, c3{};
        T* pending = nullptr;
        // Without peeling (k = 0) every group has the same remainder: its masks once.
        auto const t_unpeeled = sums::tail::make(n % sums::p, has_bias);
        for (; r + 4 <= rows; r += 4) {
            T const* w0 = W + r * n;
            T const* w1 = w0 + n;
            T const* w2 = w1 + n;
            T const* w3 = w2 + n;
            sums a0 = sums::start();
            sums a1 = a0;
            sums a2 = a0;
            sums a3 = a0;
            // One peel count for the four rows (rows of the same alignment when n * sizeof(T)
            // is a multiple of 64); any count gives the same result.
            std::size_t const k = sums::peel_count(w0, n);
            if (k != 0) {
                a0.peel(w0, x, k);
                a1.peel(w1, x, k);
                a2.peel(w2, x, k);
                a3.peel(w3, x, k);
            }
            std::size_t i = k;
            for (; i + sums::p <= n; i += sums::p) {
                auto const x0 = ops::load(x + i);
                auto const x1 = ops::load(x + i + lanes);
                auto const x2 = ops::load(x + i + 2 * lanes);
                auto const x3 = ops::load(x + i + 3 * lanes);
                a0.block(w0 + i, x0, x1, x2, x3);
                a1.block(w1 + i, x0, x1, x2, x3);
                a2.block(w2 + i, x0, x1, x2, x3);
                a3.block(w3 + i, x0, x1, x2, x3);
            }
            T const* const br = has_bias ? b + r * b_stride : nullptr;
            if (i != n || has_bias) {
                auto const t = k == 0 ? t_unpeeled : sums::tail::make(n - i, has_bias);
                sums::finish4(a0, a1, a2, a3, w0 + i, w1 + i, w2 + i, w3 + i, x + i, t,
                              has_bias ? br[0] : T(0), has_bias ? br[b_stride] : T(0),
                              has_bias ? br[2 * b_stride] : T(0),
                              has_bias ? br[3 * b_stride] : T(0));
            }
            a0.unrotate(k);
            a1.unrotate(k);
            a2.unrotate(k);
            a3.unrotate(k);
            if (pending != nullptr) ops::reduce4(c0, c1, c2, c3, pending);
            c0 = a0.combine(m);
            c1 = a1.combine(m);
            c2 = a2.combine(m);
            c3 = a3.combine(m);
            pending = z + r;
        }
        ops::reduce4(c0, c1, c2, c3, pending);
    }
    for (; r < rows; ++r) {
        T const br = has_bias ? b[r * b_stride] : T(0);
        z[r] = inner_product_avx512(W + r * n, x, n, has_bias, br);
    }
}

}  // namespace soma::detail

#endif  // SOMA_X86_KERNELS

#endif  // SOMA_DETAIL_INNER_PRODUCT_AVX512_HPP
// ---- end soma/detail/inner_product_avx512.hpp ----
// ---- begin soma/detail/inner_product_neon.hpp ----
// soma/detail/inner_product_neon.hpp - the canonical inner product with AArch64 NEON.
//
// Same order, hence same bits, as inner_product_scalar (soma/detail/inner_product.hpp):
// the P = 256 / sizeof(T) partial sums are exactly sixteen 128-bit registers s[0..15],
// lane l of s[k] holding partial sum 4k + l (float) or 2k + l (double).
//
// Why sixteen accumulators: the canonical order fixes them, and sixteen chains cover
// the 4-cycle FMLA latency on cores with up to four SIMD pipes; the other sixteen of the
// thirty-two vector registers hold the loads.
//
// No alignment requirement. NEON has no masked loads, so the remainder of r < P terms is
// copied into a local block padded with w = -0, x = +0: each padding product is -0 and
// s + (-0) == s exactly for every s, so the padding changes no partial sum. The bias is
// placed in that block as the term (b, 1). Nothing past w[n-1] or x[n-1] is read.
#ifndef SOMA_DETAIL_INNER_PRODUCT_NEON_HPP
#define SOMA_DETAIL_INNER_PRODUCT_NEON_HPP

#include <cstddef>


#if defined(SOMA_NEON_KERNELS)
#include <arm_neon.h>

namespace soma::detail {

template <ieee_binary T>
struct neon_ops;

template <>
struct neon_ops<float> {
    using v = float32x4_t;
    static constexpr std::size_t lanes = 4;
    static v splat(float a) noexcept { return vdupq_n_f32(a); }
    // -0 in every lane, opaque to the optimizer (see inner_product_avx512.hpp: a known -0
    // addend lets fma(w, x, -0) become w*x, which -ffp-contract=fast may then fuse).
    static v negative_zero() noexcept {
        v z = vdupq_n_f32(-0.0f);
        asm("" : "+w"(z));
        return z;
    }
    static v load(float const* p) noexcept { return vld1q_f32(p); }
    static v fma(v a, v b, v c) noexcept { return vfmaq_f32(c, a, b); }
    static v add(v a, v b) noexcept { return vaddq_f32(a, b); }
    // The tree inside one register: h = 2, 1.
    static float reduce(v s) noexcept {
        return vpadds_f32(vadd_f32(vget_low_f32(s), vget_high_f32(s)));
    }
};

template <>
struct neon_ops<double> {
    using v = float64x2_t;
    static constexpr std::size_t lanes = 2;
    static v splat(double a) noexcept { return vdupq_n_f64(a); }
    static v negative_zero() noexcept {
        v z = vdupq_n_f64(-0.0);
        asm("" : "+w"(z));
        return z;
    }
    static v load(double const* p) noexcept { return vld1q_f64(p); }
    static v fma(v a, v b, v c) noexcept { return vfmaq_f64(c, a, b); }
    static v add(v a, v b) noexcept { return vaddq_f64(a, b); }
    // The tree inside one register: h = 1.
    static double reduce(v s) noexcept { return vpaddd_f64(s); }
};

// z = Σ w_i x_i (+ b) in the canonical order. No alignment requirement; reads exactly
// w[0..n) and x[0..n).
template <ieee_binary T>
inline T inner_product_neon(T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept {
    using ops = neon_ops<T>;
    using v = typename ops::v;
    constexpr std::size_t lanes = ops::lanes;
    constexpr std::size_t p = 16 * lanes;
    if (n == 0 && !has_bias) return T(0);
    v s[16];
#pragma GCC unroll 16
    for (std::size_t k = 0; k < 16; ++k) s[k] = ops::negative_zero();
    std::size_t i = 0;
    for (; i + p <= n; i += p) {
#pragma GCC unroll 16
        for (std::size_t k = 0; k < 16; ++k) {
            s[k] = ops::fma(ops::load(w + i + k * lanes), ops::load(x + i + k * lanes), s[k]);
        }
    }
    std::size_t const r = n - i;
    if (r > 0 || has_bias) {
        T wt[p];
        T xt[p];
        for (std::size_t j = 0; j < p; ++j) {
            wt[j] = T(-0.0);
            xt[j] = T(0);
        }
        for (std::size_t j = 0; j < r; ++j) {
            wt[j] = w[i + j];
            xt[j] = x[i + j];
        }
        if (has_bias) {
            wt[r] = b;  // fma(b, 1, s_r) == s_r + b exactly
            xt[r] = T(1);
        }
#pragma GCC unroll 16
        for (std::size_t k = 0; k < 16; ++k) {
            s[k] = ops::fma(ops::load(wt + k * lanes), ops::load(xt + k * lanes), s[k]);
        }
    }
    // The pairwise tree: h = P/2 .. L across registers, then in-register. With at most L
    // terms only s[0] holds any and the others are -0, which the tree may skip.
    if (n + (has_bias ? 1 : 0) <= lanes) return ops::reduce(s[0]);
#pragma GCC unroll 8
    for (std::size_t k = 0; k < 8; ++k) s[k] = ops::add(s[k], s[k + 8]);
#pragma GCC unroll 4
    for (std::size_t k = 0; k < 4; ++k) s[k] = ops::add(s[k], s[k + 4]);
    s[0] = ops::add(s[0], s[2]);
    s[1] = ops::add(s[1], s[3]);
    return ops::reduce(ops::add(s[0], s[1]));
}

}  // namespace soma::detail

#endif  // SOMA_NEON_KERNELS

#endif  // SOMA_DETAIL_INNER_PRODUCT_NEON_HPP
// ---- end soma/detail/inner_product_neon.hpp ----

namespace soma::detail {

template <ieee_binary T>
inline constexpr std::size_t partial_sums = 256 / sizeof(T);

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

// z_r = inner_product_scalar(W + r*n, x, n, b != nullptr, b[r * b_stride]) for r < rows
// (b_stride 0: one bias for every row).
template <ieee_binary T>
constexpr void inner_products_scalar(T const* W, std::size_t rows, std::size_t n, T const* x,
                                     T const* b, std::size_t b_stride, T* z) noexcept {
    for (std::size_t r = 0; r < rows; ++r) {
        z[r] = inner_product_scalar(W + r * n, x, n, b != nullptr,
                                    b != nullptr ? b[r * b_stride] : T(0));
    }
}

template <ieee_binary T>
using inner_product_kernel = T (*)(T const*, T const*, std::size_t, bool, T) noexcept;

template <ieee_binary T>
using inner_products_kernel = void (*)(T const*, std::size_t, std::size_t, T const*, T const*,
                                       std::size_t, T*) noexcept;

// A batch through a one-row kernel, for the ISAs without a multi-row kernel.
template <ieee_binary T, inner_product_kernel<T> kernel>
void inner_products_by_row(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                           std::size_t b_stride, T* z) noexcept {
    for (std::size_t r = 0; r < rows; ++r) {
        z[r] = kernel(W + r * n, x, n, b != nullptr, b != nullptr ? b[r * b_stride] : T(0));
    }
}

// The kernels of one ISA; isa::scalar (and any ISA this build has no kernel for) gives
// the scalar definition.
template <ieee_binary T>
[[nodiscard]] inline inner_product_kernel<T> inner_product_kernel_for(isa target) noexcept {
#if defined(SOMA_X86_KERNELS)
    if (target == isa::avx512) return &inner_product_avx512<T>;
    if (target == isa::avx2_fma) return &inner_product_avx2<T>;
#elif defined(SOMA_NEON_KERNELS)
    if (target == isa::neon) return &inner_product_neon<T>;
#endif
    (void)target;
    return &inner_product_scalar<T>;
}

template <ieee_binary T>
[[nodiscard]] inline inner_products_kernel<T> inner_products_kernel_for(isa target) noexcept {
#if defined(SOMA_X86_KERNELS)
    if (target == isa::avx512) return &inner_products_avx512<T>;
    if (target == isa::avx2_fma) return &inner_products_by_row<T, &inner_product_avx2<T>>;
#elif defined(SOMA_NEON_KERNELS)
    if (target == isa::neon) return &inner_products_by_row<T, &inner_product_neon<T>>;
#endif
    (void)target;
    return &inner_products_scalar<T>;
}

// Run-time dispatch for builds whose flags enable no SIMD ISA: each pointer starts at a
// resolver that queries the CPU once, stores the chosen kernel and calls it; later calls
// cost one relaxed load (a plain move) and an indirect call. Chosen once, outside every
// loop; no static-initialization order issue, since the initial value is a constant.
template <ieee_binary T>
T inner_product_resolve(T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept;
template <ieee_binary T>
void inner_products_resolve(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                            std::size_t b_stride, T* z) noexcept;

template <ieee_binary T>
inline constinit std::atomic<inner_product_kernel<T>> inner_product_selected{
    &inner_product_resolve<T>};
template <ieee_binary T>
inline constinit std::atomic<inner_products_kernel<T>> inner_products_selected{
    &inner_products_resolve<T>};

template <ieee_binary T>
T inner_product_resolve(T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept {
    inner_product_kernel<T> const kernel = inner_product_kernel_for<T>(best_isa());
    inner_product_selected<T>.store(kernel, std::memory_order_relaxed);
    return kernel(w, x, n, has_bias, b);
}

template <ieee_binary T>
void inner_products_resolve(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                            std::size_t b_stride, T* z) noexcept {
    inner_products_kernel<T> const kernel = inner_products_kernel_for<T>(best_isa());
    inner_products_selected<T>.store(kernel, std::memory_order_relaxed);
    kernel(W, rows, n, x, b, b_stride, z);
}

// Vectors this short take the straight-line fixed-size path: a jump on n and a few
// scalar multiplies and adds beat a vector kernel's masked loads and in-register tree
// (measured crossover against the AVX-512 kernel's one-register path: about 4 terms).
inline constexpr std::size_t short_length = 4;

template <ieee_binary T>
T inner_product_short(T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept;

// The entry point every soma inner product goes through: the scalar definition in
// constant evaluation, the best kernel for this machine at run time (same bits).
template <ieee_binary T>
[[nodiscard]] constexpr T inner_product(T const* w, T const* x, std::size_t n, bool has_bias,
                                        T b) noexcept {
    if (std::is_constant_evaluated()) return inner_product_scalar(w, x, n, has_bias, b);
    if (n <= short_length) return inner_product_short(w, x, n, has_bias, b);
#if defined(SOMA_X86_KERNELS)
    if constexpr (compiled_isa == isa::avx512) {
        return inner_product_avx512(w, x, n, has_bias, b);
    } else if constexpr (compiled_isa == isa::avx2_fma) {
        return inner_product_avx2(w, x, n, has_bias, b);
    } else {
        return inner_product_selected<T>.load(std::memory_order_relaxed)(w, x, n, has_bias, b);
    }
#elif defined(SOMA_NEON_KERNELS)
    return inner_product_neon(w, x, n, has_bias, b);
#else
    return inner_product_scalar(w, x, n, has_bias, b);
#endif
}

// A batch of inner products with one weight row each and a shared x:
// z_r = inner_product(W + r*n, x, n, b != nullptr, b[r * b_stride]) bitwise, for r < rows;
// W is row-major rows x n; b null (no bias), or b_stride 1 (one bias per row), or
// b_stride 0 (one bias for all rows). Several rows per pass share each load of x where
// the ISA has the registers for it (AVX-512: four). z must not overlap W, x or b.
template <ieee_binary T>
constexpr void inner_products(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b,
                              std::size_t b_stride, T* z) noexcept {
    if (std::is_constant_evaluated()) {
        return inner_products_scalar(W, rows, n, x, b, b_stride, z);
    }
#if defined(SOMA_X86_KERNELS)
    if constexpr (compiled_isa == isa::avx512) {
        inner_products_avx512(W, rows, n, x, b, b_stride, z);
    } else if constexpr (compiled_isa == isa::avx2_fma) {
        inner_products_by_row<T, &inner_product_avx2<T>>(W, rows, n, x, b, b_stride, z);
    } else {
        inner_products_selected<T>.load(std::memory_order_relaxed)(W, rows, n, x, b, b_stride, z);
    }
#elif defined(SOMA_NEON_KERNELS)
    inner_products_by_row<T, &inner_product_neon<T>>(W, rows, n, x, b, b_stride, z);
#else
    inner_products_scalar(W, rows, n, x, b, b_stride, z);
#endif
}

// round(w * x) as a value the compiler cannot fuse into a later addition: with
// -ffp-contract=fast (GCC's default in GNU mode) a*b + c may become one FMA, which
// would change the bits. The empty asm makes the product opaque at no run-time cost.
template <ieee_binary T>
[[nodiscard]] constexpr T unfused_product(T w, T x) noexcept {
    if (std::is_constant_evaluated()) return w * x;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    T p = w * x;
    asm("" : "+x"(p));
    return p;
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
    T p = w * x;
    asm("" : "+w"(p));
    return p;
#else
    return detail::fma(w, x, T(-0.0));
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

// inner_product for n <= short_length through the fixed-size path (same bits).
template <ieee_binary T>
T inner_product_short(T const* w, T const* x, std::size_t n, bool has_bias, T b) noexcept {
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
        case 4:
            return inner_product_fixed<T, 4>(w, x, has_bias, b);
        default:
            return inner_product_scalar(w, x, n, has_bias, b);
    }
}

}  // namespace soma::detail

#endif  // SOMA_DETAIL_INNER_PRODUCT_HPP
// ---- end soma/detail/inner_product.hpp ----

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

namespace detail {

[[noreturn]] inline void size_mismatch(char const* function, char const* what, std::size_t got,
                                       char const* expected_what, std::size_t expected) {
    throw std::invalid_argument(std::string(function) + ": " + what + " has " +
                                std::to_string(got) + " elements, but " + expected_what + " is " +
                                std::to_string(expected));
}

// rows * cols, or a clear error when the product overflows std::size_t.
[[nodiscard]] inline std::size_t checked_product(char const* function, std::size_t rows,
                                                 std::size_t cols) {
    if (cols != 0 && rows > std::numeric_limits<std::size_t>::max() / cols) {
        throw std::invalid_argument(std::string(function) + ": rows (" + std::to_string(rows) +
                                    ") * columns (" + std::to_string(cols) +
                                    ") overflows std::size_t");
    }
    return rows * cols;
}

template <class T>
[[nodiscard]] bool overlap(std::span<T const> a, std::span<T const> b) noexcept {
    if (a.empty() || b.empty()) return false;
    std::less<T const*> const before;
    return before(a.data(), b.data() + b.size()) && before(b.data(), a.data() + a.size());
}

inline void overlap_error(char const* function, char const* out, char const* in) {
    throw std::invalid_argument(std::string(function) + ": " + out + " overlaps " + in);
}

inline constexpr std::size_t activation_block = 64;

// y = a(W x + b) for one input, in blocks of 64 rows: weighted inputs, then the
// activation while the block is in L1. Sizes already checked.
template <ieee_binary T, class A>
void forward_unchecked(T const* W, std::size_t rows, std::size_t n, T const* x, T const* b, T* y,
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

}  // namespace detail

// Inputs take T from the output span (or an explicit template argument), so vectors,
// arrays and spans of T all convert.
template <class T>
using in_span = std::type_identity_t<std::span<T const>>;

// z = W x + b: the weighted inputs of a dense layer of `rows` neurons, W row-major
// (rows x x.size()), b and z of size rows. z_r is bitwise the single-neuron weighted
// input of row r. Throws std::invalid_argument on a size mismatch or when z overlaps W
// or x.
template <detail::ieee_binary T>
void weighted_inputs(in_span<T> W, std::size_t rows, in_span<T> x, in_span<T> b, std::span<T> z) {
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
    detail::inner_products(W.data(), rows, n, x.data(), b.data(), 1, z.data());
}

// y = a(W x + b): a dense layer's outputs, y_r = a(z_r) with z_r as in weighted_inputs,
// computed and activated 64 rows at a time. Same checks as weighted_inputs.
template <detail::ieee_binary T, activation_for<T> A>
void forward(in_span<T> W, std::size_t rows, in_span<T> x, in_span<T> b, std::span<T> y,
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
    detail::forward_unchecked(W.data(), rows, n, x.data(), b.data(), y.data(), a);
}

// Y_k = a(W X_k + b) for every input k: X row-major (inputs x n), Y row-major
// (inputs x rows), inputs = Y.size() / rows. Each Y_k is bitwise forward(W, rows, X_k, b).
// Throws std::invalid_argument on a size mismatch or an overlap of Y with W or X.
template <detail::ieee_binary T, activation_for<T> A>
void batch_forward(in_span<T> W, std::size_t rows, std::size_t n, in_span<T> X, in_span<T> b,
                   std::span<T> Y, A const& a) {
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
    for (std::size_t k = 0; k < inputs; ++k) {
        detail::forward_unchecked(W.data(), rows, n, X.data() + k * n, b.data(),
                                  Y.data() + k * rows, a);
    }
}

// z_k = w · X_k + b: one neuron (weights w, bias b) over many inputs, the rows of X
// (row-major, z.size() x w.size()). z_k is bitwise the neuron's weighted input for X_k,
// detail::inner_product(w, X_k, n, true, b). Throws std::invalid_argument on a size
// mismatch or when z overlaps w or X.
template <detail::ieee_binary T>
void batch_weighted_input(in_span<T> w, std::type_identity_t<T> b, in_span<T> X, std::span<T> z) {
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
//   - integral T: exactly, left to right, the bias last. A result that does not fit T
//     throws std::overflow_error (a compile error in constant evaluation) instead of
//     wrapping or invoking undefined behaviour.
//   - float and double: in soma's canonical order (see soma/detail/inner_product.hpp):
//     64 (float) or 32 (double) fused-multiply-add chains joined by a fixed pairwise
//     tree. The SIMD kernels (AVX2, AVX-512, NEON) follow the same order, so the result
//     has the same bits on every FMA-capable target, compiler and optimisation level.
//     Accuracy: |z - exact| <= gamma_k Σ|w_i x_i| (+|b|), k = ceil(m/P) + log2 P,
//     m the number of terms (n, or n+1 with a bias).
//   - long double: left to right, the bias last, without fused operations.
//   NaN in any term gives NaN; +inf and -inf together give NaN; otherwise an infinite
//   term gives that infinity.
//
// The bias is the (n+1)-th term of the inner product (x_1..x_n, 1)·(w_1..w_n, b), so
// weighted_input(w, x, b) == dot(augment(w, b), augment(x)) bit for bit (soma/bias.hpp).
#ifndef SOMA_WEIGHTED_INPUT_HPP
#define SOMA_WEIGHTED_INPUT_HPP

#include <cstddef>
#include <ranges>
#include <span>


namespace soma {
namespace detail {

template <scalar T>
[[nodiscard]] constexpr T checked_inner_product(T const* w, T const* x, std::size_t n,
                                                bool has_bias, T b) {
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
[[nodiscard]] constexpr T weighted_sum(T const* w, T const* x, std::size_t n, bool has_bias, T b) {
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

template <class A, class B>
inline constexpr std::size_t common_extent =
    static_extent_v<A> != std::dynamic_extent ? static_extent_v<A> : static_extent_v<B>;

}  // namespace detail

// dot(a, b) = Σ a_i b_i, the inner product (内积) of two vectors of equal size.
// Sizes known at compile time must agree (else the call does not compile); otherwise a
// mismatch throws std::invalid_argument naming both sizes. dot of two empty vectors is 0.
template <class A, class B>
requires compatible_vectors<A, B>
[[nodiscard]] constexpr element_t<A> dot(A const& a, B const& b) {
    std::size_t const n = detail::checked_size(a, b, "soma::dot", "a", "b");
    return detail::weighted_sum<element_t<A>, detail::common_extent<A, B>>(
        std::ranges::data(a), std::ranges::data(b), n, false, element_t<A>{});
}

// weighted_input(w, x) = Σ w_i x_i: the weighted sum of the inputs, before the bias.
template <class W, class X>
requires compatible_vectors<W, X>
[[nodiscard]] constexpr element_t<W> weighted_input(W const& w, X const& x) {
    std::size_t const n = detail::checked_size(w, x, "soma::weighted_input", "w", "x");
    return detail::weighted_sum<element_t<W>, detail::common_extent<W, X>>(
        std::ranges::data(w), std::ranges::data(x), n, false, element_t<W>{});
}

// weighted_input(w, x, b) = Σ w_i x_i + b = z, the weighted input of a neuron with bias
// b = -θ. The neuron fires when z >= 0.
template <class W, class X>
requires compatible_vectors<W, X>
[[nodiscard]] constexpr element_t<W> weighted_input(W const& w, X const& x,
                                                    std::type_identity_t<element_t<W>> b) {
    std::size_t const n = detail::checked_size(w, x, "soma::weighted_input", "w", "x");
    return detail::weighted_sum<element_t<W>, detail::common_extent<W, X>>(
        std::ranges::data(w), std::ranges::data(x), n, true, b);
}

}  // namespace soma

#endif  // SOMA_WEIGHTED_INPUT_HPP
// ---- end soma/weighted_input.hpp ----

namespace soma {

namespace detail {

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

}  // namespace detail

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
    [[nodiscard]] constexpr augmented_weights_type augmented_weights() const {
        return augment(w_, b_);
    }

    // z = w·x + b.
    [[nodiscard]] constexpr T weighted_input(input_list const& x) const {
        return z_of(std::ranges::data(x), std::ranges::size(x));
    }
    template <detail::input_for<T, N> X>
    [[nodiscard]] constexpr T weighted_input(X const& x) const {
        return z_of(std::ranges::data(x), static_cast<std::size_t>(std::ranges::size(x)));
    }

    // y = a(z).
    [[nodiscard]] constexpr T operator()(input_list const& x) const {
        return a_(weighted_input(x));
    }
    template <detail::input_for<T, N> X>
    [[nodiscard]] constexpr T operator()(X const& x) const {
        return a_(weighted_input(x));
    }

    // Whether the neuron fires (点火): z >= 0, i.e. w·x >= θ; false when z is NaN.
    // For integral T this is exactly w·x >= θ; in floating point, z = w·x + b is
    // rounded, so it can differ from a separately rounded w·x >= θ by that rounding.
    [[nodiscard]] constexpr bool fires(input_list const& x) const {
        return soma::fires(weighted_input(x), T(0));
    }
    template <detail::input_for<T, N> X>
    [[nodiscard]] constexpr bool fires(X const& x) const {
        return soma::fires(weighted_input(x), T(0));
    }

    friend constexpr bool operator==(neuron const& p, neuron const& q) {
        return std::ranges::equal(p.w_, q.w_) && p.b_ == q.b_;
    }

private:
    constexpr T z_of(T const* x, std::size_t n) const {
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
    [[nodiscard]] constexpr T weighted_input(input_list const& x) const {
        return z_of(std::ranges::data(x), std::ranges::size(x));
    }
    template <detail::input_for<T, N> X>
    [[nodiscard]] constexpr T weighted_input(X const& x) const {
        return z_of(std::ranges::data(x), static_cast<std::size_t>(std::ranges::size(x)));
    }
    [[nodiscard]] constexpr T operator()(input_list const& x) const {
        return a_(weighted_input(x));
    }
    template <detail::input_for<T, N> X>
    [[nodiscard]] constexpr T operator()(X const& x) const {
        return a_(weighted_input(x));
    }
    [[nodiscard]] constexpr bool fires(input_list const& x) const {
        return soma::fires(weighted_input(x), T(0));
    }
    template <detail::input_for<T, N> X>
    [[nodiscard]] constexpr bool fires(X const& x) const {
        return soma::fires(weighted_input(x), T(0));
    }

private:
    constexpr T z_of(T const* x, std::size_t n) const {
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
