# Builds tests/hash/inner_product_hash.cpp in many configurations and checks that every
# build prints the same hash (soma's "same bits on every FMA-capable target" contract),
# equal to the recorded one.
#
#   cmake -DSOURCE=<inner_product_hash.cpp> -DINCLUDE_DIR=<soma/include> -DWORK_DIR=<dir>
#         -DCOMPILERS=<c++,c++...> [-DMODE=x86|aarch64] [-DAARCH64_COMPILERS=<...>]
#         [-DQEMU=<qemu-aarch64>] [-DEXPECTED=<hash>] -P compare_hashes.cmake
#
# MODE x86 (default): every compiler x {scalar (SOMA_NO_SIMD, no FMA instruction),
# default flags (run-time dispatch), -mavx2 -mfma, -march=skylake-avx512} x {-O1, -O3},
# plus -O2 -ffp-contract=fast with default flags, AVX2 and -march=native. ISA builds the
# CPU cannot run are skipped
# (the default build reports what the CPU has).
# MODE aarch64: each cross compiler at -O1 and -O3 (NEON) and with SOMA_NO_SIMD, run
# under qemu; prints "SKIPPED: ..." (a CTest skip) when no cross compiler or qemu is given.
cmake_minimum_required(VERSION 3.20)

if(NOT MODE)
  set(MODE x86)
endif()
# Lists arrive comma-separated (a semicolon does not survive the test command line).
string(REPLACE "," ";" COMPILERS "${COMPILERS}")
string(REPLACE "," ";" AARCH64_COMPILERS "${AARCH64_COMPILERS}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(common -std=c++20 -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
  -Werror "-I${INCLUDE_DIR}")
set(hashes "")
set(report "")

# run_config(<name> <compiler> <runner or ""> <flags...>): compile, run, record the hash.
function(run_config name compiler runner)
  string(MAKE_C_IDENTIFIER "${name}" id)
  set(exe "${WORK_DIR}/hash_${id}")
  execute_process(COMMAND ${compiler} ${common} ${ARGN} "${SOURCE}" -o "${exe}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name}: compilation failed:\n${out}${err}")
  endif()
  if(runner)
    execute_process(COMMAND "${runner}" "${exe}" RESULT_VARIABLE rc OUTPUT_VARIABLE out
      ERROR_VARIABLE err)
  else()
    execute_process(COMMAND "${exe}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  endif()
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name}: run failed (${rc}):\n${out}${err}")
  endif()
  string(REGEX MATCH "isa ([a-z0-9]+)" _ "${out}")
  set(isa "${CMAKE_MATCH_1}")
  string(REGEX MATCH "hash ([0-9a-f]+)" _ "${out}")
  set(hash "${CMAKE_MATCH_1}")
  message(STATUS "${hash}  isa=${isa}  ${name}")
  set(last_isa "${isa}" PARENT_SCOPE)
  set(hashes ${hashes} "${hash}" PARENT_SCOPE)
  set(report "${report}${hash}  isa=${isa}  ${name}\n" PARENT_SCOPE)
endfunction()

if(MODE STREQUAL "x86")
  foreach(compiler IN LISTS COMPILERS)
    get_filename_component(cname "${compiler}" NAME)
    foreach(opt -O1 -O3)
      run_config("${cname} ${opt} default flags" "${compiler}" "" ${opt})
      set(cpu_isa "${last_isa}")
      run_config("${cname} ${opt} SOMA_NO_SIMD" "${compiler}" "" ${opt} -DSOMA_NO_SIMD)
      if(cpu_isa STREQUAL "avx2" OR cpu_isa STREQUAL "avx512")
        run_config("${cname} ${opt} -mavx2 -mfma" "${compiler}" "" ${opt} -mavx2 -mfma)
        if(NOT last_isa STREQUAL "avx2")
          message(FATAL_ERROR "-mavx2 -mfma build used isa ${last_isa}, expected avx2")
        endif()
        run_config("${cname} ${opt} SOMA_NO_SIMD -mfma" "${compiler}" "" ${opt} -DSOMA_NO_SIMD
          -mavx2 -mfma)
      endif()
      if(cpu_isa STREQUAL "avx512")
        run_config("${cname} ${opt} -march=skylake-avx512" "${compiler}" "" ${opt}
          -march=skylake-avx512)
        if(NOT last_isa STREQUAL "avx512")
          message(FATAL_ERROR "-march=skylake-avx512 build used isa ${last_isa}")
        endif()
      endif()
    endforeach()
    # Contraction of a*b + c into an FMA allowed everywhere: soma must not depend on it.
    run_config("${cname} -O2 -ffp-contract=fast" "${compiler}" "" -O2 -ffp-contract=fast)
    if(cpu_isa STREQUAL "avx2" OR cpu_isa STREQUAL "avx512")
      run_config("${cname} -O2 -ffp-contract=fast -mavx2 -mfma" "${compiler}" "" -O2
        -ffp-contract=fast -mavx2 -mfma)
      run_config("${cname} -O3 -ffp-contract=fast SOMA_NO_SIMD -mfma" "${compiler}" "" -O3
        -ffp-contract=fast -DSOMA_NO_SIMD -mavx2 -mfma)
    endif()
    run_config("${cname} -O2 -ffp-contract=fast -march=native" "${compiler}" "" -O2
      -ffp-contract=fast -march=native)
  endforeach()
elseif(MODE STREQUAL "aarch64")
  if(NOT AARCH64_COMPILERS OR NOT QEMU)
    message("SKIPPED: no AArch64 cross compiler or qemu-aarch64")
    return()
  endif()
  # The reference: the host's portable scalar build.
  foreach(compiler IN LISTS COMPILERS)
    get_filename_component(cname "${compiler}" NAME)
    run_config("host ${cname} -O2 SOMA_NO_SIMD" "${compiler}" "" -O2 -DSOMA_NO_SIMD)
    break()
  endforeach()
  foreach(compiler IN LISTS AARCH64_COMPILERS)
    string(REPLACE "|" ";" compiler "${compiler}")  # "clang++|--target=..." -> list
    list(GET compiler 0 cpath)
    get_filename_component(cname "${cpath}" NAME)
    foreach(opt -O1 -O3)
      run_config("aarch64 ${cname} ${opt}" "${compiler}" "${QEMU}" ${opt} -static)
      if(NOT last_isa STREQUAL "neon")
        message(FATAL_ERROR "AArch64 build used isa ${last_isa}, expected neon")
      endif()
    endforeach()
    run_config("aarch64 ${cname} -O2 SOMA_NO_SIMD" "${compiler}" "${QEMU}" -O2 -static
      -DSOMA_NO_SIMD)
    run_config("aarch64 ${cname} -O2 -ffp-contract=fast" "${compiler}" "${QEMU}" -O2 -static
      -ffp-contract=fast)
  endforeach()
else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()

list(REMOVE_DUPLICATES hashes)
list(LENGTH hashes distinct)
if(NOT distinct EQUAL 1)
  message(FATAL_ERROR "builds disagree:\n${report}")
endif()
if(EXPECTED AND NOT hashes STREQUAL EXPECTED)
  message(FATAL_ERROR "all builds print ${hashes}, but the recorded hash is ${EXPECTED}: "
    "the results of soma's inner products changed\n${report}")
endif()
message(STATUS "all builds agree: ${hashes}")
