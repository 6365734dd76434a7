// The Catch2 include for soma's tests: v3 when installed, else v2.13.
#ifndef SOMA_TESTS_SUPPORT_CATCH_HPP
#define SOMA_TESTS_SUPPORT_CATCH_HPP

#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#else
#include <catch2/catch.hpp>
#endif

#endif
