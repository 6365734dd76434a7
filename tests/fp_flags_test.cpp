// Floating-point exception flags raised by the sigmoid, tanh and the unit step, one input at a
// time, on the scalar call, every array kernel this CPU runs and the public array forms:
// each row of the flags table in docs/contract.md (and docs/sigmoid.md) is one check here.
// Built with -ffp-exception-behavior=strict under Clang (tests/cmake/fp_flags.cmake), so
// that the optimizer neither drops nor invents flag-raising operations.
#include <soma/sigmoid.hpp>
#include <soma/step.hpp>
#include <soma/tanh.hpp>

#include <bit>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "support/catch.hpp"
#include "support/isa.hpp"

namespace {

constexpr int severe = FE_OVERFLOW | FE_INVALID | FE_DIVBYZERO;

// The flags (FE_ALL_EXCEPT but FE_INEXACT) that f raises, starting from none.
template <class F>
int flags_of(F&& f) {
    std::feclearexcept(FE_ALL_EXCEPT);
    f();
    int const raised = std::fetestexcept(FE_ALL_EXCEPT);
    std::feclearexcept(FE_ALL_EXCEPT);
    return raised;
}

std::string flag_names(int f) {
    std::string s;
    if ((f & FE_OVERFLOW) != 0) s += " FE_OVERFLOW";
    if ((f & FE_INVALID) != 0) s += " FE_INVALID";
    if ((f & FE_DIVBYZERO) != 0) s += " FE_DIVBYZERO";
    if ((f & FE_UNDERFLOW) != 0) s += " FE_UNDERFLOW";
    if ((f & FE_INEXACT) != 0) s += " FE_INEXACT";
    return s.empty() ? " none" : s;
}

// One path that evaluates σ or u on one value: its name and the flags it raises.
template <class T>
struct path {
    std::string name;
    int (*sigmoid_flags)(T, soma::detail::isa);
    soma::detail::isa isa;
};

template <class T>
int scalar_sigmoid_flags(T z, soma::detail::isa) {
    T volatile in = z;
    T volatile out{};
    int const f = flags_of([&] { out = soma::sigmoid(static_cast<T>(in)); });
    (void)out;
    return f;
}

template <class T>
int kernel_sigmoid_flags(T z, soma::detail::isa i) {
    // z at every position of a block of 37 ordinary values (0.5 raises only FE_INEXACT).
    std::vector<T> in(37, T(0.5));
    std::vector<T> out(37);
    in[0] = z;
    in[20] = z;
    in[36] = z;
    return flags_of(
        [&] { soma::detail::kernels_for(i).of<T>().sigmoid(in.data(), out.data(), 37); });
}

template <class T>
int public_array_sigmoid_flags(T z, soma::detail::isa) {
    std::vector<T> in(19, T(-0.25));
    in[7] = z;
    std::vector<T> out(19);
    return flags_of([&] { soma::sigmoid(std::span<T const>(in), std::span<T>(out)); });
}

template <class T>
std::vector<path<T>> sigmoid_paths() {
    std::vector<path<T>> p{
        {"scalar", &scalar_sigmoid_flags<T>, soma::detail::isa::portable},
        {"array (public)", &public_array_sigmoid_flags<T>, soma::detail::isa::portable}};
    for (soma::detail::isa i : soma_test::tested_isas()) {
        p.push_back({std::string("array kernel ") + soma::detail::isa_name(i),
                     &kernel_sigmoid_flags<T>, i});
    }
    return p;
}

template <class T>
int scalar_step_flags(T z) {
    T volatile in = z;
    T volatile out{};
    int const f = flags_of([&] { out = soma::step(static_cast<T>(in)); });
    (void)out;
    return f;
}

template <class T>
int kernel_step_flags(T z, soma::detail::isa i) {
    std::vector<T> in(37, T(-2));
    std::vector<T> out(37);
    in[0] = z;
    in[20] = z;
    in[36] = z;
    return flags_of([&] { soma::detail::kernels_for(i).of<T>().step(in.data(), out.data(), 37); });
}

// Every 2^s-th bit pattern (all signs and exponents), the special values, and the edges of
// the documented ranges.
template <class T>
std::vector<T> inputs() {
    using limits = std::numeric_limits<T>;
    using bits_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    std::vector<T> z = {T(0),
                        T(-0.0),
                        limits::infinity(),
                        -limits::infinity(),
                        limits::max(),
                        limits::lowest(),
                        limits::min(),
                        -limits::min(),
                        limits::denorm_min(),
                        -limits::denorm_min(),
                        T(87.33),
                        T(-87.33),
                        T(-87.34),
                        T(103.98),
                        T(-103.98),
                        T(708.39),
                        T(-708.39),
                        T(708.44),
                        T(-708.44),
                        T(745.2),
                        T(-745.2),
                        std::ldexp(T(1), -340),
                        std::ldexp(T(1), -341)};
    unsigned const shift = sizeof(T) == 4 ? 17U : 49U;
    bits_t const stride = bits_t{1} << shift;
    for (bits_t b = 12345;; b += stride) {
        T const v = std::bit_cast<T>(b);
        if (!std::isnan(v)) z.push_back(v);
        if (b > std::numeric_limits<bits_t>::max() - stride) break;
    }
    return z;
}

}  // namespace

template <class T>
int scalar_tanh_flags(T z, soma::detail::isa) {
    T volatile in = z;
    T volatile out{};
    int const f = flags_of([&] { out = soma::tanh(static_cast<T>(in)); });
    (void)out;
    return f;
}

template <class T>
int kernel_tanh_flags(T z, soma::detail::isa i) {
    std::vector<T> in(37, T(0.5));
    std::vector<T> out(37);
    in[0] = z;
    in[20] = z;
    in[36] = z;
    return flags_of([&] { soma::detail::kernels_for(i).of<T>().tanh(in.data(), out.data(), 37); });
}

template <class T>
int public_array_tanh_flags(T z, soma::detail::isa) {
    std::vector<T> in(19, T(-0.25));
    in[7] = z;
    std::vector<T> out(19);
    return flags_of([&] { soma::tanh(std::span<T const>(in), std::span<T>(out)); });
}

template <class T>
std::vector<path<T>> tanh_paths() {
    std::vector<path<T>> p{
        {"tanh scalar", &scalar_tanh_flags<T>, soma::detail::isa::portable},
        {"tanh array (public)", &public_array_tanh_flags<T>, soma::detail::isa::portable}};
    for (soma::detail::isa i : soma_test::tested_isas()) {
        p.push_back({std::string("tanh array kernel ") + soma::detail::isa_name(i),
                     &kernel_tanh_flags<T>, i});
    }
    return p;
}

TEMPLATE_TEST_CASE("sigmoid: no FE_OVERFLOW, FE_INVALID or FE_DIVBYZERO for any non-NaN z",
                   "[flags]", float, double) {
    using T = TestType;
    for (auto const& p : sigmoid_paths<T>()) {
        long bad = 0;
        for (T z : inputs<T>()) {
            int const f = p.sigmoid_flags(z, p.isa) & severe;
            if (f != 0 && bad++ < 5) {
                UNSCOPED_INFO(p.name << ": z = " << z << " raises" << flag_names(f));
            }
        }
        CHECK(bad == 0);
    }
}

TEMPLATE_TEST_CASE(
    "tanh: no FE_OVERFLOW, FE_INVALID, FE_DIVBYZERO or FE_UNDERFLOW for any non-NaN z", "[flags]",
    float, double) {
    using T = TestType;
    // Tiny z (|z| < 2^-27, subnormals included) are returned as they are, so no power of z
    // is formed: tanh raises FE_UNDERFLOW for no input.
    for (auto const& p : tanh_paths<T>()) {
        long bad = 0;
        for (T z : inputs<T>()) {
            int const f = p.sigmoid_flags(z, p.isa) & (severe | FE_UNDERFLOW);
            if (f != 0 && bad++ < 5) {
                UNSCOPED_INFO(p.name << ": z = " << z << " raises" << flag_names(f));
            }
        }
        CHECK(bad == 0);
    }
    // A quiet NaN raises nothing on the scalar path (an integer test, no comparison).
    CHECK(scalar_tanh_flags(std::numeric_limits<T>::quiet_NaN(), soma::detail::isa::portable) == 0);
}

TEMPLATE_TEST_CASE("sigmoid: FE_UNDERFLOW only where documented", "[flags]", float, double) {
    using T = TestType;
    // float: raised exactly where σ(z) is subnormal or +0, z < -87.336 (the evaluation is in
    // double and never underflows before the last rounding).
    // double: never for 2^-340 <= |z| <= 708.39; where σ(z) or e^-|z| is subnormal
    // (|z| > 708.39) it may be raised, and it is for z <= -745.2 (σ(z) = +0).
    for (auto const& p : sigmoid_paths<T>()) {
        long unexpected = 0;
        long missing = 0;
        for (T z : inputs<T>()) {
            bool const raised = (p.sigmoid_flags(z, p.isa) & FE_UNDERFLOW) != 0;
            bool must = false;
            bool may = false;
            if constexpr (std::is_same_v<T, float>) {
                must = z <= T(-87.34);
                may = must || (z > T(-87.34) && z < T(-87.33));
            } else {
                T const a = std::fabs(z);
                must = z <= T(-745.2);
                may = a > T(708.39) || a < std::ldexp(T(1), -340);
            }
            if (raised && !may && unexpected++ < 5) {
                UNSCOPED_INFO(p.name << ": z = " << z << " raises FE_UNDERFLOW");
            }
            if (!raised && must && missing++ < 5) {
                UNSCOPED_INFO(p.name << ": z = " << z << " does not raise FE_UNDERFLOW");
            }
        }
        CHECK(unexpected == 0);
        CHECK(missing == 0);
    }
}

TEMPLATE_TEST_CASE(
    "sigmoid: a quiet NaN raises nothing on the scalar path, at most FE_INVALID in "
    "the array kernels",
    "[flags]", float, double) {
    using T = TestType;
    T const qnan = std::numeric_limits<T>::quiet_NaN();
    CHECK(flag_names(scalar_sigmoid_flags(qnan, soma::detail::isa::portable) & ~FE_INEXACT) ==
          " none");
    for (auto const& p : sigmoid_paths<T>()) {
        INFO(p.name);
        int const f = p.sigmoid_flags(qnan, p.isa);
        CHECK((f & (FE_OVERFLOW | FE_DIVBYZERO | FE_UNDERFLOW)) == 0);
    }
}

TEMPLATE_TEST_CASE("step: raises no flag at all for any non-NaN z; a NaN at most FE_INVALID",
                   "[flags]", float, double) {
    using T = TestType;
    long bad = 0;
    for (T z : inputs<T>()) {
        int f = scalar_step_flags(z);
        if (f != 0 && bad++ < 5) UNSCOPED_INFO("scalar: z = " << z << " raises" << flag_names(f));
        for (soma::detail::isa i : soma_test::tested_isas()) {
            f = kernel_step_flags(z, i);
            if (f != 0 && bad++ < 5) {
                UNSCOPED_INFO(soma::detail::isa_name(i)
                              << ": z = " << z << " raises" << flag_names(f));
            }
        }
    }
    CHECK(bad == 0);
    T const qnan = std::numeric_limits<T>::quiet_NaN();
    CHECK((scalar_step_flags(qnan) & ~FE_INVALID) == 0);
    for (soma::detail::isa i : soma_test::tested_isas()) {
        INFO(soma::detail::isa_name(i));
        CHECK((kernel_step_flags(qnan, i) & ~FE_INVALID) == 0);
    }
}

TEST_CASE(
    "long double sigmoid: no FE_OVERFLOW, FE_INVALID or FE_DIVBYZERO; FE_UNDERFLOW only "
    "where documented",
    "[flags]") {
    using L = long double;
    using limits = std::numeric_limits<L>;
    std::vector<L> z = {L(0),          L(-0.0),          limits::infinity(), -limits::infinity(),
                        limits::max(), limits::lowest(), limits::min(),      -limits::min(),
                        L(1e-300),     L(-1e-300),       L(11355),           L(-11355),
                        L(12000),      L(-12000)};
    for (int e = -1000; e <= 13; ++e) {
        z.push_back(std::ldexp(L(1.37), e));
        z.push_back(-std::ldexp(L(1.37), e));
    }
    // x87 long double: e^-|z| underflows for |z| > 11355.1 (σ(z) = 1 for positive z, tiny or
    // +0 for negative z), and for |z| < 2^-16300 a power of z in the series underflows (the
    // result, 0.5, is exact); nowhere else.
    bool const x87 = limits::digits == 64;
    for (L v : z) {
        L volatile in = v;
        L volatile out = 0;
        int const f = flags_of([&] { out = soma::sigmoid(static_cast<L>(in)); });
        (void)out;
        INFO("z = " << v << " raises" << flag_names(f));
        CHECK((f & severe) == 0);
        L const a = std::fabs(v);
        if (x87 && a >= std::ldexp(L(1), -16300) && a <= L(11355)) CHECK((f & FE_UNDERFLOW) == 0);
    }
}
