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

#include "soma/detail/config.hpp"
#include "soma/detail/cpu.hpp"
#include "soma/detail/fma.hpp"
#include "soma/detail/kernel_table.hpp"
#include "soma/detail/sigmoid_constants.hpp"

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
#include "soma/detail/kernels-inl.hpp"
#undef SOMA_DETAIL_KERNELS_INL_INSIDE

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::portable

#endif  // SOMA_DETAIL_SIMD_PORTABLE_HPP
