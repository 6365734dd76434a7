// Tests of soma/detail/inner_product.hpp: every kernel this CPU can run, called directly,
// against the scalar definition (bitwise) and against an independent double-double
// reference (the error bound gamma_k Σ|w_i x_i| documented in the header).
#include "soma/detail/inner_product.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "support/catch.hpp"
#include "support/isa.hpp"

namespace {

using soma::detail::ieee_binary;

template <ieee_binary T>
struct named_kernel {
    std::string name;
    T (*f)(T const*, T const*, std::size_t, bool, T) noexcept;
};

// Every implementation of the canonical order that this machine can execute: the scalar
// definition, the dispatching entry point, and each available ISA's table entry.
template <ieee_binary T>
std::vector<named_kernel<T>> kernels() {
    std::vector<named_kernel<T>> k{{"scalar definition", &soma::detail::inner_product_scalar<T>},
                                   {"dispatch", &soma::detail::inner_product<T>}};
    for (soma::detail::isa i : soma_test::tested_isas()) {
        k.push_back({std::string(soma::detail::isa_name(i)),
                     soma::detail::kernels_for(i).of<T>().inner_product});
    }
    return k;
}

template <ieee_binary T>
auto bits(T v) {
    if constexpr (sizeof(T) == 4) {
        return std::bit_cast<std::uint32_t>(v);
    } else {
        return std::bit_cast<std::uint64_t>(v);
    }
}

// An array of n values at an element offset inside a buffer whose other elements are
// NaN: a kernel that reads outside [data, data + n) turns its result into NaN.
template <ieee_binary T>
struct padded {
    static constexpr std::size_t pad = 128;
    std::vector<T> buffer;
    T* data;
    padded(std::vector<T> const& values, std::size_t offset)
        : buffer(values.size() + 2 * pad, std::numeric_limits<T>::quiet_NaN()),
          data(buffer.data() + pad + offset) {
        std::copy(values.begin(), values.end(), data);
    }
};

template <ieee_binary T>
std::vector<T> random_values(std::size_t n, std::mt19937_64& rng, T lo = T(-1), T hi = T(1)) {
    std::uniform_real_distribution<T> d(lo, hi);
    std::vector<T> v(n);
    for (T& e : v) e = d(rng);
    return v;
}

// The exact Σ w_i x_i + b as a double-double (error about 2^-100 Σ|w_i x_i|), and Σ|w_i x_i|
// (+|b|). Products are split exactly with fma; sums with 2Sum. Independent of soma's code.
struct reference {
    double hi;
    double lo;
    double abs_sum;
};

template <ieee_binary T>
reference exact_sum(std::vector<T> const& w, std::vector<T> const& x, bool has_bias, T b) {
    double hi = 0;
    double lo = 0;
    double abs_sum = 0;
    auto add = [&](double p, double e) {
        double const s = hi + p;
        double const bb = s - hi;
        double const err = (hi - (s - bb)) + (p - bb);
        hi = s;
        lo += err + e;
        double const t = hi + lo;
        lo = lo - (t - hi);
        hi = t;
    };
    for (std::size_t i = 0; i < w.size(); ++i) {
        double const p = static_cast<double>(w[i]) * static_cast<double>(x[i]);
        double const e = std::fma(static_cast<double>(w[i]), static_cast<double>(x[i]), -p);
        add(p, e);
        abs_sum += std::fabs(p);
    }
    if (has_bias) {
        add(static_cast<double>(b), 0.0);
        abs_sum += std::fabs(static_cast<double>(b));
    }
    return {hi, lo, abs_sum};
}

// gamma_k = k u / (1 - k u), k = ceil(m / P) + log2(P), m terms: the header's bound.
template <ieee_binary T>
double gamma_bound(std::size_t m) {
    constexpr std::size_t p = soma::detail::partial_sums<T>;
    double const k =
        static_cast<double>((m + p - 1) / p + static_cast<std::size_t>(std::bit_width(p) - 1));
    double const u = std::numeric_limits<T>::epsilon() / 2;
    return k * u / (1 - k * u);
}

template <ieee_binary T>
void check_all_kernels(std::vector<T> const& w, std::vector<T> const& x, bool has_bias, T b,
                       std::size_t offset_w, std::size_t offset_x) {
    padded<T> const pw(w, offset_w);
    padded<T> const px(x, offset_x);
    std::size_t const n = w.size();
    T const expected = soma::detail::inner_product_scalar(w.data(), x.data(), n, has_bias, b);
    for (auto const& k : kernels<T>()) {
        T const got = k.f(pw.data, px.data, n, has_bias, b);
        if (bits(got) != bits(expected)) {
            INFO("kernel " << k.name << " n " << n << " bias " << has_bias << " offsets "
                           << offset_w << ", " << offset_x);
            CHECK(bits(got) == bits(expected));
        }
    }
}

}  // namespace

TEMPLATE_TEST_CASE(
    "every kernel is bitwise the scalar definition, n = 0..300, offsets, NaN "
    "padding",
    "[inner_product]", float, double) {
    using T = TestType;
    std::mt19937_64 rng(20240601);
    constexpr std::size_t offsets = 64 / sizeof(T);  // 0..63 bytes in steps of one element
    for (std::size_t n = 0; n <= 300; ++n) {
        auto const w = random_values<T>(n, rng);
        auto const x = random_values<T>(n, rng);
        T const b = random_values<T>(1, rng)[0];
        for (std::size_t ow = 0; ow < offsets; ++ow) {
            std::size_t const ox = (5 * ow + n) % offsets;
            check_all_kernels(w, x, false, b, ow, ox);
            check_all_kernels(w, x, true, b, ow, ox);
        }
    }
}

TEMPLATE_TEST_CASE("every kernel is bitwise the scalar definition for long vectors",
                   "[inner_product]", float, double) {
    using T = TestType;
    std::mt19937_64 rng(7);
    for (std::size_t n :
         {std::size_t{1000}, std::size_t{4096}, std::size_t{65537}, std::size_t{1000000}}) {
        auto const w = random_values<T>(n, rng);
        auto const x = random_values<T>(n, rng);
        check_all_kernels(w, x, true, T(0.25), 0, 0);
        check_all_kernels(w, x, false, T(0), 1, 3);
    }
}

TEMPLATE_TEST_CASE("the error is within gamma_k * sum |w x| of a double-double reference",
                   "[inner_product]", float, double) {
    using T = TestType;
    std::mt19937_64 rng(99);
    std::vector<std::size_t> lengths;
    for (std::size_t n = 0; n <= 300; ++n) lengths.push_back(n);
    for (std::size_t n : {1000U, 4096U, 65537U, 1000000U}) lengths.push_back(n);
    double worst = 0;  // largest |error| / (gamma_k Σ|wx|) seen
    for (std::size_t n : lengths) {
        // Wide dynamic range and both signs: cancellation makes the bound meaningful.
        auto w = random_values<T>(n, rng);
        auto x = random_values<T>(n, rng);
        std::uniform_int_distribution<int> e(-20, 20);
        for (std::size_t i = 0; i < n; ++i) w[i] = std::ldexp(w[i], e(rng));
        T const b = T(0.5);
        for (bool has_bias : {false, true}) {
            reference const ref = exact_sum(w, x, has_bias, b);
            double const bound = gamma_bound<T>(n + (has_bias ? 1 : 0)) * ref.abs_sum;
            for (auto const& k : kernels<T>()) {
                T const got = k.f(w.data(), x.data(), n, has_bias, b);
                double const err = std::fabs((static_cast<double>(got) - ref.hi) - ref.lo);
                INFO("kernel " << k.name << " n " << n << " bias " << has_bias << " error " << err
                               << " bound " << bound);
                CHECK(err <= bound);
                if (bound > 0) worst = std::max(worst, err / bound);
            }
        }
    }
    // The canonical order's bound is far below Higham's n u Σ|wx| for long vectors:
    // gamma_k uses k = ceil(m/P) + log2(P), e.g. 15625 + 6 for float at n = 10^6 (31250 + 5
    // for double), against n = 10^6.
    CHECK(gamma_bound<T>(1000000) < 1000000 * (std::numeric_limits<T>::epsilon() / 2) / 25);
    CHECK(worst <= 1.0);
}

namespace {

// The bound with its underflow term, |z - exact| <= gamma_k Σ|w_i x_i| + n·eta (eta the
// smallest subnormal, n the number of products), checked for every kernel on products
// scaled by 2^e: near the subnormal range (e < 0) or near overflow (e > 0). The reference
// is computed on w scaled back by 2^-e (exact: the scaled values are normal), and the error
// is measured in that scale (z * 2^-e is exact too).
template <ieee_binary T>
double worst_scaled_error(int e, std::mt19937_64& rng) {
    double worst = 0;
    double const eta = static_cast<double>(std::numeric_limits<T>::denorm_min());
    int const back = -e;
    for (std::size_t n = 1; n <= 300; n += (n < 70 ? 1 : 23)) {
        auto w = random_values<T>(n, rng);
        auto const x = random_values<T>(n, rng);
        for (T& v : w) v = std::ldexp(v, e);
        std::vector<T> w_back(w);
        for (T& v : w_back) v = std::ldexp(v, back);
        reference const ref = exact_sum(w_back, x, false, T(0));
        double const bound =
            gamma_bound<T>(n) * ref.abs_sum + std::ldexp(static_cast<double>(n) * eta, back);
        for (auto const& k : kernels<T>()) {
            T const z = k.f(w.data(), x.data(), n, false, T(0));
            double const z_back = std::ldexp(static_cast<double>(z), back);
            double const err = std::fabs((z_back - ref.hi) - ref.lo);
            INFO("kernel " << k.name << " n " << n << " scale 2^" << e << " error " << err
                           << " bound " << bound);
            CHECK(err <= bound);
            worst = std::max(worst, err / bound);
        }
    }
    return worst;
}

}  // namespace

TEMPLATE_TEST_CASE("the error bound holds at both ends of the range, with its underflow term",
                   "[inner_product]", float, double) {
    using T = TestType;
    using limits = std::numeric_limits<T>;
    std::mt19937_64 rng(1075);
    // Products about 2^(min_exponent - 10): subnormal and inexact, the underflow term counts.
    double const at_low = worst_scaled_error<T>(limits::min_exponent - 10, rng);
    // Products about 2^(min_exponent - digits + 3): a few bits each, many round to 0.
    double const at_bottom = worst_scaled_error<T>(limits::min_exponent - limits::digits + 3, rng);
    // Products about 2^(max_exponent - 12): sums of 300 of them stay finite.
    int const high = limits::max_exponent - 12;
    double const at_high = worst_scaled_error<T>(high, rng);
    CHECK(at_low <= 1.0);
    CHECK(at_bottom <= 1.0);
    CHECK(at_high <= 1.0);
    // The underflow term is needed: 2^-600 * 2^-475 = 2^-1075 exactly, which rounds to +0 (a
    // tie, to even); gamma_k Σ|w x| alone would allow no error at all here (but a relative one).
    if constexpr (std::is_same_v<T, double>) {
        double const w[1] = {0x1p-600};
        double const x[1] = {0x1p-475};
        for (auto const& k : kernels<T>()) {
            double const z = k.f(w, x, 1, false, 0.0);
            CHECK(z == 0.0);
            // In x87 long double (or binary128), where 2^-1075 is a normal number.
            long double const exact = 0x1p-1075L;
            long double const err = std::fabs(static_cast<long double>(z) - exact);
            long double const relative = static_cast<long double>(gamma_bound<double>(1)) * exact;
            if (std::numeric_limits<long double>::min_exponent < -1100) {
                CHECK(err > relative);
                CHECK(err <= relative + 0x1p-1074L);
            }
        }
    }
}

TEMPLATE_TEST_CASE("finite terms that overflow to +inf meet a -inf term: NaN (IEEE)",
                   "[inner_product]", float, double) {
    using T = TestType;
    T const big = std::numeric_limits<T>::max();
    T const inf = std::numeric_limits<T>::infinity();
    for (auto const& k : kernels<T>()) {
        INFO("kernel " << k.name);
        // Partial sums 0 and 2 hold max each and meet first in the tree (+inf); partial sum 1
        // holds -inf.
        std::vector<T> const w{big, T(1), big};
        std::vector<T> const x{T(1), -inf, T(1)};
        CHECK(std::isnan(k.f(w.data(), x.data(), 3, false, T(0))));
        // A product that overflows (max * 2 = +inf) with a -inf bias.
        std::vector<T> const w2{big};
        std::vector<T> const x2{T(2)};
        CHECK(std::isnan(k.f(w2.data(), x2.data(), 1, true, -inf)));
        // Without the -inf term the overflow stays +inf, although max - max + max is finite
        // mathematically: the tree adds partial sums 0 and 2 first.
        std::vector<T> const w3{big, -big, big};
        std::vector<T> const x3{T(1), T(1), T(1)};
        CHECK(k.f(w3.data(), x3.data(), 3, false, T(0)) == inf);
    }
}

TEMPLATE_TEST_CASE("special values: signed zeros, infinities, NaN", "[inner_product]", float,
                   double) {
    using T = TestType;
    T const inf = std::numeric_limits<T>::infinity();
    T const nan = std::numeric_limits<T>::quiet_NaN();
    for (auto const& k : kernels<T>()) {
        INFO("kernel " << k.name);
        for (std::size_t n : {1U, 2U, 15U, 16U, 17U, 63U, 64U, 65U, 100U, 300U}) {
            std::vector<T> w(n, T(1));
            std::vector<T> x(n, T(-0.0));
            // Σ (1 * -0) = -0: every partial sum starts at -0, the tree keeps it.
            CHECK(bits(k.f(w.data(), x.data(), n, false, T(0))) == bits(T(-0.0)));
            CHECK(bits(k.f(w.data(), x.data(), n, true, T(-0.0))) == bits(T(-0.0)));
            CHECK(bits(k.f(w.data(), x.data(), n, true, T(0))) == bits(T(0)));
            for (std::size_t at : {std::size_t{0}, n / 2, n - 1}) {
                std::vector<T> xs(n, T(1));
                xs[at] = inf;
                CHECK(k.f(w.data(), xs.data(), n, true, T(1)) == inf);
                CHECK(k.f(w.data(), xs.data(), n, true, -inf) !=
                      k.f(w.data(), xs.data(), n, true, -inf));
                xs[at] = nan;
                CHECK(std::isnan(k.f(w.data(), xs.data(), n, false, T(0))));
                xs[at] = T(0);
                std::vector<T> ws(n, T(1));
                ws[at] = inf;  // inf * 0 = NaN
                CHECK(std::isnan(k.f(ws.data(), xs.data(), n, false, T(0))));
            }
        }
        // The empty sum is +0; with a bias it is the bias.
        CHECK(bits(k.f(nullptr, nullptr, 0, false, T(5))) == bits(T(0)));
        CHECK(bits(k.f(nullptr, nullptr, 0, true, T(-0.0))) == bits(T(-0.0)));
        CHECK(k.f(nullptr, nullptr, 0, true, T(-4)) == T(-4));
        // Overflow of the sum: P terms of max each land in different partial sums and
        // overflow only in the tree, to +inf.
        std::vector<T> big(64, std::numeric_limits<T>::max());
        std::vector<T> one(64, T(1));
        CHECK(k.f(big.data(), one.data(), 64, false, T(0)) == inf);
    }
}

TEMPLATE_TEST_CASE("exact sums: small integers give the mathematical value", "[inner_product]",
                   float, double) {
    using T = TestType;
    for (auto const& k : kernels<T>()) {
        for (std::size_t n = 0; n <= 300; ++n) {
            std::vector<T> w(n);
            std::vector<T> x(n);
            double exact = 0;
            for (std::size_t i = 0; i < n; ++i) {
                w[i] = T(static_cast<double>(i % 7) - 3);
                x[i] = T(static_cast<double>(i % 5) + 1);
                exact += static_cast<double>(w[i]) * static_cast<double>(x[i]);
            }
            INFO("kernel " << k.name << " n " << n);
            CHECK(static_cast<double>(k.f(w.data(), x.data(), n, true, T(-4))) == exact - 4);
        }
    }
}

namespace {

template <ieee_binary T, std::size_t N>
void check_fixed(std::mt19937_64& rng) {
    auto const w = random_values<T>(N + 1, rng);
    auto const x = random_values<T>(N + 1, rng);
    T const b = random_values<T>(1, rng)[0];
    for (bool has_bias : {false, true}) {
        T const expected = soma::detail::inner_product_scalar(w.data(), x.data(), N, has_bias, b);
        T const got = soma::detail::inner_product_fixed<T, N>(w.data(), x.data(), has_bias, b);
        INFO("N " << N << " bias " << has_bias);
        CHECK(bits(got) == bits(expected));
    }
}

template <ieee_binary T, std::size_t... N>
void check_fixed_all(std::index_sequence<N...>) {
    std::mt19937_64 rng(5);
    for (int rep = 0; rep < 200; ++rep) (check_fixed<T, N>(rng), ...);
}

// Products that are inexact, so an FMA contraction of w0*x0 + w1*x1 would change bits.
constexpr double cw[3] = {0.1, 0.7, 1.3};
constexpr double cx[3] = {0.3, 0.9, 2.9};
constexpr float cwf[3] = {0.1f, 0.7f, 1.3f};
constexpr float cxf[3] = {0.3f, 0.9f, 2.9f};

// Constant evaluation takes the scalar definition, and the fixed path agrees with it.
static_assert(soma::detail::inner_product(cw, cx, 3, true, -4.0) ==
              soma::detail::inner_product_fixed<double, 3>(cw, cx, true, -4.0));
static_assert(soma::detail::inner_product(cwf, cxf, 3, false, 0.0f) ==
              soma::detail::inner_product_fixed<float, 3>(cwf, cxf, false, 0.0f));
// The tutorial's neuron: w = (5, 3), b = -4, x = (1, 1) gives z = 4.
constexpr double tw[2] = {5, 3};
constexpr double tx[2] = {1, 1};
static_assert(soma::detail::inner_product_fixed<double, 2>(tw, tx, true, -4.0) == 4.0);
static_assert(soma::detail::inner_product(tw, tx, 2, false, 0.0) == 8.0);
static_assert(soma::detail::inner_product_fixed<double, 0>(tw, tx, false, 1.0) == 0.0);

}  // namespace

TEMPLATE_TEST_CASE("inner_product_fixed is bitwise the canonical order for N = 0..20",
                   "[inner_product]", float, double) {
    check_fixed_all<TestType>(std::make_index_sequence<21>{});
    // At run time too, the constexpr values above hold bit for bit.
    double const rw[3] = {0.1, 0.7, 1.3};
    double const rx[3] = {0.3, 0.9, 2.9};
    CHECK(bits(soma::detail::inner_product_fixed<double, 3>(rw, rx, true, -4.0)) ==
          bits(soma::detail::inner_product_fixed<double, 3>(cw, cx, true, -4.0)));
}

TEST_CASE("compiled and detected instruction sets are consistent", "[inner_product]") {
    using soma::detail::isa;
    isa const best = soma::detail::best_isa();
    if (soma::detail::compiled_isa != isa::portable) CHECK(best == soma::detail::compiled_isa);
    CHECK(soma::detail::isa_available(best));
    CHECK(soma::detail::kernels().id == best);
    // AVX-512 kernels need everything the AVX2 ones need.
    if (soma::detail::isa_available(isa::avx512)) CHECK(soma::detail::isa_available(isa::avx2_fma));
    CHECK(soma::detail::isa_available(isa::portable));
    // The feature sets (where this build has the x86-64 kernels): AVX-512's requirements
    // include FMA and AVX2, and all of AVX2's.
    if (soma::detail::isa_compiled(isa::avx512)) {
        auto const req = soma::detail::isa_requirements(isa::avx512);
        CHECK(req.has(soma::detail::feature::fma));
        CHECK(req.has(soma::detail::feature::avx2));
        CHECK(req.has_all(soma::detail::isa_requirements(isa::avx2_fma)));
    }
    if (soma::detail::isa_compiled(isa::neon)) {
        CHECK(soma::detail::isa_requirements(isa::neon).has(soma::detail::feature::neon));
    }
}
