// Tests of soma/backprop.hpp, soma/loss.hpp, soma/optimizer.hpp and soma/random.hpp:
// backpropagation's gradients against central finite differences, the training kernels of
// every ISA against their definition (sequential fused multiply-add chains), XOR learned
// by a 2-2-1 sigmoid network from a fixed seed, training twice giving the same bits, no
// allocation inside an epoch for static shapes, and the generator against values computed
// independently from the published definitions of splitmix64 and xoshiro256**.
#include "soma/backprop.hpp"
#include "soma/loss.hpp"
#include "soma/optimizer.hpp"
#include "soma/random.hpp"
#include "soma/softmax.hpp"
#include "soma/tanh.hpp"

#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/isa.hpp"
#include "support/values.hpp"

// Counts allocations, to show that an epoch allocates nothing. (GCC takes the malloc/free
// pair of the replacement below for a mismatch once it inlines them into callers.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
std::atomic<std::size_t> allocations{0};
}  // namespace

// Every form of new and delete that a sanitizer's runtime would otherwise provide (its
// allocator must not free what malloc gave, nor the other way round).
namespace {
void* counted_allocation(std::size_t n) noexcept {
    allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n == 0 ? 1 : n);
}
}  // namespace
void* operator new(std::size_t n) {
    if (void* p = counted_allocation(n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    if (void* p = counted_allocation(n)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, std::nothrow_t const&) noexcept {
    return counted_allocation(n);
}
void* operator new[](std::size_t n, std::nothrow_t const&) noexcept {
    return counted_allocation(n);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::nothrow_t const&) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::nothrow_t const&) noexcept {
    std::free(p);
}

namespace {

using soma_test::bits;
using soma_test::contains;
using soma_test::random_values;

// E(θ) for the network with its parameters replaced by p.
template <class Net, class Loss, class P>
double loss_at(Net net, P const& p, Loss const& loss, std::span<typename Net::value_type const> x,
               std::span<typename Net::value_type const> t) {
    p.store(net);
    auto const y = net(std::vector<typename Net::value_type>(x.begin(), x.end()));
    return static_cast<double>(
        loss.value(std::span<typename Net::value_type const>(y.data(), y.size()), t));
}

// Every partial derivative of the backpropagated gradient of one example against the
// central difference (E(θ + h e_j) - E(θ - h e_j)) / 2h, within tol relative to the largest
// partial derivative (tol covers the difference's truncation error, O(h²), and its
// rounding error, O(u / h), of the type's precision u).
template <class Net, class Loss>
void check_gradient(Net const& net, Loss const& loss, std::uint64_t seed, double h, double tol) {
    using T = typename Net::value_type;
    std::mt19937_64 rng(seed);
    auto const x = random_values<T>(net.inputs(), rng);
    std::vector<T> t(net.outputs());
    for (T& v : t) v = std::uniform_int_distribution<int>(0, 1)(rng) != 0 ? T(1) : T(0);

    soma::backprop bp(net, loss);
    bp.zero_gradients();
    (void)bp.accumulate(x, t);
    auto const grads = bp.gradients().spans();
    double largest = 0;
    for (auto const& s : grads) {
        for (T g : s) largest = std::fmax(largest, std::fabs(static_cast<double>(g)));
    }
    REQUIRE(largest > 0);
    auto params = bp.parameters();
    auto const ps = params.spans();
    std::size_t checked = 0;
    for (std::size_t s = 0; s < ps.size(); ++s) {
        for (std::size_t j = 0; j < ps[s].size(); ++j) {
            T const saved = ps[s][j];
            ps[s][j] = static_cast<T>(saved + static_cast<T>(h));
            double const up = loss_at(net, params, loss, std::span<T const>(x), t);
            ps[s][j] = static_cast<T>(saved - static_cast<T>(h));
            double const down = loss_at(net, params, loss, std::span<T const>(x), t);
            ps[s][j] = saved;
            double const fd = (up - down) / (2 * h);
            INFO("parameter block " << s << " element " << j << ": backprop " << grads[s][j]
                                    << ", finite difference " << fd);
            CHECK(std::fabs(static_cast<double>(grads[s][j]) - fd) <= tol * largest);
            ++checked;
        }
    }
    CHECK(checked == params.size());
}

template <class T>
struct tolerance;
template <>
struct tolerance<float> {
    static constexpr double h = 1e-2;
    static constexpr double tol = 2e-2;
};
template <>
struct tolerance<double> {
    static constexpr double h = 1e-5;
    static constexpr double tol = 1e-6;
};

template <class Net>
Net random_network(std::uint64_t seed) {
    Net net;
    soma::initialize(net, seed);
    return net;
}

}  // namespace

TEST_CASE("random_generator: splitmix64 and xoshiro256** as published") {
    // Values of an independent implementation of the two published algorithms.
    soma::random_generator g(0);
    CHECK(g() == 0x99ec5f36cb75f2b4U);
    CHECK(g() == 0xbf6e1f784956452aU);
    CHECK(g() == 0x1a5f849d4933e6e0U);
    CHECK(g() == 0x6aa594f1262d2d2cU);
    soma::random_generator h(42);
    CHECK(h() == 0x15780b2e0c2ec716U);
    CHECK(h() == 0x6104d9866d113a7eU);
    static_assert([] {
        soma::random_generator c(0);
        return c();
    }() == 0x99ec5f36cb75f2b4U);
}

TEST_CASE("random_generator: uniform01, uniform, below and shuffle") {
    soma::random_generator g(3);
    for (int k = 0; k < 100000; ++k) {
        float const u = g.uniform01<float>();
        REQUIRE((u >= 0.0f && u < 1.0f));
        double const d = g.uniform01<double>();
        REQUIRE((d >= 0.0 && d < 1.0));
        float const v = g.uniform<float>(-0.5f, 0.25f);
        REQUIRE((v >= -0.5f && v <= 0.25f));
    }
    // below(n): every value in range, and every value met about n_draws / n times (a
    // chi-square test at a generous threshold: 6 degrees of freedom, p < 1e-6 above 38.0).
    std::array<int, 7> counts{};
    constexpr int draws = 70000;
    for (int k = 0; k < draws; ++k) {
        auto const r = g.below(7);
        REQUIRE(r < 7);
        ++counts[r];
    }
    double chi2 = 0;
    for (int c : counts) chi2 += (c - draws / 7.0) * (c - draws / 7.0) / (draws / 7.0);
    CHECK(chi2 < 38.0);
    CHECK(g.below(1) == 0);

    std::vector<int> v(50);
    for (int k = 0; k < 50; ++k) v[static_cast<std::size_t>(k)] = k;
    soma::random_generator a(9), b(9);
    std::vector<int> w = v;
    soma::shuffle(std::span<int>(v), a);
    soma::shuffle(std::span<int>(w), b);
    CHECK(v == w);  // the same permutation from the same state
    std::vector<int> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    for (int k = 0; k < 50; ++k) CHECK(sorted[static_cast<std::size_t>(k)] == k);
    CHECK(v != sorted);  // 1 chance in 50! of a false failure
}

TEMPLATE_TEST_CASE("training kernels of every ISA: the sequential fma chains", "", float, double) {
    using T = TestType;
    auto const& portable = soma::detail::training_kernels_for<T>(soma::detail::isa::portable);
    std::mt19937_64 rng(11);
    for (soma::detail::isa i : soma_test::tested_isas()) {
        auto const& k = soma::detail::training_kernels_for<T>(i);
        INFO("isa " << soma::detail::isa_name(i));
        for (std::size_t n : {0u, 1u, 3u, 7u, 8u, 15u, 16u, 17u, 31u, 33u, 64u, 67u, 130u}) {
            for (std::size_t rows : {1u, 2u, 5u}) {
                INFO("n " << n << ", rows " << rows);
                auto const W = random_values<T>(rows * n, rng);
                auto const x = random_values<T>(n, rng);
                auto const delta = random_values<T>(rows, rng);
                // accumulate_outer: G[r, i] = fma(delta_r, x_i, G[r, i]), g_r += delta_r.
                auto G = random_values<T>(rows * n, rng);
                auto g = random_values<T>(rows, rng);
                auto G_ref = G;
                auto g_ref = g;
                for (std::size_t r = 0; r < rows; ++r) {
                    for (std::size_t c = 0; c < n; ++c) {
                        G_ref[r * n + c] = std::fma(delta[r], x[c], G_ref[r * n + c]);
                    }
                    g_ref[r] = g_ref[r] + delta[r];
                }
                k.accumulate_outer(delta.data(), rows, x.data(), n, G.data(), g.data());
                CHECK(bits(G) == bits(G_ref));
                CHECK(bits(g) == bits(g_ref));
                // transposed_product: e_i = fma(W[r, i], delta_r, e_i), r = 0.., from -0.
                std::vector<T> e(n + 1, T(7)), e_ref(n, T(-0.0));
                for (std::size_t r = 0; r < rows; ++r) {
                    for (std::size_t c = 0; c < n; ++c) {
                        e_ref[c] = std::fma(W[r * n + c], delta[r], e_ref[c]);
                    }
                }
                k.transposed_product(W.data(), rows, n, delta.data(), e.data());
                CHECK(e[n] == T(7));  // nothing written past the end
                e.pop_back();
                CHECK(bits(e) == bits(e_ref));
                // momentum_step and axpy.
                auto v = random_values<T>(n, rng);
                auto w = random_values<T>(n, rng);
                auto v_ref = v;
                auto w_ref = w;
                T const mu = T(0.9), a = T(-0.0625);
                for (std::size_t c = 0; c < n; ++c) {
                    v_ref[c] = std::fma(mu, v_ref[c], a * x[c]);
                    w_ref[c] = w_ref[c] + v_ref[c];
                }
                k.momentum_step(mu, a, x.data(), v.data(), w.data(), n);
                CHECK(bits(v) == bits(v_ref));
                CHECK(bits(w) == bits(w_ref));
                auto y = w;
                auto y_ref = w;
                for (std::size_t c = 0; c < n; ++c) y_ref[c] = std::fma(a, x[c], y_ref[c]);
                k.axpy(a, x.data(), y.data(), n);
                CHECK(bits(y) == bits(y_ref));
                auto y_portable = w;
                portable.axpy(a, x.data(), y_portable.data(), n);
                CHECK(bits(y) == bits(y_portable));
            }
        }
    }
}

TEMPLATE_TEST_CASE("backprop: gradients agree with central finite differences", "", float, double) {
    using T = TestType;
    constexpr double h = tolerance<T>::h;
    constexpr double tol = tolerance<T>::tol;
    SECTION("3-4-2 sigmoid, squared error") {
        using Net = soma::network<soma::dense_layer<T, 3, 4>, soma::dense_layer<T, 4, 2>>;
        check_gradient(random_network<Net>(1), soma::squared_error{}, 100, h, tol);
    }
    SECTION("2-3-1 sigmoid, cross-entropy") {
        using Net = soma::network<soma::dense_layer<T, 2, 3>, soma::dense_layer<T, 3, 1>>;
        check_gradient(random_network<Net>(2), soma::cross_entropy{}, 101, h, tol);
    }
    SECTION("5-6-4-3, sigmoid hidden layers, linear outputs, squared error") {
        using Net = soma::network<soma::dense_layer<T, 5, 6>, soma::dense_layer<T, 6, 4>,
                                  soma::dense_layer<T, 4, 3, soma::identity_activation>>;
        check_gradient(random_network<Net>(3), soma::squared_error{}, 102, h, tol);
    }
    SECTION("4-5-3, tanh hidden layer, softmax cross-entropy") {
        using Net = soma::network<soma::dense_layer<T, 4, 5, soma::tanh_activation>,
                                  soma::dense_layer<T, 5, 3, soma::identity_activation>>;
        check_gradient(random_network<Net>(6), soma::softmax_cross_entropy{}, 104, h, tol);
    }
    SECTION("3-6-5-2, tanh and sigmoid hidden layers, sigmoid outputs, squared error") {
        using Net = soma::network<soma::dense_layer<T, 3, 6, soma::tanh_activation>,
                                  soma::dense_layer<T, 6, 5>, soma::dense_layer<T, 5, 2>>;
        check_gradient(random_network<Net>(7), soma::squared_error{}, 105, h, tol);
    }
    SECTION("run-time shapes 70-9-2 (rows longer than a register), cross-entropy") {
        using L = soma::dense_layer<T>;
        soma::network<L, L> net(L(70, 9, std::vector<T>(630), std::vector<T>(9)),
                                L(9, 2, std::vector<T>(18), std::vector<T>(2)));
        soma::initialize(net, 4);
        check_gradient(net, soma::cross_entropy{}, 103, h, tol);
    }
}

TEST_CASE("backprop: ReLU hidden layer (double: no pre-activation within h of the kink)") {
    using Net = soma::network<soma::dense_layer<double, 6, 8, soma::relu_activation>,
                              soma::dense_layer<double, 8, 2>>;
    check_gradient(random_network<Net>(8), soma::cross_entropy{}, 106, 1e-6, 1e-6);
}

TEMPLATE_TEST_CASE("backprop: the gradient of a batch is the sum of its examples'", "", float,
                   double) {
    using T = TestType;
    using Net = soma::network<soma::dense_layer<T, 3, 4>, soma::dense_layer<T, 4, 2>>;
    auto const net = random_network<Net>(5);
    std::mt19937_64 rng(5);
    auto const X = random_values<T>(3 * 3, rng);
    std::vector<T> const Y = {1, 0, 0, 1, 1, 1};
    soma::backprop bp(net);
    bp.zero_gradients();
    for (std::size_t k = 0; k < 3; ++k) {
        (void)bp.accumulate(std::span<T const>(X).subspan(3 * k, 3),
                            std::span<T const>(Y).subspan(2 * k, 2));
    }
    // The first weight's gradient: Σ_k δ_k x_k in order, each term as its own example gives.
    T expected = 0;
    for (std::size_t k = 0; k < 3; ++k) {
        soma::backprop one(net);
        one.zero_gradients();
        (void)one.accumulate(std::span<T const>(X).subspan(3 * k, 3),
                             std::span<T const>(Y).subspan(2 * k, 2));
        T const d = one.gradients().template layer<0>().biases()[0];
        expected = std::fma(d, X[3 * k], expected);
    }
    CHECK(bits(bp.gradients().template layer<0>().weights()[0]) == bits(expected));
}

TEST_CASE("backprop: XOR learned by a 2-2-1 sigmoid network from a fixed seed") {
    using Net = soma::network<soma::dense_layer<float, 2, 2>, soma::dense_layer<float, 2, 1>>;
    std::vector<float> const X = {0, 0, 0, 1, 1, 0, 1, 1};
    std::vector<float> const Y = {0, 1, 1, 0};
    auto train = [&] {
        Net net;
        soma::initialize(net, 1);
        soma::backprop bp(net, soma::cross_entropy{});
        soma::adam<float> opt(0.1f);
        auto const history = soma::fit(bp, std::span<float const>(X), std::span<float const>(Y),
                                       opt, {.epochs = 1000, .batch_size = 0});
        bp.store(net);
        return std::pair(net, history);
    };
    auto const [net, history] = train();
    CHECK(history.back() < 0.01);
    CHECK(history.back() < history.front());
    for (std::size_t k = 0; k < 4; ++k) {
        auto const y = net(std::array<float, 2>{X[2 * k], X[2 * k + 1]});
        INFO("x = (" << X[2 * k] << ", " << X[2 * k + 1] << "), y = " << y[0]);
        CHECK((y[0] >= 0.5f) == (Y[k] == 1.0f));
        CHECK(std::fabs(y[0] - Y[k]) < 0.1f);
    }
    // Training again gives the same bits of every weight and bias.
    auto const [again, history_again] = train();
    CHECK(net == again);
    CHECK(history == history_again);
}

TEMPLATE_TEST_CASE(
    "fit: every optimizer lowers the loss; mini-batches; no allocation inside "
    "an epoch for static shapes",
    "", float, double) {
    using T = TestType;
    using Net = soma::network<soma::dense_layer<T, 4, 8>, soma::dense_layer<T, 8, 2>>;
    std::mt19937_64 rng(8);
    auto const X = random_values<T>(4 * 40, rng);
    std::vector<T> Y(2 * 40);
    for (std::size_t k = 0; k < 40; ++k) {  // two separable classes
        bool const c = X[4 * k] + X[4 * k + 1] > X[4 * k + 2];
        Y[2 * k] = c ? T(1) : T(0);
        Y[2 * k + 1] = c ? T(0) : T(1);
    }
    auto run = [&](auto opt, std::size_t batch) {
        Net net;
        soma::initialize(net, 6);
        soma::backprop bp(net, soma::cross_entropy{});
        std::size_t at_first = 0, at_last = 0;
        auto const h = soma::fit(bp, std::span<T const>(X), std::span<T const>(Y), opt,
                                 {.epochs = 60, .batch_size = batch, .seed = 2},
                                 [&](std::size_t epoch, double) {
                                     if (epoch == 1) at_first = allocations.load();
                                     if (epoch == 60) at_last = allocations.load();
                                 });
        CHECK(at_last == at_first);
        CHECK(h.size() == 60);
        CHECK(h.back() < 0.8 * h.front());
        return h;
    };
    SECTION("gradient descent, batch") {
        run(soma::gradient_descent<T>{T(0.5)}, 0);
    }
    SECTION("momentum, mini-batches of 8") {
        run(soma::momentum<T>(T(0.05), T(0.9)), 8);
    }
    SECTION("adam, mini-batches of 7 (the last batch is partial)") {
        run(soma::adam<T>(T(0.01)), 7);
    }
}

TEST_CASE("fit and backprop: sizes that do not fit throw and name them") {
    using Net = soma::network<soma::dense_layer<double, 2, 2>, soma::dense_layer<double, 2, 1>>;
    Net net;
    soma::backprop bp(net);
    std::vector<double> const x3 = {1, 2, 3}, t1 = {1}, x2 = {1, 2}, t2 = {1, 0};
    CHECK_THROWS_AS(bp.accumulate(x3, t1), std::invalid_argument);
    CHECK_THROWS_AS(bp.accumulate(x2, t2), std::invalid_argument);
    try {
        (void)bp.accumulate(x3, t1);
    } catch (std::invalid_argument const& e) {
        CHECK(contains(e.what(), "3"));
        CHECK(contains(e.what(), "2"));
    }
    soma::gradient_descent<double> gd;
    std::vector<double> const X = {1, 2, 3}, Y = {1, 0};
    CHECK_THROWS_AS(soma::fit(bp, std::span<double const>(X), std::span<double const>(Y), gd),
                    std::invalid_argument);
}
