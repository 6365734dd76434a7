// soma/version.hpp - the library version (matches the CMake project version).
#ifndef SOMA_VERSION_HPP
#define SOMA_VERSION_HPP

#define SOMA_VERSION_MAJOR 0
#define SOMA_VERSION_MINOR 1
#define SOMA_VERSION_PATCH 0
// major * 10000 + minor * 100 + patch
#define SOMA_VERSION (SOMA_VERSION_MAJOR * 10000 + SOMA_VERSION_MINOR * 100 + SOMA_VERSION_PATCH)

#endif  // SOMA_VERSION_HPP
