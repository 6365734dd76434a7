# sigmoid: extra settings for tests/sigmoid_test.cpp and the exhaustive sweep.

# The long double check compares against binary128 from libquadmath (GCC on x86-64).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  target_link_libraries(sigmoid_test PRIVATE quadmath)
endif()

# All 2^32 floats (every kernel, scalar == array bitwise, <= 1 ULP, monotonic) and 10^7+
# doubles: label `exhaustive`, run on its own with `ctest -L exhaustive`. The float sweep
# runs one thread per hardware thread; PROCESSORS tells CTest so, so that `ctest -j N`
# runs it with the cores it uses (N at most) held for it instead of starting other tests
# beside it: they would only slow its threads down and time out their own builds.
find_package(Threads REQUIRED)
target_link_libraries(sigmoid_exhaustive_test PRIVATE Threads::Threads)
cmake_host_system_information(RESULT soma_cores QUERY NUMBER_OF_LOGICAL_CORES)
if(NOT soma_cores GREATER 0)
  set(soma_cores 1)
endif()
set_tests_properties(sigmoid_exhaustive_test PROPERTIES LABELS "exhaustive" TIMEOUT 1800
  PROCESSORS ${soma_cores})

# Cross check of the NEON kernels under qemu (needs g++-aarch64-linux-gnu and qemu-user):
# cmake -DSOMA_SIGMOID_AARCH64_TEST=ON adds the test `sigmoid_aarch64_qemu`.
option(SOMA_SIGMOID_AARCH64_TEST "Build and run the sigmoid tests for AArch64 under qemu" OFF)
if(SOMA_SIGMOID_AARCH64_TEST)
  add_test(NAME sigmoid_aarch64_qemu
    COMMAND "${PROJECT_SOURCE_DIR}/tests/cmake/sigmoid_aarch64.sh"
            "${PROJECT_SOURCE_DIR}" "${CMAKE_CURRENT_BINARY_DIR}/sigmoid_aarch64")
  set_tests_properties(sigmoid_aarch64_qemu PROPERTIES LABELS "cross" TIMEOUT 1800)
endif()

# The bitwise contract must not depend on the compiler's contraction of a*b + c: the same
# unit test built with FMA available to the whole translation unit and GCC's/Clang's most
# aggressive contraction (scalar code may then fuse anything the source leaves unfused).
# Only where this machine can run AVX2+FMA code.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang"
   AND EXISTS "/proc/cpuinfo")
  file(READ "/proc/cpuinfo" soma_cpuinfo)
  if(soma_cpuinfo MATCHES " avx2 " AND soma_cpuinfo MATCHES " fma ")
    soma_add_catch_test(sigmoid_contract_test
      SOURCES "${CMAKE_CURRENT_SOURCE_DIR}/sigmoid_test.cpp" LABELS unit)
    target_compile_options(sigmoid_contract_test PRIVATE -mavx2 -mfma -ffp-contract=fast)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_link_libraries(sigmoid_contract_test PRIVATE quadmath)
    endif()
  endif()
endif()
