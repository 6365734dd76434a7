// Compile-time test: the version macros of soma/version.hpp equal the CMake project version
// (passed in by tests/cmake/packaging.cmake), and SOMA_VERSION encodes them.
#include <soma/version.hpp>

static_assert(SOMA_VERSION_MAJOR == SOMA_TEST_PROJECT_VERSION_MAJOR);
static_assert(SOMA_VERSION_MINOR == SOMA_TEST_PROJECT_VERSION_MINOR);
static_assert(SOMA_VERSION_PATCH == SOMA_TEST_PROJECT_VERSION_PATCH);
static_assert(SOMA_VERSION ==
              SOMA_VERSION_MAJOR * 10000 + SOMA_VERSION_MINOR * 100 + SOMA_VERSION_PATCH);
static_assert(SOMA_VERSION_MINOR < 100 && SOMA_VERSION_PATCH < 100);
