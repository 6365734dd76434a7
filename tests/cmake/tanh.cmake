# tanh: extra settings for the exhaustive sweep, tests/tanh_exhaustive_test.cpp.

# All 2^32 floats (every kernel, scalar == array bitwise, odd symmetry, <= 1 ULP, monotonic)
# and 10^7+ doubles: label `exhaustive` (given by tests/CMakeLists.txt), one thread per
# hardware thread, so PROCESSORS holds that many cores for it under `ctest -j N` (as for the
# sigmoid sweep, tests/cmake/sigmoid.cmake).
find_package(Threads REQUIRED)
target_link_libraries(tanh_exhaustive_test PRIVATE Threads::Threads)
cmake_host_system_information(RESULT soma_tanh_cores QUERY NUMBER_OF_LOGICAL_CORES)
if(NOT soma_tanh_cores GREATER 0)
  set(soma_tanh_cores 1)
endif()
set_tests_properties(tanh_exhaustive_test PROPERTIES LABELS "exhaustive" TIMEOUT 1800
  PROCESSORS ${soma_tanh_cores})
