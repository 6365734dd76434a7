// Tests of soma/perceptron.hpp: the rule learns AND, OR and NAND (the learned neuron's
// truth table is the gate's), follows the hand-traced run, reports XOR as not linearly
// separable within a few epochs, converges on random separable data, and checks its
// preconditions.
#include "soma/perceptron.hpp"
#include "soma/data.hpp"
#include "soma/neuron.hpp"

#include <array>
#include <cstddef>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/values.hpp"

namespace {

using soma_test::contains;
using soma_test::error_of;

template <class T>
using corners = std::array<std::array<T, 2>, 4>;

// (x1, x2) = (0, 0), (0, 1), (1, 0), (1, 1), and the gates' truth tables in that order.
template <class T>
constexpr corners<T> inputs{{{T(0), T(0)}, {T(0), T(1)}, {T(1), T(0)}, {T(1), T(1)}}};
template <class T>
constexpr std::array<T, 4> and_table{T(0), T(0), T(0), T(1)};
template <class T>
constexpr std::array<T, 4> or_table{T(0), T(1), T(1), T(1)};
template <class T>
constexpr std::array<T, 4> nand_table{T(1), T(1), T(1), T(0)};
template <class T>
constexpr std::array<T, 4> xor_table{T(0), T(1), T(1), T(0)};

}  // namespace

TEMPLATE_TEST_CASE("perceptron: learns AND, OR and NAND", "[perceptron]", int, float, double) {
    using T = TestType;
    struct gate {
        char const* name;
        std::array<T, 4> table;
    };
    for (auto const& g :
         {gate{"AND", and_table<T>}, gate{"OR", or_table<T>}, gate{"NAND", nand_table<T>}}) {
        INFO(g.name);
        auto const r = soma::train_perceptron(inputs<T>, g.table);
        CHECK(r.converged);
        CHECK_FALSE(r.cycled);
        CHECK(r.mistakes == 0);
        CHECK(r.epochs >= 1);
        CHECK(r.epochs < 100);
        for (std::size_t p = 0; p < 4; ++p) {
            CHECK(r.neuron(inputs<T>[p]) == g.table[p]);
            CHECK(r.neuron.fires(inputs<T>[p]) == (g.table[p] == T(1)));
        }
        // A learning rate other than 1 learns the same gates.
        auto const slow = soma::train_perceptron(inputs<T>, g.table, {.eta = T(2)});
        CHECK(slow.converged);
        for (std::size_t p = 0; p < 4; ++p) CHECK(slow.neuron(inputs<T>[p]) == g.table[p]);
    }
}

TEST_CASE("perceptron: AND from zeros, traced by hand", "[perceptron]") {
    // η = 1, (w1, w2, b) = (0, 0, 0), examples in the order (0,0), (0,1), (1,0), (1,1);
    // an update adds ±(x1, x2, 1). Epoch by epoch, the mistakes and the state after:
    //   1: (0,0) z=0 fires, t=0: -;  (1,1) z=-1 silent, t=1: +      -> (1, 1, 0)
    //   2: (0,0) -;  (0,1) z=0, t=0: -;  (1,1) z=-1: +                -> (2, 1, -1)
    //   3: (0,1) z=0: -;  (1,0) z=0: -;  (1,1) z=-2: +                 -> (2, 1, -2)
    //   4: (1,0) z=0: -;  (1,1) z=-1: +                                -> (2, 2, -2)
    //   5: (0,1) z=0: -                                                -> (2, 1, -3)
    //   6: z = -3, -2, -1, 0: no mistake.
    auto const r = soma::train_perceptron(inputs<int>, and_table<int>);
    CHECK(r.converged);
    CHECK(r.epochs == 6);
    CHECK(r.neuron == soma::step_neuron<int, 2>({2, 1}, -3));
    // The same in floating point: every update is exact.
    auto const d = soma::train_perceptron(inputs<double>, and_table<double>);
    CHECK(d.epochs == 6);
    CHECK(d.neuron == soma::step_neuron<double, 2>({2.0, 1.0}, -3.0));
}

TEMPLATE_TEST_CASE("perceptron: XOR is reported as not linearly separable", "[perceptron]", int,
                   float, double) {
    using T = TestType;
    // By hand, as above: epoch 1 ends at (w1, w2, b) = (-1, 0, -1), every later epoch at
    // (-1, 0, 0) (its mistakes: (0,0) -, (0,1) +, (1,0) +, (1,1) -, which cancel): a cycle
    // of one epoch from epoch 2 on. Brent's algorithm compares with the states after
    // epochs 1 and 3, so it sees the repetition after epoch 4.
    auto const r = soma::train_perceptron(inputs<T>, xor_table<T>);
    CHECK_FALSE(r.converged);
    CHECK(r.cycled);
    CHECK(r.period == 1);
    CHECK(r.epochs == 4);
    CHECK(r.mistakes == 4);
    CHECK(r.neuron == soma::step_neuron<T, 2>({T(-1), T(0)}, T(0)));
    // No single neuron computes XOR: the learned one is wrong somewhere.
    std::size_t wrong = 0;
    for (std::size_t p = 0; p < 4; ++p) wrong += r.neuron(inputs<T>[p]) != xor_table<T>[p];
    CHECK(wrong > 0);

    // Without cycle detection the run stops after max_epochs.
    auto const all =
        soma::train_perceptron(inputs<T>, xor_table<T>, {.max_epochs = 37, .stop_on_cycle = false});
    CHECK_FALSE(all.converged);
    CHECK_FALSE(all.cycled);
    CHECK(all.epochs == 37);
    CHECK(all.mistakes > 0);
}

TEMPLATE_TEST_CASE("perceptron: random linearly separable data are learned", "[perceptron]", float,
                   double) {
    using T = TestType;
    std::mt19937_64 rng(10);
    std::uniform_real_distribution<T> u(T(-1), T(1));
    for (int trial = 0; trial < 20; ++trial) {
        // A plane w*·x + b* = 0; the examples keep a distance of at least 0.1 from it (the
        // margin of the convergence theorem), the targets say on which side they lie.
        std::array<T, 5> w_star{};
        for (T& v : w_star) v = u(rng);
        T const b_star = u(rng) / T(4);
        std::vector<std::array<T, 5>> x;
        std::vector<T> t;
        while (x.size() < 60) {
            std::array<T, 5> p{};
            for (T& v : p) v = u(rng);
            long double z = b_star;
            long double norm = 0;
            for (std::size_t i = 0; i < 5; ++i) {
                z += static_cast<long double>(w_star[i]) * p[i];
                norm += static_cast<long double>(w_star[i]) * w_star[i];
            }
            if (z * z < 0.01L * norm) continue;
            x.push_back(p);
            t.push_back(z >= 0 ? T(1) : T(0));
        }
        auto const r = soma::train_perceptron(x, t, {.eta = T(0.5), .max_epochs = 100000});
        INFO("trial " << trial);
        REQUIRE(r.converged);
        for (std::size_t p = 0; p < x.size(); ++p) CHECK(r.neuron(x[p]) == t[p]);
    }
}

TEMPLATE_TEST_CASE("perceptron: training on a dataset", "[perceptron]", int, float, double) {
    using T = TestType;
    std::istringstream and_text("4 2 1\n0 0\n0\n0 1\n0\n1 0\n0\n1 1\n1\n");
    auto const d = soma::read_fann<T>(and_text);
    auto const r = soma::train_perceptron(d);
    CHECK(r.converged);
    CHECK(r.epochs == 6);  // the run traced by hand above
    REQUIRE(r.neuron.size() == 2);
    for (std::size_t p = 0; p < 4; ++p) CHECK(r.neuron(d.input(p)) == and_table<T>[p]);

    std::istringstream xor_text("4 2 1\n0 0\n0\n0 1\n1\n1 0\n1\n1 1\n0\n");
    auto const x = soma::train_perceptron(soma::read_fann<T>(xor_text));
    CHECK(x.cycled);
    CHECK_FALSE(x.converged);

    // From an initial neuron that already computes AND: one epoch, no change.
    soma::step_neuron<T> const and_gate({T(1), T(1)}, T(-2));
    auto const same = soma::train_perceptron(d, {}, and_gate);
    CHECK(same.converged);
    CHECK(same.epochs == 1);
    CHECK(same.neuron == and_gate);

    std::string e =
        error_of([&] { (void)soma::train_perceptron(d, {}, soma::step_neuron<T>({T(1)}, T(0))); });
    CHECK(contains(e,
                   "soma::train_perceptron: initial w has 1 elements but each pair's input has 2"));
    soma::dataset<T> two_outputs(2, 2);
    e = error_of([&] { (void)soma::train_perceptron(two_outputs); });
    CHECK(contains(e, "each pair's output has 2 elements but a step neuron's output has 1"));
}

TEMPLATE_TEST_CASE("perceptron: preconditions", "[perceptron]", int, float, double) {
    using T = TestType;
    std::string e =
        error_of([] { (void)soma::train_perceptron(inputs<T>, and_table<T>, {.eta = T(0)}); });
    CHECK(contains(e, "soma::train_perceptron: eta must be > 0"));
    e = error_of([] { (void)soma::train_perceptron(inputs<T>, and_table<T>, {.eta = T(-1)}); });
    CHECK(contains(e, "eta must be > 0"));
    std::array<T, 4> const not_binary{T(0), T(1), T(2), T(0)};
    e = error_of([&] { (void)soma::train_perceptron(inputs<T>, not_binary); });
    CHECK(contains(e, "soma::train_perceptron: t[2] is neither 0 nor 1"));
    std::vector<T> const three(3, T(0));
    e = error_of([&] { (void)soma::train_perceptron(inputs<T>, three); });
    CHECK(contains(e, "soma::train_perceptron: x has 4 elements but t has 3"));

    // No epoch: the initial neuron, not converged.
    auto const none = soma::train_perceptron(inputs<T>, and_table<T>, {.max_epochs = 0});
    CHECK(none.epochs == 0);
    CHECK_FALSE(none.converged);
    CHECK(none.neuron == soma::step_neuron<T, 2>{});
    // No examples: the first epoch makes no mistake.
    std::vector<std::array<T, 2>> const no_x;
    std::vector<T> const no_t;
    auto const empty = soma::train_perceptron(no_x, no_t);
    CHECK(empty.converged);
    CHECK(empty.epochs == 1);
}

TEST_CASE("perceptron: an integer update that overflows throws", "[perceptron]") {
    int const big = std::numeric_limits<int>::max() / 2 + 1;
    std::array<std::array<int, 1>, 1> const x{{{3}}};
    std::array<int, 1> const t{0};  // fires at w = 0, b = 0: an update by -η·3
    CHECK_THROWS_AS(soma::train_perceptron(x, t, {.eta = big}), std::overflow_error);
}
