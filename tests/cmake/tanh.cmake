# tanh: extra settings for the exhaustive sweep, tests/tanh_exhaustive_test.cpp.

# All 2^32 floats (every kernel, scalar == array bitwise, odd symmetry, <= 1 ULP, monotonic)
# and 10^7+ doubles: label `exhaustive` (given by tests/CMakeLists.txt), one thread per
# hardware thread, so PROCESSORS holds that many cores for it under `ctest -j N` (as for the
# sigmoid sweep, tests/cmake/sigmoid.cmake). Measured on a 2-core Xeon with AVX-512 (three
# kernels): 77 to 97 s of CPU time, 62 to 87 s wall clock while sharing the cores; the
# AVX2 and AVX-512 kernels over all 2^32 inputs take about half of it.
find_package(Threads REQUIRED)
target_link_libraries(tanh_exhaustive_test PRIVATE Threads::Threads)
cmake_host_system_information(RESULT soma_tanh_cores QUERY NUMBER_OF_LOGICAL_CORES)
if(NOT soma_tanh_cores GREATER 0)
  set(soma_tanh_cores 1)
endif()
set_tests_properties(tanh_exhaustive_test PROPERTIES LABELS "exhaustive" TIMEOUT 1800
  PROCESSORS ${soma_tanh_cores})

# The bitwise contract must not depend on the compiler's contraction of a*b + c: the tanh
# and softmax unit tests built with FMA available to the whole translation unit and the
# most aggressive contraction, as sigmoid_contract_test does for the sigmoid. Only where
# this machine can run AVX2+FMA code.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang"
   AND EXISTS "/proc/cpuinfo")
  file(READ "/proc/cpuinfo" soma_tanh_cpuinfo)
  if(soma_tanh_cpuinfo MATCHES " avx2 " AND soma_tanh_cpuinfo MATCHES " fma ")
    foreach(soma_tanh_test IN ITEMS tanh softmax)
      soma_add_catch_test(${soma_tanh_test}_contract_test
        SOURCES "${CMAKE_CURRENT_SOURCE_DIR}/${soma_tanh_test}_test.cpp" LABELS unit)
      target_compile_options(${soma_tanh_test}_contract_test PRIVATE -mavx2 -mfma
        -ffp-contract=fast)
    endforeach()
  endif()
endif()

# With SOMA_SIGMOID_AARCH64_TEST (tests/cmake/sigmoid.cmake): the tanh, softmax and
# activation unit tests built for AArch64 and run under qemu (the NEON kernels).
if(SOMA_SIGMOID_AARCH64_TEST)
  foreach(soma_tanh_test IN ITEMS tanh_test softmax_test activation_test)
    add_test(NAME ${soma_tanh_test}_aarch64_qemu
      COMMAND "${PROJECT_SOURCE_DIR}/tests/cmake/sigmoid_aarch64.sh"
              "${PROJECT_SOURCE_DIR}" "${CMAKE_CURRENT_BINARY_DIR}/${soma_tanh_test}_aarch64"
              ${soma_tanh_test})
    set_tests_properties(${soma_tanh_test}_aarch64_qemu PROPERTIES LABELS "cross" TIMEOUT 1800)
  endforeach()
endif()
