# soma's inner-product kernels: the cross-target "same bits" check.
#
# kernels_hash_x86: builds tests/hash/inner_product_hash.cpp with GCC and Clang (each
#   found on PATH), for the portable scalar definition (SOMA_NO_SIMD), default flags
#   (run-time dispatch), AVX2 + FMA and AVX-512, at -O1 and -O3, and checks that every
#   build prints the same hash, equal to the recorded one.
# kernels_hash_aarch64: the same for AArch64 NEON, cross-compiled and run under
#   qemu-aarch64; skipped when the cross compiler or qemu is not installed.
# kernels_unit_aarch64: inner_product_test and layer_test cross-compiled for AArch64 and
#   run under qemu (needs Catch2 v2's single header); skipped likewise.
# inner_product_hash: the hash program built with the project's compiler and warnings.
set(SOMA_INNER_PRODUCT_HASH f51e5bdb1c6ae3ab)
set(soma_hash_dir "${CMAKE_CURRENT_SOURCE_DIR}/hash")

add_executable(inner_product_hash "${soma_hash_dir}/inner_product_hash.cpp")
target_link_libraries(inner_product_hash PRIVATE soma::soma)
soma_add_warnings(inner_product_hash)
add_test(NAME inner_product_hash COMMAND inner_product_hash)
set_tests_properties(inner_product_hash PROPERTIES LABELS "kernels"
  PASS_REGULAR_EXPRESSION "hash ${SOMA_INNER_PRODUCT_HASH}")

find_program(SOMA_HASH_GXX NAMES g++ g++-14 g++-13 g++-12)
find_program(SOMA_HASH_CLANGXX NAMES clang++ clang++-18 clang++-17 clang++-16 clang++-15
  clang++-14)
set(soma_hash_compilers "")
foreach(c IN ITEMS SOMA_HASH_GXX SOMA_HASH_CLANGXX)
  if(${c})
    list(APPEND soma_hash_compilers "${${c}}")
  endif()
endforeach()
if(NOT soma_hash_compilers)
  set(soma_hash_compilers "${CMAKE_CXX_COMPILER}")
endif()
string(REPLACE ";" "," soma_hash_compilers_arg "${soma_hash_compilers}")

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  add_test(NAME kernels_hash_x86
    COMMAND "${CMAKE_COMMAND}"
      "-DSOURCE=${soma_hash_dir}/inner_product_hash.cpp"
      "-DINCLUDE_DIR=${PROJECT_SOURCE_DIR}/include"
      "-DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/kernels_hash_x86"
      "-DCOMPILERS=${soma_hash_compilers_arg}"
      "-DEXPECTED=${SOMA_INNER_PRODUCT_HASH}"
      -DMODE=x86
      -P "${soma_hash_dir}/compare_hashes.cmake")
  set_tests_properties(kernels_hash_x86 PROPERTIES LABELS "kernels" TIMEOUT 1200)

  find_program(SOMA_AARCH64_GXX NAMES aarch64-linux-gnu-g++ aarch64-linux-gnu-g++-12)
  find_program(SOMA_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
  set(soma_aarch64_compilers "")
  if(SOMA_AARCH64_GXX)
    list(APPEND soma_aarch64_compilers "${SOMA_AARCH64_GXX}")
    if(SOMA_HASH_CLANGXX)
      # Clang cross-compiles with the GNU cross toolchain's headers and libraries.
      list(APPEND soma_aarch64_compilers "${SOMA_HASH_CLANGXX}|--target=aarch64-linux-gnu")
    endif()
  endif()
  string(REPLACE ";" "," soma_aarch64_compilers_arg "${soma_aarch64_compilers}")
  set(soma_qemu "")
  if(SOMA_QEMU_AARCH64)
    set(soma_qemu "${SOMA_QEMU_AARCH64}")
  endif()
  add_test(NAME kernels_hash_aarch64
    COMMAND "${CMAKE_COMMAND}"
      "-DSOURCE=${soma_hash_dir}/inner_product_hash.cpp"
      "-DINCLUDE_DIR=${PROJECT_SOURCE_DIR}/include"
      "-DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/kernels_hash_aarch64"
      "-DCOMPILERS=${soma_hash_compilers_arg}"
      "-DAARCH64_COMPILERS=${soma_aarch64_compilers_arg}"
      "-DQEMU=${soma_qemu}"
      "-DEXPECTED=${SOMA_INNER_PRODUCT_HASH}"
      -DMODE=aarch64
      -P "${soma_hash_dir}/compare_hashes.cmake")
  set_tests_properties(kernels_hash_aarch64 PROPERTIES LABELS "kernels" TIMEOUT 1200
    SKIP_REGULAR_EXPRESSION "SKIPPED:")

  find_file(SOMA_CATCH2_SINGLE_HEADER catch2/catch.hpp)
  set(soma_catch_header "")
  if(SOMA_CATCH2_SINGLE_HEADER)
    set(soma_catch_header "${SOMA_CATCH2_SINGLE_HEADER}")
  endif()
  set(soma_aarch64_cxx "")
  if(SOMA_AARCH64_GXX)
    set(soma_aarch64_cxx "${SOMA_AARCH64_GXX}")
  endif()
  add_test(NAME kernels_unit_aarch64
    COMMAND "${CMAKE_COMMAND}"
      "-DCXX=${soma_aarch64_cxx}"
      "-DQEMU=${soma_qemu}"
      "-DCATCH_HEADER=${soma_catch_header}"
      "-DSOURCE_DIR=${PROJECT_SOURCE_DIR}"
      "-DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/kernels_unit_aarch64"
      -P "${soma_hash_dir}/aarch64_unit_tests.cmake")
  set_tests_properties(kernels_unit_aarch64 PROPERTIES LABELS "kernels" TIMEOUT 1200
    SKIP_REGULAR_EXPRESSION "SKIPPED:")
endif()
