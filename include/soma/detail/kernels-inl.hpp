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
