// Tests of soma/layer.hpp: every output of a layer or batch is bitwise the single-neuron
// weighted input of its row (detail::inner_product with the bias, itself checked against
// a double-double reference in inner_product_test), for every ISA's multi-row kernel and
// its kernel for a batch of inputs; sizes
// and overlaps are rejected with a message naming both sizes.
#include "soma/layer.hpp"
#include "soma/activation.hpp"
#include "soma/sigmoid.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/isa.hpp"
#include "support/values.hpp"

namespace {

using soma_test::bits;
using soma_test::error_of;
using soma_test::random_values;

using soma::detail::ieee_binary;

// Values at an offset inside a NaN-filled buffer: reading outside poisons the result.
template <ieee_binary T>
struct padded {
    static constexpr std::size_t pad = 64;
    std::vector<T> buffer;
    T* data;
    std::size_t size;
    padded(std::vector<T> const& values, std::size_t offset)
        : buffer(values.size() + 2 * pad, std::numeric_limits<T>::quiet_NaN()),
          data(buffer.data() + pad + offset),
          size(values.size()) {
        std::copy(values.begin(), values.end(), data);
    }
    [[nodiscard]] std::span<T const> span() const { return {data, size}; }
};

struct shape {
    std::size_t rows;
    std::size_t n;
};

constexpr shape shapes[] = {{4, 3},    {16, 16}, {5, 67},  {13, 300}, {1, 0},   {0, 5},
                            {7, 1},    {3, 64},  {9, 65},  {33, 31},  {64, 64}, {17, 129},
                            {2, 1000}, {130, 7}, {1, 2},   {4, 4},    {8, 8},   {2, 16},
                            {24, 5},   {32, 32}, {15, 17}, {256, 17}, {31, 64}, {19, 128}};

template <ieee_binary T>
T single_neuron(std::vector<T> const& W, std::size_t r, std::size_t n, std::vector<T> const& x,
                T b) {
    return soma::detail::inner_product_scalar(W.data() + r * n, x.data(), n, true, b);
}

// A block activation (like soma's sigmoid object): counts how it was called.
struct doubling {
    using block_activation = void;
    int* element_calls;
    int* block_calls;
    template <class T>
    T operator()(T z) const {
        ++*element_calls;
        return z + z;
    }
    template <class T>
    void operator()(std::span<T> z) const {
        ++*block_calls;
        CHECK(z.size() <= 64);
        for (T& v : z) v = v + v;
    }
};

}  // namespace

TEMPLATE_TEST_CASE("weighted_inputs: each z_r is bitwise the single-neuron result", "[layer]",
                   float, double) {
    using T = TestType;
    std::mt19937_64 rng(11);
    for (shape const s : shapes) {
        auto const W = random_values<T>(s.rows * s.n, rng);
        auto const x = random_values<T>(s.n, rng);
        auto const b = random_values<T>(s.rows, rng);
        for (std::size_t offset : {0U, 1U, 3U}) {
            padded<T> const pW(W, offset);
            padded<T> const px(x, (offset * 5) % 7);
            padded<T> const pb(b, offset);
            std::vector<T> z(s.rows, T(7));
            soma::weighted_inputs(pW.span(), s.rows, px.span(), pb.span(), std::span<T>(z));
            for (std::size_t r = 0; r < s.rows; ++r) {
                INFO("rows " << s.rows << " n " << s.n << " r " << r << " offset " << offset);
                CHECK(bits(z[r]) == bits(single_neuron(W, r, s.n, x, b[r])));
            }
        }
    }
}

TEMPLATE_TEST_CASE("every ISA's batch kernel is bitwise the scalar definition", "[layer]", float,
                   double) {
    using T = TestType;
    using soma::detail::isa;
    std::vector<isa> const isas = soma_test::tested_isas();
    std::mt19937_64 rng(12);
    for (shape const s : shapes) {
        auto const W = random_values<T>(s.rows * s.n, rng);
        auto const x = random_values<T>(s.n, rng);
        auto const b = random_values<T>(s.rows, rng);
        padded<T> const pW(W, 1);
        padded<T> const px(x, 2);
        for (isa const target : isas) {
            auto const kernel = soma::detail::kernels_for(target).of<T>().inner_products;
            auto const fused = soma::detail::kernels_for(target).of<T>().forward_sigmoid;
            std::vector<T> z(s.rows);
            std::vector<T> z_no_bias(s.rows);
            std::vector<T> z_shared(s.rows);
            kernel(pW.data, s.rows, s.n, px.data, b.data(), 1, z.data());
            kernel(pW.data, s.rows, s.n, px.data, nullptr, 1, z_no_bias.data());
            kernel(pW.data, s.rows, s.n, px.data, b.data(), 0, z_shared.data());
            std::vector<T> y(s.rows);
            fused(pW.data, s.rows, s.n, px.data, b.data(), y.data());
            for (std::size_t r = 0; r < s.rows; ++r) {
                INFO("isa " << soma::detail::isa_name(target) << " rows " << s.rows << " n " << s.n
                            << " r " << r);
                T const* w = W.data() + r * s.n;
                CHECK(bits(z[r]) == bits(single_neuron(W, r, s.n, x, b[r])));
                CHECK(bits(z_no_bias[r]) ==
                      bits(soma::detail::inner_product_scalar(w, x.data(), s.n, false, T(0))));
                CHECK(bits(z_shared[r]) == bits(single_neuron(W, r, s.n, x, b[0])));
                CHECK(bits(y[r]) == bits(soma::sigmoid(single_neuron(W, r, s.n, x, b[r]))));
            }
        }
    }
}

TEMPLATE_TEST_CASE("every ISA's kernel for a batch of inputs is bitwise the scalar definition",
                   "[layer]", float, double) {
    using T = TestType;
    using soma::detail::isa;
    std::vector<isa> const isas = soma_test::tested_isas();
    std::mt19937_64 rng(15);
    T const inf = std::numeric_limits<T>::infinity();
    for (shape const s : shapes) {
        auto const W = random_values<T>(s.rows * s.n, rng);
        auto const b = random_values<T>(s.rows, rng);
        padded<T> const pW(W, 1);
        // Counts around the tiles of two inputs; input 1 has a NaN, input 3 infinities.
        for (std::size_t const count : std::array<std::size_t, 6>{0, 1, 2, 3, 4, 7}) {
            auto X = random_values<T>(count * s.n, rng);
            if (s.n > 1 && count > 1) X[s.n + s.n / 2] = std::numeric_limits<T>::quiet_NaN();
            if (s.n > 1 && count > 3) {
                X[3 * s.n] = inf;
                X[4 * s.n - 1] = -inf;
            }
            padded<T> const pX(X, 3);
            for (isa const target : isas) {
                auto const kernel = soma::detail::kernels_for(target).of<T>().batch_inner_products;
                std::vector<T> Z(count * s.rows + 2, T(7));
                kernel(pW.data, s.rows, s.n, pX.data, count, b.data(), Z.data() + 1);
                CHECK(bits(Z.front()) == bits(T(7)));
                CHECK(bits(Z.back()) == bits(T(7)));
                for (std::size_t q = 0; q < count; ++q) {
                    std::vector<T> const x(X.begin() + static_cast<std::ptrdiff_t>(q * s.n),
                                           X.begin() + static_cast<std::ptrdiff_t>((q + 1) * s.n));
                    for (std::size_t r = 0; r < s.rows; ++r) {
                        INFO("isa " << soma::detail::isa_name(target) << " rows " << s.rows << " n "
                                    << s.n << " count " << count << " q " << q << " r " << r);
                        T const expected = single_neuron(W, r, s.n, x, b[r]);
                        T const z = Z[1 + q * s.rows + r];
                        CHECK(
                            (bits(z) == bits(expected) || (std::isnan(z) && std::isnan(expected))));
                    }
                }
            }
            // batch_forward with σ (the batch kernel, then σ over the pass): bitwise σ of
            // the single neuron. (Without rows the number of inputs is Y.size() / rows = 0.)
            if (s.rows == 0) continue;
            std::vector<T> Y(count * s.rows);
            soma::batch_forward<T>(W, s.rows, s.n, X, b, Y, soma::sigmoid_activation{});
            for (std::size_t q = 0; q < count; ++q) {
                std::vector<T> const x(X.begin() + static_cast<std::ptrdiff_t>(q * s.n),
                                       X.begin() + static_cast<std::ptrdiff_t>((q + 1) * s.n));
                for (std::size_t r = 0; r < s.rows; ++r) {
                    T const expected = soma::sigmoid(single_neuron(W, r, s.n, x, b[r]));
                    T const y = Y[q * s.rows + r];
                    CHECK((bits(y) == bits(expected) || (std::isnan(y) && std::isnan(expected))));
                }
            }
        }
    }
}

TEMPLATE_TEST_CASE("forward applies the activation to every weighted input", "[layer]", float,
                   double) {
    using T = TestType;
    std::mt19937_64 rng(13);
    auto const relu = [](T z) { return z > T(0) ? z : T(0); };
    for (shape const s : shapes) {
        auto const W = random_values<T>(s.rows * s.n, rng);
        auto const x = random_values<T>(s.n, rng);
        auto const b = random_values<T>(s.rows, rng);
        std::vector<T> y(s.rows);
        soma::forward<T>(W, s.rows, x, b, y, relu);
        int element_calls = 0;
        int block_calls = 0;
        std::vector<T> y2(s.rows);
        soma::forward<T>(W, s.rows, x, b, y2, doubling{&element_calls, &block_calls});
        CHECK(element_calls == 0);
        CHECK(block_calls == static_cast<int>((s.rows + 63) / 64));
        for (std::size_t r = 0; r < s.rows; ++r) {
            T const z = single_neuron(W, r, s.n, x, b[r]);
            CHECK(bits(y[r]) == bits(relu(z)));
            CHECK(bits(y2[r]) == bits(T(z + z)));
        }
    }
}

TEMPLATE_TEST_CASE("the tutorial's neuron as a one-row layer", "[layer]", float, double) {
    using T = TestType;
    // w = (5, 3), theta = 4, b = -4; unit step output 0, 1, 0, 1 for (0,0), (1,0), (0,1),
    // (1,1) (z = -4, 1, -1, 4).
    std::vector<T> const w{5, 3};
    std::vector<T> const b{-4};
    std::vector<T> const X{0, 0, 1, 0, 0, 1, 1, 1};
    std::vector<T> y(4);
    auto const step = [](T z) { return z >= T(0) ? T(1) : T(0); };
    soma::batch_forward<T>(w, 1, 2, X, b, y, step);
    CHECK(y == std::vector<T>{0, 1, 0, 1});
    std::vector<T> z(4);
    soma::batch_weighted_input<T>(w, T(-4), X, z);
    CHECK(z == std::vector<T>{-4, 1, -1, 4});
}

TEMPLATE_TEST_CASE("batches are bitwise the one-input functions", "[layer]", float, double) {
    using T = TestType;
    std::mt19937_64 rng(14);
    std::size_t const rows = 21;
    std::size_t const n = 70;
    std::size_t const inputs = 9;
    auto const W = random_values<T>(rows * n, rng);
    auto const X = random_values<T>(inputs * n, rng);
    auto const b = random_values<T>(rows, rng);
    auto const id = [](T z) { return z; };
    std::vector<T> Y(inputs * rows);
    soma::batch_forward<T>(W, rows, n, X, b, Y, id);
    for (std::size_t k = 0; k < inputs; ++k) {
        std::vector<T> const x(X.begin() + static_cast<std::ptrdiff_t>(k * n),
                               X.begin() + static_cast<std::ptrdiff_t>((k + 1) * n));
        for (std::size_t r = 0; r < rows; ++r) {
            CHECK(bits(Y[k * rows + r]) == bits(single_neuron(W, r, n, x, b[r])));
        }
    }
    // One neuron over the rows of X: z_k = w . X_k + b, as the single-neuron path.
    std::vector<T> const w(W.begin(), W.begin() + static_cast<std::ptrdiff_t>(n));
    for (std::size_t count : {0U, 1U, 3U, 4U, 5U, 9U}) {
        std::vector<T> z(count);
        soma::batch_weighted_input<T>(w, T(0.5), std::span<T const>(X.data(), count * n), z);
        for (std::size_t k = 0; k < count; ++k) {
            T const expected =
                soma::detail::inner_product_scalar(w.data(), X.data() + k * n, n, true, T(0.5));
            CHECK(bits(z[k]) == bits(expected));
        }
    }
}

TEMPLATE_TEST_CASE("size mismatches and overlaps throw std::invalid_argument naming the sizes",
                   "[layer]", float, double) {
    using T = TestType;
    std::vector<T> W(6, T(1));
    std::vector<T> x(3, T(1));
    std::vector<T> b(2, T(0));
    std::vector<T> z(2);
    auto const id = [](T v) { return v; };
    std::string e = error_of([&] { soma::weighted_inputs<T>(W, 3, x, b, z); });
    CHECK(e.find("W has 6") != std::string::npos);
    CHECK(e.find("is 9") != std::string::npos);
    e = error_of([&] { soma::weighted_inputs<T>(W, 2, x, std::span<T const>(b.data(), 1), z); });
    CHECK(e.find("b has 1") != std::string::npos);
    CHECK(e.find("is 2") != std::string::npos);
    e = error_of([&] { soma::forward<T>(W, 2, x, b, std::span<T>(z.data(), 1), id); });
    CHECK(e.find("y has 1") != std::string::npos);
    e = error_of([&] { soma::forward<T>(W, 2, std::span<T const>(x.data(), 2), b, z, id); });
    CHECK(e.find("W has 6") != std::string::npos);
    CHECK(e.find("is 4") != std::string::npos);
    std::vector<T> Y(5);
    e = error_of([&] { soma::batch_forward<T>(W, 2, 3, x, b, Y, id); });
    CHECK(e.find("Y has 5") != std::string::npos);
    std::vector<T> Y4(4);
    e = error_of([&] { soma::batch_forward<T>(W, 2, 3, x, b, Y4, id); });
    CHECK(e.find("X has 3") != std::string::npos);
    CHECK(e.find("is 6") != std::string::npos);
    e = error_of([&] { soma::batch_weighted_input<T>(x, T(0), W, std::span<T>(z.data(), 1)); });
    CHECK(e.find("X has 6") != std::string::npos);
    CHECK(e.find("is 3") != std::string::npos);
    // rows * n overflowing size_t is reported, not wrapped.
    e = error_of(
        [&] { soma::weighted_inputs<T>(W, std::numeric_limits<std::size_t>::max(), x, b, z); });
    CHECK(e.find("overflows") != std::string::npos);
    // Output overlapping an input.
    std::vector<T> buf(8, T(1));
    e = error_of([&] {
        soma::weighted_inputs<T>(W, 2, std::span<T const>(buf.data(), 3), b,
                                 std::span<T>(buf.data() + 2, 2));
    });
    CHECK(e.find("z overlaps x") != std::string::npos);
    // Correct sizes do not throw.
    CHECK(error_of([&] { soma::weighted_inputs<T>(W, 2, x, b, z); }).empty());
}

TEMPLATE_TEST_CASE("outputs may be std::vector, std::array or a fixed-extent span", "[layer]",
                   float, double) {
    using T = TestType;
    // The tutorial's neuron (w = (5, 3), b = -4) and its mirror (w = (-5, -3), b = 4) as a
    // two-row layer, at x = (1, 0): z = (1, -1).
    std::vector<T> const W{5, 3, -5, -3};
    std::vector<T> const b{-4, 4};
    std::vector<T> const x{1, 0};
    std::vector<T> zv(2);
    soma::weighted_inputs(W, 2, x, b, zv);  // T deduced from the vector
    CHECK(zv == std::vector<T>{1, -1});
    std::array<T, 2> za{};
    soma::weighted_inputs(W, 2, x, b, za);
    CHECK(za == std::array<T, 2>{1, -1});
    std::array<T, 2> ya{};
    soma::forward(W, 2, x, b, ya, soma::step_activation{});
    CHECK(ya == std::array<T, 2>{1, 0});
    std::vector<T> ys(2);
    soma::forward(W, 2, x, b, std::span<T, 2>(ys.data(), 2), soma::sigmoid_activation{});
    CHECK(bits(ys[0]) == bits(soma::sigmoid(T(1))));
    CHECK(bits(ys[1]) == bits(soma::sigmoid(T(-1))));
    std::vector<T> const X{1, 0, 0, 1};
    std::vector<T> Y(4);
    soma::batch_forward(W, 2, 2, X, b, Y, soma::step_activation{});
    CHECK(Y == std::vector<T>{1, 0, 0, 1});  // x = (0, 1): z = (-1, 1)
    std::vector<T> zb(2);
    soma::batch_weighted_input(std::vector<T>{5, 3}, T(-4), X, zb);
    CHECK(zb == std::vector<T>{1, -1});
    // The output overlapping the biases is rejected like the other overlaps.
    std::vector<T> wb{5, 3, -4};
    CHECK_THROWS_AS(soma::weighted_inputs<T>(std::span<T const>(wb.data(), 2), 1, x,
                                             std::span<T const>(wb.data() + 2, 1),
                                             std::span<T>(wb.data() + 2, 1)),
                    std::invalid_argument);
}

TEMPLATE_TEST_CASE(
    "an output that overlaps the biases, x, W or X is rejected in every layer function", "[layer]",
    float, double) {
    using T = TestType;
    auto const id = [](T v) { return v; };
    std::vector<T> const W(6, T(1));
    std::vector<T> const x(3, T(1));
    // b and the output in one buffer: y = b + 1 (2 rows), the case.
    std::vector<T> buffer(8, T(0.5));
    std::span<T const> const b(buffer.data(), 2);
    std::span<T> const shifted(buffer.data() + 1, 2);
    CHECK(error_of([&] { soma::forward<T>(W, 2, x, b, shifted, id); }).find("y overlaps b") !=
          std::string::npos);
    CHECK(error_of([&] {
              soma::forward<T>(W, 2, x, b, shifted, soma::sigmoid_activation{});
          }).find("y overlaps b") != std::string::npos);
    CHECK(error_of([&] { soma::weighted_inputs<T>(W, 2, x, b, shifted); }).find("z overlaps b") !=
          std::string::npos);
    // y == b exactly is an overlap too: a layer is never in place.
    CHECK(error_of([&] {
              soma::forward<T>(W, 2, x, b, std::span<T>(buffer.data(), 2), id);
          }).find("y overlaps b") != std::string::npos);
    // batch_forward: b inside Y.
    std::vector<T> Y(4, T(0));
    std::vector<T> const X(6, T(1));
    CHECK(error_of([&] {
              soma::batch_forward<T>(W, 2, 3, X, std::span<T const>(Y.data() + 1, 2), Y, id);
          }).find("Y overlaps b") != std::string::npos);
    // The output overlapping x and W.
    std::vector<T> wx(9, T(1));
    CHECK(error_of([&] {
              soma::forward<T>(std::span<T const>(wx.data(), 6), 2,
                               std::span<T const>(wx.data() + 6, 3), b,
                               std::span<T>(wx.data() + 5, 2), id);
          }).find("y overlaps") != std::string::npos);
    // batch_weighted_input: z overlapping w or X.
    std::vector<T> wz(5, T(1));
    CHECK(error_of([&] {
              soma::batch_weighted_input<T>(std::span<T const>(wz.data(), 3), T(0),
                                            std::span<T const>(X.data(), 6),
                                            std::span<T>(wz.data() + 2, 2));
          }).find("z overlaps w") != std::string::npos);
    std::vector<T> Xz(8, T(1));
    CHECK(error_of([&] {
              soma::batch_weighted_input<T>(x, T(0), std::span<T const>(Xz.data(), 6),
                                            std::span<T>(Xz.data() + 5, 2));
          }).find("z overlaps X") != std::string::npos);
    // Disjoint outputs are fine.
    std::vector<T> y(2);
    CHECK(error_of([&] { soma::forward<T>(W, 2, x, b, y, id); }).empty());
}
