// Tests of soma/data.hpp: FANN and CSV text read to the exact values (correctly rounded,
// hexadecimal floats, -0), every malformed text rejected with a message naming its line,
// write_fann -> read_fann bit for bit, and, when FANN's data files are installed, the
// header counts of one of them.
#include "soma/data.hpp"

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
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

template <class T>
soma::dataset<T> fann(std::string const& text) {
    std::istringstream in(text);
    return soma::read_fann<T>(in);
}

template <class T>
soma::dataset<T> csv(std::string const& text, std::size_t outputs, soma::csv_options o = {}) {
    std::istringstream in(text);
    return soma::read_csv<T>(in, outputs, o);
}

template <class T>
std::string fann_error(std::string const& text) {
    return error_of([&] { (void)fann<T>(text); });
}

template <class T>
std::string csv_error(std::string const& text, std::size_t outputs, soma::csv_options o = {}) {
    return error_of([&] { (void)csv<T>(text, outputs, o); });
}

// The value of a decimal literal in T, as the compiler rounds it (correctly, directly to
// T: a float literal is not rounded through double).
template <class T>
T literal(float f, double d) {
    if constexpr (sizeof(T) == sizeof(float)) {
        (void)d;
        return f;
    } else {
        (void)f;
        return d;
    }
}

// A scratch directory for file tests, removed at the end.
struct scratch_dir {
    std::filesystem::path path;
    scratch_dir() {
        std::random_device seed;
        path = std::filesystem::temp_directory_path() /
               ("soma_data_test_" + std::to_string(seed()) + std::to_string(seed()));
        std::filesystem::create_directories(path);
    }
    ~scratch_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    scratch_dir(scratch_dir const&) = delete;
    scratch_dir& operator=(scratch_dir const&) = delete;
};

}  // namespace

TEMPLATE_TEST_CASE("data: a FANN file is read to the exact values", "[data]", float, double) {
    using T = TestType;
    // Spaces, tabs, trailing whitespace, CRLF line ends, blank lines at the end.
    auto const d = fann<T>(
        "3 3 2\r\n"
        "0 0.1 -0\t\r\n"
        "1 0 \r\n"
        "  0x1.8p+1 -0x1p-3 +2.5e-3\n"
        "0.5 .5\n"
        "1e2 -7 5.\n"
        "1 0\n"
        "\n"
        "  \r\n");
    REQUIRE(d.size() == 3);
    REQUIRE(d.inputs() == 3);
    REQUIRE(d.outputs() == 2);
    std::vector<T> const X{T(0),      literal<T>(0.1f, 0.1),       -T(0),  T(3),
                           T(-0.125), literal<T>(2.5e-3f, 2.5e-3), T(100), T(-7),
                           T(5)};
    std::vector<T> const Y{T(1), T(0), T(0.5), T(0.5), T(1), T(0)};
    REQUIRE(d.inputs_matrix().size() == X.size());
    REQUIRE(d.outputs_matrix().size() == Y.size());
    for (std::size_t i = 0; i < X.size(); ++i) CHECK(bits(d.inputs_matrix()[i]) == bits(X[i]));
    for (std::size_t i = 0; i < Y.size(); ++i) CHECK(bits(d.outputs_matrix()[i]) == bits(Y[i]));
    // input(p) and output(p) are the rows.
    CHECK(d.input(1).size() == 3);
    CHECK(d.input(1)[0] == T(3));
    CHECK(d.input(2)[2] == T(5));
    CHECK(d.output(2).size() == 2);
    CHECK(d.output(2)[0] == T(1));
    CHECK(std::signbit(d.input(0)[2]));
}

TEST_CASE("data: decimal text is rounded once, directly to the type", "[data]") {
    // 1 + 2^-24 is halfway between the floats 1 and 1 + 2^-23; its decimal expansion is
    // 1.000000059604644775390625. Just above it rounds up; exactly on it, to even (1).
    // Rounding through double first would give 1 + 2^-24, then the tie: 1 both times.
    auto const d = fann<float>(
        "1 2 1\n"
        "1.00000005960464477539062500001 1.000000059604644775390625\n"
        "0\n");
    CHECK(d.input(0)[0] == 1.0f + 0x1p-23f);
    CHECK(d.input(0)[1] == 1.0f);
    // The smallest subnormals; below half of the smallest (2^-1075 ≈ 2.47e-324), correct
    // rounding gives 0.
    auto const tiny = fann<double>("1 4 1\n4.9406564584124654e-324 1e-400 -1e-400 9.9e-325\n0\n");
    CHECK(tiny.input(0)[0] == std::numeric_limits<double>::denorm_min());
    CHECK(bits(tiny.input(0)[1]) == bits(0.0));
    CHECK(bits(tiny.input(0)[2]) == bits(-0.0));
    CHECK(bits(tiny.input(0)[3]) == bits(0.0));
    CHECK(fann<double>("1 1 1\n3e-324\n0\n").input(0)[0] ==
          std::numeric_limits<double>::denorm_min());
    auto const tiny_float = fann<float>("1 2 1\n1e-50 0x1p-200\n0\n");
    CHECK(bits(tiny_float.input(0)[0]) == bits(0.0f));
    CHECK(bits(tiny_float.input(0)[1]) == bits(0.0f));
    // Integral types read integers.
    auto const ints = fann<int>("2 2 1\n0 -1\n1\n+2147483647 -2147483648\n0\n");
    CHECK(ints.input(1)[0] == 2147483647);
    CHECK(ints.input(1)[1] == -2147483647 - 1);
    CHECK(contains(fann_error<int>("1 1 1\n0.5\n0\n"), "line 2: '0.5' is not an integer"));
    CHECK(contains(fann_error<int>("1 1 1\n2147483648\n0\n"),
                   "line 2: '2147483648' is out of the range"));
}

TEMPLATE_TEST_CASE("data: malformed FANN text is rejected naming the line", "[data]", float,
                   double) {
    using T = TestType;
    struct bad {
        char const* text;
        char const* message;
    };
    std::vector<bad> const cases{
        {"", "soma::read_fann: line 1: the text is empty"},
        {"2 2\n0 0\n1\n", "line 1: the header has 2 values, expected 3"},
        {"2 2 1 4\n", "line 1: the header has 4 values, expected 3"},
        {"-1 2 1\n", "line 1: the number of pairs is '-1', expected an integer >= 1"},
        {"0 2 1\n", "line 1: the number of pairs is '0'"},
        {"1 0 1\n", "line 1: the number of inputs is '0'"},
        {"1 2 -3\n", "line 1: the number of outputs is '-3'"},
        {"1 2.5 1\n", "line 1: the number of inputs is '2.5'"},
        {"1 2 1\n0 abc\n1\n", "line 2: 'abc' is not a number"},
        {"1 2 1\n0 1\nnan\n", "line 3: 'nan' is not a number"},
        {"1 2 1\n0 -inf\n1\n", "line 2: '-inf' is not a number"},
        {"1 2 1\n0 infinity\n1\n", "line 2: 'infinity' is not a number"},
        {"1 2 1\n0 1e\n1\n", "line 2: '1e' is not a number"},
        {"1 2 1\n0 +-1\n1\n", "line 2: '+-1' is not a number"},
        {"1 2 1\n0 --1\n1\n", "line 2: '--1' is not a number"},
        {"1 2 1\n0 0x\n1\n", "line 2: '0x' is not a number"},
        {"1 2 1\n0 1,5\n1\n", "line 2: '1,5' is not a number"},
        {"1 2 1\n0 \"1\"\n1\n", "line 2: '\"1\"' is not a number"},
        {"1 2 1\n0 1e999\n1\n", "line 2: '1e999' is out of the range of"},
        {"1 2 1\n0\n1\n", "line 2: 1 value, expected 2 (the inputs of pair 1)"},
        {"1 2 1\n0 1 1\n1\n", "line 2: 3 values, expected 2 (the inputs of pair 1)"},
        {"1 2 1\n0 1\n1 0\n", "line 3: 2 values, expected 1 (the outputs of pair 1)"},
        {"2 2 1\n0 1\n1\n\n0 0\n0\n", "line 4: a blank line, expected 2 (the inputs of pair 2)"},
        {"2 2 1\n0 1\n1\n", "line 4: the data end after 1 of the 2 pairs the header (line 1)"},
        {"2 2 1\n0 1\n1\n1 1\n", "line 5: the data end after 1 of the 2 pairs"},
        {"1 2 1\n0 1\n1\n5 5\n", "line 4: data after the 1 pair the header (line 1) announces"},
        {"1 2 1\n0 1\n1\n\n\n7\n", "line 6: data after the 1 pair"},
        // CRLF line ends count lines the same way.
        {"2 2 1\r\n0 1\r\n1\r\n0 x1\r\n0\r\n", "line 4: 'x1' is not a number"},
    };
    for (auto const& c : cases) {
        INFO("text: " << c.text);
        std::string const e = fann_error<T>(c.text);
        INFO("message: " << e);
        CHECK(contains(e, "soma::read_fann: "));
        CHECK(contains(e, c.message));
    }
    // 1e39 fits double but not float.
    if constexpr (sizeof(T) == sizeof(float)) {
        CHECK(contains(fann_error<T>("1 1 1\n1e39\n0\n"),
                       "line 2: '1e39' is out of the range of float"));
    } else {
        CHECK(fann<T>("1 1 1\n1e39\n0\n").input(0)[0] == 1e39);
    }
}

TEMPLATE_TEST_CASE("data: files: errors name the path and the line", "[data]", float, double) {
    using T = TestType;
    scratch_dir const dir;
    auto const missing = dir.path / "no_such.train";
    std::string e = error_of([&] { (void)soma::read_fann<T>(missing); });
    CHECK(contains(e, "soma::read_fann: cannot open '"));
    CHECK(contains(e, missing.string().c_str()));
    e = error_of([&] { (void)soma::read_csv<T>(missing, 1); });
    CHECK(contains(e, "soma::read_csv: cannot open '"));

    auto const bad = dir.path / "bad.train";
    std::ofstream(bad) << "2 2 1\n0 1\n1\n0 O.5\n0\n";
    e = error_of([&] { (void)soma::read_fann<T>(bad); });
    CHECK(contains(
        e, ("soma::read_fann: " + bad.string() + ": line 4: 'O.5' is not a number").c_str()));

    auto const good = dir.path / "good.csv";
    std::ofstream(good) << "1,2,0\n3,4,1\n";
    auto const d = soma::read_csv<T>(good, 1);
    CHECK(d.size() == 2);
    CHECK(d.input(1)[1] == T(4));
}

TEMPLATE_TEST_CASE("data: write_fann then read_fann gives every value bit for bit", "[data]", float,
                   double) {
    using T = TestType;
    using limits = std::numeric_limits<T>;
    std::mt19937_64 rng(10);
    std::vector<T> values{T(0),          -T(0),         limits::denorm_min(), -limits::denorm_min(),
                          limits::min(), limits::max(), limits::lowest(),     T(1) / T(3),
                          T(0.1),        T(-1e-30)};
    std::uniform_int_distribution<int> exponent(-120, 120);
    std::uniform_real_distribution<T> mantissa(T(-1), T(1));
    while (values.size() < 5 * 7 * 4) values.push_back(std::ldexp(mantissa(rng), exponent(rng)));
    // 7 pairs of 5 inputs and 3 outputs... from the first 35 + 21 values.
    std::vector<T> const X(values.begin(), values.begin() + 35);
    std::vector<T> const Y(values.begin() + 35, values.begin() + 56);
    soma::dataset<T> const d(5, 3, X, Y);
    REQUIRE(d.size() == 7);

    std::ostringstream out;
    soma::write_fann(out, d);
    std::istringstream in(out.str());
    auto const back = soma::read_fann<T>(in);
    REQUIRE(back.size() == 7);
    REQUIRE(back.inputs() == 5);
    REQUIRE(back.outputs() == 3);
    for (std::size_t i = 0; i < X.size(); ++i) CHECK(bits(back.inputs_matrix()[i]) == bits(X[i]));
    for (std::size_t i = 0; i < Y.size(); ++i) CHECK(bits(back.outputs_matrix()[i]) == bits(Y[i]));

    // Through a file, too.
    scratch_dir const dir;
    auto const path = dir.path / "round_trip.train";
    soma::write_fann(path, d);
    auto const from_file = soma::read_fann<T>(path);
    for (std::size_t i = 0; i < X.size(); ++i)
        CHECK(bits(from_file.inputs_matrix()[i]) == bits(X[i]));

    // The shortest text that reads back: 0.1 is "0.1", 3 is "3", -0 is "-0".
    soma::dataset<T> small(2, 1);
    small.push_back(std::vector<T>{T(3), -T(0)}, std::vector<T>{T(1)});
    small.push_back(std::vector<T>{T(0.5), literal<T>(0.1f, 0.1)}, std::vector<T>{T(0)});
    std::ostringstream text;
    soma::write_fann(text, small);
    CHECK(text.str() == "2 2 1\n3 -0\n1\n0.5 0.1\n0\n");
}

TEMPLATE_TEST_CASE("data: write_fann rejects what read_fann would reject, writing nothing",
                   "[data]", float, double) {
    using T = TestType;
    std::ostringstream out;
    soma::dataset<T> const empty(2, 1);
    CHECK(contains(error_of([&] { soma::write_fann(out, empty); }), "soma::write_fann: "));
    for (T bad : {std::numeric_limits<T>::quiet_NaN(), std::numeric_limits<T>::infinity()}) {
        soma::dataset<T> d(1, 1);
        d.push_back(std::vector<T>{T(1)}, std::vector<T>{T(1)});
        d.push_back(std::vector<T>{T(1)}, std::vector<T>{bad});
        CHECK(contains(error_of([&] { soma::write_fann(out, d); }),
                       "soma::write_fann: pair 1 has a NaN or an infinity"));
    }
    CHECK(out.str().empty());
}

TEMPLATE_TEST_CASE("data: CSV with a header and a custom separator", "[data]", float, double) {
    using T = TestType;
    auto const d = csv<T>(
        "x1;x2;x3;t1;t2\r\n"
        "0; 0.5 ;-1;1;0\r\n"
        "0x1p-2;\t2;3e1;0;1\r\n"
        "\r\n"
        "\n",
        2, {.separator = ';', .header = true});
    REQUIRE(d.size() == 2);
    REQUIRE(d.inputs() == 3);
    REQUIRE(d.outputs() == 2);
    std::vector<T> const X{T(0), T(0.5), T(-1), T(0.25), T(2), T(30)};
    std::vector<T> const Y{T(1), T(0), T(0), T(1)};
    for (std::size_t i = 0; i < X.size(); ++i) CHECK(bits(d.inputs_matrix()[i]) == bits(X[i]));
    for (std::size_t i = 0; i < Y.size(); ++i) CHECK(bits(d.outputs_matrix()[i]) == bits(Y[i]));

    // The defaults: ',' and no header; one output.
    auto const plain = csv<T>("1,2,3\n4,5,6\n", 1);
    CHECK(plain.inputs() == 2);
    CHECK(plain.output(1)[0] == T(6));
    CHECK(plain.input(1)[0] == T(4));
    // A tab-separated file.
    auto const tabs = csv<T>("1\t2\n3\t4\n", 1, {.separator = '\t'});
    CHECK(tabs.size() == 2);
    CHECK(tabs.input(1)[0] == T(3));
}

TEMPLATE_TEST_CASE("data: malformed CSV is rejected naming the line", "[data]", float, double) {
    using T = TestType;
    CHECK(contains(csv_error<T>("1,2,3\n4,5\n", 1),
                   "soma::read_csv: line 2: 2 values, expected 3 (as on line 1)"));
    CHECK(contains(csv_error<T>("h\n1,2,3\n4,5,6,7\n", 1, {.header = true}),
                   "line 3: 4 values, expected 3 (as on line 2)"));
    CHECK(contains(csv_error<T>("1,,3\n", 1), "line 1: value 2 is empty"));
    CHECK(contains(csv_error<T>("1,2,3\n4,five,6\n", 1), "line 2: 'five' is not a number"));
    CHECK(contains(csv_error<T>("1,2,3\n4,5,NaN\n", 1), "line 2: 'NaN' is not a number"));
    CHECK(contains(csv_error<T>("1,2,3\n\n4,5,6\n", 1),
                   "line 2: a blank line before more data (line 3)"));
    CHECK(contains(csv_error<T>("1,2\n", 2),
                   "line 1: 2 values, but 2 outputs need at least 3 (one input or more)"));
    CHECK(contains(csv_error<T>("1,2\n", 0), "soma::read_csv: outputs is 0"));
    CHECK(contains(csv_error<T>("1.2\n", 1, {.separator = '.'}),
                   "the separator '.' can be part of a number"));
    CHECK(contains(csv_error<T>("", 1), "soma::read_csv: no data"));
    CHECK(contains(csv_error<T>("\n\n", 1), "soma::read_csv: no data"));
    CHECK(contains(csv_error<T>("", 1, {.header = true}), "line 1: the text is empty"));
    CHECK(contains(csv_error<T>("a,b,c\n", 1, {.header = true}), "soma::read_csv: no data"));
    // Without a header, a header line is data, and not numbers.
    CHECK(contains(csv_error<T>("a,b,c\n1,2,3\n", 1), "line 1: 'a' is not a number"));
}

TEMPLATE_TEST_CASE("data: a dataset's shape is checked", "[data]", float, double) {
    using T = TestType;
    CHECK(contains(error_of([] { soma::dataset<T>(0, 1); }), "soma::dataset: a pair needs"));
    CHECK(contains(error_of([] { soma::dataset<T>(2, 0); }), "soma::dataset: a pair needs"));
    CHECK(contains(error_of([] { soma::dataset<T>(2, 1, std::vector<T>(5), std::vector<T>(2)); }),
                   "X has 5 values and Y has 2"));
    CHECK(contains(error_of([] { soma::dataset<T>(2, 1, std::vector<T>(4), std::vector<T>(3)); }),
                   "X has 4 values and Y has 3"));
    soma::dataset<T> d(2, 1);
    CHECK(d.empty());
    CHECK(contains(error_of([&] { d.push_back(std::vector<T>(3), std::vector<T>(1)); }),
                   "x has 3 elements"));
    CHECK(contains(error_of([&] { d.push_back(std::vector<T>(2), std::vector<T>(2)); }),
                   "t has 2 elements"));
    CHECK(d.empty());
    d.push_back(std::vector<T>{T(1), T(2)}, std::vector<T>{T(3)});
    CHECK(d.size() == 1);
    CHECK(d.input(0)[1] == T(2));
    CHECK(contains(error_of([&] { (void)d.input(1); }), "pair 1 of a dataset of 1 pairs"));
    CHECK(contains(error_of([&] { (void)d.output(1); }), "pair 1 of a dataset of 1 pairs"));
    soma::dataset<T> const same(2, 1, std::vector<T>{T(1), T(2)}, std::vector<T>{T(3)});
    CHECK(d == same);
}

TEST_CASE("data: FANN's own diabetes.train, when installed", "[data]") {
    // Debian's libfann-doc installs FANN's example data; soma does not ship them.
    std::filesystem::path const candidates[] = {
        "/usr/share/doc/libfann-dev/examples/datasets/diabetes.train",
        "/usr/share/doc/libfann-doc/examples/datasets/diabetes.train"};
    std::filesystem::path path;
    for (auto const& c : candidates) {
        if (std::filesystem::exists(c)) path = c;
    }
    if (path.empty()) {
        std::printf(
            "data: FANN's diabetes.train not tested: not installed (apt-get install "
            "libfann-doc)\n");
#if defined(SKIP)
        SKIP("FANN's datasets are not installed");
#else
        return;
#endif
    }
    // The first line of the file says "384 8 2".
    auto const d = soma::read_fann<double>(path);
    CHECK(d.size() == 384);
    CHECK(d.inputs() == 8);
    CHECK(d.outputs() == 2);
    // Each pair's outputs are one of two classes, written "0 1" or "1 0".
    for (std::size_t p = 0; p < d.size(); ++p) {
        auto const t = d.output(p);
        CHECK(((t[0] == 0.0 && t[1] == 1.0) || (t[0] == 1.0 && t[1] == 0.0)));
    }
    auto const f = soma::read_fann<float>(path);
    CHECK(f.size() == 384);
}
