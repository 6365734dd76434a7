// Differential fuzzing of soma's array kernels (libFuzzer: clang++ -fsanitize=fuzzer,
// address,undefined; CMake option SOMA_BUILD_FUZZERS, run by scripts/fuzz.sh).
//
// The first byte picks the function: inner product (dot / weighted_input), several rows per
// pass (weighted_inputs), the fused sigmoid layer (forward), the array sigmoid, the array
// step. Then a length (0..300), an offset (misalignment) and the values, each decoded from a
// tag byte that injects the special values the kernels must get right (±0, ±inf, NaN,
// subnormals, ±max) or takes a raw bit pattern or a moderate number. Every kernel this CPU
// runs must give the scalar definition's bits (NaN for NaN); finite inner products must
// meet the documented bound against a double-double reference; outputs lie between NaN
// canaries that must stay untouched. Any failure aborts (a libFuzzer crash).
#include <soma/sigmoid.hpp>
#include <soma/step.hpp>
#include <soma/weighted_input.hpp>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

namespace {

using soma::detail::isa;

struct reader {
    std::uint8_t const* p;
    std::size_t n;
    std::uint8_t byte() {
        if (n == 0) return 0;
        --n;
        return *p++;
    }
    template <class U>
    U raw() {
        U v = 0;
        for (std::size_t i = 0; i < sizeof(U); ++i) v = static_cast<U>((v << 8) | byte());
        return v;
    }
};

template <class T>
using bits_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

template <class T>
T value(reader& r) {
    using limits = std::numeric_limits<T>;
    std::uint8_t const tag = r.byte();
    T const sign = (tag & 0x80U) != 0U ? T(-1) : T(1);
    switch (tag & 0x7U) {
        case 0:
            return sign * T(0);
        case 1:
            return sign * limits::infinity();
        case 2:
            return limits::quiet_NaN();
        case 3:  // a subnormal
            return sign * std::bit_cast<T>(static_cast<bits_t<T>>(
                              r.raw<bits_t<T>>() & (bits_t<T>{1} << (limits::digits - 1)) - 1U));
        case 4:
            return sign * limits::max();
        case 5:
        case 6:  // a moderate number: a few bits of mantissa, exponent in [-8, 8)
            return sign * std::ldexp(T(1) + T(r.byte()) / T(256), int(r.byte() % 16) - 8);
        default:
            return std::bit_cast<T>(r.raw<bits_t<T>>());
    }
}

[[noreturn]] void fail(char const* what, std::size_t n) {
    std::fprintf(stderr, "fuzz_kernels: %s (n = %zu)\n", what, n);
    std::abort();
}

template <class T>
bool same(T a, T b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return std::bit_cast<bits_t<T>>(a) == std::bit_cast<bits_t<T>>(b);
}

constexpr std::size_t max_n = 300;
constexpr std::size_t pad = 16;

// A buffer whose elements around [data, data + n) are NaN canaries.
template <class T>
struct guarded {
    std::vector<T> storage;
    T* data;
    guarded(std::size_t n, std::size_t offset)
        : storage(n + 2 * pad + offset, std::numeric_limits<T>::quiet_NaN()),
          data(storage.data() + pad + offset) {}
    void check_canaries(std::size_t n) const {
        T const* first = storage.data();
        for (T const* q = first; q < data; ++q)
            if (!std::isnan(*q)) fail("write before the output", n);
        for (T const* q = data + n; q < first + storage.size(); ++q)
            if (!std::isnan(*q)) fail("write after the output", n);
    }
};

// The exact Σ w_i x_i + b as a double-double, or false when a product or the sum leaves
// the range where the reference is exact.
template <class T>
bool reference(T const* w, T const* x, std::size_t n, bool has_bias, T b, double& hi, double& lo,
               double& abs_sum) {
    hi = 0;
    lo = 0;
    abs_sum = 0;
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
    for (std::size_t i = 0; i < n; ++i) {
        double const p = static_cast<double>(w[i]) * static_cast<double>(x[i]);
        if (!std::isfinite(p) || (p != 0 && std::fabs(p) < 0x1p-900) || std::fabs(p) > 0x1p900)
            return false;
        add(p, std::fma(static_cast<double>(w[i]), static_cast<double>(x[i]), -p));
        abs_sum += std::fabs(p);
    }
    if (has_bias) {
        if (!std::isfinite(b)) return false;
        add(static_cast<double>(b), 0.0);
        abs_sum += std::fabs(static_cast<double>(b));
    }
    return std::isfinite(abs_sum);
}

template <class T>
void inner_products(reader& r, std::size_t n, std::size_t offset) {
    guarded<T> w(n, offset);
    guarded<T> x(n, 0);
    for (std::size_t i = 0; i < n; ++i) w.data[i] = value<T>(r);
    for (std::size_t i = 0; i < n; ++i) x.data[i] = value<T>(r);
    T const b = value<T>(r);
    for (bool has_bias : {false, true}) {
        T const want = soma::detail::inner_product_scalar(w.data, x.data, n, has_bias, b);
        if (!same(soma::detail::inner_product(w.data, x.data, n, has_bias, b), want))
            fail("dispatch != scalar definition", n);
        for (isa i : soma::detail::available_isas()) {
            T const got =
                soma::detail::kernels_for(i).of<T>().inner_product(w.data, x.data, n, has_bias, b);
            if (!same(got, want)) fail("kernel != scalar definition", n);
        }
        double hi = 0, lo = 0, abs_sum = 0;
        if (std::isfinite(want) && reference(w.data, x.data, n, has_bias, b, hi, lo, abs_sum)) {
            constexpr std::size_t p = soma::detail::partial_sums<T>;
            std::size_t const m = n + (has_bias ? 1 : 0);
            double const k = static_cast<double>((m + p - 1) / p + (std::bit_width(p) - 1));
            double const u = std::numeric_limits<T>::epsilon() / 2;
            double const bound =
                k * u / (1 - k * u) * abs_sum +
                static_cast<double>(n) * static_cast<double>(std::numeric_limits<T>::denorm_min());
            double const err = std::fabs((static_cast<double>(want) - hi) - lo);
            if (err > bound) fail("error above gamma_k sum|w x| + n eta", n);
        }
    }
}

template <class T>
void rows(reader& r, std::size_t n, std::size_t offset, bool sigmoid_layer) {
    std::size_t const count = 1 + r.byte() % 9U;
    n = n % 64U;
    guarded<T> W(count * n, offset);
    guarded<T> x(n, 0);
    guarded<T> b(count, 0);
    for (std::size_t i = 0; i < count * n; ++i) W.data[i] = value<T>(r);
    for (std::size_t i = 0; i < n; ++i) x.data[i] = value<T>(r);
    for (std::size_t i = 0; i < count; ++i) b.data[i] = value<T>(r);
    for (isa i : soma::detail::available_isas()) {
        guarded<T> z(count, offset);
        auto const& k = soma::detail::kernels_for(i).of<T>();
        if (sigmoid_layer) {
            k.forward_sigmoid(W.data, count, n, x.data, b.data, z.data);
        } else {
            k.inner_products(W.data, count, n, x.data, b.data, 1, z.data);
        }
        z.check_canaries(count);
        for (std::size_t j = 0; j < count; ++j) {
            T want = soma::detail::inner_product_scalar(W.data + j * n, x.data, n, true, b.data[j]);
            if (sigmoid_layer) want = soma::sigmoid(want);
            if (!same(z.data[j], want)) fail("rows kernel != scalar definition", n);
        }
    }
}

template <class T>
void elementwise(reader& r, std::size_t n, std::size_t offset, bool sigmoid) {
    guarded<T> z(n, offset);
    for (std::size_t i = 0; i < n; ++i) z.data[i] = value<T>(r);
    for (isa i : soma::detail::available_isas()) {
        auto const& k = soma::detail::kernels_for(i).of<T>();
        guarded<T> out(n, (offset * 3U) % 8U);
        if (sigmoid) {
            k.sigmoid(z.data, out.data, n);
        } else {
            k.step(z.data, out.data, n);
        }
        out.check_canaries(n);
        for (std::size_t j = 0; j < n; ++j) {
            T const want = sigmoid ? soma::sigmoid(z.data[j]) : soma::step(z.data[j]);
            if (!same(out.data[j], want)) fail("array kernel != scalar call", n);
            if (sigmoid && !std::isnan(want) && !(want >= T(0) && want <= T(1)))
                fail("sigmoid outside [0, 1]", n);
        }
        // In place gives the same bits.
        guarded<T> in_place(n, offset);
        std::memcpy(in_place.data, z.data, n * sizeof(T));
        if (sigmoid) {
            k.sigmoid(in_place.data, in_place.data, n);
        } else {
            k.step(in_place.data, in_place.data, n);
        }
        for (std::size_t j = 0; j < n; ++j)
            if (!same(in_place.data[j], out.data[j])) fail("in place != out of place", n);
    }
}

template <class T>
void run(reader& r, unsigned what) {
    std::size_t const n = (static_cast<std::size_t>(r.byte()) << 8 | r.byte()) % (max_n + 1);
    std::size_t const offset = r.byte() % 8U;
    switch (what % 5U) {
        case 0:
            inner_products<T>(r, n, offset);
            break;
        case 1:
            rows<T>(r, n, offset, false);
            break;
        case 2:
            rows<T>(r, n, offset, true);
            break;
        case 3:
            elementwise<T>(r, n, offset, true);
            break;
        default:
            elementwise<T>(r, n, offset, false);
            break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    reader r{data, size};
    unsigned const what = r.byte();
    if ((what & 0x80U) != 0U) {
        run<double>(r, what);
    } else {
        run<float>(r, what);
    }
    return 0;
}
