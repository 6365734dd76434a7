// Tests of soma/network_io.hpp: save -> load gives every parameter bit for bit (random
// values and the special ones: ±0, subnormals, ±inf, the extremes), for static, run-time
// and dynamic networks; the text is the documented format; text that does not fit the
// network's type is rejected with a message giving both values.
#include "soma/network_io.hpp"
#include "soma/activation.hpp"
#include "soma/dense_layer.hpp"
#include "soma/network.hpp"

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/values.hpp"

namespace {

using soma_test::bits;
using soma_test::contains;
using soma_test::error_of;

using soma::detail::ieee_binary;

// Random values with, at the front, the special ones.
template <ieee_binary T>
std::vector<T> parameters(std::size_t n, std::mt19937_64& rng) {
    using limits = std::numeric_limits<T>;
    std::vector<T> const special{T(0),
                                 -T(0),
                                 limits::denorm_min(),
                                 -limits::min(),
                                 limits::max(),
                                 -limits::infinity(),
                                 limits::infinity(),
                                 limits::lowest(),
                                 T(1) / T(3),
                                 limits::min() / T(3)};
    std::uniform_int_distribution<int> exponent(-60, 60);
    std::uniform_real_distribution<T> mantissa(T(-1), T(1));
    std::vector<T> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = i < special.size() ? special[i] : std::ldexp(mantissa(rng), exponent(rng));
    }
    return v;
}

template <class L1, class L2>
void check_same_bits(L1 const& a, L2 const& b) {
    REQUIRE(a.inputs() == b.inputs());
    REQUIRE(a.outputs() == b.outputs());
    for (std::size_t r = 0; r < a.outputs(); ++r) {
        CHECK(bits(a.bias(r)) == bits(b.bias(r)));
        for (std::size_t i = 0; i < a.inputs(); ++i)
            CHECK(bits(a.weight(r, i)) == bits(b.weight(r, i)));
    }
}

}  // namespace

TEMPLATE_TEST_CASE("network_io: save then load gives every parameter bit for bit", "[network_io]",
                   float, double) {
    using T = TestType;
    std::mt19937_64 rng(51);
    using l1_t = soma::dense_layer<T, 7, 5>;
    using l2_t = soma::dense_layer<T, 5, 3, soma::step_activation>;
    using l3_t = soma::dense_layer<T, 3, 2, soma::identity_activation>;
    soma::network const net(l1_t(parameters<T>(35, rng), parameters<T>(5, rng)),
                            l2_t(parameters<T>(15, rng), parameters<T>(3, rng)),
                            l3_t(parameters<T>(6, rng), parameters<T>(2, rng)));
    std::string const text = soma::to_text(net);
    auto const back = soma::from_text<decltype(net)>(text);
    check_same_bits(net.template layer<0>(), back.template layer<0>());
    check_same_bits(net.template layer<1>(), back.template layer<1>());
    check_same_bits(net.template layer<2>(), back.template layer<2>());
    // The same text again: saving is deterministic.
    CHECK(soma::to_text(back) == text);

    // Into run-time layers, and into a dynamic_network of one activation.
    using run_time = soma::network<soma::dynamic_dense_layer<T>,
                                   soma::dynamic_dense_layer<T, soma::step_activation>,
                                   soma::dynamic_dense_layer<T, soma::identity_activation>>;
    auto const dyn = soma::from_text<run_time>(text);
    check_same_bits(net.template layer<0>(), dyn.template layer<0>());
    check_same_bits(net.template layer<2>(), dyn.template layer<2>());
    CHECK(soma::to_text(dyn) == text);

    soma::dynamic_network<T> const chain(
        {soma::dynamic_dense_layer<T>(3, 4, parameters<T>(12, rng), parameters<T>(4, rng)),
         soma::dynamic_dense_layer<T>(4, 1, parameters<T>(4, rng), parameters<T>(1, rng))});
    auto const chain_back = soma::from_text<soma::dynamic_network<T>>(soma::to_text(chain));
    REQUIRE(chain_back.depth() == 2);
    check_same_bits(chain.layer(0), chain_back.layer(0));
    check_same_bits(chain.layer(1), chain_back.layer(1));

    // A NaN parameter loads as a NaN.
    std::vector<T> w(2, std::numeric_limits<T>::quiet_NaN());
    soma::network const with_nan(soma::dense_layer<T, 2, 1>(w, std::vector<T>{T(1)}));
    auto const nan_back = soma::from_text<decltype(with_nan)>(soma::to_text(with_nan));
    CHECK(std::isnan(nan_back.template layer<0>().weight(0, 1)));
}

TEST_CASE("network_io: the documented text", "[network_io]") {
    // XOR of step neurons with dyadic weights: every value has a short exact hex form.
    soma::network const xor_net(
        soma::dense_layer<float, 2, 2, soma::step_activation>({1, 1, -1, -1}, {-0.5f, 1.5f}),
        soma::dense_layer<float, 2, 1, soma::step_activation>({1, 1}, {-1.5f}));
    CHECK(soma::to_text(xor_net) ==
          "soma-network 1 float\n"
          "layers 2\n"
          "layer 2 2 step\n"
          "0x1p+0 0x1p+0\n"
          "-0x1p+0 -0x1p+0\n"
          "-0x1p-1 0x1.8p+0\n"
          "layer 2 1 step\n"
          "0x1p+0 0x1p+0\n"
          "-0x1.8p+0\n"
          "end\n");
    // Integral networks use decimal.
    soma::network const gates(soma::dense_layer<int, 2, 1, soma::step_activation>({5, 3}, {-4}));
    CHECK(soma::to_text(gates) == "soma-network 1 int\nlayers 1\nlayer 2 1 step\n5 3\n-4\nend\n");
    auto const back = soma::from_text<decltype(gates)>(soma::to_text(gates));
    CHECK(back == gates);
}

TEST_CASE("network_io: text that does not fit the type is rejected", "[network_io]") {
    using net_t = soma::network<soma::dense_layer<float, 2, 2, soma::step_activation>,
                                soma::dense_layer<float, 2, 1, soma::step_activation>>;
    std::string const good =
        "soma-network 1 float\nlayers 2\nlayer 2 2 step\n0x1p+0 0x1p+0\n-0x1p+0 -0x1p+0\n"
        "-0x1p-1 0x1.8p+0\nlayer 2 1 step\n0x1p+0 0x1p+0\n-0x1.8p+0\nend\n";
    CHECK(error_of([&] { (void)soma::from_text<net_t>(good); }).empty());
    auto const replaced = [&](std::string const& from, std::string const& to) {
        std::string t = good;
        t.replace(t.find(from), from.size(), to);
        return error_of([&] { (void)soma::from_text<net_t>(t); });
    };
    std::string e = replaced("layer 2 1 step", "layer 3 1 step");
    CHECK(contains(e, "layer 1 is 3 x 1"));
    CHECK(contains(e, "but 2 x 1"));
    e = replaced("layer 2 2 step", "layer 2 2 sigmoid");
    CHECK(contains(e, "layer 0 has activation 'sigmoid'"));
    CHECK(contains(e, "'step' in the network's type"));
    e = replaced("1 float", "1 double");
    CHECK(contains(e, "'double' in the text, but 'float'"));
    e = replaced("layers 2", "layers 3");
    CHECK(contains(e, "3 layers in the text, but 2"));
    e = replaced("-0x1p-1", "-0.5");
    CHECK(contains(e, "hexadecimal float"));
    CHECK(contains(e, "'-0.5'"));
    e = replaced("-0x1.8p+0\nend", "-0x1.8p+0\n");
    CHECK(contains(e, "the text ends"));
    e = replaced("soma-network 1", "soma-network 2");
    CHECK(contains(e, "format version 2"));
    e = replaced("-0x1p-1", "-0x1p-1zz");
    CHECK(contains(e, "'-0x1p-1zz'"));
}
