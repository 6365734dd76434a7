# Cross-compiles soma's kernel unit tests (tests/inner_product_test.cpp and
# tests/layer_test.cpp) for AArch64 and runs them under qemu, so that the NEON kernels
# are checked against the scalar definition and the double-double reference exactly as
# the x86 kernels are. Needs Catch2 v2's single header (catch2/catch.hpp); prints
# "SKIPPED: ..." (a CTest skip) when a tool is missing.
#
#   cmake -DCXX=<aarch64 g++> -DQEMU=<qemu-aarch64> -DCATCH_HEADER=<.../catch2/catch.hpp>
#         -DSOURCE_DIR=<soma> -DWORK_DIR=<dir> -P aarch64_unit_tests.cmake
cmake_minimum_required(VERSION 3.20)

if(NOT CXX OR NOT QEMU OR NOT CATCH_HEADER)
  message("SKIPPED: no AArch64 cross compiler, qemu-aarch64 or Catch2 v2 single header")
  return()
endif()
file(MAKE_DIRECTORY "${WORK_DIR}/catch2")
file(COPY "${CATCH_HEADER}" DESTINATION "${WORK_DIR}/catch2")
foreach(test IN ITEMS inner_product_test layer_test)
  set(exe "${WORK_DIR}/${test}")
  execute_process(
    COMMAND "${CXX}" -std=c++20 -O2 -static -Wall -Wextra -Wpedantic -Wconversion
      -Wsign-conversion -Wshadow -Werror "-I${WORK_DIR}" "-I${SOURCE_DIR}/include"
      "-I${SOURCE_DIR}/tests" "${SOURCE_DIR}/tests/${test}.cpp"
      "${SOURCE_DIR}/tests/support/catch_main.cpp" -o "${exe}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${test}: AArch64 compilation failed:\n${out}${err}")
  endif()
  execute_process(COMMAND "${QEMU}" "${exe}" RESULT_VARIABLE rc OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
  message(STATUS "${test} (AArch64, qemu): ${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${test} failed under qemu:\n${out}${err}")
  endif()
endforeach()
