// soma/data.hpp - training data: pairs (x, t) of an input vector and a target vector.
//
// A soma::dataset<T> holds P pairs, each of n inputs x and m outputs (targets) t. The
// inputs of all pairs are one row-major P x n matrix in one contiguous std::vector<T>
// (row p is x_p), the outputs one P x m matrix; input(p) and output(p) are spans into them.
//
// Two text formats are read:
//
//   FANN's training-file format (read_fann, written by write_fann):
//       P n m                        line 1: pairs, inputs per pair, outputs per pair
//       x_1 x_2 ... x_n              line 2: the inputs of pair 1
//       t_1 ... t_m                  line 3: its outputs
//       ...                          (P pairs: 2P lines after the header)
//   Values are separated by spaces or tabs. Every pair is exactly two lines, as in the data
//   files that come with FANN: a line with too few or too many values is an error. A
//   trailing '\r' (CRLF line ends) and trailing whitespace are ignored, and so are blank
//   lines after the last pair; anything else after it is an error.
//
//   CSV (read_csv): one pair per line, the last m columns are the outputs t, the others the
//   inputs x; every line has the same number of columns. The separator is a parameter
//   (default ','), an optional first line (a header) is skipped, spaces and tabs around a
//   value are ignored, blank lines at the end are allowed. No quoting: a quoted value is
//   not a number.
//
// Numbers. Floating-point values are decimal (1, -0.5, 2.5e-3, .5) or hexadecimal floats
// (0x1.8p+1, -0x1p-3), read with std::from_chars: correctly rounded to T (round to
// nearest even). A leading '+' is allowed; -0 reads as -0. A value too large for T
// (1e39 for float) is an error; one below 1e-46 for float or 1e-324 for double (under
// half the smallest subnormal, 2^-149 ≈ 1.4e-45 and 2^-1074 ≈ 4.9e-324) rounds to ±0, as
// correct rounding says; one between that and half the smallest subnormal is reported as
// out of range (libraries differ there). NaN and infinity are rejected
// ("nan", "inf"): they are no data a neuron can learn from. Integral T reads decimal
// integers in T's range.
//
// Errors. Every reader throws std::invalid_argument (through soma's error mechanism: the
// error handler of soma/errors.hpp under -fno-exceptions) whose message names the
// function, the file when read from a path, the line (1-based) and what is wrong, e.g.
//     soma::read_fann: data/xor.train: line 5: 'O.5' is not a number
//     soma::read_fann: line 4: 3 values, expected 2 (the inputs of pair 2)
//     soma::read_fann: line 9: the data end after 3 of the 4 pairs the header (line 1) announces
// Nothing is returned on error.
#ifndef SOMA_DATA_HPP
#define SOMA_DATA_HPP

#include <algorithm>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "soma/concepts.hpp"
#include "soma/detail/errors.hpp"

namespace soma {

// P pairs (x_p, t_p) of n = inputs() inputs and m = outputs() outputs each.
template <scalar T>
class dataset {
public:
    using value_type = T;

    // No pairs, and 0 inputs and outputs: a placeholder to assign to.
    dataset() = default;

    // No pairs yet; push_back adds them. Requires inputs >= 1 and outputs >= 1 (else
    // std::invalid_argument).
    dataset(std::size_t inputs, std::size_t outputs) : n_(inputs), m_(outputs) { check_shape(); }

    // From the two row-major matrices: X is P x inputs, Y is P x outputs (row p the pair p).
    // Requires inputs >= 1, outputs >= 1, X.size() a multiple of inputs and the same P
    // rows in Y (else std::invalid_argument naming the sizes).
    dataset(std::size_t inputs, std::size_t outputs, std::vector<T> X, std::vector<T> Y)
        : n_(inputs), m_(outputs), x_(std::move(X)), t_(std::move(Y)) {
        check_shape();
        if (x_.size() % n_ != 0 || t_.size() != x_.size() / n_ * m_) {
            detail::raise<std::invalid_argument>(
                "soma::dataset: X has " + std::to_string(x_.size()) + " values and Y has " +
                std::to_string(t_.size()) + ", which are not P x " + std::to_string(n_) +
                " and P x " + std::to_string(m_) + " for one P");
        }
    }

    // Appends the pair (x, t). Sizes must be inputs() and outputs() (else
    // std::invalid_argument naming both sizes; nothing is appended).
    void push_back(std::span<T const> x, std::span<T const> t) {
        if (x.size() != n_)
            detail::throw_size_mismatch("soma::dataset", "x", x.size(), "the pairs' inputs", n_);
        if (t.size() != m_)
            detail::throw_size_mismatch("soma::dataset", "t", t.size(), "the pairs' outputs", m_);
        x_.insert(x_.end(), x.begin(), x.end());
        t_.insert(t_.end(), t.begin(), t.end());
    }

    // P, the number of pairs.
    [[nodiscard]] std::size_t size() const noexcept { return n_ == 0 ? 0 : x_.size() / n_; }
    [[nodiscard]] bool empty() const noexcept { return x_.empty(); }
    // n, the inputs of a pair.
    [[nodiscard]] std::size_t inputs() const noexcept { return n_; }
    // m, the outputs of a pair.
    [[nodiscard]] std::size_t outputs() const noexcept { return m_; }

    // x_p, the inputs of pair p (0-based); p < size() (else std::invalid_argument).
    [[nodiscard]] std::span<T const> input(std::size_t p) const {
        check_pair(p);
        return std::span<T const>(x_).subspan(p * n_, n_);
    }
    // t_p, the outputs of pair p (0-based); p < size() (else std::invalid_argument).
    [[nodiscard]] std::span<T const> output(std::size_t p) const {
        check_pair(p);
        return std::span<T const>(t_).subspan(p * m_, m_);
    }

    // The P x n matrix of all inputs, row-major (row p is x_p).
    [[nodiscard]] std::span<T const> inputs_matrix() const noexcept { return x_; }
    // The P x m matrix of all outputs, row-major (row p is t_p).
    [[nodiscard]] std::span<T const> outputs_matrix() const noexcept { return t_; }

    // The same shape and values compare equal with == (so -0 == +0; compare bits to tell).
    friend bool operator==(dataset const&, dataset const&) = default;

private:
    void check_shape() const {
        if (n_ == 0 || m_ == 0) {
            detail::raise<std::invalid_argument>(
                "soma::dataset: a pair needs at least one input and one output (got " +
                std::to_string(n_) + " inputs, " + std::to_string(m_) + " outputs)");
        }
    }
    void check_pair(std::size_t p) const {
        if (p >= size()) {
            detail::raise<std::invalid_argument>("soma::dataset: pair " + std::to_string(p) +
                                                 " of a dataset of " + std::to_string(size()) +
                                                 " pairs");
        }
    }

    std::size_t n_ = 0;
    std::size_t m_ = 0;
    std::vector<T> x_;
    std::vector<T> t_;
};

// read_csv's options.
struct csv_options {
    // Between two values on a line. Not a character of a number (digit, sign, '.', a
    // letter), not a line end.
    char separator = ',';
    // Whether line 1 is a header (column names) to skip; it is not checked.
    bool header = false;
};

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

[[nodiscard]] constexpr bool blank_char(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}
[[nodiscard]] constexpr bool digit_char(char c) noexcept {
    return c >= '0' && c <= '9';
}
[[nodiscard]] constexpr bool hex_digit_char(char c) noexcept {
    return digit_char(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

[[nodiscard]] inline std::string_view trimmed(std::string_view s) noexcept {
    while (!s.empty() && blank_char(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank_char(s.back())) s.remove_suffix(1);
    return s;
}

enum class parse_status { ok, not_a_number, out_of_range };

// For a number std::from_chars reports out of range: whether it certainly rounds to
// zero in T, being below half the smallest subnormal 2^d, d = min_exponent - digits
// (float 2^-149, double 2^-1074). s is the significand and exponent, without sign or 0x.
// With k the position of the first nonzero digit relative to the point (12.5: 2, 0.03: -1)
// and e the exponent, the value is below 10^(k + e), or 16^k 2^e for hex. Libraries differ
// on whether a subnormal result is "out of range"; values near the subnormal range are
// therefore reported as out of range rather than guessed.
template <std::floating_point T>
[[nodiscard]] bool rounds_to_zero(std::string_view s, bool hex) noexcept {
    std::size_t const e_at = s.find_first_of(hex ? "pP" : "eE");
    std::string_view const significand = s.substr(0, e_at);
    long long e = 0;
    if (e_at != std::string_view::npos) {
        std::string_view x = s.substr(e_at + 1);
        bool const negative = !x.empty() && x.front() == '-';
        if (!x.empty() && (x.front() == '-' || x.front() == '+')) x.remove_prefix(1);
        auto const r = std::from_chars(x.data(), x.data() + x.size(), e);
        // An exponent this large decides alone (and k + e below cannot overflow).
        if (r.ec == std::errc::result_out_of_range || e > (1LL << 40)) return negative;
        if (negative) e = -e;
    }
    std::size_t const point = std::min(significand.find('.'), significand.size());
    std::size_t const first = significand.find_first_not_of("0.");
    if (first == std::string_view::npos) return true;  // zero
    long long const k = first < point ? static_cast<long long>(point - first)
                                      : -static_cast<long long>(first - point - 1);
    long long const half_denorm = std::numeric_limits<T>::min_exponent -
                                  std::numeric_limits<T>::digits - 1;  // log2(denorm_min / 2)
    // 10^x = 2^(3.3219... x) < 2^(3.32 x) for x < 0.
    return hex ? 4 * k + e <= half_denorm : 332 * (k + e) <= 100 * half_denorm;
}

// Parses the whole of token as a T (the rules at the top of this file).
template <scalar T>
[[nodiscard]] parse_status parse_value(std::string_view token, T& v) noexcept {
    char const* first = token.data();
    char const* const last = token.data() + token.size();
    if (first != last && *first == '+') {
        ++first;
        if (first == last || *first == '-' || *first == '+') return parse_status::not_a_number;
    }
    if constexpr (std::floating_point<T>) {
        bool const negative = first != last && *first == '-';
        if (negative) ++first;
        bool const hex =
            last - first >= 2 && first[0] == '0' && (first[1] == 'x' || first[1] == 'X');
        if (hex) first += 2;
        // from_chars reads "inf", "nan" and signs of its own: only a digit or '.' may start.
        if (first == last ||
            !((hex ? hex_digit_char(*first) : digit_char(*first)) || *first == '.'))
            return parse_status::not_a_number;
        auto const r = std::from_chars(first, last, v,
                                       hex ? std::chars_format::hex : std::chars_format::general);
        if (r.ptr != last || (r.ec != std::errc{} && r.ec != std::errc::result_out_of_range))
            return parse_status::not_a_number;
        if (r.ec == std::errc::result_out_of_range) {
            if (!rounds_to_zero<T>(std::string_view(first, static_cast<std::size_t>(last - first)),
                                   hex))
                return parse_status::out_of_range;
            v = T(0);  // the correctly rounded value
        }
        if (negative) v = -v;
        return parse_status::ok;
    } else {
        if (first == last || !(digit_char(*first) || *first == '-'))
            return parse_status::not_a_number;
        auto const r = std::from_chars(first, last, v);
        if (r.ptr != last) return parse_status::not_a_number;
        if (r.ec == std::errc::result_out_of_range) return parse_status::out_of_range;
        if (r.ec != std::errc{}) return parse_status::not_a_number;
        return parse_status::ok;
    }
}

template <class T>
[[nodiscard]] constexpr char const* type_name() noexcept {
    if constexpr (std::same_as<T, float>)
        return "float";
    else if constexpr (std::same_as<T, double>)
        return "double";
    else if constexpr (std::same_as<T, long double>)
        return "long double";
    else if constexpr (std::signed_integral<T>)
        return "a signed integer of this size";
    else
        return "an unsigned integer of this size";
}

// The lines of a text, numbered from 1, with the line ends (LF or CRLF) removed, and the
// errors that name them: "<function>: <source>: line <k>: <what>".
class line_reader {
public:
    line_reader(std::istream& in, char const* function, std::string source)
        : in_(in), function_(function), source_(std::move(source)) {}

    // The next line, or false at the end of the text.
    bool next() {
        if (!std::getline(in_, text_)) {
            if (in_.bad()) fail("reading failed");
            return false;
        }
        ++number_;
        if (!text_.empty() && text_.back() == '\r') text_.pop_back();
        return true;
    }
    [[nodiscard]] std::string_view text() const noexcept { return text_; }
    [[nodiscard]] std::size_t number() const noexcept { return number_; }
    [[nodiscard]] bool blank() const noexcept { return trimmed(text_).empty(); }

    [[noreturn]] void fail(std::string const& what) const { fail_at(number_, what); }
    [[noreturn]] void fail_at(std::size_t line, std::string const& what) const {
        std::string message = std::string(function_) + ": ";
        if (!source_.empty()) message += source_ + ": ";
        if (line != 0) message += "line " + std::to_string(line) + ": ";
        raise<std::invalid_argument>(message + what);
    }

    // 'token', built by appending (GCC 12 at -O3 warns, falsely, of overlapping copies in
    // "'" + std::string(token): -Wrestrict).
    [[nodiscard]] static std::string quoted(std::string_view token) {
        std::string q;
        q.reserve(token.size() + 2);
        q += '\'';
        q += token;
        q += '\'';
        return q;
    }

    // The value of token on the current line, or an error quoting it.
    template <scalar T>
    [[nodiscard]] T value(std::string_view token) const {
        T v{};
        switch (parse_value(token, v)) {
            case parse_status::ok:
                return v;
            case parse_status::out_of_range:
                fail(quoted(token) + " is out of the range of " + type_name<T>());
            case parse_status::not_a_number:
                break;
        }
        fail(quoted(token) + " is not " + (std::floating_point<T> ? "a number" : "an integer"));
    }

private:
    std::istream& in_;
    char const* function_;
    std::string source_;
    std::string text_;
    std::size_t number_ = 0;
};

// "1 value", "2 values".
inline std::string count_of(std::size_t k, char const* noun) {
    return std::to_string(k) + ' ' + noun + (k == 1 ? "" : "s");
}

// The whitespace-separated tokens of a line.
inline void split_blanks(std::string_view line, std::vector<std::string_view>& tokens) {
    tokens.clear();
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && blank_char(line[i])) ++i;
        std::size_t const start = i;
        while (i < line.size() && !blank_char(line[i])) ++i;
        if (i > start) tokens.push_back(line.substr(start, i - start));
    }
}

// A count of the FANN header: a decimal integer >= 1.
inline std::size_t header_count(line_reader const& lines, std::string_view token,
                                char const* what) {
    std::size_t v = 0;
    auto const r = std::from_chars(token.data(), token.data() + token.size(), v);
    if (r.ptr != token.data() + token.size() || r.ec != std::errc{} || v == 0) {
        lines.fail("the number of " + std::string(what) + " is '" + std::string(token) +
                   "', expected an integer >= 1");
    }
    return v;
}

// Reserving for what a header announces, but not more than this many values up front:
// a wrong header must not allocate gigabytes before the data prove it wrong.
inline constexpr std::size_t reserve_limit = std::size_t(1) << 20;

template <scalar T>
dataset<T> read_fann(line_reader& lines) {
    if (!lines.next())
        lines.fail_at(1, "the text is empty; expected the header 'pairs inputs outputs'");
    std::vector<std::string_view> tokens;
    split_blanks(lines.text(), tokens);
    if (tokens.size() != 3) {
        lines.fail("the header has " + count_of(tokens.size(), "value") +
                   ", expected 3: pairs inputs outputs");
    }
    std::size_t const pairs = header_count(lines, tokens[0], "pairs");
    std::size_t const n = header_count(lines, tokens[1], "inputs");
    std::size_t const m = header_count(lines, tokens[2], "outputs");
    std::size_t nx = 0;
    std::size_t nt = 0;
    if (__builtin_mul_overflow(pairs, n, &nx) || __builtin_mul_overflow(pairs, m, &nt))
        lines.fail("pairs x inputs or pairs x outputs overflows std::size_t");
    std::vector<T> X;
    std::vector<T> Y;
    X.reserve(std::min(nx, reserve_limit));
    Y.reserve(std::min(nt, reserve_limit));
    for (std::size_t p = 1; p <= pairs; ++p) {
        for (int part = 0; part < 2; ++part) {
            std::size_t const want = part == 0 ? n : m;
            char const* const what = part == 0 ? "inputs" : "outputs";
            if (!lines.next()) {
                lines.fail_at(lines.number() + 1, "the data end after " + std::to_string(p - 1) +
                                                      " of the " + count_of(pairs, "pair") +
                                                      " the header (line 1) announces");
            }
            split_blanks(lines.text(), tokens);
            if (tokens.size() != want) {
                lines.fail((tokens.empty() ? std::string("a blank line")
                                           : count_of(tokens.size(), "value")) +
                           ", expected " + std::to_string(want) + " (the " + what + " of pair " +
                           std::to_string(p) + ")");
            }
            auto& out = part == 0 ? X : Y;
            for (auto const token : tokens) out.push_back(lines.value<T>(token));
        }
    }
    while (lines.next()) {
        if (!lines.blank()) {
            lines.fail("data after the " + count_of(pairs, "pair") +
                       " the header (line 1) announces");
        }
    }
    return dataset<T>(n, m, std::move(X), std::move(Y));
}

template <scalar T>
dataset<T> read_csv(line_reader& lines, std::size_t m, csv_options const& options) {
    char const s = options.separator;
    if (m == 0) lines.fail_at(0, "outputs is 0; a pair needs at least one output");
    if (s == '\n' || s == '\r' || s == '.' || s == '+' || s == '-' || digit_char(s) ||
        (s >= 'a' && s <= 'z') || (s >= 'A' && s <= 'Z')) {
        lines.fail_at(0, "the separator '" + std::string(1, s) + "' can be part of a number");
    }
    if (options.header && !lines.next())
        lines.fail_at(1, "the text is empty; expected a header line");
    std::vector<T> X;
    std::vector<T> Y;
    std::vector<std::string_view> fields;
    std::size_t columns = 0;
    std::size_t first_data = 0;
    std::size_t first_blank = 0;
    while (lines.next()) {
        if (lines.blank()) {
            if (first_blank == 0) first_blank = lines.number();
            continue;
        }
        if (first_blank != 0) {
            lines.fail_at(first_blank, "a blank line before more data (line " +
                                           std::to_string(lines.number()) +
                                           "); blank lines are allowed only at the end");
        }
        fields.clear();
        std::string_view line = lines.text();
        for (;;) {
            std::size_t const at = line.find(s);
            fields.push_back(line.substr(0, at));
            if (at == std::string_view::npos) break;
            line.remove_prefix(at + 1);
        }
        if (columns == 0) {
            if (fields.size() <= m) {
                lines.fail(count_of(fields.size(), "value") + ", but " + count_of(m, "output") +
                           " need at least " + std::to_string(m + 1) + " (one input or more)");
            }
            columns = fields.size();
            first_data = lines.number();
        } else if (fields.size() != columns) {
            lines.fail(count_of(fields.size(), "value") + ", expected " + std::to_string(columns) +
                       " (as on line " + std::to_string(first_data) + ")");
        }
        for (std::size_t k = 0; k < fields.size(); ++k) {
            std::string_view const field = trimmed(fields[k]);
            if (field.empty()) lines.fail("value " + std::to_string(k + 1) + " is empty");
            (k + m < columns ? X : Y).push_back(lines.value<T>(field));
        }
    }
    if (columns == 0) lines.fail_at(0, "no data (no line with values)");
    return dataset<T>(columns - m, m, std::move(X), std::move(Y));
}

// The file at path for reading, or an error naming it.
inline std::ifstream open_data_file(char const* function, std::filesystem::path const& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        raise<std::invalid_argument>(std::string(function) + ": cannot open '" + path.string() +
                                     "'");
    return in;
}

// The shortest text that reads back as v (std::to_chars without a format); integers in
// decimal.
template <scalar T>
void write_number(std::ostream& out, T v) {
    char buffer[64];
    auto const r = std::to_chars(buffer, buffer + sizeof buffer, v);
    out.write(buffer, r.ptr - buffer);
}

// What FANN's format and read_fann accept: at least one pair, finite values.
template <scalar T>
void check_fann_writable(dataset<T> const& d) {
    if (d.empty()) {
        raise<std::invalid_argument>(
            "soma::write_fann: the dataset has no pairs, which FANN's format cannot hold");
    }
    if constexpr (std::floating_point<T>) {
        auto const finite = [](T v) { return v - v == T(0); };
        for (std::size_t p = 0; p < d.size(); ++p) {
            if (!std::ranges::all_of(d.input(p), finite) ||
                !std::ranges::all_of(d.output(p), finite)) {
                raise<std::invalid_argument>("soma::write_fann: pair " + std::to_string(p) +
                                             " has a NaN or an infinity, which read_fann rejects");
            }
        }
    }
}

template <scalar T>
void write_fann_text(std::ostream& out, dataset<T> const& d) {
    write_number(out, d.size());
    out << ' ';
    write_number(out, d.inputs());
    out << ' ';
    write_number(out, d.outputs());
    out << '\n';
    auto const row = [&out](std::span<T const> v) {
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i != 0) out << ' ';
            write_number(out, v[i]);
        }
        out << '\n';
    };
    for (std::size_t p = 0; p < d.size(); ++p) {
        row(d.input(p));
        row(d.output(p));
    }
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// Reads a dataset in FANN's training-file format (top of this file). Throws
// std::invalid_argument naming the line and what is wrong: a header that is not three
// integers >= 1, a value that is not a number of T (quoted), a line with too few or too
// many values, fewer pairs than the header announces, data after the last pair.
template <scalar T>
SOMA_ABI [[nodiscard]] dataset<T> read_fann(std::istream& in) {
    detail::line_reader lines(in, "soma::read_fann", "");
    return detail::read_fann<T>(lines);
}

// The same from a file; the errors also name the file, or say that it cannot be opened.
template <scalar T>
SOMA_ABI [[nodiscard]] dataset<T> read_fann(std::filesystem::path const& path) {
    std::ifstream in = detail::open_data_file("soma::read_fann", path);
    detail::line_reader lines(in, "soma::read_fann", path.string());
    return detail::read_fann<T>(lines);
}

// Reads a dataset from CSV text whose last `outputs` columns are the outputs t (top of
// this file). Requires outputs >= 1 and at least outputs + 1 columns. Throws
// std::invalid_argument naming the line and what is wrong: a value that is not a number
// of T (quoted), an empty value, a line with another number of values than the first, a
// blank line before more data, no data at all.
template <scalar T>
SOMA_ABI [[nodiscard]] dataset<T> read_csv(std::istream& in, std::size_t outputs,
                                           csv_options const& options = {}) {
    detail::line_reader lines(in, "soma::read_csv", "");
    return detail::read_csv<T>(lines, outputs, options);
}

// The same from a file; the errors also name the file, or say that it cannot be opened.
template <scalar T>
SOMA_ABI [[nodiscard]] dataset<T> read_csv(std::filesystem::path const& path, std::size_t outputs,
                                           csv_options const& options = {}) {
    std::ifstream in = detail::open_data_file("soma::read_csv", path);
    detail::line_reader lines(in, "soma::read_csv", path.string());
    return detail::read_csv<T>(lines, outputs, options);
}

// Writes d in FANN's training-file format, every value as the shortest decimal text that
// reads back as the same bits (std::to_chars), so read_fann<T>(write_fann(d)) == d bit for
// bit (-0 included). Requires at least one pair and finite values, as read_fann does (else
// std::invalid_argument naming the pair; nothing is written).
template <scalar T>
SOMA_ABI void write_fann(std::ostream& out, dataset<T> const& d) {
    detail::check_fann_writable(d);
    detail::write_fann_text(out, d);
}

// The same into a file (created or truncated); an error names a file that cannot be opened.
template <scalar T>
SOMA_ABI void write_fann(std::filesystem::path const& path, dataset<T> const& d) {
    detail::check_fann_writable(d);
    std::ofstream out(path, std::ios::binary);
    if (!out) {
        detail::raise<std::invalid_argument>("soma::write_fann: cannot open '" + path.string() +
                                             "' for writing");
    }
    detail::write_fann_text(out, d);
    out.flush();
    if (!out) {
        detail::raise<std::invalid_argument>("soma::write_fann: writing '" + path.string() +
                                             "' failed");
    }
}

}  // namespace soma

#endif  // SOMA_DATA_HPP
