// Differential fuzzing of soma's array kernels (libFuzzer: clang++ -fsanitize=fuzzer,
// address,undefined; CMake option SOMA_BUILD_FUZZERS, run by scripts/fuzz.sh).
//
// The first byte picks the function: inner product (dot / weighted_input), several rows per
// pass (weighted_inputs), the fused sigmoid layer (forward), the array sigmoid, the array
// step, the array tanh, softmax, several rows for several inputs (the batch kernel), and
// static and run-time dense layers and networks (forward and batch_forward). Then a length
// (0..300), an offset (misalignment) and the values, each decoded from a tag byte that injects the
// special values the kernels must get right (±0, ±inf, NaN, subnormals, ±max) or takes a raw bit
// pattern or a moderate number. Every kernel this CPU runs must give the scalar definition's bits
// (NaN for NaN); finite inner products must meet the documented bound against a double-double
// reference; outputs lie between NaN canaries that must stay untouched. Softmax outputs of finite
// inputs must lie in [0, 1] and sum to 1 within the documented bound; a layer's and a network's
// batch must be bitwise their one-input forward, and a layer's outputs its neurons' scalar
// definition. Any failure aborts (a libFuzzer crash).
#include <soma/dense_layer.hpp>
#include <soma/network.hpp>
#include <soma/sigmoid.hpp>
#include <soma/softmax.hpp>
#include <soma/step.hpp>
#include <soma/tanh.hpp>
#include <soma/weighted_input.hpp>

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <span>
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

enum class array_function { sigmoid, step, tanh };

// The array sigmoid, step or tanh of every ISA against the scalar function, out of place
// (outputs inside canaries, within the function's range) and in place.
template <class T>
void elementwise(reader& r, std::size_t n, std::size_t offset, array_function f) {
    guarded<T> z(n, offset);
    for (std::size_t i = 0; i < n; ++i) z.data[i] = value<T>(r);
    T const low = f == array_function::tanh ? T(-1) : T(0);
    auto scalar = [f](T v) {
        switch (f) {
            case array_function::sigmoid:
                return soma::sigmoid(v);
            case array_function::step:
                return soma::step(v);
            default:
                return soma::tanh(v);
        }
    };
    for (isa i : soma::detail::available_isas()) {
        auto const& k = soma::detail::kernels_for(i).of<T>();
        auto const array = f == array_function::sigmoid ? k.sigmoid
                           : f == array_function::step  ? k.step
                                                        : k.tanh;
        guarded<T> out(n, (offset * 3U) % 8U);
        array(z.data, out.data, n);
        out.check_canaries(n);
        for (std::size_t j = 0; j < n; ++j) {
            T const want = scalar(z.data[j]);
            if (!same(out.data[j], want)) fail("array kernel != scalar call", n);
            if (!std::isnan(want) && !(want >= low && want <= T(1)))
                fail("array kernel outside its range", n);
        }
        // In place gives the same bits.
        guarded<T> in_place(n, offset);
        std::memcpy(in_place.data, z.data, n * sizeof(T));
        array(in_place.data, in_place.data, n);
        for (std::size_t j = 0; j < n; ++j)
            if (!same(in_place.data[j], out.data[j])) fail("in place != out of place", n);
    }
}

template <class T>
void softmax_array(reader& r, std::size_t n, std::size_t offset) {
    n = n % 130U;
    guarded<T> z(n, offset);
    for (std::size_t i = 0; i < n; ++i) z.data[i] = value<T>(r);
    guarded<T> want(n, 0);
    soma::detail::portable::softmax_values<T>(z.data, want.data, n);
    bool finite = true;
    for (std::size_t j = 0; j < n; ++j) finite = finite && std::isfinite(z.data[j]);
    if (finite && n > 0) {
        // Σ y_i = 1 up to the documented error of each y_i (soma/softmax.hpp: (n + 3 + 2D) u
        // relative, D <= 746, u = 2^-53, plus float's final rounding) and the absolute error
        // of subnormal results; the sum is taken in long double.
        long double sum = 0;
        for (std::size_t j = 0; j < n; ++j) {
            if (!(want.data[j] >= T(0) && want.data[j] <= T(1))) fail("softmax outside [0, 1]", n);
            sum += static_cast<long double>(want.data[j]);
        }
        double const bound =
            static_cast<double>(n + 3 + 2 * 746) * 0x1p-53 + (sizeof(T) == 4 ? 0x1p-24 : 0.0) +
            static_cast<double>(n) *
                (static_cast<double>(std::numeric_limits<T>::denorm_min()) + 0x1p-62);
        if (std::fabs(static_cast<double>(sum - 1.0L)) > bound) fail("softmax sum not 1", n);
    }
    for (isa i : soma::detail::available_isas()) {
        auto const& k = soma::detail::kernels_for(i).of<T>();
        guarded<T> out(n, (offset * 3U) % 8U);
        k.softmax(z.data, out.data, n);
        out.check_canaries(n);
        for (std::size_t j = 0; j < n; ++j)
            if (!same(out.data[j], want.data[j])) fail("softmax kernel != definition", n);
        guarded<T> in_place(n, offset);
        std::memcpy(in_place.data, z.data, n * sizeof(T));
        k.softmax(in_place.data, in_place.data, n);
        for (std::size_t j = 0; j < n; ++j)
            if (!same(in_place.data[j], want.data[j])) fail("softmax in place != definition", n);
    }
}

// Z[q rows + r] = inner_product(W_r, X_q, n, true, b_r) for every ISA's batch kernel.
template <class T>
void batch(reader& r, std::size_t n, std::size_t offset) {
    std::size_t const rows = 1 + r.byte() % 12U;
    std::size_t const count = 1 + r.byte() % 20U;
    n = n % 70U;
    guarded<T> W(rows * n, offset);
    guarded<T> X(count * n, 0);
    guarded<T> b(rows, 0);
    for (std::size_t i = 0; i < rows * n; ++i) W.data[i] = value<T>(r);
    for (std::size_t i = 0; i < count * n; ++i) X.data[i] = value<T>(r);
    for (std::size_t i = 0; i < rows; ++i) b.data[i] = value<T>(r);
    for (isa i : soma::detail::available_isas()) {
        guarded<T> Z(count * rows, offset);
        soma::detail::kernels_for(i).of<T>().batch_inner_products(W.data, rows, n, X.data, count,
                                                                  b.data, Z.data);
        Z.check_canaries(count * rows);
        for (std::size_t q = 0; q < count; ++q) {
            for (std::size_t j = 0; j < rows; ++j) {
                T const want = soma::detail::inner_product_scalar(W.data + j * n, X.data + q * n, n,
                                                                  true, b.data[j]);
                if (!same(Z.data[q * rows + j], want)) fail("batch kernel != scalar definition", n);
            }
        }
    }
}

// The scalar definition of layer l's output r for input x: a(w_r . x + b_r).
template <class Layer, class T>
T neuron_output(Layer const& l, std::size_t r, T const* x) {
    auto const W = l.weights();
    auto const b = l.biases();
    std::size_t const n = l.inputs();
    T const z = soma::detail::inner_product_scalar(W.data() + r * n, x, n, true, b[r]);
    return l.activation()(z);
}

// A layer's forward against its neurons, and its batch_forward against its forward.
template <class Layer, class T>
void check_layer(Layer const& l, T const* X, std::size_t count, std::size_t n_tag) {
    std::size_t const in = l.inputs();
    std::size_t const out = l.outputs();
    guarded<T> Y(count * out, 0);
    l.batch_forward(std::span<T const>(X, count * in), std::span<T>(Y.data, count * out));
    Y.check_canaries(count * out);
    for (std::size_t q = 0; q < count; ++q) {
        guarded<T> y(out, 1);
        l.forward(std::span<T const>(X + q * in, in), std::span<T>(y.data, out));
        y.check_canaries(out);
        for (std::size_t j = 0; j < out; ++j) {
            if (!same(y.data[j], neuron_output(l, j, X + q * in)))
                fail("layer != its neurons", n_tag);
            if (!same(Y.data[q * out + j], y.data[j])) fail("layer batch != one input", n_tag);
        }
    }
}

template <class T>
void layers(reader& r, std::size_t n, std::size_t offset) {
    std::size_t const count = 1 + r.byte() % 24U;
    // Static shapes: a 5-3 sigmoid layer into a 3-2 tanh layer, a 17-9 sigmoid layer.
    std::vector<T> p(5 * 3 + 3 + 3 * 2 + 2 + 17 * 9 + 9);
    for (T& v : p) v = value<T>(r);
    T const* q = p.data();
    soma::dense_layer<T, 5, 3> const l1(std::span<T const, 15>(q, 15),
                                        std::span<T const, 3>(q + 15, 3));
    q += 18;
    soma::dense_layer<T, 3, 2, soma::tanh_activation> const l2(std::span<T const, 6>(q, 6),
                                                               std::span<T const, 2>(q + 6, 2));
    q += 8;
    soma::dense_layer<T, 17, 9> const l3(std::span<T const, 153>(q, 153),
                                         std::span<T const, 9>(q + 153, 9));
    guarded<T> X(count * 17, offset);
    for (std::size_t i = 0; i < count * 17; ++i) X.data[i] = value<T>(r);
    check_layer(l1, X.data, count, n);
    check_layer(l2, X.data, count, n);
    check_layer(l3, X.data, count, n);
    soma::network const net(l1, l2);
    guarded<T> Y(count * 2, 0);
    net.batch_forward(std::span<T const>(X.data, count * 5), std::span<T>(Y.data, count * 2));
    Y.check_canaries(count * 2);
    for (std::size_t k = 0; k < count; ++k) {
        std::array<T, 3> h{};
        std::array<T, 2> y{};
        l1.forward(std::span<T const>(X.data + k * 5, 5), std::span<T>(h));
        l2.forward(std::span<T const>(h), std::span<T>(y));
        for (std::size_t j = 0; j < 2; ++j)
            if (!same(Y.data[k * 2 + j], y[j])) fail("network batch != layer by layer", n);
    }
    // A run-time shape: n % 40 inputs, 1..16 outputs.
    std::size_t const in = n % 40U;
    std::size_t const out = 1 + r.byte() % 16U;
    std::vector<T> W(in * out);
    std::vector<T> b(out);
    for (T& v : W) v = value<T>(r);
    for (T& v : b) v = value<T>(r);
    soma::dense_layer<T> const dyn(in, out, W, b);
    guarded<T> Xd(count * in, offset);
    for (std::size_t i = 0; i < count * in; ++i) Xd.data[i] = value<T>(r);
    check_layer(dyn, Xd.data, count, n);
}

template <class T>
void run(reader& r, unsigned what) {
    std::size_t const n = (static_cast<std::size_t>(r.byte()) << 8 | r.byte()) % (max_n + 1);
    std::size_t const offset = r.byte() % 8U;
    switch (what % 9U) {
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
            elementwise<T>(r, n, offset, array_function::sigmoid);
            break;
        case 4:
            elementwise<T>(r, n, offset, array_function::step);
            break;
        case 5:
            elementwise<T>(r, n, offset, array_function::tanh);
            break;
        case 6:
            softmax_array<T>(r, n, offset);
            break;
        case 7:
            batch<T>(r, n, offset);
            break;
        default:
            layers<T>(r, n, offset);
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
