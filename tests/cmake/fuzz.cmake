# Differential fuzzing (tests/fuzz/fuzz_kernels.cpp, libFuzzer): with
# -DSOMA_BUILD_FUZZERS=ON and Clang, the target fuzz_kernels (not part of soma_unit_tests or
# `all`'s tests). scripts/fuzz.sh builds it and runs it for a bounded time on a copy of the
# seed corpus tests/fuzz/corpus.
option(SOMA_BUILD_FUZZERS "Build the libFuzzer targets (Clang)" OFF)
if(SOMA_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "soma: SOMA_BUILD_FUZZERS needs Clang (libFuzzer)")
  endif()
  add_executable(fuzz_kernels "${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_kernels.cpp")
  target_link_libraries(fuzz_kernels PRIVATE soma::soma)
  target_compile_options(fuzz_kernels PRIVATE -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=all)
  target_link_options(fuzz_kernels PRIVATE -fsanitize=fuzzer,address,undefined)
  set_property(DIRECTORY APPEND PROPERTY SOMA_NOT_UNIT_TARGETS fuzz_kernels)
endif()
