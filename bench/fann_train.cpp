// The FANN baseline for soma's `train` command (examples/train.cpp): the same topology
// (inputs-H-outputs) and number of epochs with FANN's defaults: batch RPROP
// (fann_train_on_data), symmetric sigmoid hidden layer, sigmoid outputs, initial weights
// from FANN's own generator (seeded from the clock, so runs differ).
//
//   fann_train --train FILE --test FILE --hidden H [--epochs E]
//
// Prints on its last line, as `train` does:
//   test_mse M class_error C train_s T
// with M the mean of (y_j - t_j)^2 over the test set's pairs and outputs, C the fraction of
// test pairs misclassified (argmax over the outputs, or y >= 0.5 for one output) and T the
// training time in seconds. scripts/compare_fann.py runs both and writes the table of
// docs/benchmarks.md.
#include <fann.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

[[noreturn]] void usage() {
    std::fprintf(stderr, "usage: fann_train --train FILE --test FILE --hidden H [--epochs E]\n");
    std::exit(2);
}

unsigned argmax(fann_type const* v, unsigned n) {
    unsigned best = 0;
    for (unsigned j = 1; j < n; ++j) {
        if (v[j] > v[best]) best = j;
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    std::string train_file, test_file;
    unsigned hidden = 0, epochs = 300;
    for (int a = 1; a + 1 < argc; a += 2) {
        std::string const key = argv[a];
        char const* const value = argv[a + 1];
        if (key == "--train") {
            train_file = value;
        } else if (key == "--test") {
            test_file = value;
        } else if (key == "--hidden") {
            hidden = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
        } else if (key == "--epochs") {
            epochs = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
        } else {
            usage();
        }
    }
    if (train_file.empty() || test_file.empty() || hidden == 0) usage();

    fann_train_data* const train = fann_read_train_from_file(train_file.c_str());
    fann_train_data* const test = fann_read_train_from_file(test_file.c_str());
    if (train == nullptr || test == nullptr) {
        std::fprintf(stderr, "fann_train: cannot read the data files\n");
        return 1;
    }
    unsigned const inputs = fann_num_input_train_data(train);
    unsigned const outputs = fann_num_output_train_data(train);
    fann* const ann = fann_create_standard(3, inputs, hidden, outputs);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_SIGMOID);

    auto const start = std::chrono::steady_clock::now();
    fann_train_on_data(ann, train, epochs, 0, 0.0f);
    double const seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    unsigned const pairs = fann_length_train_data(test);
    double squares = 0;
    unsigned wrong = 0;
    for (unsigned p = 0; p < pairs; ++p) {
        fann_type const* const y = fann_run(ann, test->input[p]);
        fann_type const* const t = test->output[p];
        for (unsigned j = 0; j < outputs; ++j) {
            double const d = static_cast<double>(y[j]) - static_cast<double>(t[j]);
            squares += d * d;
        }
        bool const right = outputs == 1 ? (y[0] >= 0.5f) == (t[0] >= 0.5f)
                                        : argmax(y, outputs) == argmax(t, outputs);
        if (!right) ++wrong;
    }
    std::printf("test_mse %.6f class_error %.6f train_s %.6f\n",
                squares / (static_cast<double>(pairs) * outputs),
                static_cast<double>(wrong) / pairs, seconds);
    fann_destroy(ann);
    fann_destroy_train(train);
    fann_destroy_train(test);
    return 0;
}
