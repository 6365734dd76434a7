# mixed_flags_odr: one program from a translation unit built with -march=x86-64-v4 and one
# built with no -march, linked in both orders, with GCC and Clang (tests/odr/check.cmake).
# With both compilers whatever the project's is, so only with SOMA_TEST_MATRIX.
if(SOMA_TEST_MATRIX AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64"
   AND NOT CMAKE_CROSSCOMPILING)
  find_program(SOMA_ODR_GXX NAMES g++ g++-14 g++-13 g++-12)
  find_program(SOMA_ODR_CLANGXX NAMES clang++ clang++-18 clang++-17 clang++-16 clang++-15
    clang++-14)
  set(soma_odr_compilers "")
  foreach(c IN ITEMS SOMA_ODR_GXX SOMA_ODR_CLANGXX)
    if(${c})
      list(APPEND soma_odr_compilers "${${c}}")
    endif()
  endforeach()
  if(NOT soma_odr_compilers)
    set(soma_odr_compilers "${CMAKE_CXX_COMPILER}")
  endif()
  string(REPLACE ";" "," soma_odr_compilers "${soma_odr_compilers}")
  add_test(NAME mixed_flags_odr
    COMMAND "${CMAKE_COMMAND}" "-DCOMPILERS=${soma_odr_compilers}"
      "-DSOURCE_DIR=${PROJECT_SOURCE_DIR}" "-DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/odr"
      -P "${PROJECT_SOURCE_DIR}/tests/odr/check.cmake")
  set_tests_properties(mixed_flags_odr PROPERTIES LABELS "kernels" TIMEOUT 300)
endif()

# separate_kernels_mixed: a translation unit with SOMA_SEPARATE_KERNELS (its tables in
# tests/odr/separate_kernels.cpp) and one with the inline tables in one program, which
# must link and give the same bits (tests/odr/separate_main.cpp).
add_executable(separate_kernels_mixed "${PROJECT_SOURCE_DIR}/tests/odr/separate_main.cpp"
  "${PROJECT_SOURCE_DIR}/tests/odr/separate_kernels.cpp"
  "${PROJECT_SOURCE_DIR}/tests/odr/separate_compute.cpp"
  "${CMAKE_CURRENT_BINARY_DIR}/odr_inline_compute.cpp")
configure_file("${PROJECT_SOURCE_DIR}/tests/odr/separate_compute.cpp"
  "${CMAKE_CURRENT_BINARY_DIR}/odr_inline_compute.cpp" COPYONLY)
set_source_files_properties("${PROJECT_SOURCE_DIR}/tests/odr/separate_kernels.cpp"
  PROPERTIES COMPILE_DEFINITIONS "SOMA_SEPARATE_KERNELS")
set_source_files_properties("${PROJECT_SOURCE_DIR}/tests/odr/separate_compute.cpp"
  PROPERTIES COMPILE_DEFINITIONS "SOMA_SEPARATE_KERNELS;COMPUTE=compute_separate")
set_source_files_properties("${CMAKE_CURRENT_BINARY_DIR}/odr_inline_compute.cpp"
  PROPERTIES COMPILE_DEFINITIONS "COMPUTE=compute_inline")
target_link_libraries(separate_kernels_mixed PRIVATE soma::soma)
soma_add_warnings(separate_kernels_mixed)
add_test(NAME separate_kernels_mixed COMMAND separate_kernels_mixed)
set_tests_properties(separate_kernels_mixed PROPERTIES LABELS "unit")
