// soma/errors.hpp - what soma does with an error when exceptions are disabled.
//
// soma reports a run-time error (a size mismatch, an output overlapping an input, an
// integer result that does not fit its type) by throwing std::invalid_argument or
// std::overflow_error. Compiled with exceptions disabled (-fno-exceptions, common in games,
// audio and embedded code), it calls the error handler instead:
//
//     handler(type, message)
//
// type is the name of the exception that would have been thrown ("std::invalid_argument",
// "std::overflow_error"), message its what(), e.g. "soma::sigmoid: z has 3 elements but
// out has 2". The default handler prints "soma: <type>: <message>" to stderr and calls
// std::abort(). A replacement must not return (it may abort, exit, or hand over to the
// program's own crash reporting); if it returns, soma calls std::abort(). Errors that
// static extents can detect are compile errors either way. With exceptions enabled the
// handler is never called.
#ifndef SOMA_ERRORS_HPP
#define SOMA_ERRORS_HPP

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "soma/detail/config.hpp"

namespace soma {

// What soma calls instead of throwing when exceptions are disabled (see above).
using error_handler = void (*)(char const* type, char const* message);

namespace detail {

// The default handler: the message on stderr, then std::abort().
inline void print_and_abort(char const* type, char const* message) {
    std::fprintf(stderr, "soma: %s: %s\n", type, message);
    std::fflush(stderr);
    std::abort();
}

// The installed handler. Deliberately outside the ABI namespace: a program has one
// handler, whatever flags each of its translation units was compiled with.
inline std::atomic<error_handler> installed_error_handler{&print_and_abort};

}  // namespace detail

// Installs h as the handler (the default handler when h is null) and returns the previous
// one. Thread-safe; the handler is called on the thread that hit the error.
SOMA_ABI inline error_handler set_error_handler(error_handler h) noexcept {
    return detail::installed_error_handler.exchange(h != nullptr ? h : &detail::print_and_abort);
}

}  // namespace soma

#endif  // SOMA_ERRORS_HPP
