# Cross-compiles soma's tests for AArch64 Linux with Debian's GNU cross toolchain and runs
# them under qemu-aarch64 (apt-get install g++-aarch64-linux-gnu qemu-user):
#
#   cmake --preset aarch64 && cmake --build build/aarch64 --target soma_unit_tests
#   ctest --preset aarch64           # label `unit`, each test under qemu-aarch64
#
# or -DCMAKE_TOOLCHAIN_FILE=<soma>/cmake/toolchains/aarch64-linux-gnu.cmake by hand.
# -DSOMA_AARCH64_CLANG=ON compiles with clang++ --target=aarch64-linux-gnu instead (same
# headers and libraries). CTest runs the test executables through
# CMAKE_CROSSCOMPILING_EMULATOR: qemu-aarch64 -L <sysroot>, where the dynamic loader and
# the shared libraries of the target are.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(SOMA_AARCH64_SYSROOT "/usr/aarch64-linux-gnu" CACHE PATH
  "AArch64 libraries and headers of the cross toolchain (qemu-aarch64 -L)")
option(SOMA_AARCH64_CLANG "Cross-compile with clang++ --target=aarch64-linux-gnu" OFF)
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SOMA_AARCH64_SYSROOT SOMA_AARCH64_CLANG)

if(SOMA_AARCH64_CLANG)
  set(CMAKE_CXX_COMPILER clang++)
  set(CMAKE_CXX_COMPILER_TARGET aarch64-linux-gnu)
else()
  set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
endif()

# Libraries and headers from the target's tree only; programs from the host; packages
# from both, so that header-only host packages such as Debian's Catch2 v2
# (/usr/lib/cmake/Catch2) are found.
set(CMAKE_FIND_ROOT_PATH "${SOMA_AARCH64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

find_program(SOMA_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(SOMA_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${SOMA_QEMU_AARCH64};-L;${SOMA_AARCH64_SYSROOT}")
else()
  message(WARNING "soma: qemu-aarch64 not found (apt-get install qemu-user): the tests "
    "build but cannot run on this machine")
endif()
