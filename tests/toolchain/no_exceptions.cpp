// soma without exceptions (-fno-exceptions, tests/cmake/toolchain.cmake): every header
// compiles, static size errors stay compile errors, and what would throw calls the error
// handler: the default one prints the message and aborts, a replacement is called with the
// exception's name and message.
//
//   no_exceptions            runs every check (forks a child for each error), exit 0 if all pass
//   no_exceptions abort      triggers a size mismatch with the default handler (must abort)
#include <soma/soma.hpp>

#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#error "this test must be compiled with -fno-exceptions"
#endif

namespace {

// Static extents: a mismatch is still a compile error, not a run-time one.
// (Other pairs reach an overload that only reports the misuse with a static_assert; the
// test static_diagnostics compiles those.)
template <class A, class B>
concept can_dot = requires(A const& a, B const& b) {
    { soma::dot(a, b) } -> soma::scalar;
};
static_assert(can_dot<std::array<float, 2>, std::array<float, 2>>);
static_assert(!soma::compatible_vectors<std::array<float, 2>, std::array<float, 3>>);
static_assert(!soma::compatible_vectors<std::array<float, 2>, std::array<double, 2>>);

// The tutorial's neuron works as usual.
constexpr auto example1 = soma::step_neuron<int, 2>::from_threshold({5, 3}, 4);
static_assert(example1({1, 0}) == 1 && example1({0, 1}) == 0);

void size_mismatch() {
    std::vector<float> const z(3, 1.0f);
    std::vector<float> out(2);
    soma::sigmoid(z, out);
}

void integer_overflow() {
    constexpr int big = std::numeric_limits<int>::max();
    std::vector<int> const w{big, 1};
    std::vector<int> const x{1, 1};
    std::printf("%d\n", soma::dot(w, x));
}

void overlap() {
    std::vector<double> v(10, 0.5);
    soma::sigmoid(std::span<double const>(v.data(), 9), std::span<double>(v.data() + 1, 9));
}

void tanh_size_mismatch() {
    std::vector<double> const z(4, 1.0);
    std::vector<double> out(5);
    soma::tanh(z, out);
}

void softmax_overlap() {
    std::vector<float> v(10, 0.5f);
    soma::softmax(std::span<float const>(v.data(), 9), std::span<float>(v.data() + 1, 9));
}

void malformed_data() {
    std::istringstream in("1 2 1\n0 x\n1\n");
    std::printf("%zu\n", soma::read_fann<float>(in).size());
}

// A replacement handler: checks what soma passes, then leaves with exit code 42.
char const* expected_type = "";
char const* expected_text = "";
void checking_handler(char const* type, char const* message) {
    bool const ok = std::strcmp(type, expected_type) == 0 && std::strstr(message, expected_text);
    std::fprintf(stderr, "handler: %s: %s\n", type, message);
    std::_Exit(ok ? 42 : 43);
}

// Runs f in a child process with stderr captured: its exit status and what it printed.
struct outcome {
    int status;
    std::string err;
};
outcome in_child(void (*f)(), bool custom_handler) {
    int fds[2];
    if (pipe(fds) != 0) std::abort();
    pid_t const pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        if (custom_handler) soma::set_error_handler(&checking_handler);
        f();
        std::_Exit(0);  // soma did not report the error
    }
    close(fds[1]);
    std::string err;
    char buf[512];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
        err.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return {status, err};
}

int failures = 0;
void expect(bool ok, char const* what, outcome const& o) {
    std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
    if (!ok) {
        std::printf("  status %d, stderr: %s\n", o.status, o.err.c_str());
        ++failures;
    }
}

void check_default_handler(void (*f)(), char const* type, char const* text, char const* what) {
    outcome const o = in_child(f, false);
    std::string const line = std::string("soma: ") + type + ": ";
    bool const aborted = WIFSIGNALED(o.status) && WTERMSIG(o.status) == SIGABRT;
    expect(
        aborted && o.err.find(line) != std::string::npos && o.err.find(text) != std::string::npos,
        what, o);
}

void check_custom_handler(void (*f)(), char const* type, char const* text, char const* what) {
    expected_type = type;
    expected_text = text;
    outcome const o = in_child(f, true);
    expect(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 42, what, o);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "abort") == 0) {
        size_mismatch();
        return 0;  // not reached: the default handler aborts
    }
    // Without errors nothing changes.
    soma::sigmoid_neuron<double, 2> const s({5.0, 3.0}, -4.0);
    expect(s({1.0, 0.0}) == soma::sigmoid(1.0), "a sigmoid neuron computes as usual", {0, ""});
    check_default_handler(&size_mismatch, "std::invalid_argument", "z has 3 elements but out has 2",
                          "default handler: size mismatch printed, then std::abort()");
    check_default_handler(&integer_overflow, "std::overflow_error", "integer overflow",
                          "default handler: integer overflow printed, then std::abort()");
    check_default_handler(&overlap, "std::invalid_argument", "out overlaps z",
                          "default handler: overlap printed, then std::abort()");
    check_custom_handler(&size_mismatch, "std::invalid_argument", "z has 3 elements",
                         "replacement handler called for a size mismatch");
    check_custom_handler(&integer_overflow, "std::overflow_error", "soma::weighted_input",
                         "replacement handler called for an integer overflow");
    check_custom_handler(&tanh_size_mismatch, "std::invalid_argument",
                         "soma::tanh: z has 4 elements but out has 5",
                         "replacement handler called for a tanh size mismatch");
    check_default_handler(&softmax_overlap, "std::invalid_argument",
                          "soma::softmax: out overlaps z",
                          "default handler: softmax overlap printed, then std::abort()");
    check_custom_handler(&malformed_data, "std::invalid_argument",
                         "soma::read_fann: line 2: 'x' is not a number",
                         "replacement handler called for malformed training data");
    // set_error_handler returns the previous handler; null restores the default.
    soma::error_handler const first = soma::set_error_handler(&checking_handler);
    soma::error_handler const second = soma::set_error_handler(nullptr);
    soma::error_handler const third = soma::set_error_handler(nullptr);
    expect(second == &checking_handler && first == third, "set_error_handler returns the previous",
           {0, ""});
    return failures == 0 ? 0 : 1;
}
