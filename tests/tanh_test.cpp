// Tests of soma/tanh.hpp: tanh(z) = (e^z - e^-z)/(e^z + e^-z) and tanh'(z) = 1 - tanh(z)².
//
// Expected values come from mathematics (tanh(0) = 0, limits, odd symmetry, tanh' = 1 at
// 0) and from an independent reference in higher precision: the C library's tanh in double
// for float results and its x87 long double tanhl for double results; the derivative
// against 4e^-2|z|/(1 + e^-2|z|)² in the wider type. The bounds asserted are those
// documented in soma/tanh.hpp.
#include <soma/tanh.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "support/catch.hpp"
#include "support/isa.hpp"
#include "support/ulp.hpp"

namespace {

constexpr double tanh_max_ulp = 1.0;             // float and double, soma/tanh.hpp
constexpr double tanh_derivative_max_ulp = 4.5;  // float and double

template <class T>
using wider_t = std::conditional_t<std::is_same_v<T, float>, double, long double>;

template <class T>
wider_t<T> reference_tanh(T z) {
    return std::tanh(static_cast<wider_t<T>>(z));
}

// tanh'(z) = sech²(z) = 4e^-2|z| / (1 + e^-2|z|)², free of cancellation.
template <class T>
wider_t<T> reference_derivative(T z) {
    using W = wider_t<T>;
    W const e = std::exp(-2 * std::fabs(static_cast<W>(z)));
    return 4 * e / ((W(1) + e) * (W(1) + e));
}

template <class T>
bool same_bits(T a, T b) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Every branch of the algorithm: zeros, subnormals, the switch to z (2^-13 float, 2^-27
// double), each k of the exponential, the saturation (9.2 float, 20 double), huge values.
template <class T>
std::vector<T> special_inputs() {
    using limits = std::numeric_limits<T>;
    std::vector<T> z = {T(0),
                        -T(0),
                        limits::infinity(),
                        -limits::infinity(),
                        limits::max(),
                        limits::lowest(),
                        limits::min(),
                        -limits::min(),
                        limits::denorm_min(),
                        -limits::denorm_min(),
                        limits::epsilon(),
                        T(1e-30),
                        T(-1e-30),
                        T(0x1p-27),
                        T(-0x1p-27),
                        T(0x1.fffffep-28),
                        T(0x1p-13),
                        T(-0x1p-13),
                        T(0x1.fffffep-14),
                        T(1e-5),
                        T(0.125),
                        T(0.25),
                        T(0.34657359),
                        T(0.5),
                        T(-0.5),
                        T(0.549),
                        T(0.55),
                        T(1),
                        T(-1),
                        T(2),
                        T(3.5),
                        T(9.1),
                        T(9.2),
                        T(-9.2),
                        T(10),
                        T(18),
                        T(19.06),
                        T(19.1),
                        T(20),
                        T(-20),
                        T(20.5),
                        T(40),
                        T(88.7),
                        T(710),
                        T(1e30),
                        T(-1e30)};
    return z;
}

// Every 2^s-th bit pattern (no NaNs).
template <class T>
std::vector<T> pattern_sweep(unsigned shift) {
    using bits_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    std::vector<T> z;
    bits_t const step = bits_t(1) << shift;
    for (bits_t b = 0;; b += step) {
        T const v = std::bit_cast<T>(b);
        if (!std::isnan(v)) z.push_back(v);
        if (b > std::numeric_limits<bits_t>::max() - step) break;
    }
    return z;
}

template <class T>
std::vector<T> dense_sweep(T lo, T hi, std::size_t count) {
    std::vector<T> z(count);
    for (std::size_t i = 0; i < count; ++i) {
        z[i] = lo + (hi - lo) * static_cast<T>(i) / static_cast<T>(count - 1);
    }
    return z;
}

template <class T>
void tanh_with(soma::detail::isa i, T const* z, T* out, std::size_t n) {
    soma::detail::kernels_for(i).of<T>().tanh(z, out, n);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Constant evaluation
// ---------------------------------------------------------------------------------------

// Signs of zero by their bits (std::signbit is not constexpr in C++20).
static_assert(std::bit_cast<std::uint32_t>(soma::tanh(0.0f)) == 0U);
static_assert(std::bit_cast<std::uint32_t>(soma::tanh(-0.0f)) == 0x80000000U);
static_assert(std::bit_cast<std::uint64_t>(soma::tanh(-0.0)) == 0x8000000000000000U);
static_assert(soma::tanh(std::numeric_limits<float>::infinity()) == 1.0f);
static_assert(soma::tanh(-std::numeric_limits<double>::infinity()) == -1.0);
static_assert(soma::tanh(-0.5) == -soma::tanh(0.5));
// tanh(1/2) = 0.46211715726000974...: within one ULP of float and double.
static_assert(soma::tanh(0.5f) > 0.4621171f && soma::tanh(0.5f) < 0.4621172f);
static_assert(soma::tanh(0.5) > 0.462117157260009 && soma::tanh(0.5) < 0.462117157260010);
static_assert(soma::tanh_derivative(0.0) == 1.0);
static_assert(soma::tanh_derivative(0.0f) == 1.0f);

namespace {

constexpr std::array<float, 10> constexpr_z_float = {0.0f,  1.0f,    -1.0f,  0.3f,  -2.5f,
                                                     1e-4f, -0.001f, 5.125f, -9.0f, 1e30f};
constexpr std::array<double, 10> constexpr_z_double = {0.0,  1.0,   -1.0,  0.3,   -2.5,
                                                       1e-9, -0.01, 5.125, -19.0, 1e300};

template <class T, std::size_t N>
constexpr std::array<T, N> tanh_all(std::array<T, N> const& z) {
    std::array<T, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = soma::tanh(z[i]);
    return out;
}

constexpr auto constexpr_tanh_float = tanh_all(constexpr_z_float);
constexpr auto constexpr_tanh_double = tanh_all(constexpr_z_double);

}  // namespace

TEST_CASE("tanh: constant evaluation gives the run-time bits", "[tanh]") {
    for (std::size_t i = 0; i < constexpr_z_float.size(); ++i) {
        volatile float z = constexpr_z_float[i];
        CAPTURE(constexpr_z_float[i]);
        CHECK(same_bits(constexpr_tanh_float[i], soma::tanh(static_cast<float>(z))));
        std::array<float, 1> out{};
        soma::tanh(std::span<float const>(&constexpr_z_float[i], 1), std::span<float>(out));
        CHECK(same_bits(constexpr_tanh_float[i], out[0]));
    }
    for (std::size_t i = 0; i < constexpr_z_double.size(); ++i) {
        volatile double z = constexpr_z_double[i];
        CAPTURE(constexpr_z_double[i]);
        CHECK(same_bits(constexpr_tanh_double[i], soma::tanh(static_cast<double>(z))));
        std::array<double, 1> out{};
        soma::tanh(std::span<double const>(&constexpr_z_double[i], 1), std::span<double>(out));
        CHECK(same_bits(constexpr_tanh_double[i], out[0]));
    }
}

// ---------------------------------------------------------------------------------------
// Scalar contract
// ---------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("tanh: special values", "[tanh]", float, double) {
    using T = TestType;
    using limits = std::numeric_limits<T>;
    CHECK(same_bits(soma::tanh(T(0)), T(0)));
    CHECK(same_bits(soma::tanh(-T(0)), -T(0)));
    CHECK(same_bits(soma::tanh(limits::infinity()), T(1)));
    CHECK(same_bits(soma::tanh(-limits::infinity()), T(-1)));
    CHECK(same_bits(soma::tanh(limits::max()), T(1)));
    CHECK(same_bits(soma::tanh(limits::lowest()), T(-1)));
    CHECK(same_bits(soma::tanh(T(20)), T(1)));
    // Tiny arguments: tanh(z) = z - z³/3 + ... rounds to z.
    CHECK(same_bits(soma::tanh(limits::denorm_min()), limits::denorm_min()));
    CHECK(same_bits(soma::tanh(-limits::denorm_min()), -limits::denorm_min()));
    CHECK(same_bits(soma::tanh(limits::min()), limits::min()));
    CHECK(same_bits(soma::tanh(T(1e-30)), T(1e-30)));
    // NaN propagates: the input with its quiet bit set.
    CHECK(same_bits(soma::tanh(limits::quiet_NaN()), limits::quiet_NaN()));
    CHECK(same_bits(soma::tanh(-limits::quiet_NaN()), -limits::quiet_NaN()));
    CHECK(std::isnan(soma::tanh(limits::signaling_NaN())));
    std::vector<T> z = special_inputs<T>();
    z.push_back(limits::quiet_NaN());
    z.push_back(-limits::quiet_NaN());
    z.push_back(limits::signaling_NaN());
    for (auto isa : soma_test::tested_isas()) {
        CAPTURE(soma::detail::isa_name(isa));
        std::vector<T> out(z.size());
        tanh_with(isa, z.data(), out.data(), z.size());
        for (std::size_t i = 0; i < z.size(); ++i) {
            CAPTURE(z[i]);
            CHECK(same_bits(out[i], soma::tanh(z[i])));
        }
    }
    CHECK(soma::tanh_derivative(T(0)) == T(1));
    CHECK(soma::tanh_derivative(-T(0)) == T(1));
    CHECK(same_bits(soma::tanh_derivative(limits::infinity()), T(0)));
    CHECK(same_bits(soma::tanh_derivative(-limits::infinity()), T(0)));
    CHECK(same_bits(soma::tanh_derivative(limits::max()), T(0)));
    // tanh'(NaN): the same NaN quieted, as tanh.
    CHECK(same_bits(soma::tanh_derivative(limits::quiet_NaN()), limits::quiet_NaN()));
    CHECK(same_bits(soma::tanh_derivative(-limits::quiet_NaN()), -limits::quiet_NaN()));
    CHECK(same_bits(soma::tanh_derivative(limits::signaling_NaN()),
                    soma::tanh(limits::signaling_NaN())));
}

TEMPLATE_TEST_CASE("tanh: accuracy against a higher-precision reference", "[tanh]", float, double) {
    using T = TestType;
    std::vector<T> z = special_inputs<T>();
    for (T v : pattern_sweep<T>(sizeof(T) == 4 ? 12 : 44)) z.push_back(v);
    for (T v : dense_sweep<T>(T(-22), T(22), 400001)) z.push_back(v);
    for (T v : dense_sweep<T>(T(-0.01), T(0.01), 100001)) z.push_back(v);
    double max_ulp = 0.0;
    double max_ulp_derivative = 0.0;
    for (T v : z) {
        T const y = soma::tanh(v);
        double const err = soma_test::ulp_error(y, reference_tanh(v));
        double const err_d =
            soma_test::ulp_error(soma::tanh_derivative(v), reference_derivative(v));
        if (err > tanh_max_ulp || err_d > tanh_derivative_max_ulp) {
            CAPTURE(v, y, err, err_d);
            CHECK(err <= tanh_max_ulp);
            CHECK(err_d <= tanh_derivative_max_ulp);
        }
        max_ulp = std::max(max_ulp, err);
        max_ulp_derivative = std::max(max_ulp_derivative, err_d);
        REQUIRE(y >= T(-1));
        REQUIRE(y <= T(1));
    }
    INFO("max ULP tanh " << max_ulp << ", derivative " << max_ulp_derivative);
    CHECK(max_ulp <= tanh_max_ulp);
    CHECK(max_ulp_derivative <= tanh_derivative_max_ulp);
}

TEMPLATE_TEST_CASE("tanh: odd symmetry tanh(-z) = -tanh(z) bit for bit", "[tanh]", float, double) {
    using T = TestType;
    std::vector<T> z = special_inputs<T>();
    for (T v : pattern_sweep<T>(sizeof(T) == 4 ? 14 : 46)) z.push_back(v);
    for (T v : dense_sweep<T>(T(0), T(21), 200001)) z.push_back(v);
    for (T v : z) {
        if (!same_bits(soma::tanh(-v), -soma::tanh(v))) {
            CAPTURE(v);
            CHECK(same_bits(soma::tanh(-v), -soma::tanh(v)));
        }
        if (!same_bits(soma::tanh_derivative(-v), soma::tanh_derivative(v))) {
            CAPTURE(v);
            CHECK(same_bits(soma::tanh_derivative(-v), soma::tanh_derivative(v)));
        }
    }
}

TEMPLATE_TEST_CASE("tanh: non-decreasing", "[tanh]", float, double) {
    using T = TestType;
    // Consecutive representable numbers at the branch points, and a coarse sweep.
    std::vector<T> z;
    for (T start : {T(-20.5), T(-9.3), T(-1), T(-0.5495), T(-0x1p-13), T(-0x1p-27), T(0),
                    T(0x1p-27), T(0x1p-13), T(0.3465), T(0.5495), T(1), T(9.19), T(19.9)}) {
        T v = start;
        for (int i = 0; i < 20000; ++i) {
            z.push_back(v);
            v = std::nextafter(v, std::numeric_limits<T>::infinity());
        }
    }
    for (T v : dense_sweep<T>(T(-25), T(25), 400001)) z.push_back(v);
    std::sort(z.begin(), z.end());
    T previous = soma::tanh(z.front());
    for (T v : z) {
        T const y = soma::tanh(v);
        if (y < previous) {
            CAPTURE(v, y, previous);
            CHECK(y >= previous);
        }
        previous = y;
    }
}

TEMPLATE_TEST_CASE("tanh: raises no overflow, invalid, divide-by-zero or underflow", "[tanh]",
                   float, double) {
    using T = TestType;
    std::vector<T> z = special_inputs<T>();
    for (T v : pattern_sweep<T>(sizeof(T) == 4 ? 16 : 48)) z.push_back(v);
    std::vector<T> out(z.size());
    T volatile sink = 0;
    std::feclearexcept(FE_ALL_EXCEPT);
    for (T v : z) {
        T const volatile arg = v;
        sink = soma::tanh(static_cast<T>(arg));
    }
    for (auto isa : soma_test::tested_isas()) tanh_with(isa, z.data(), out.data(), z.size());
    soma::tanh(std::span<T const>(z), std::span<T>(out));
    int const raised = std::fetestexcept(FE_OVERFLOW | FE_INVALID | FE_DIVBYZERO | FE_UNDERFLOW);
    CHECK((raised & FE_OVERFLOW) == 0);
    CHECK((raised & FE_INVALID) == 0);
    CHECK((raised & FE_DIVBYZERO) == 0);
    CHECK((raised & FE_UNDERFLOW) == 0);
    // The derivative: no overflow, invalid or divide-by-zero (its tiny values underflow).
    std::feclearexcept(FE_ALL_EXCEPT);
    for (T v : z) {
        T const volatile arg = v;
        sink = soma::tanh_derivative(static_cast<T>(arg));
    }
    int const raised_d = std::fetestexcept(FE_OVERFLOW | FE_INVALID | FE_DIVBYZERO);
    (void)sink;
    CHECK((raised_d & FE_OVERFLOW) == 0);
    CHECK((raised_d & FE_INVALID) == 0);
    CHECK((raised_d & FE_DIVBYZERO) == 0);
}

// ---------------------------------------------------------------------------------------
// Array forms
// ---------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("tanh arrays: every length, offset and kernel equals the scalar bits", "[tanh]",
                   float, double) {
    using T = TestType;
    std::mt19937_64 random(20261201);
    std::vector<T> pool = special_inputs<T>();
    pool.push_back(std::numeric_limits<T>::quiet_NaN());
    std::uniform_real_distribution<double> uniform(-12.0, 12.0);
    while (pool.size() < 1024) pool.push_back(static_cast<T>(uniform(random)));
    T const sentinel = std::numeric_limits<T>::quiet_NaN();
    constexpr std::size_t max_n = 300;
    constexpr std::size_t pad = 64;
    for (auto isa : soma_test::tested_isas()) {
        CAPTURE(soma::detail::isa_name(isa));
        for (std::size_t offset = 0; offset < 4; ++offset) {
            for (std::size_t n = 0; n <= max_n; ++n) {
                // Input and output live in buffers with NaN padding on both sides.
                std::vector<T> z_buffer(offset + n + pad, sentinel);
                std::vector<T> out_buffer(offset + n + pad, sentinel);
                for (std::size_t i = 0; i < n; ++i) {
                    z_buffer[offset + i] = pool[(i * 7 + n + offset) % pool.size()];
                }
                T* z = z_buffer.data() + offset;
                T* out = out_buffer.data() + offset;
                tanh_with(isa, z, out, n);
                bool ok = true;
                for (std::size_t i = 0; i < n; ++i) ok = ok && same_bits(out[i], soma::tanh(z[i]));
                for (std::size_t i = 0; i < offset; ++i)
                    ok = ok && same_bits(out_buffer[i], sentinel);
                for (std::size_t i = offset + n; i < out_buffer.size(); ++i) {
                    ok = ok && same_bits(out_buffer[i], sentinel);
                }
                // In place: the same bits.
                std::vector<T> in_place(z_buffer);
                tanh_with(isa, in_place.data() + offset, in_place.data() + offset, n);
                for (std::size_t i = 0; i < out_buffer.size(); ++i) {
                    bool const both_nan = std::isnan(in_place[i]) && std::isnan(out_buffer[i]);
                    ok = ok && (both_nan || same_bits(in_place[i], out_buffer[i]));
                }
                if (!ok) {
                    CAPTURE(offset, n);
                    CHECK(ok);
                }
            }
        }
    }
}

TEMPLATE_TEST_CASE("tanh arrays: NaN in every lane of every length gives that NaN", "[tanh]", float,
                   double) {
    using T = TestType;
    for (auto isa : soma_test::tested_isas()) {
        for (std::size_t n = 1; n <= 70; ++n) {
            for (std::size_t nan_at = 0; nan_at < n; ++nan_at) {
                std::vector<T> z(n, T(0.75));
                z[nan_at] = -std::numeric_limits<T>::quiet_NaN();
                std::vector<T> out(n);
                tanh_with(isa, z.data(), out.data(), n);
                bool ok = same_bits(out[nan_at], z[nan_at]);
                for (std::size_t i = 0; i < n; ++i) {
                    if (i != nan_at) ok = ok && same_bits(out[i], soma::tanh(T(0.75)));
                }
                if (!ok) {
                    CAPTURE(soma::detail::isa_name(isa), n, nan_at);
                    CHECK(ok);
                }
            }
        }
    }
}

TEMPLATE_TEST_CASE("tanh arrays: public overloads", "[tanh]", float, double) {
    using T = TestType;
    std::vector<T> const z = {T(-3), T(-1), T(0), T(1), T(3)};
    std::vector<T> out(z.size());
    soma::tanh(z, out);
    for (std::size_t i = 0; i < z.size(); ++i) CHECK(same_bits(out[i], soma::tanh(z[i])));
    std::array<T, 5> z_array = {T(-3), T(-1), T(0), T(1), T(3)};
    std::array<T, 5> out_array{};
    soma::tanh(z_array, out_array);
    for (std::size_t i = 0; i < z.size(); ++i) CHECK(same_bits(out_array[i], out[i]));
    soma::tanh(std::span<T const>(z), std::span<T>(out));
    std::vector<T> in_place = z;
    soma::tanh(in_place);
    soma::tanh(std::span<T>(z_array));
    for (std::size_t i = 0; i < z.size(); ++i) {
        CHECK(same_bits(in_place[i], out[i]));
        CHECK(same_bits(z_array[i], out[i]));
    }
}

TEMPLATE_TEST_CASE("tanh arrays: size mismatch is an error naming both sizes", "[tanh]", float,
                   double) {
    using T = TestType;
    std::vector<T> const z(5, T(1));
    std::vector<T> out(4, T(-7));
    bool thrown = false;
    try {
        soma::tanh(std::span<T const>(z), std::span<T>(out));
    } catch (std::invalid_argument const& error) {
        thrown = true;
        std::string const message = error.what();
        CHECK(message.find("soma::tanh") != std::string::npos);
        CHECK(message.find('5') != std::string::npos);
        CHECK(message.find('4') != std::string::npos);
    }
    CHECK(thrown);
    for (T v : out) CHECK(v == T(-7));  // nothing written
}

TEMPLATE_TEST_CASE("tanh arrays: an output that overlaps z only in part is rejected", "[tanh]",
                   float, double) {
    using T = TestType;
    std::vector<T> buffer(102);
    for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = T(static_cast<int>(i % 9) - 4);
    std::vector<T> const before = buffer;
    std::span<T const> const z(buffer.data() + 1, 100);
    for (std::ptrdiff_t shift : {1, -1, 50, 99, -99}) {
        std::span<T> const out(buffer.data() + 1 + shift, 100);
        CAPTURE(shift);
        bool thrown = false;
        try {
            soma::tanh(z, out);
        } catch (std::invalid_argument const& error) {
            thrown = true;
            CHECK(std::string(error.what()).find("out overlaps z") != std::string::npos);
        }
        CHECK(thrown);
        CHECK(buffer == before);  // nothing written
    }
    soma::tanh(z, std::span<T>(buffer.data() + 1, 100));  // exactly z: in place
    CHECK(same_bits(buffer[1], soma::tanh(before[1])));
}
