// Tests of soma/dense_layer.hpp: every output of a layer is bitwise the output of its own
// neuron (soma::neuron<T, In, A>(w_r, b_r)(x), itself checked against a double-double
// reference in inner_product_test and neuron_test), for every ISA's shape-specialised
// kernel this CPU runs, at run time and in constant evaluation; batches (every ISA's batch
// kernel) are bitwise one input at a time; run-time sizes are checked with both sizes in
// the message.
#include "soma/dense_layer.hpp"
#include "soma/activation.hpp"
#include "soma/neuron.hpp"
#include "soma/sigmoid.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/isa.hpp"
#include "support/ulp.hpp"
#include "support/values.hpp"

namespace {

using soma_test::bits;
using soma_test::contains;
using soma_test::error_of;
using soma_test::random_values;

using soma::detail::ieee_binary;

// The place of each column inside a block of rows: for rows of fewer than P terms, and
// for a single row, the column order; for longer rows the order in which the kernel reads them,
// found by walking it: groups j < P/8, in each the steps, in each the eight chains j + (P/8) m.
template <class T, std::size_t In, std::size_t Out>
std::vector<std::size_t> column_slots() {
    constexpr std::size_t p = 256 / sizeof(T);
    std::vector<std::size_t> slot(In);
    if (In < p || Out == 1) {
        for (std::size_t i = 0; i < In; ++i) slot[i] = i;
        return slot;
    }
    std::size_t next = 0;
    for (std::size_t j = 0; j < p / 8; ++j) {
        for (std::size_t step = 0; step * p < In; ++step) {
            for (std::size_t m = 0; m < 8; ++m) {
                std::size_t const i = step * p + j + m * (p / 8);
                if (i < In) slot[i] = next++;
            }
        }
    }
    return slot;
}

// W row-major (Out x In) to the interleaved layout of the shape-specialised kernel:
// blocks of 64 bytes of rows, inside a block column by column (dense_layer.hpp).
template <class T, std::size_t In, std::size_t Out>
std::vector<T> interleave(std::vector<T> const& W) {
    std::vector<T> Wt(W.size(), std::numeric_limits<T>::quiet_NaN());
    std::vector<std::size_t> const slot = column_slots<T, In, Out>();
    constexpr std::size_t block = 64 / sizeof(T);
    for (std::size_t r = 0; r < Out; ++r) {
        std::size_t const first = r / block * block;
        std::size_t const width = Out - first < block ? Out - first : block;
        for (std::size_t i = 0; i < In; ++i) {
            Wt[first * In + slot[i] * width + (r - first)] = W[r * In + i];
        }
    }
    for (T const& w : Wt) REQUIRE(!std::isnan(w));  // every place written once
    return Wt;
}

template <ieee_binary T>
struct isa_outputs {
    char const* name;
    std::vector<T> z;
    std::vector<T> y;
};

// z and σ(z) from ISA target's kernel for the shape: the shape-specialised one for rows
// shorter than P terms, else the multi-row kernels (what the layer runs on that ISA).
template <ieee_binary T, std::size_t In, std::size_t Out>
isa_outputs<T> run_isa(soma::detail::isa target, std::vector<T> const& W, std::vector<T> const& b,
                       std::vector<T> const& x) {
    isa_outputs<T> o{soma::detail::isa_name(target), std::vector<T>(Out), std::vector<T>(Out)};
    if constexpr (soma::detail::dense_interleaved<T, In>()) {
        std::vector<T> const Wt = interleave<T, In, Out>(W);
        soma::detail::dense_kernel_for<T, In, Out, false>(target)(Wt.data(), x.data(), b.data(),
                                                                  o.z.data());
        soma::detail::dense_kernel_for<T, In, Out, true>(target)(Wt.data(), x.data(), b.data(),
                                                                 o.y.data());
    } else {
        auto const& k = soma::detail::kernels_for(target).of<T>();
        k.inner_products(W.data(), Out, In, x.data(), b.data(), 1, o.z.data());
        k.forward_sigmoid(W.data(), Out, In, x.data(), b.data(), o.y.data());
    }
    return o;
}

// The layer In x Out against its neurons: forward, operator(), weighted_inputs, the
// kernels of every ISA (shape-specialised for short rows, the multi-row kernels of
// soma/layer.hpp for long ones), inputs inside NaN padding.
template <ieee_binary T, std::size_t In, std::size_t Out>
void check_against_neurons(std::mt19937_64& rng) {
    INFO("shape " << In << " x " << Out);
    using layer_t = soma::dense_layer<T, In, Out>;
    auto const W = random_values<T>(In * Out, rng, T(2));
    auto const b = random_values<T>(Out, rng, T(2));
    auto const x_values = random_values<T>(In, rng, T(2));
    auto const layer = std::make_unique<layer_t>(W, b);

    // x inside NaN: a kernel reading outside x gives NaN.
    std::vector<T> padded(In + 64, std::numeric_limits<T>::quiet_NaN());
    std::copy(x_values.begin(), x_values.end(), padded.begin() + 17);
    std::span<T const, In> const x(padded.data() + 17, In);

    std::array<T, Out> y{};
    std::array<T, Out> z{};
    layer->forward(x, y);
    layer->weighted_inputs(x, z);
    auto const y_call = (*layer)(x);

    std::vector<isa_outputs<T>> per_isa;
    for (soma::detail::isa const target : soma_test::tested_isas()) {
        per_isa.push_back(run_isa<T, In, Out>(target, W, b, x_values));
    }

    for (std::size_t r = 0; r < Out; ++r) {
        INFO("row " << r);
        std::array<T, In> w{};
        for (std::size_t i = 0; i < In; ++i) w[i] = W[r * In + i];
        soma::neuron<T, In> const n(w, b[r]);
        T const expected_z = n.weighted_input(x);
        T const expected_y = n(x);
        CHECK(bits(y[r]) == bits(expected_y));
        CHECK(bits(y_call[r]) == bits(expected_y));
        CHECK(bits(z[r]) == bits(expected_z));
        CHECK(bits(layer->neuron(r)(x)) == bits(expected_y));
        for (auto const& o : per_isa) {
            INFO("isa " << o.name);
            CHECK(bits(o.z[r]) == bits(expected_z));
            CHECK(bits(o.y[r]) == bits(expected_y));
        }
    }
}

// a and b bitwise equal, or both NaN (which NaN a result carries is not part of the
// contract between different code paths).
template <ieee_binary T>
bool same_value(T a, T b) {
    return bits(a) == bits(b) || (std::isnan(a) && std::isnan(b));
}

// Inputs for a batch: random, with NaN, +inf and -inf in some of them (an input of NaN
// and one with infinities of both signs, whose products sum to NaN or to an infinity).
template <ieee_binary T>
std::vector<T> batch_inputs(std::size_t count, std::size_t in, std::mt19937_64& rng) {
    std::vector<T> X = random_values<T>(count * in, rng, T(2));
    T const inf = std::numeric_limits<T>::infinity();
    for (std::size_t q = 0; q < count && in != 0; ++q) {
        if (q % 5 == 2) X[q * in + (q * 7) % in] = std::numeric_limits<T>::quiet_NaN();
        if (q % 7 == 3) X[q * in + in - 1] = inf;
        if (q % 7 == 3 && in > 1) X[q * in + in / 2] = -inf;
        if (q % 11 == 4) X[q * in] = -inf;
    }
    return X;
}

// The batch kernel of every ISA this CPU runs, for the counts around its tile sizes (tiles
// of 8, 4 and 2 inputs: 0, 1, B - 1, B, B + 1, 3 B + 2), against that ISA's one-input kernel
// bit for bit and against the layer's neurons (NaN for NaN). X lies inside NaN padding, and
// Y inside a guard that must not be written.
template <ieee_binary T, std::size_t In, std::size_t Out>
void check_batch_kernels(std::mt19937_64& rng) {
    INFO("shape " << In << " x " << Out);
    auto const W = random_values<T>(In * Out, rng, T(2));
    auto const b = random_values<T>(Out, rng, T(2));
    std::vector<T> const Wt = interleave<T, In, Out>(W);
    auto const layer = std::make_unique<soma::dense_layer<T, In, Out>>(W, b);
    constexpr std::size_t pad = 19;
    T const guard = std::bit_cast<T>(bits(std::numeric_limits<T>::quiet_NaN()) | 0x5);
    for (std::size_t const count : std::array<std::size_t, 11>{0, 1, 2, 3, 4, 5, 7, 8, 9, 14, 26}) {
        INFO("count " << count);
        std::vector<T> const X = batch_inputs<T>(count, In, rng);
        std::vector<T> padded(count * In + 2 * pad, std::numeric_limits<T>::quiet_NaN());
        std::copy(X.begin(), X.end(), padded.begin() + pad);
        // Expected: the layer one input at a time (bitwise its neurons, above).
        std::vector<T> y_one(count * Out);
        std::vector<T> z_one(count * Out);
        for (std::size_t q = 0; q < count; ++q) {
            std::span<T const, In> const x(X.data() + q * In, In);
            layer->forward(x, std::span<T, Out>(y_one.data() + q * Out, Out));
            layer->weighted_inputs(x, std::span<T, Out>(z_one.data() + q * Out, Out));
        }
        for (soma::detail::isa const target : soma_test::tested_isas()) {
            INFO("isa " << soma::detail::isa_name(target));
            for (bool const sigmoid : {false, true}) {
                INFO("sigmoid " << sigmoid);
                std::vector<T> Y(count * Out + 2 * pad, guard);
                T* const y = Y.data() + pad;
                if (sigmoid) {
                    soma::detail::dense_batch_kernel_for<T, In, Out, true>(target)(
                        Wt.data(), padded.data() + pad, b.data(), y, count);
                } else {
                    soma::detail::dense_batch_kernel_for<T, In, Out, false>(target)(
                        Wt.data(), padded.data() + pad, b.data(), y, count);
                }
                for (std::size_t i = 0; i < pad; ++i) {
                    CHECK(bits(Y[i]) == bits(guard));
                    CHECK(bits(Y[pad + count * Out + i]) == bits(guard));
                }
                std::vector<T> one(Out);
                for (std::size_t q = 0; q < count; ++q) {
                    INFO("input " << q);
                    T const* const x = X.data() + q * In;
                    if (sigmoid) {
                        soma::detail::dense_kernel_for<T, In, Out, true>(target)(
                            Wt.data(), x, b.data(), one.data());
                    } else {
                        soma::detail::dense_kernel_for<T, In, Out, false>(target)(
                            Wt.data(), x, b.data(), one.data());
                    }
                    std::vector<T> const& expected = sigmoid ? y_one : z_one;
                    for (std::size_t r = 0; r < Out; ++r) {
                        INFO("row " << r);
                        // Bitwise, but a NaN generated from inf - inf may carry either
                        // sign (x86's default NaN is negative, a software fma's positive):
                        // NaN signs and payloads are not part of the contract.
                        CHECK(same_value(y[q * Out + r], one[r]));
                        CHECK(same_value(y[q * Out + r], expected[q * Out + r]));
                    }
                }
            }
        }
        // The layer's own batch_forward (this machine's kernel, chosen once per call).
        std::vector<T> Y(count * Out);
        layer->batch_forward(X, Y);
        for (std::size_t k = 0; k < count * Out; ++k) CHECK(same_value(Y[k], y_one[k]));
    }
}

}  // namespace

TEMPLATE_TEST_CASE("dense_layer: every output is bitwise its neuron's, on every ISA",
                   "[dense_layer]", float, double) {
    using T = TestType;
    std::mt19937_64 rng(91);
    // The benchmarked shapes, rows around the block widths (4, 8, 16 lanes), rows just
    // below and at P terms (the end of the shape-specialised kernel: 63 and 64 floats, 31
    // and 32 doubles), long rows, a layer without inputs.
    check_against_neurons<T, 2, 1>(rng);
    check_against_neurons<T, 3, 1>(rng);
    check_against_neurons<T, 4, 4>(rng);
    check_against_neurons<T, 8, 8>(rng);
    check_against_neurons<T, 16, 16>(rng);
    check_against_neurons<T, 24, 1>(rng);
    check_against_neurons<T, 1, 1>(rng);
    check_against_neurons<T, 0, 3>(rng);
    check_against_neurons<T, 3, 2>(rng);
    check_against_neurons<T, 5, 7>(rng);
    check_against_neurons<T, 7, 9>(rng);
    check_against_neurons<T, 2, 17>(rng);
    check_against_neurons<T, 9, 33>(rng);
    check_against_neurons<T, 30, 5>(rng);
    check_against_neurons<T, 31, 3>(rng);
    check_against_neurons<T, 32, 3>(rng);
    check_against_neurons<T, 62, 2>(rng);
    check_against_neurons<T, 63, 5>(rng);
    check_against_neurons<T, 64, 4>(rng);
    check_against_neurons<T, 64, 64>(rng);
    check_against_neurons<T, 100, 3>(rng);
    check_against_neurons<T, 130, 1>(rng);
}

TEMPLATE_TEST_CASE("dense_layer: a hand-computed layer", "[dense_layer]", float, double) {
    using T = TestType;
    // W = [[1, 2], [3, 4], [-1, 0.5]], b = (0.5, -1, 0), x = (1, 1): z = W x + b =
    // (3.5, 6, -0.5), all exact; y = σ(z) within 1 ULP of 1/(1+e^-z) in long double.
    soma::dense_layer<T, 2, 3> const layer({1, 2, 3, 4, -1, 0.5}, {0.5, -1, 0});
    std::array<T, 3> z{};
    layer.weighted_inputs(std::array<T, 2>{1, 1}, z);
    CHECK(z == std::array<T, 3>{3.5, 6, -0.5});
    auto const y = layer({1, 1});
    for (std::size_t r = 0; r < 3; ++r) {
        long double const exact = 1.0L / (1.0L + std::exp(-static_cast<long double>(z[r])));
        CHECK(soma_test::ulp_error(y[r], exact) <= 1.0);
    }
    CHECK(layer.weight(1, 0) == T(3));
    CHECK(layer.weight(2, 1) == T(0.5));
    CHECK(layer.bias(1) == T(-1));
    CHECK(layer.weights() == std::array<T, 6>{1, 2, 3, 4, -1, 0.5});
    CHECK(layer.row(2) == std::array<T, 2>{-1, 0.5});
    CHECK(layer.neuron(1).weights()[1] == T(4));
    CHECK(layer.neuron(1).bias() == T(-1));
    CHECK(layer.inputs() == 2);
    CHECK(layer.outputs() == 3);
}

TEMPLATE_TEST_CASE("dense_layer: other activations are their neurons' too", "[dense_layer]", float,
                   double) {
    using T = TestType;
    std::mt19937_64 rng(92);
    auto const relu = [](T z) { return z > T(0) ? z : T(0); };
    using relu_t = decltype(relu);
    auto const W = random_values<T>(5 * 6, rng);
    auto const b = random_values<T>(6, rng);
    auto const x = random_values<T>(5, rng);
    soma::dense_layer<T, 5, 6, soma::step_activation> const step(W, b);
    soma::dense_layer<T, 5, 6, soma::identity_activation> const linear(W, b);
    soma::dense_layer<T, 5, 6, relu_t> const rectifier(W, b, relu);
    auto const ys = step(std::span<T const>(x));
    auto const yl = linear(std::span<T const>(x));
    auto const yr = rectifier(std::span<T const>(x));
    for (std::size_t r = 0; r < 6; ++r) {
        CHECK(bits(ys[r]) == bits(step.neuron(r)(std::span<T const>(x))));
        CHECK(bits(yl[r]) == bits(linear.neuron(r).weighted_input(std::span<T const>(x))));
        CHECK(bits(yr[r]) == bits(rectifier.neuron(r)(std::span<T const>(x))));
        CHECK((ys[r] == T(0) || ys[r] == T(1)));
    }
}

TEMPLATE_TEST_CASE("dense_layer: a batch is bitwise one input at a time", "[dense_layer]", float,
                   double) {
    using T = TestType;
    std::mt19937_64 rng(93);
    constexpr std::size_t count = 37;
    auto const W4 = random_values<T>(4 * 4, rng);
    auto const W9 = random_values<T>(70 * 9, rng);
    auto const b4 = random_values<T>(4, rng);
    auto const b9 = random_values<T>(9, rng);
    soma::dense_layer<T, 4, 4> const small(W4, b4);
    soma::dense_layer<T, 70, 9> const large(W9, b9);
    soma::dynamic_dense_layer<T> const dynamic(70, 9, W9, b9);
    auto const X4 = random_values<T>(count * 4, rng, T(3));
    auto const X70 = random_values<T>(count * 70, rng, T(3));
    std::vector<T> Y4(count * 4);
    std::vector<T> Y9(count * 9);
    std::vector<T> Yd(count * 9);
    small.batch_forward(X4, Y4);
    large.batch_forward(X70, Y9);
    dynamic.batch_forward(X70, Yd);
    for (std::size_t k = 0; k < count; ++k) {
        auto const y4 = small(std::span<T const, 4>(X4.data() + k * 4, 4));
        auto const y9 = large(std::span<T const, 70>(X70.data() + k * 70, 70));
        for (std::size_t r = 0; r < 4; ++r) CHECK(bits(Y4[k * 4 + r]) == bits(y4[r]));
        for (std::size_t r = 0; r < 9; ++r) {
            CHECK(bits(Y9[k * 9 + r]) == bits(y9[r]));
            CHECK(bits(Yd[k * 9 + r]) == bits(y9[r]));
        }
    }
    std::string e = error_of([&] { small.batch_forward(std::span<T const>(X4.data(), 6), Y4); });
    CHECK(contains(e, "X has 6"));
    CHECK(contains(e, "In, In has 4"));
    e = error_of([&] { small.batch_forward(X4, std::span<T>(Y4.data(), 8)); });
    CHECK(contains(e, "Y has 8"));
    CHECK(contains(e, "has 148"));
    e = error_of([&] {
        small.batch_forward(std::span<T const>(Y4.data(), 8), std::span<T>(Y4.data() + 4, 8));
    });
    CHECK(contains(e, "Y overlaps X"));
}

TEMPLATE_TEST_CASE("dense_layer: the batch kernels are bitwise one input at a time, on every ISA",
                   "[dense_layer]", float, double) {
    using T = TestType;
    std::mt19937_64 rng(94);
    // Rows shorter than P terms (one register of rows, several, a partial last one); long
    // rows of one, two, three and more terms a chain (float P = 64, double P = 32), of 1, 2, 3
    // registers of rows and a partial one; one row; no inputs.
    check_batch_kernels<T, 4, 4>(rng);
    check_batch_kernels<T, 5, 7>(rng);
    check_batch_kernels<T, 9, 33>(rng);
    check_batch_kernels<T, 31, 20>(rng);
    check_batch_kernels<T, 24, 1>(rng);
    check_batch_kernels<T, 0, 3>(rng);
    check_batch_kernels<T, 64, 64>(rng);
    check_batch_kernels<T, 64, 48>(rng);
    check_batch_kernels<T, 70, 9>(rng);
    check_batch_kernels<T, 100, 3>(rng);
    check_batch_kernels<T, 130, 1>(rng);
    check_batch_kernels<T, 200, 20>(rng);
    check_batch_kernels<T, 260, 17>(rng);
}

TEMPLATE_TEST_CASE("dense_layer: a batch with another activation is bitwise one at a time",
                   "[dense_layer]", float, double) {
    using T = TestType;
    std::mt19937_64 rng(95);
    constexpr std::size_t count = 29;
    auto const W = random_values<T>(70 * 19, rng);
    auto const b = random_values<T>(19, rng);
    soma::dense_layer<T, 70, 19, soma::step_activation> const step(W, b);
    soma::dense_layer<T, 70, 19, soma::identity_activation> const linear(W, b);
    auto const X = batch_inputs<T>(count, 70, rng);
    std::vector<T> Ys(count * 19);
    std::vector<T> Yl(count * 19);
    step.batch_forward(X, Ys);
    linear.batch_forward(X, Yl);
    for (std::size_t q = 0; q < count; ++q) {
        std::span<T const, 70> const x(X.data() + q * 70, 70);
        auto const ys = step(x);
        auto const yl = linear(x);
        for (std::size_t r = 0; r < 19; ++r) {
            CHECK(bits(Ys[q * 19 + r]) == bits(ys[r]));
            CHECK(bits(Yl[q * 19 + r]) == bits(yl[r]));
        }
    }
}

TEMPLATE_TEST_CASE("dense_layer: constant evaluation gives the run-time bits", "[dense_layer]",
                   float, double) {
    using T = TestType;
    static constexpr soma::dense_layer<T, 3, 5> layer(
        {0.125, -0.6875, 1.3125, 2.25, 0.0625, -1.875, -0.3125, 0.8125, 0.625, 1.125, -1.25, 0.4375,
         0.9375, 0.1875, -0.4375},
        {0.25, -0.5, 0.125, 1.5, -2.0});
    static constexpr std::array<T, 3> x{0.3125, -1.6875, 2.875};
    static constexpr std::array<T, 5> at_compile_time = layer(x);
    static constexpr soma::dense_layer<T, 40, 2> long_rows = [] {
        std::array<T, 80> W{};
        for (std::size_t i = 0; i < W.size(); ++i) W[i] = T(0.01) * T(i) - T(0.37);
        return soma::dense_layer<T, 40, 2>(W, std::array<T, 2>{0.5, -0.25});
    }();
    static constexpr std::array<T, 40> x40 = [] {
        std::array<T, 40> v{};
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = T(1) - T(0.03) * T(i);
        return v;
    }();
    static constexpr std::array<T, 2> long_at_compile_time = long_rows(x40);
    // batch_forward in constant evaluation: the scalar definition, one input at a time.
    static constexpr std::array<T, 4> batch_at_compile_time = [] {
        std::array<T, 80> X{};
        for (std::size_t i = 0; i < 40; ++i) X[i] = x40[i];
        for (std::size_t i = 0; i < 40; ++i) X[40 + i] = -x40[i];
        std::array<T, 4> Y{};
        long_rows.batch_forward(X, Y);
        return Y;
    }();
    static_assert(batch_at_compile_time[0] == long_at_compile_time[0]);
    static_assert(batch_at_compile_time[1] == long_at_compile_time[1]);
    std::array<T, 3> run_x = x;
    auto const at_run_time = layer(run_x);
    for (std::size_t r = 0; r < 5; ++r) CHECK(bits(at_compile_time[r]) == bits(at_run_time[r]));
    std::array<T, 40> run_x40 = x40;
    auto const long_at_run_time = long_rows(run_x40);
    for (std::size_t r = 0; r < 2; ++r) {
        CHECK(bits(long_at_compile_time[r]) == bits(long_at_run_time[r]));
    }
    std::array<T, 80> run_X{};
    for (std::size_t i = 0; i < 40; ++i) run_X[i] = x40[i];
    for (std::size_t i = 0; i < 40; ++i) run_X[40 + i] = -x40[i];
    std::array<T, 4> run_Y{};
    long_rows.batch_forward(run_X, run_Y);
    for (std::size_t k = 0; k < 4; ++k) CHECK(bits(batch_at_compile_time[k]) == bits(run_Y[k]));
}

TEMPLATE_TEST_CASE("dense_layer: run-time sizes are checked, with both sizes in the message",
                   "[dense_layer]", float, double) {
    using T = TestType;
    std::vector<T> const W{1, 2, 3, 4, 5, 6};
    std::vector<T> const b{0, 1};
    soma::dense_layer<T, 3, 2> const fixed(W, b);
    std::vector<T> y(2);
    std::string e = error_of([&] { soma::dense_layer<T, 3, 2> bad(std::vector<T>(5), b); });
    CHECK(contains(e, "W has 5"));
    CHECK(contains(e, "In * Out has 6"));
    e = error_of([&] { soma::dense_layer<T, 3, 2> bad(W, std::vector<T>(3)); });
    CHECK(contains(e, "b has 3"));
    CHECK(contains(e, "Out has 2"));
    e = error_of([&] { fixed.forward(std::vector<T>(4), y); });
    CHECK(contains(e, "x has 4"));
    CHECK(contains(e, "In has 3"));
    e = error_of([&] { fixed.forward(std::vector<T>(3), std::vector<T>(1)); });
    CHECK(contains(e, "y has 1"));
    CHECK(contains(e, "Out has 2"));
    std::vector<T> xy(5);
    e = error_of(
        [&] { fixed.forward(std::span<T const>(xy.data(), 3), std::span<T>(xy.data() + 2, 2)); });
    CHECK(contains(e, "y overlaps x"));
    e = error_of([&] { (void)fixed.weight(2, 0); });
    CHECK(contains(e, "r has 2"));

    soma::dynamic_dense_layer<T> const dynamic(3, 2, W, b);
    CHECK(dynamic.inputs() == 3);
    CHECK(dynamic.outputs() == 2);
    e = error_of([&] { soma::dynamic_dense_layer<T> bad(4, 2, W, b); });
    CHECK(contains(e, "W has 6"));
    CHECK(contains(e, "inputs * outputs has 8"));
    e = error_of([&] { soma::dynamic_dense_layer<T> bad(3, 3, std::vector<T>(9), b); });
    CHECK(contains(e, "b has 2"));
    CHECK(contains(e, "outputs has 3"));
    e = error_of([&] { soma::dynamic_dense_layer<T> bad(std::vector<T>(7), b); });
    CHECK(contains(e, "W has 7"));
    e = error_of([&] { dynamic.forward(std::vector<T>(2), y); });
    CHECK(contains(e, "x has 2"));
    CHECK(contains(e, "In has 3"));
    e = error_of([&] { (void)dynamic(std::vector<T>(4)); });
    CHECK(contains(e, "x has 4"));

    // The run-time form computes the static form's bits.
    std::vector<T> const x{0.5, -1.25, 3};
    auto const yf = fixed(x);
    auto const yd = dynamic(x);
    REQUIRE(yd.size() == 2);
    for (std::size_t r = 0; r < 2; ++r) {
        CHECK(bits(yf[r]) == bits(yd[r]));
        CHECK(bits(yd[r]) == bits(dynamic.neuron(r)(x)));
    }
    CHECK(soma::dynamic_dense_layer<T>(fixed) == dynamic);
}

TEST_CASE("dense_layer: the tutorial's Example 1 as an integral layer", "[dense_layer]") {
    // w = (5, 3), θ = 4 (b = -4) and a second neuron w = (1, 1), θ = 2 (AND): exact integer
    // weighted inputs, the step gives 0 or 1.
    constexpr soma::dense_layer<int, 2, 2, soma::step_activation> layer({5, 3, 1, 1}, {-4, -2});
    static_assert(layer({1, 0}) == std::array{1, 0});
    static_assert(layer({1, 1}) == std::array{1, 1});
    static_assert(layer({0, 1}) == std::array{0, 0});
    std::array<int, 2> const x{1, 0};
    CHECK(layer(x) == std::array{1, 0});
    std::array<int, 2> z{};
    layer.weighted_inputs(x, z);
    CHECK(z == std::array{1, -1});
}
