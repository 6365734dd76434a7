// soma/detail/errors.hpp - the run-time errors soma reports, with and without exceptions.
//
// Every error soma reports goes through raise() below, kept out of line from the constexpr
// code: reaching one during constant evaluation is a compile error. With exceptions
// enabled it throws std::invalid_argument (a size mismatch, an overlap of an output with
// an input) or std::overflow_error (an integer result that does not fit its type). When
// exceptions are disabled (-fno-exceptions) it calls the error handler of soma/errors.hpp
// instead, and calls std::abort() should the handler return.
#ifndef SOMA_DETAIL_ERRORS_HPP
#define SOMA_DETAIL_ERRORS_HPP

#include <cstddef>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>

#include "soma/detail/config.hpp"
#include "soma/errors.hpp"

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define SOMA_DETAIL_EXCEPTIONS 1
#else
#define SOMA_DETAIL_EXCEPTIONS 0
#endif

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class E>
inline constexpr char const* exception_name = "std::invalid_argument";
template <>
inline constexpr char const* exception_name<std::overflow_error> = "std::overflow_error";

// Throws E(message), or, without exceptions, calls the error handler and never returns.
template <class E>
[[noreturn]] void raise(std::string const& message) {
#if SOMA_DETAIL_EXCEPTIONS
    throw E(message);
#else
    installed_error_handler.load()(exception_name<E>, message.c_str());
    std::abort();  // a handler that returns
#endif
}

// std::invalid_argument: "<where>: <what_a> has <a> elements but <what_b> has <b>".
[[noreturn]] inline void throw_size_mismatch(char const* where, char const* what_a, std::size_t a,
                                             char const* what_b, std::size_t b) {
    raise<std::invalid_argument>(std::string(where) + ": " + what_a + " has " + std::to_string(a) +
                                 " elements but " + what_b + " has " + std::to_string(b));
}

// std::overflow_error for an integer result that does not fit its type.
[[noreturn]] inline void throw_overflow(char const* where) {
    raise<std::overflow_error>(std::string(where) +
                               ": integer overflow (the result does not fit the element type)");
}

// Whether [a, a + na) and [b, b + nb) share an element (std::less: a total order even for
// pointers into different arrays).
template <class T>
[[nodiscard]] bool ranges_overlap(T const* a, std::size_t na, T const* b, std::size_t nb) noexcept {
    if (na == 0 || nb == 0) return false;
    std::less<T const*> const before;
    return before(a, b + nb) && before(b, a + na);
}

// An output that overlaps an input without being that input (the same first element and
// size): the in-place use that the element-wise array functions allow is not an overlap.
template <class T>
[[nodiscard]] bool partial_overlap(T const* out, std::size_t n_out, T const* in,
                                   std::size_t n_in) noexcept {
    if (out == in && n_out == n_in) return false;
    return ranges_overlap(out, n_out, in, n_in);
}

// std::invalid_argument: "<where>: <out> overlaps <in><detail>".
[[noreturn]] inline void throw_overlap(char const* where, char const* out, char const* in,
                                       char const* detail = "") {
    raise<std::invalid_argument>(std::string(where) + ": " + out + " overlaps " + in + detail);
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_ERRORS_HPP
