// Tests of soma/network.hpp: a network's outputs are bitwise the layer-by-layer evaluation
// (each layer bitwise its neurons, dense_layer_test), for static and run-time shapes;
// batches (layer by layer in blocks of inputs) are bitwise one input at a time; the XOR network of
// step neurons computes XOR's truth table; run-time size mismatches throw with the layer and both
// sizes.
#include "soma/network.hpp"
#include "soma/activation.hpp"
#include "soma/dense_layer.hpp"

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
#include "support/values.hpp"

namespace {

using soma_test::bits;
using soma_test::contains;
using soma_test::error_of;
using soma_test::random_values;

using soma::detail::ieee_binary;

template <class L>
L random_layer(std::mt19937_64& rng) {
    using T = typename L::value_type;
    return L(random_values<T>(L::in_extent * L::out_extent, rng),
             random_values<T>(L::out_extent, rng));
}

// a and b bitwise equal, or both NaN.
template <ieee_binary T>
bool same_value(T a, T b) {
    return bits(a) == bits(b) || (std::isnan(a) && std::isnan(b));
}

// batch_forward of net over counts around its blocks of inputs (32 or 64 inputs for the
// shapes below), some inputs with NaN or infinities, against net(x) one input at a time;
// Y inside a guard that must not be written.
template <class Net>
void check_batch(Net const& net, std::mt19937_64& rng) {
    using T = typename Net::value_type;
    constexpr std::size_t in = Net::in_extent;
    constexpr std::size_t out = Net::out_extent;
    constexpr std::size_t pad = 7;
    T const guard = std::numeric_limits<T>::quiet_NaN();
    for (std::size_t const count :
         std::array<std::size_t, 11>{0, 1, 5, 8, 31, 32, 33, 63, 64, 65, 131}) {
        INFO("count " << count);
        auto X = random_values<T>(count * in, rng, T(2));
        for (std::size_t q = 3; q < count; q += 9) X[q * in + q % in] = guard;
        for (std::size_t q = 5; q < count; q += 13) {
            X[q * in] = std::numeric_limits<T>::infinity();
            X[q * in + in - 1] = -std::numeric_limits<T>::infinity();
        }
        std::vector<T> Y(count * out + 2 * pad, guard);
        net.batch_forward(X, std::span<T>(Y.data() + pad, count * out));
        for (std::size_t i = 0; i < pad; ++i) {
            CHECK(bits(Y[i]) == bits(guard));
            CHECK(bits(Y[pad + count * out + i]) == bits(guard));
        }
        for (std::size_t q = 0; q < count; ++q) {
            auto const y = net(std::span<T const, in>(X.data() + q * in, in));
            for (std::size_t r = 0; r < out; ++r) {
                INFO("input " << q << " output " << r);
                CHECK(same_value(Y[pad + q * out + r], y[r]));
            }
        }
    }
}

}  // namespace

TEMPLATE_TEST_CASE("network: a batch runs in blocks of inputs, bitwise one input at a time",
                   "[network]", float, double) {
    using T = TestType;
    std::mt19937_64 rng(72);
    // The benchmarked shapes (long rows: batch tiles), a chain of short rows with another
    // activation in the middle, one layer alone, and a last layer of one row.
    using a1 = soma::dense_layer<T, 784, 128>;
    using a2 = soma::dense_layer<T, 128, 10>;
    auto const big =
        std::make_unique<soma::network<a1, a2>>(random_layer<a1>(rng), random_layer<a2>(rng));
    check_batch(*big, rng);
    using b1 = soma::dense_layer<T, 64, 64>;
    auto const square =
        std::make_unique<soma::network<b1, b1>>(random_layer<b1>(rng), random_layer<b1>(rng));
    check_batch(*square, rng);
    using c1 = soma::dense_layer<T, 5, 20>;
    using c2 = soma::dense_layer<T, 20, 33, soma::step_activation>;
    using c3 = soma::dense_layer<T, 33, 1>;
    soma::network const short_rows(random_layer<c1>(rng), random_layer<c2>(rng),
                                   random_layer<c3>(rng));
    check_batch(short_rows, rng);
    using d1 = soma::dense_layer<T, 70, 9>;
    soma::network const single(random_layer<d1>(rng));
    check_batch(single, rng);
    // A hidden layer too wide for blocks of eight inputs on the stack (blocks of one).
    using e1 = soma::dense_layer<T, 3, 5000>;
    using e2 = soma::dense_layer<T, 5000, 2>;
    auto const wide =
        std::make_unique<soma::network<e1, e2>>(random_layer<e1>(rng), random_layer<e2>(rng));
    check_batch(*wide, rng);
}

TEMPLATE_TEST_CASE("network: batch_forward in constant evaluation gives the run-time bits",
                   "[network]", float, double) {
    using T = TestType;
    using layer_t = soma::dense_layer<T, 2, 2>;
    static constexpr soma::network<layer_t, layer_t> net(layer_t({1, 2, 3, 4}, {0.5, -1}),
                                                         layer_t({1, -1, 0.5, 2}, {0, 1}));
    static constexpr std::array<T, 4> X{0.25, -1, 2, 0.125};
    static constexpr std::array<T, 4> at_compile_time = [] {
        std::array<T, 4> Y{};
        net.batch_forward(X, Y);
        return Y;
    }();
    static_assert(at_compile_time[0] == net(std::array<T, 2>{0.25, -1})[0]);
    static_assert(at_compile_time[3] == net(std::array<T, 2>{2, 0.125})[1]);
    std::array<T, 4> run_X = X;
    std::array<T, 4> run_Y{};
    net.batch_forward(run_X, run_Y);
    for (std::size_t k = 0; k < 4; ++k) CHECK(bits(run_Y[k]) == bits(at_compile_time[k]));
}

TEMPLATE_TEST_CASE("network: outputs are bitwise the layer-by-layer evaluation", "[network]", float,
                   double) {
    using T = TestType;
    std::mt19937_64 rng(71);
    using l1_t = soma::dense_layer<T, 70, 16>;
    using l2_t = soma::dense_layer<T, 16, 9, soma::identity_activation>;
    using l3_t = soma::dense_layer<T, 9, 3>;
    auto const l1 = random_layer<l1_t>(rng);
    auto const l2 = random_layer<l2_t>(rng);
    auto const l3 = random_layer<l3_t>(rng);
    soma::network const net(l1, l2, l3);
    static_assert(decltype(net)::depth == 3);
    static_assert(decltype(net)::in_extent == 70 && decltype(net)::out_extent == 3);
    // The same network of run-time layers, and as a dynamic_network.
    soma::network const dyn{soma::dynamic_dense_layer<T>(l1),
                            soma::dynamic_dense_layer<T, soma::identity_activation>(l2),
                            soma::dynamic_dense_layer<T>(l3)};
    CHECK(net.inputs() == 70);
    CHECK(net.outputs() == 3);
    CHECK(dyn.inputs() == 70);
    CHECK(dyn.outputs() == 3);
    CHECK(net.template layer<1>() == l2);

    constexpr std::size_t count = 11;
    auto const X = random_values<T>(count * 70, rng);
    std::vector<T> Y(count * 3);
    std::vector<T> Y_dyn(count * 3);
    net.batch_forward(X, Y);
    dyn.batch_forward(X, Y_dyn);
    for (std::size_t k = 0; k < count; ++k) {
        std::span<T const, 70> const x(X.data() + k * 70, 70);
        auto const h1 = l1(x);
        auto const h2 = l2(h1);
        auto const expected = l3(h2);
        auto const y = net(x);
        std::array<T, 3> y_forward{};
        net.forward(x, y_forward);
        auto const y_dyn = dyn(x);
        REQUIRE(y_dyn.size() == 3);
        for (std::size_t r = 0; r < 3; ++r) {
            INFO("input " << k << " output " << r);
            CHECK(bits(y[r]) == bits(expected[r]));
            CHECK(bits(y_forward[r]) == bits(expected[r]));
            CHECK(bits(y_dyn[r]) == bits(expected[r]));
            CHECK(bits(Y[k * 3 + r]) == bits(expected[r]));
            CHECK(bits(Y_dyn[k * 3 + r]) == bits(expected[r]));
        }
    }
}

TEMPLATE_TEST_CASE("network: XOR from OR, NAND and AND step neurons", "[network]", float, double) {
    using T = TestType;
    // Hidden: OR fires when x1 + x2 >= 0.5, NAND when -x1 - x2 >= -1.5; output: AND of the
    // two, h1 + h2 >= 1.5. XOR(x1, x2) = AND(OR, NAND): 0, 1, 1, 0.
    using step_layer_2x2 = soma::dense_layer<T, 2, 2, soma::step_activation>;
    using step_layer_2x1 = soma::dense_layer<T, 2, 1, soma::step_activation>;
    static constexpr soma::network xor_net(step_layer_2x2({1, 1, -1, -1}, {-0.5, 1.5}),
                                           step_layer_2x1({1, 1}, {-1.5}));
    static_assert(xor_net({0, 0})[0] == 0 && xor_net({0, 1})[0] == 1);
    static_assert(xor_net({1, 0})[0] == 1 && xor_net({1, 1})[0] == 0);
    std::array<std::array<T, 2>, 4> const inputs{{{0, 0}, {0, 1}, {1, 0}, {1, 1}}};
    std::array<T, 4> const truth_table{0, 1, 1, 0};
    for (std::size_t k = 0; k < 4; ++k) {
        std::array<T, 2> x = inputs[k];  // not a constant: the run-time path
        CHECK(xor_net(x)[0] == truth_table[k]);
        // The hidden layer alone: OR and NAND.
        auto const h = xor_net.template layer<0>()(x);
        CHECK(h[0] == T(x[0] + x[1] >= 1 ? 1 : 0));
        CHECK(h[1] == T(x[0] + x[1] <= 1 ? 1 : 0));
    }
    std::vector<T> const X{0, 0, 0, 1, 1, 0, 1, 1};
    std::vector<T> Y(4);
    xor_net.batch_forward(X, Y);
    CHECK(Y == std::vector<T>(truth_table.begin(), truth_table.end()));
}

TEST_CASE("network: integral layers in constant evaluation", "[network]") {
    using hidden_t = soma::dense_layer<int, 2, 2, soma::step_activation>;
    using out_t = soma::dense_layer<int, 2, 1, soma::step_activation>;
    // XOR with integer weights: OR fires at x1 + x2 >= 1, NAND at 2 - x1 - x2 >= 1 ... as
    // z = 2x1 + 2x2 - 1 and z = 3 - 2x1 - 2x2; AND at h1 + h2 - 2 >= 0.
    constexpr soma::network net(hidden_t({2, 2, -2, -2}, {-1, 3}), out_t({1, 1}, {-2}));
    static_assert(net({0, 0}) == std::array{0} && net({0, 1}) == std::array{1});
    static_assert(net({1, 0}) == std::array{1} && net({1, 1}) == std::array{0});
    std::array<int, 2> const x{1, 1};
    CHECK(net(x) == std::array{0});
}

TEMPLATE_TEST_CASE("network: run-time shapes are checked when the network is made", "[network]",
                   float, double) {
    using T = TestType;
    using dyn = soma::dynamic_dense_layer<T>;
    dyn const a(3, 4, std::vector<T>(12, T(0.5)), std::vector<T>(4, T(0)));
    dyn const b(5, 2, std::vector<T>(10, T(0.5)), std::vector<T>(2, T(0)));
    dyn const c(4, 5, std::vector<T>(20, T(0.25)), std::vector<T>(5, T(0)));
    std::string e = error_of([&] { soma::network const bad(a, b); });
    CHECK(contains(e, "layer 0 has 4 outputs"));
    CHECK(contains(e, "layer 1 has 5 inputs"));
    e = error_of([&] { soma::network const bad(a, c, c); });
    CHECK(contains(e, "layer 1 has 5 outputs"));
    CHECK(contains(e, "layer 2 has 4 inputs"));
    // Static and run-time layers mixed: checked where either side is run-time.
    soma::dense_layer<T, 2, 3> const s(std::vector<T>(6, T(1)), std::vector<T>(3, T(0)));
    e = error_of([&] { soma::network const bad(s, c); });
    CHECK(contains(e, "layer 0 has 3 outputs"));
    CHECK(contains(e, "layer 1 has 4 inputs"));
    soma::network const good(a, c, b);
    CHECK(good.outputs() == 2);
    e = error_of([&] { (void)good(std::vector<T>(4)); });
    CHECK(contains(e, "x has 4"));
    CHECK(contains(e, "In has 3"));
    e = error_of([&] { soma::dynamic_network<T>({a, b}); });
    CHECK(contains(e, "layer 0 has 4 outputs"));
    CHECK(contains(e, "layer 1 has 5 inputs"));
    e = error_of([&] { soma::dynamic_network<T>(std::vector<dyn>{}); });
    CHECK(contains(e, "at least one layer"));

    // dynamic_network: bitwise the network of the same layers.
    soma::dynamic_network<T> const chain({a, c, b});
    CHECK(chain.depth() == 3);
    std::vector<T> const x{0.25, -0.5, 1};
    auto const expected = good(x);
    auto const y = chain(x);
    REQUIRE(y.size() == 2);
    for (std::size_t r = 0; r < 2; ++r) CHECK(bits(y[r]) == bits(expected[r]));
    e = error_of([&] { (void)chain.layer(3); });
    CHECK(contains(e, "k has 3"));
}
