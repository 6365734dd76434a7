// Prints one FNV-1a hash over the bits of many soma inner products, computed over a fixed
// deterministic input set: float and double, lengths 0..300 and longer, several
// misalignments, with and without a bias, the fixed-size path, and dense-layer and batch
// results. Built for several instruction sets, compilers and optimization levels
// (tests/cmake/kernels.cmake); every build must print the same hash, which is soma's
// "same bits everywhere" contract. NaN results hash as one value (payloads are not part
// of the contract).
//
// Output: "isa <name>", "hash <16 hex digits>" (the inner products), "sigmoid_hash" (the
// scalar and array sigmoid and the array step), "layer_hash" (dense sigmoid and step
// layers through forward), "train_hash" (every trained weight of small networks after
// fit with each optimizer: the reproducible-training contract of soma/backprop.hpp),
// "tanh_hash" (the scalar and array tanh and the scalar tanh_derivative over the
// sigmoid's inputs), "softmax_hash" (softmax of fixed vectors) and "batch_hash" (static and
// run-time dense layers and a network through batch_forward).
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "soma/activation.hpp"
#include "soma/backprop.hpp"
#include "soma/dense_layer.hpp"
#include "soma/detail/inner_product.hpp"
#include "soma/layer.hpp"
#include "soma/loss.hpp"
#include "soma/network.hpp"
#include "soma/optimizer.hpp"
#include "soma/random.hpp"
#include "soma/sigmoid.hpp"
#include "soma/softmax.hpp"
#include "soma/step.hpp"
#include "soma/tanh.hpp"

namespace {

struct fnv1a {
    std::uint64_t h = 14695981039346656037ULL;
    void byte(unsigned char c) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    template <soma::detail::ieee_binary T>
    void value(T v) {
        std::uint64_t bits = 0;
        if constexpr (sizeof(T) == 4) {
            bits = std::isnan(v) ? 0x7fc00000U : std::bit_cast<std::uint32_t>(v);
        } else {
            bits = std::isnan(v) ? 0x7ff8000000000000ULL : std::bit_cast<std::uint64_t>(v);
        }
        for (std::size_t i = 0; i < sizeof(T); ++i)
            byte(static_cast<unsigned char>(bits >> (8 * i)));
    }
    // Every bit, NaN payloads included.
    template <soma::detail::ieee_binary T>
    void raw(T v) {
        std::uint64_t bits = 0;
        if constexpr (sizeof(T) == 4) {
            bits = std::bit_cast<std::uint32_t>(v);
        } else {
            bits = std::bit_cast<std::uint64_t>(v);
        }
        for (std::size_t i = 0; i < sizeof(T); ++i)
            byte(static_cast<unsigned char>(bits >> (8 * i)));
    }
};

// SplitMix64: a fixed sequence, the same with every compiler and standard library.
struct splitmix {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // A value m * 2^e with m in [-1, 1) of 24 random bits and e in [-12, 12]: wide range,
    // both signs, many inexact products and sums.
    template <class T>
    T value() {
        std::uint64_t const r = next();
        double const m = static_cast<double>(static_cast<std::int64_t>(r >> 40) - (1 << 23)) /
                         static_cast<double>(1 << 23);
        int const e = static_cast<int>((r >> 8) % 25) - 12;
        return static_cast<T>(std::ldexp(m, e));
    }
};

template <soma::detail::ieee_binary T>
void hash_type(fnv1a& h) {
    constexpr std::size_t max_n = 5000;
    constexpr std::size_t slack = 16;
    splitmix g{42 + sizeof(T)};
    std::vector<T> w(max_n + slack);
    std::vector<T> x(max_n + slack);
    for (T& v : w) v = g.value<T>();
    for (T& v : x) v = g.value<T>();
    std::vector<std::size_t> lengths;
    for (std::size_t n = 0; n <= 300; ++n) lengths.push_back(n);
    for (std::size_t n : {511U, 512U, 513U, 1000U, 1023U, 1024U, 4096U, 5000U}) {
        lengths.push_back(n);
    }
    std::size_t const offsets[][2] = {{0, 0}, {1, 0}, {0, 3}, {5, 7}, {15, 9}};
    for (std::size_t n : lengths) {
        for (auto const& o : offsets) {
            T const b = g.value<T>();
            h.value(soma::detail::inner_product(w.data() + o[0], x.data() + o[1], n, false, b));
            h.value(soma::detail::inner_product(w.data() + o[0], x.data() + o[1], n, true, b));
        }
    }
    // The fixed-size path, N = 0..16.
    [&]<std::size_t... N>(std::index_sequence<N...>) {
        ((h.value(soma::detail::inner_product_fixed<T, N>(w.data() + 3, x.data(), true, T(-4))),
          h.value(soma::detail::inner_product_fixed<T, N>(w.data(), x.data() + 1, false, T(0)))),
         ...);
    }
    (std::make_index_sequence<17>{});
    // Dense layers and batches.
    std::size_t const shapes[][2] = {{4, 3}, {16, 16}, {37, 129}, {5, 1000}, {64, 64}};
    std::vector<T> z(64);
    for (auto const& s : shapes) {
        std::size_t const rows = s[0];
        std::size_t const n = s[1];
        std::span<T const> const W(w.data() + 1, rows * n);
        std::span<T const> const xs(x.data() + 2, n);
        std::span<T const> const b(x.data() + 3000, rows);
        soma::weighted_inputs<T>(W, rows, xs, b, std::span<T>(z.data(), rows));
        for (std::size_t r = 0; r < rows; ++r) h.value(z[r]);
        soma::batch_weighted_input<T>(xs, T(0.5), W, std::span<T>(z.data(), rows));
        for (std::size_t r = 0; r < rows; ++r) h.value(z[r]);
    }
}

// The sigmoid over a fixed sweep: every 4099th float bit pattern (all signs, exponents,
// NaNs, infinities, subnormals) and a dense double range, through the scalar call and the
// array form; NaN results hash by their bits (σ(NaN) is the input with its quiet bit set).
template <soma::detail::ieee_binary T>
void hash_sigmoid(fnv1a& h) {
    std::vector<T> z;
    if constexpr (sizeof(T) == 4) {
        for (std::uint64_t b = 0; b < (std::uint64_t{1} << 32); b += 4099) {
            z.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(b)));
        }
    } else {
        splitmix g{7};
        for (int i = 0; i < 200000; ++i) z.push_back(-760.0 + 1520.0 * i / 200000.0);
        for (int i = 0; i < 200000; ++i) z.push_back(std::bit_cast<double>(g.next()));
    }
    std::vector<T> out(z.size());
    soma::sigmoid(std::span<T const>(z), std::span<T>(out));
    for (std::size_t i = 0; i < z.size(); ++i) {
        h.raw(out[i]);
        h.raw(soma::sigmoid(z[i]));
    }
    soma::step(z, out);
    for (T v : out) h.raw(v);
}

// tanh over the inputs of hash_sigmoid, through the scalar call and the array form, and
// its derivative; NaN results hash by their bits (tanh(NaN) is the input quieted).
template <soma::detail::ieee_binary T>
void hash_tanh(fnv1a& h) {
    std::vector<T> z;
    if constexpr (sizeof(T) == 4) {
        for (std::uint64_t b = 0; b < (std::uint64_t{1} << 32); b += 4099) {
            z.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(b)));
        }
    } else {
        splitmix g{8};
        for (int i = 0; i < 200000; ++i) z.push_back(-22.0 + 44.0 * i / 200000.0);
        for (int i = 0; i < 200000; ++i) z.push_back(std::bit_cast<double>(g.next()));
    }
    std::vector<T> out(z.size());
    soma::tanh(std::span<T const>(z), std::span<T>(out));
    for (std::size_t i = 0; i < z.size(); ++i) {
        h.raw(out[i]);
        h.raw(soma::tanh(z[i]));
        h.value(soma::tanh_derivative(z[i]));
    }
}

// softmax of vectors of lengths 1..100 and 1000, values m·2^e as for the inner products
// (e in [-12, 12]: terms from e^0 down to below the smallest subnormal), and the special
// vectors.
template <soma::detail::ieee_binary T>
void hash_softmax(fnv1a& h) {
    splitmix g{11 + sizeof(T)};
    std::vector<std::size_t> lengths;
    for (std::size_t n = 1; n <= 100; ++n) lengths.push_back(n);
    lengths.push_back(1000);
    for (std::size_t n : lengths) {
        std::vector<T> z(n);
        for (T& v : z) v = g.value<T>();
        std::vector<T> y(n);
        soma::softmax(z, y);
        for (T v : y) h.value(v);
    }
    T const inf = std::numeric_limits<T>::infinity();
    std::vector<std::vector<T>> const special = {
        {std::numeric_limits<T>::max(), std::numeric_limits<T>::lowest(), T(0)},
        {inf, T(1), inf, -inf, inf},
        {-inf, -inf, -inf},
        {T(1e30), T(-1e30), T(3)}};
    for (auto const& z : special) {
        std::vector<T> y(z.size());
        soma::softmax(z, y);
        for (T v : y) h.value(v);
    }
}

// Dense sigmoid layers (one fused pass) and their batch form.
template <soma::detail::ieee_binary T>
void hash_layers(fnv1a& h) {
    splitmix g{99 + sizeof(T)};
    std::size_t const shapes[][2] = {{1, 2},    {4, 4},    {16, 16}, {64, 64},
                                     {37, 129}, {5, 1000}, {3, 7},   {130, 33}};
    for (auto const& s : shapes) {
        std::size_t const rows = s[0];
        std::size_t const n = s[1];
        std::vector<T> W(rows * n);
        std::vector<T> x(n);
        std::vector<T> b(rows);
        for (T& v : W) v = g.value<T>();
        for (T& v : x) v = g.value<T>();
        for (T& v : b) v = g.value<T>();
        std::vector<T> y(rows);
        soma::forward<T>(W, rows, x, b, y, soma::sigmoid_activation{});
        for (T v : y) h.value(v);
        soma::forward<T>(W, rows, x, b, y, soma::step_activation{});
        for (T v : y) h.value(v);
    }
}

// Trains, then hashes every parameter's bits.
template <class Net, class Loss, class Optimizer>
void hash_training(fnv1a& h, Net net, Loss loss, Optimizer opt, std::uint64_t seed,
                   std::size_t examples, soma::fit_options const& o) {
    using T = typename Net::value_type;
    soma::initialize(net, seed);
    soma::random_generator g(seed + 1);
    std::vector<T> X(examples * net.inputs());
    std::vector<T> Y(examples * net.outputs());
    for (T& v : X) v = g.uniform<T>(T(-2), T(2));
    for (T& v : Y) v = g.below(2) != 0 ? T(1) : T(0);
    soma::backprop bp(net, loss);
    // (Not the losses fit returns: cross_entropy's value is the C library's std::log.)
    (void)soma::fit(bp, std::span<T const>(X), std::span<T const>(Y), opt, o);
    for (auto const& s : bp.parameters().spans()) {
        for (T v : s) h.raw(v);
    }
}

template <soma::detail::ieee_binary T>
void hash_trainings(fnv1a& h) {
    using L = soma::dense_layer<T>;
    hash_training(h, soma::network<soma::dense_layer<T, 3, 6>, soma::dense_layer<T, 6, 2>>{},
                  soma::cross_entropy{}, soma::adam<T>(T(0.01)), 5, 50,
                  {.epochs = 20, .batch_size = 8, .seed = 6});
    hash_training(h,
                  soma::network<L, L>(L(70, 9, std::vector<T>(630), std::vector<T>(9)),
                                      L(9, 1, std::vector<T>(9), std::vector<T>(1))),
                  soma::squared_error{}, soma::momentum<T>(T(0.1), T(0.9)), 7, 40,
                  {.epochs = 5, .batch_size = 5, .seed = 8});
    hash_training(h,
                  soma::network<soma::dense_layer<T, 17, 5>,
                                soma::dense_layer<T, 5, 3, soma::identity_activation>>{},
                  soma::squared_error{}, soma::gradient_descent<T>{T(0.2)}, 9, 30,
                  {.epochs = 10, .batch_size = 0, .shuffle = false});
    hash_training(h,
                  soma::network<soma::dense_layer<T, 6, 10, soma::tanh_activation>,
                                soma::dense_layer<T, 10, 3, soma::identity_activation>>{},
                  soma::softmax_cross_entropy{}, soma::rprop<T>(), 11, 60,
                  {.epochs = 15, .batch_size = 0});
    hash_training(h,
                  soma::network<soma::dense_layer<T, 5, 7, soma::relu_activation>,
                                soma::dense_layer<T, 7, 1>>{},
                  soma::cross_entropy{}, soma::adam<T>(T(0.003)), 13, 33,
                  {.epochs = 6, .batch_size = 4, .seed = 14});
}

// Static dense layers, a network and a run-time layer through batch_forward (the batch
// kernels: tiles of inputs, then the remainder one at a time), some inputs with NaN or
// infinities.
template <soma::detail::ieee_binary T, std::size_t In, std::size_t Out>
void hash_batch_layer(fnv1a& h, splitmix& g) {
    constexpr std::size_t count = 29;
    std::vector<T> W(In * Out);
    std::vector<T> b(Out);
    std::vector<T> X(count * In);
    for (T& v : W) v = g.value<T>();
    for (T& v : b) v = g.value<T>();
    for (T& v : X) v = g.value<T>();
    if constexpr (In > 1) {
        X[3 * In + 1] = std::numeric_limits<T>::quiet_NaN();
        X[10 * In] = std::numeric_limits<T>::infinity();
        X[10 * In + In - 1] = -std::numeric_limits<T>::infinity();
        X[17 * In + In / 2] = -std::numeric_limits<T>::infinity();
    }
    soma::dense_layer<T, In, Out> const sigmoid_layer(W, b);
    soma::dense_layer<T, In, Out, soma::identity_activation> const linear_layer(W, b);
    std::vector<T> Y(count * Out);
    sigmoid_layer.batch_forward(X, Y);
    for (T v : Y) h.value(v);
    linear_layer.batch_forward(X, Y);
    for (T v : Y) h.value(v);
}

template <soma::detail::ieee_binary T>
void hash_batches(fnv1a& h) {
    splitmix g{123 + sizeof(T)};
    hash_batch_layer<T, 4, 4>(h, g);
    hash_batch_layer<T, 9, 33>(h, g);
    hash_batch_layer<T, 24, 1>(h, g);
    hash_batch_layer<T, 64, 64>(h, g);
    hash_batch_layer<T, 70, 9>(h, g);
    hash_batch_layer<T, 130, 1>(h, g);
    hash_batch_layer<T, 200, 20>(h, g);
    hash_batch_layer<T, 784, 10>(h, g);
    using l1_t = soma::dense_layer<T, 100, 40>;
    using l2_t = soma::dense_layer<T, 40, 7>;
    std::vector<T> W1(100 * 40);
    std::vector<T> b1(40);
    std::vector<T> W2(40 * 7);
    std::vector<T> b2(7);
    for (auto* v : {&W1, &b1, &W2, &b2}) {
        for (T& e : *v) e = g.value<T>();
    }
    soma::network<l1_t, l2_t> const net(l1_t(W1, b1), l2_t(W2, b2));
    // The run-time layer's batch kernel (tiles of two rows and two inputs).
    soma::dynamic_dense_layer<T> const dynamic(100, 40, W1, b1);
    constexpr std::size_t count = 101;
    std::vector<T> X(count * 100);
    for (T& v : X) v = g.value<T>();
    std::vector<T> Y(count * 7);
    net.batch_forward(X, Y);
    for (T v : Y) h.value(v);
    std::vector<T> H(count * 40);
    dynamic.batch_forward(X, H);
    for (T v : H) h.value(v);
}

}  // namespace

int main() {
    fnv1a h;
    hash_type<float>(h);
    hash_type<double>(h);
    fnv1a hs;
    hash_sigmoid<float>(hs);
    hash_sigmoid<double>(hs);
    fnv1a hl;
    hash_layers<float>(hl);
    hash_layers<double>(hl);
    fnv1a ht;
    hash_trainings<float>(ht);
    hash_trainings<double>(ht);
    fnv1a htanh;
    hash_tanh<float>(htanh);
    hash_tanh<double>(htanh);
    fnv1a hm;
    hash_softmax<float>(hm);
    hash_softmax<double>(hm);
    fnv1a hb;
    hash_batches<float>(hb);
    hash_batches<double>(hb);
    std::string_view const isa = soma::detail::isa_name(soma::detail::best_isa());
    std::printf("isa %.*s\nhash %016llx\nsigmoid_hash %016llx\nlayer_hash %016llx\n",
                static_cast<int>(isa.size()), isa.data(), static_cast<unsigned long long>(h.h),
                static_cast<unsigned long long>(hs.h), static_cast<unsigned long long>(hl.h));
    std::printf("train_hash %016llx\n", static_cast<unsigned long long>(ht.h));
    std::printf("tanh_hash %016llx\nsoftmax_hash %016llx\n",
                static_cast<unsigned long long>(htanh.h), static_cast<unsigned long long>(hm.h));
    std::printf("batch_hash %016llx\n", static_cast<unsigned long long>(hb.h));
    return 0;
}
