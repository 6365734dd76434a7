// train: fits a network inputs-H-outputs to a data set in FANN's training-file format.
//
//   train --train FILE --test FILE --hidden H [--epochs E] [--seed S]
//         [--optimizer rprop|adam|sgd|gd] [--lr R] [--batch B]
//
// The network: H tanh neurons, then sigmoid outputs trained on cross-entropy, or, when
// every training target is one-hot over 2+ outputs, linear outputs trained on softmax
// cross-entropy (the outputs read as softmax(z)). Initial weights from soma::initialize
// with the seed S (default 1). Optimizers: rprop (default: iRPROP-, one step per epoch on
// the whole training set, as FANN trains by default), adam (learning rate 0.01), sgd
// (momentum 0.9, learning rate 0.1) and gd (learning rate 0.5); batches of B examples
// (default 0, all of them, for rprop and gd; 32 for adam and sgd), shuffled every epoch by
// soma's generator. A progress line every tenth of the epochs goes to stderr; the last
// stdout line is
//   test_mse M class_error C train_s T weights_hash H
// M: the mean of (y_j - t_j)^2 over the test pairs and outputs; C: the fraction of test
// pairs misclassified (argmax over the outputs, or y >= 0.5 for one output); T: the
// training time in seconds; H: a 64-bit FNV-1a hash of the bits of every trained weight
// and bias, which is the same on every CPU and compiler for the same data and settings.
#include <soma/soma.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using T = float;

struct options {
    std::string train_file;
    std::string test_file;
    std::size_t hidden = 0;
    std::size_t epochs = 300;
    std::uint64_t seed = 1;
    std::string optimizer = "rprop";
    double learning_rate = -1;  // the optimizer's default
    std::size_t batch = 0;
    bool batch_given = false;
};

[[noreturn]] void usage(char const* why) {
    std::fprintf(stderr,
                 "train: %s\nusage: train --train FILE --test FILE --hidden H [--epochs E] "
                 "[--seed S] [--optimizer rprop|adam|sgd|gd] [--lr R] [--batch B]\n",
                 why);
    std::exit(2);
}

std::uint64_t number(std::string_view key, char const* text) {
    char* end = nullptr;
    unsigned long long const v = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0') usage((std::string(key) + " needs a whole number").c_str());
    return v;
}

options parse(int argc, char** argv) {
    options o;
    for (int a = 1; a < argc; a += 2) {
        std::string_view const key = argv[a];
        if (a + 1 >= argc) usage((std::string(key) + " needs a value").c_str());
        char const* const value = argv[a + 1];
        if (key == "--train") {
            o.train_file = value;
        } else if (key == "--test") {
            o.test_file = value;
        } else if (key == "--hidden") {
            o.hidden = number(key, value);
        } else if (key == "--epochs") {
            o.epochs = number(key, value);
        } else if (key == "--seed") {
            o.seed = number(key, value);
        } else if (key == "--batch") {
            o.batch = number(key, value);
            o.batch_given = true;
        } else if (key == "--optimizer") {
            o.optimizer = value;
            if (o.optimizer != "adam" && o.optimizer != "sgd" && o.optimizer != "gd" &&
                o.optimizer != "rprop") {
                usage("--optimizer is rprop, adam, sgd or gd");
            }
        } else if (key == "--lr") {
            char* end = nullptr;
            o.learning_rate = std::strtod(value, &end);
            if (end == value || *end != '\0' || !(o.learning_rate > 0)) {
                usage("--lr needs a positive number");
            }
        } else {
            usage(("unknown option " + std::string(key)).c_str());
        }
    }
    if (o.train_file.empty() || o.test_file.empty()) usage("--train and --test are required");
    if (o.hidden == 0) usage("--hidden must be at least 1");
    if (!o.batch_given) o.batch = o.optimizer == "adam" || o.optimizer == "sgd" ? 32 : 0;
    return o;
}

// Whether every target is one-hot: 2+ outputs, one of them 1, the others 0.
bool one_hot(soma::dataset<T> const& d) {
    if (d.outputs() < 2) return false;
    for (std::size_t p = 0; p < d.size(); ++p) {
        std::size_t ones = 0;
        for (T t : d.output(p)) {
            if (t == 1) {
                ++ones;
            } else if (t != 0) {
                return false;
            }
        }
        if (ones != 1) return false;
    }
    return true;
}

std::size_t argmax(std::span<T const> v) {
    std::size_t best = 0;
    for (std::size_t j = 1; j < v.size(); ++j) {
        if (v[j] > v[best]) best = j;
    }
    return best;
}

struct fnv1a {
    std::uint64_t h = 14695981039346656037ULL;
    void add(T v) {
        auto const b = std::bit_cast<std::uint32_t>(v);
        for (int i = 0; i < 4; ++i) {
            h ^= (b >> (8 * i)) & 0xffU;
            h *= 1099511628211ULL;
        }
    }
};

template <class Optimizer, class Output, class Loss>
int run(options const& o, soma::dataset<T> const& train, soma::dataset<T> const& test,
        Optimizer opt, Loss loss) {
    using hidden_layer =
        soma::dense_layer<T, std::dynamic_extent, std::dynamic_extent, soma::tanh_activation>;
    using output_layer = soma::dense_layer<T, std::dynamic_extent, std::dynamic_extent, Output>;
    std::size_t const in = train.inputs(), h = o.hidden, out = train.outputs();
    soma::network net(hidden_layer(in, h, std::vector<T>(in * h), std::vector<T>(h)),
                      output_layer(h, out, std::vector<T>(h * out), std::vector<T>(out)));
    soma::initialize(net, o.seed);
    soma::backprop bp(net, loss);
    std::size_t const every = o.epochs >= 10 ? o.epochs / 10 : 1;
    auto const start = std::chrono::steady_clock::now();
    soma::fit(bp, train.inputs_matrix(), train.outputs_matrix(), opt,
              {.epochs = o.epochs, .batch_size = o.batch, .seed = o.seed},
              [&](std::size_t epoch, double mean_loss) {
                  if (epoch % every == 0 || epoch == o.epochs) {
                      std::fprintf(stderr, "epoch %zu loss %.6f\n", epoch, mean_loss);
                  }
              });
    double const seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bp.store(net);

    constexpr bool softmax_outputs = std::same_as<Loss, soma::softmax_cross_entropy>;
    double squares = 0;
    std::size_t wrong = 0;
    std::vector<T> y(out);
    for (std::size_t p = 0; p < test.size(); ++p) {
        net.forward(test.input(p), y);
        if constexpr (softmax_outputs) soma::softmax(std::span<T>(y));
        auto const t = test.output(p);
        for (std::size_t j = 0; j < out; ++j) {
            double const d = static_cast<double>(y[j]) - static_cast<double>(t[j]);
            squares += d * d;
        }
        bool const right = out == 1 ? (y[0] >= T(0.5)) == (t[0] >= T(0.5)) : argmax(y) == argmax(t);
        if (!right) ++wrong;
    }
    fnv1a hash;
    for (auto const& s : bp.parameters().spans()) {
        for (T v : s) hash.add(v);
    }
    std::printf(
        "test_mse %.6f class_error %.6f train_s %.6f weights_hash %016llx\n",
        test.size() != 0 ? squares / static_cast<double>(test.size() * out) : 0.0,
        test.size() != 0 ? static_cast<double>(wrong) / static_cast<double>(test.size()) : 0.0,
        seconds, static_cast<unsigned long long>(hash.h));
    return 0;
}

template <class Output, class Loss>
int with_optimizer(options const& o, soma::dataset<T> const& train, soma::dataset<T> const& test,
                   Loss loss) {
    auto const lr = [&](double fallback) {
        return static_cast<T>(o.learning_rate > 0 ? o.learning_rate : fallback);
    };
    if (o.optimizer == "sgd") {
        return run<soma::momentum<T>, Output>(o, train, test, soma::momentum<T>(lr(0.1), T(0.9)),
                                              loss);
    }
    if (o.optimizer == "rprop") {
        return run<soma::rprop<T>, Output>(o, train, test, soma::rprop<T>(), loss);
    }
    if (o.optimizer == "gd") {
        return run<soma::gradient_descent<T>, Output>(o, train, test,
                                                      soma::gradient_descent<T>{lr(0.5)}, loss);
    }
    return run<soma::adam<T>, Output>(o, train, test, soma::adam<T>(lr(0.01)), loss);
}

}  // namespace

int main(int argc, char** argv) {
    options const o = parse(argc, argv);
    try {
        auto const train = soma::read_fann<T>(std::filesystem::path(o.train_file));
        auto const test = soma::read_fann<T>(std::filesystem::path(o.test_file));
        if (test.inputs() != train.inputs() || test.outputs() != train.outputs()) {
            std::fprintf(stderr,
                         "train: the test set has %zu inputs and %zu outputs, the "
                         "training set %zu and %zu\n",
                         test.inputs(), test.outputs(), train.inputs(), train.outputs());
            return 1;
        }
        if (one_hot(train)) {
            return with_optimizer<soma::identity_activation>(o, train, test,
                                                             soma::softmax_cross_entropy{});
        }
        return with_optimizer<soma::sigmoid_activation>(o, train, test, soma::cross_entropy{});
    } catch (std::exception const& e) {
        std::fprintf(stderr, "train: %s\n", e.what());
        return 1;
    }
}
