// soma/detail/errors.hpp - the run-time errors soma throws. Kept out of line from the
// constexpr code: reaching one during constant evaluation is a compile error.
#ifndef SOMA_DETAIL_ERRORS_HPP
#define SOMA_DETAIL_ERRORS_HPP

#include <cstddef>
#include <stdexcept>
#include <string>

#include "soma/detail/config.hpp"

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// Throws std::invalid_argument: "<where>: <what_a> has <a> elements but <what_b> has <b>".
[[noreturn]] inline void throw_size_mismatch(char const* where, char const* what_a, std::size_t a,
                                             char const* what_b, std::size_t b) {
    throw std::invalid_argument(std::string(where) + ": " + what_a + " has " + std::to_string(a) +
                                " elements but " + what_b + " has " + std::to_string(b));
}

// Throws std::overflow_error for an integer result that does not fit its type.
[[noreturn]] inline void throw_overflow(char const* where) {
    throw std::overflow_error(std::string(where) +
                              ": integer overflow (the result does not fit the element type)");
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_ERRORS_HPP
