// Tests of soma/sigmoid.hpp: σ(z) = 1/(1 + e^-z) and σ'(z) = σ(z)(1 - σ(z)).
//
// Expected values come from mathematics (σ(0) = 1/2, limits, symmetry) and from an
// independent reference in higher precision: σ(z) = 1/(1 + exp(-z)) evaluated by the C
// library in double for float results and in x87 long double for double results, and by
// libquadmath in binary128 for long double results. The accuracy bounds asserted are
// those documented in soma/sigmoid.hpp.
#include <soma/sigmoid.hpp>

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

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && __has_include(<quadmath.h>)
#include <quadmath.h>
#define SOMA_TEST_HAVE_QUADMATH 1
#endif

namespace {

constexpr double sigmoid_max_ulp = 1.0;             // float and double, soma/sigmoid.hpp
constexpr double sigmoid_derivative_max_ulp = 4.5;  // float and double

template <class T>
using wider_t = std::conditional_t<std::is_same_v<T, float>, double, long double>;

// σ(z) in the wider type, by the C library's exp: an oracle independent of soma.
template <class T>
wider_t<T> reference_sigmoid(T z) {
    using W = wider_t<T>;
    return W(1) / (W(1) + std::exp(-static_cast<W>(z)));
}

// σ'(z) = e^-|z| / (1 + e^-|z|)², symmetric and free of cancellation.
template <class T>
wider_t<T> reference_derivative(T z) {
    using W = wider_t<T>;
    W const e = std::exp(-std::fabs(static_cast<W>(z)));
    return e / ((W(1) + e) * (W(1) + e));
}

template <class T>
bool same_bits(T a, T b) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Values exercising every branch of the algorithm: zeros, the linear region, clamping
// thresholds, the subnormal range of the result, huge and infinite arguments.
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
                        T(1e30),
                        T(-1e30),
                        T(0.5),
                        T(-0.5),
                        T(1),
                        T(-1),
                        T(0.34657359),
                        T(-0.34657359),
                        T(16.6),
                        T(-16.6),
                        T(36.8),
                        T(-36.8),
                        T(87.33),
                        T(-87.33),
                        T(87.34),
                        T(-87.34),
                        T(88.7),
                        T(-88.7),
                        T(103.97),
                        T(-103.97),
                        T(103.98),
                        T(-103.98),
                        T(104),
                        T(-104),
                        T(708.4),
                        T(-708.4),
                        T(709.8),
                        T(-709.8),
                        T(745.1),
                        T(-745.1),
                        T(745.2),
                        T(-745.2),
                        T(746),
                        T(-746),
                        T(1000),
                        T(-1000)};
    return z;
}

// Floats and doubles spread over the whole line: every 2^s-th bit pattern.
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

// Every kernel this build and CPU can run.
std::vector<soma::detail::isa> available_isas() {
    return soma_test::tested_isas();
}

template <class T>
void sigmoid_with(soma::detail::isa i, T const* z, T* out, std::size_t n) {
    soma::detail::kernels_for(i).of<T>().sigmoid(z, out, n);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Constant evaluation
// ---------------------------------------------------------------------------------------

static_assert(soma::sigmoid(0.0f) == 0.5f);
static_assert(soma::sigmoid(-0.0f) == 0.5f);
static_assert(soma::sigmoid(0.0) == 0.5);
static_assert(soma::sigmoid(0.0L) == 0.5L);
static_assert(soma::sigmoid(std::numeric_limits<float>::infinity()) == 1.0f);
static_assert(soma::sigmoid(-std::numeric_limits<double>::infinity()) == 0.0);
static_assert(soma::sigmoid(std::numeric_limits<long double>::infinity()) == 1.0L);
static_assert(soma::sigmoid(3.0f) > 0.95f && soma::sigmoid(3.0f) < 0.9526f);
static_assert(soma::sigmoid_derivative(0.0) == 0.25);
static_assert(soma::sigmoid_derivative(0.0f) == 0.25f);

namespace {

// A spread of arguments, each σ evaluated by the compiler.
constexpr std::array<float, 12> constexpr_z_float = {
    0.0f, 1.0f, -1.0f, 0.3f, -2.5f, 10.0f, -17.25f, 42.0f, -87.5f, -100.0f, -103.9f, 1e30f};
constexpr std::array<double, 12> constexpr_z_double = {0.0,    1.0,  -1.0,   0.3,    -2.5,  10.0,
                                                       -17.25, 42.0, -700.0, -708.0, -30.5, 1e300};

template <class T, std::size_t N>
constexpr std::array<T, N> sigmoid_all(std::array<T, N> const& z) {
    std::array<T, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = soma::sigmoid(z[i]);
    return out;
}

constexpr auto constexpr_sigma_float = sigmoid_all(constexpr_z_float);
constexpr auto constexpr_sigma_double = sigmoid_all(constexpr_z_double);

}  // namespace

TEST_CASE("sigmoid: constant evaluation gives the run-time bits", "[sigmoid]") {
    for (std::size_t i = 0; i < constexpr_z_float.size(); ++i) {
        volatile float z = constexpr_z_float[i];
        CAPTURE(constexpr_z_float[i]);
        CHECK(same_bits(constexpr_sigma_float[i], soma::sigmoid(static_cast<float>(z))));
        std::array<float, 1> out{};
        soma::sigmoid(std::span<float const>(&constexpr_z_float[i], 1), std::span<float>(out));
        CHECK(same_bits(constexpr_sigma_float[i], out[0]));
    }
    for (std::size_t i = 0; i < constexpr_z_double.size(); ++i) {
        volatile double z = constexpr_z_double[i];
        CAPTURE(constexpr_z_double[i]);
        CHECK(same_bits(constexpr_sigma_double[i], soma::sigmoid(static_cast<double>(z))));
        std::array<double, 1> out{};
        soma::sigmoid(std::span<double const>(&constexpr_z_double[i], 1), std::span<double>(out));
        CHECK(same_bits(constexpr_sigma_double[i], out[0]));
    }
}

// ---------------------------------------------------------------------------------------
// Scalar contract
// ---------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("sigmoid: special values", "[sigmoid]", float, double) {
    using T = TestType;
    using limits = std::numeric_limits<T>;
    CHECK(soma::sigmoid(T(0)) == T(0.5));
    CHECK(soma::sigmoid(-T(0)) == T(0.5));
    CHECK(soma::sigmoid(limits::infinity()) == T(1));
    T const at_minus_inf = soma::sigmoid(-limits::infinity());
    CHECK(at_minus_inf == T(0));
    CHECK_FALSE(std::signbit(at_minus_inf));
    // NaN propagates: the input with its quiet bit set (a quiet NaN comes back unchanged).
    CHECK(same_bits(soma::sigmoid(limits::quiet_NaN()), limits::quiet_NaN()));
    CHECK(same_bits(soma::sigmoid(-limits::quiet_NaN()), -limits::quiet_NaN()));
    CHECK(std::isnan(soma::sigmoid(limits::signaling_NaN())));
    for (auto isa : available_isas()) {
        std::array<T, 3> const z = {limits::quiet_NaN(), -limits::quiet_NaN(),
                                    limits::signaling_NaN()};
        std::array<T, 3> out{};
        sigmoid_with(isa, z.data(), out.data(), z.size());
        for (std::size_t i = 0; i < z.size(); ++i) CHECK(same_bits(out[i], soma::sigmoid(z[i])));
    }
    CHECK(soma::sigmoid(limits::max()) == T(1));
    CHECK(soma::sigmoid(limits::lowest()) == T(0));
    CHECK_FALSE(std::signbit(soma::sigmoid(limits::lowest())));
    CHECK(soma::sigmoid(T(1e30)) == T(1));
    CHECK(soma::sigmoid(T(-1e30)) == T(0));
    // Tiny arguments: σ(z) = 1/2 + z/4 + O(z³) rounds to 1/2.
    CHECK(soma::sigmoid(limits::denorm_min()) == T(0.5));
    CHECK(soma::sigmoid(-limits::denorm_min()) == T(0.5));
    CHECK(soma::sigmoid(limits::min()) == T(0.5));
    CHECK(soma::sigmoid(-limits::min()) == T(0.5));
    CHECK(soma::sigmoid_derivative(T(0)) == T(0.25));
    CHECK(soma::sigmoid_derivative(limits::infinity()) == T(0));
    CHECK(soma::sigmoid_derivative(-limits::infinity()) == T(0));
    CHECK(std::isnan(soma::sigmoid_derivative(limits::quiet_NaN())));
}

TEST_CASE("sigmoid: float underflow thresholds", "[sigmoid]") {
    // e^-87.34 < 2^-126: subnormal results; e^-103.98 < 2^-150: rounds to +0.
    float const subnormal = soma::sigmoid(-87.5f);
    CHECK(subnormal > 0.0f);
    CHECK(subnormal < std::numeric_limits<float>::min());
    CHECK(soma::sigmoid(-103.9f) == std::numeric_limits<float>::denorm_min());
    CHECK(soma::sigmoid(-103.98f) == 0.0f);
    CHECK_FALSE(std::signbit(soma::sigmoid(-103.98f)));
    CHECK(soma::sigmoid(-88.7f) > 0.0f);
    CHECK(soma::sigmoid(88.7f) == 1.0f);
    // Double: subnormal below -708.4, +0 below -745.14.
    CHECK(soma::sigmoid(-709.0) < std::numeric_limits<double>::min());
    CHECK(soma::sigmoid(-745.0) > 0.0);
    CHECK(soma::sigmoid(-745.2) == 0.0);
}

TEMPLATE_TEST_CASE("sigmoid: accuracy against a higher-precision reference", "[sigmoid]", float,
                   double) {
    using T = TestType;
    std::vector<T> z = special_inputs<T>();
    for (T v : pattern_sweep<T>(sizeof(T) == 4 ? 12 : 44)) z.push_back(v);
    for (T v : dense_sweep<T>(T(-40), T(40), 400001)) z.push_back(v);
    for (T v : dense_sweep<T>(sizeof(T) == 4 ? T(-105) : T(-747), T(0), 200001)) z.push_back(v);
    double max_ulp = 0.0;
    double max_ulp_derivative = 0.0;
    for (T v : z) {
        T const s = soma::sigmoid(v);
        double const err = soma_test::ulp_error(s, reference_sigmoid(v));
        double const err_d =
            soma_test::ulp_error(soma::sigmoid_derivative(v), reference_derivative(v));
        if (err > sigmoid_max_ulp || err_d > sigmoid_derivative_max_ulp) {
            CAPTURE(v, s, err, err_d);
            CHECK(err <= sigmoid_max_ulp);
            CHECK(err_d <= sigmoid_derivative_max_ulp);
        }
        if (err > max_ulp) max_ulp = err;
        if (err_d > max_ulp_derivative) max_ulp_derivative = err_d;
        REQUIRE(s >= T(0));
        REQUIRE(s <= T(1));
    }
    INFO("max ULP sigmoid " << max_ulp << ", derivative " << max_ulp_derivative);
    CHECK(max_ulp <= sigmoid_max_ulp);
    CHECK(max_ulp_derivative <= sigmoid_derivative_max_ulp);
}

TEMPLATE_TEST_CASE("sigmoid: non-decreasing", "[sigmoid]", float, double) {
    using T = TestType;
    // Consecutive representable numbers around 0, ±1, the float/double subnormal-result
    // thresholds, and a coarse sweep of the whole line.
    std::vector<T> z;
    for (T start : {T(-746), T(-104), T(-88), T(-20), T(-1), T(0), T(1), T(20), T(36)}) {
        T v = start;
        for (int i = 0; i < 20000; ++i) {
            z.push_back(v);
            v = std::nextafter(v, std::numeric_limits<T>::infinity());
        }
    }
    for (T v : dense_sweep<T>(T(-800), T(800), 400001)) z.push_back(v);
    std::sort(z.begin(), z.end());
    T previous = soma::sigmoid(z.front());
    for (T v : z) {
        T const s = soma::sigmoid(v);
        if (s < previous) {
            CAPTURE(v, s, previous);
            CHECK(s >= previous);
        }
        previous = s;
    }
}

TEMPLATE_TEST_CASE("sigmoid: symmetry sigma(-z) = 1 - sigma(z)", "[sigmoid]", float, double) {
    using T = TestType;
    // For z >= 0, σ(z) >= 1/2 so 1 - σ(z) is exact (Sterbenz); both σ(z) and σ(-z) are
    // within 1 ULP, hence |σ(-z) - (1 - σ(z))| <= ulp(σ(-z)) + ulp(σ(z)).
    auto ulp_at = [](T v) { return std::nextafter(v, std::numeric_limits<T>::infinity()) - v; };
    for (T v : dense_sweep<T>(T(0), T(40), 200001)) {
        T const s_pos = soma::sigmoid(v);
        T const s_neg = soma::sigmoid(-v);
        T const tolerance = static_cast<T>(sigmoid_max_ulp) * (ulp_at(s_neg) + ulp_at(s_pos));
        if (std::fabs(s_neg - (T(1) - s_pos)) > tolerance) {
            CAPTURE(v, s_pos, s_neg);
            CHECK(std::fabs(s_neg - (T(1) - s_pos)) <= tolerance);
        }
    }
}

TEMPLATE_TEST_CASE("sigmoid: raises no overflow, invalid or divide-by-zero", "[sigmoid]", float,
                   double) {
    using T = TestType;
    std::vector<T> z = special_inputs<T>();
    for (T v : pattern_sweep<T>(sizeof(T) == 4 ? 16 : 48)) z.push_back(v);
    std::vector<T> out(z.size());
    std::feclearexcept(FE_ALL_EXCEPT);
    T volatile sink = 0;
    for (T v : z) {
        T const volatile arg = v;
        sink = soma::sigmoid(static_cast<T>(arg));
        sink = soma::sigmoid_derivative(static_cast<T>(arg));
    }
    for (auto isa : available_isas()) sigmoid_with(isa, z.data(), out.data(), z.size());
    soma::sigmoid(std::span<T const>(z), std::span<T>(out));
    int const raised = std::fetestexcept(FE_OVERFLOW | FE_INVALID | FE_DIVBYZERO);
    (void)sink;
    CHECK((raised & FE_OVERFLOW) == 0);
    CHECK((raised & FE_INVALID) == 0);
    CHECK((raised & FE_DIVBYZERO) == 0);
}

TEST_CASE("sigmoid: long double against binary128", "[sigmoid]") {
    std::vector<long double> z = {0.0L,    1e-30L,   -1e-30L,   0.5L,      -0.5L,     1.0L,
                                  -1.0L,   20.0L,    -20.0L,    44.5L,     -44.5L,    700.0L,
                                  -700.0L, 11000.0L, -11000.0L, -11355.0L, -11399.0L, -11401.0L};
    for (long double v = -120.0L; v <= 120.0L; v += 0.00123L) z.push_back(v);
    for (long double v = -11410.0L; v <= -11300.0L; v += 0.0371L) z.push_back(v);
    CHECK(soma::sigmoid(0.0L) == 0.5L);
    CHECK(soma::sigmoid(std::numeric_limits<long double>::infinity()) == 1.0L);
    CHECK(soma::sigmoid(-std::numeric_limits<long double>::infinity()) == 0.0L);
    CHECK(std::isnan(soma::sigmoid(std::numeric_limits<long double>::quiet_NaN())));
    for (long double v : z) {
        long double const s = soma::sigmoid(v);
        REQUIRE(s >= 0.0L);
        REQUIRE(s <= 1.0L);
    }
#if defined(SOMA_TEST_HAVE_QUADMATH)
    if constexpr (std::numeric_limits<long double>::digits == 64) {
        constexpr double sigmoid_long_double_max_ulp = 3.0;  // soma/sigmoid.hpp
        double max_ulp = 0.0;
        for (long double v : z) {
            long double const s = soma::sigmoid(v);
            // e = e^-|v| keeps the binary128 exponential in range for |v| > 11356.
            __float128 const e = expq(-fabsq(static_cast<__float128>(v)));
            __float128 const ref = v < 0 ? e / (1 + e) : 1 / (1 + e);
            // ULP of long double at ref, with the subnormal spacing below 2^-16382.
            int exponent = std::ilogb(static_cast<long double>(ref));
            if (ref == 0 || exponent < -16382) exponent = -16382;
            __float128 const ulp = ldexpq(1, exponent - 63);
            double const err = static_cast<double>(fabsq(static_cast<__float128>(s) - ref) / ulp);
            if (err > sigmoid_long_double_max_ulp) {
                CAPTURE(static_cast<double>(v), err);
                CHECK(err <= sigmoid_long_double_max_ulp);
            }
            if (err > max_ulp) max_ulp = err;
        }
        INFO("long double max ULP " << max_ulp);
        CHECK(max_ulp <= sigmoid_long_double_max_ulp);
    }
#else
    WARN("long double accuracy not checked: needs GCC with libquadmath on x86-64");
#endif
}

// ---------------------------------------------------------------------------------------
// Array forms
// ---------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("sigmoid arrays: every length, offset and kernel equals the scalar bits",
                   "[sigmoid]", float, double) {
    using T = TestType;
    std::mt19937_64 random(20261128);
    std::vector<T> pool = special_inputs<T>();
    pool.push_back(std::numeric_limits<T>::quiet_NaN());
    std::uniform_real_distribution<double> uniform(-120.0, 120.0);
    while (pool.size() < 1024) pool.push_back(static_cast<T>(uniform(random)));
    T const sentinel = std::numeric_limits<T>::quiet_NaN();
    constexpr std::size_t max_n = 300;
    constexpr std::size_t pad = 64;

    for (auto isa : available_isas()) {
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
                sigmoid_with(isa, z, out, n);
                bool ok = true;
                for (std::size_t i = 0; i < n; ++i) {
                    ok = ok && same_bits(out[i], soma::sigmoid(z[i]));  // NaNs included
                }
                for (std::size_t i = 0; i < offset; ++i)
                    ok = ok && same_bits(out_buffer[i], sentinel);
                for (std::size_t i = offset + n; i < out_buffer.size(); ++i) {
                    ok = ok && same_bits(out_buffer[i], sentinel);
                }
                // In place: the same bits.
                std::vector<T> in_place(z_buffer);
                sigmoid_with(isa, in_place.data() + offset, in_place.data() + offset, n);
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

TEMPLATE_TEST_CASE("sigmoid arrays: NaN in every lane of every length gives NaN", "[sigmoid]",
                   float, double) {
    using T = TestType;
    for (auto isa : available_isas()) {
        for (std::size_t n = 1; n <= 70; ++n) {
            for (std::size_t nan_at = 0; nan_at < n; ++nan_at) {
                std::vector<T> z(n, T(0.75));
                z[nan_at] = std::numeric_limits<T>::quiet_NaN();
                std::vector<T> out(n);
                sigmoid_with(isa, z.data(), out.data(), n);
                bool ok = std::isnan(out[nan_at]) && same_bits(out[nan_at], z[nan_at]);
                for (std::size_t i = 0; i < n; ++i) {
                    if (i != nan_at) ok = ok && same_bits(out[i], soma::sigmoid(T(0.75)));
                }
                if (!ok) {
                    CAPTURE(static_cast<int>(isa), n, nan_at);
                    CHECK(ok);
                }
            }
        }
    }
}

TEMPLATE_TEST_CASE("sigmoid arrays: public overloads", "[sigmoid]", float, double) {
    using T = TestType;
    std::vector<T> const z = {T(-3), T(-1), T(0), T(1), T(3)};
    std::vector<T> out(z.size());
    soma::sigmoid(z, out);
    for (std::size_t i = 0; i < z.size(); ++i) CHECK(same_bits(out[i], soma::sigmoid(z[i])));

    std::array<T, 5> z_array = {T(-3), T(-1), T(0), T(1), T(3)};
    std::array<T, 5> out_array{};
    soma::sigmoid(z_array, out_array);
    soma::sigmoid(std::span<T const>(z), std::span<T>(out));
    soma::sigmoid(std::span<T, 5>(z_array), std::span<T, 5>(out_array));
    for (std::size_t i = 0; i < z.size(); ++i) CHECK(same_bits(out_array[i], out[i]));

    std::vector<T> in_place = z;
    soma::sigmoid(in_place);
    soma::sigmoid(std::span<T>(z_array));
    for (std::size_t i = 0; i < z.size(); ++i) {
        CHECK(same_bits(in_place[i], out[i]));
        CHECK(same_bits(z_array[i], out[i]));
    }
    std::span<T> as_span(in_place);
    soma::sigmoid(as_span);  // σ(σ(z))
    CHECK(same_bits(in_place[2], soma::sigmoid(T(0.5))));
}

TEMPLATE_TEST_CASE("sigmoid arrays: size mismatch is an error naming both sizes", "[sigmoid]",
                   float, double) {
    using T = TestType;
    std::vector<T> const z(5, T(1));
    std::vector<T> out(4, T(-7));
    bool thrown = false;
    try {
        soma::sigmoid(std::span<T const>(z), std::span<T>(out));
    } catch (std::invalid_argument const& error) {
        thrown = true;
        std::string const message = error.what();
        CHECK(message.find('5') != std::string::npos);
        CHECK(message.find('4') != std::string::npos);
    }
    CHECK(thrown);
    for (T v : out) CHECK(v == T(-7));  // nothing written
    bool thrown_vector = false;
    try {
        soma::sigmoid(z, out);
    } catch (std::invalid_argument const&) {
        thrown_vector = true;
    }
    CHECK(thrown_vector);
}

TEST_CASE("sigmoid arrays: long double uses the scalar definition", "[sigmoid]") {
    std::vector<long double> z = {-5.0L, -0.25L, 0.0L, 2.0L, 11000.0L};
    std::vector<long double> out(z.size());
    soma::sigmoid(z, out);
    for (std::size_t i = 0; i < z.size(); ++i) CHECK(out[i] == soma::sigmoid(z[i]));
}

TEMPLATE_TEST_CASE("sigmoid arrays: an output that overlaps z only in part is rejected",
                   "[sigmoid]", float, double) {
    using T = TestType;
    std::vector<T> buffer(102);
    for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = T(static_cast<int>(i % 9) - 4);
    std::vector<T> const before = buffer;
    std::span<T const> const z(buffer.data() + 1, 100);
    // out one element after z, one before, and a shorter view into z's middle.
    for (std::ptrdiff_t shift : {1, -1, 50, 99, -99}) {
        std::span<T> const out(buffer.data() + 1 + shift, 100);
        CAPTURE(shift);
        bool thrown = false;
        try {
            soma::sigmoid(z, out);
        } catch (std::invalid_argument const& error) {
            thrown = true;
            CHECK(std::string(error.what()).find("out overlaps z") != std::string::npos);
        }
        CHECK(thrown);
        CHECK(buffer == before);  // nothing written
    }
    // Exactly z: in place, allowed.
    soma::sigmoid(z, std::span<T>(buffer.data() + 1, 100));
    CHECK(same_bits(buffer[1], soma::sigmoid(before[1])));
    // Adjacent but disjoint: allowed.
    std::vector<T> adjacent(200, T(1));
    soma::sigmoid(std::span<T const>(adjacent.data(), 100),
                  std::span<T>(adjacent.data() + 100, 100));
    CHECK(same_bits(adjacent[100], soma::sigmoid(T(1))));
}
