# Runs builds of tests/hash/inner_product_hash.cpp and compares what they print (soma's
# "same bits on every target" contract). The builds are made by the build system
# (tests/cmake/kernels.cmake); this script only runs them.
#
#   cmake -DMANIFEST=<test>.cmake [-DEXE=<executable>] -P run_hashes.cmake
#
# The manifest (written by kernels.cmake) sets
#   SOMA_HASH_TEST       the test's name
#   SOMA_HASH_BUILDS     build ids; for each id <id>_NAME, <id>_COMMAND (the executable,
#                        after its emulator if any) and <id>_ISA (the `isa` it must print,
#                        or empty for any)
#   SOMA_HASH_RECORDED   <key>=<16 hex digits> items: the values the keys must have
#   SOMA_HASH_SKIP       if not empty, why the test is skipped
#   SOMA_HASH_REQUIRE    empty, or a name followed by the /proc/cpuinfo flags the builds
#                        need; the test is skipped on a CPU without them
#   SOMA_HASH_EMULATOR   the command that runs EXE when cross-compiling, or empty
# EXE adds one build (the program built with the project's compiler).
#
# A build's output is lines `<key> <value>`. For every key that is `hash` or ends in
# `_hash` the value is 16 hex digits, every build prints the key exactly once and all
# builds print the same value; `hash` is required. Other keys (`isa`) are not compared
# between builds. A skip prints "SKIPPED: <reason>", which the test takes as a CTest skip.
cmake_minimum_required(VERSION 3.20)

if(NOT MANIFEST)
  message(FATAL_ERROR "usage: cmake -DMANIFEST=<file> [-DEXE=<exe>] -P run_hashes.cmake")
endif()
include("${MANIFEST}")
if(EXE)
  list(APPEND SOMA_HASH_BUILDS project_compiler)
  set(project_compiler_NAME "the project's compiler")
  set(project_compiler_COMMAND ${SOMA_HASH_EMULATOR} "${EXE}")
  set(project_compiler_ISA "")
endif()

if(SOMA_HASH_SKIP)
  message("SKIPPED: ${SOMA_HASH_SKIP}")
  return()
endif()

if(SOMA_HASH_REQUIRE)
  list(POP_FRONT SOMA_HASH_REQUIRE what)
  if(NOT EXISTS "/proc/cpuinfo")
    message("SKIPPED: ${what}: not tested, no /proc/cpuinfo to tell the CPU's features")
    return()
  endif()
  file(STRINGS "/proc/cpuinfo" flags_line REGEX "^flags[ \t]*:" LIMIT_COUNT 1)
  string(REGEX REPLACE "^flags[ \t]*:" "" flags_line "${flags_line}")
  string(REGEX REPLACE "[ \t]+" ";" cpu_flags "${flags_line}")
  set(missing "")
  foreach(flag IN LISTS SOMA_HASH_REQUIRE)
    if(NOT flag IN_LIST cpu_flags)
      list(APPEND missing "${flag}")
    endif()
  endforeach()
  if(missing)
    string(REPLACE ";" " " missing "${missing}")
    message("SKIPPED: ${what}: not tested on this CPU (it lacks ${missing})")
    return()
  endif()
endif()

if(NOT SOMA_HASH_BUILDS)
  message(FATAL_ERROR "${SOMA_HASH_TEST}: no builds to run")
endif()

set(errors "")
set(all_keys "")
foreach(id IN LISTS SOMA_HASH_BUILDS)
  set(name "${${id}_NAME}")
  list(GET ${id}_COMMAND -1 exe)
  if(NOT EXISTS "${exe}")
    message(FATAL_ERROR "${name}: ${exe} does not exist; build the project first "
      "(cmake --build <dir>: target soma_hash_matrix or inner_product_hash)")
  endif()
  execute_process(COMMAND ${${id}_COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name}: run failed (${rc}):\n${out}${err}")
  endif()
  string(REPLACE "\r" "" out "${out}")
  string(REPLACE ";" "\\;" out "${out}")
  string(REPLACE "\n" ";" lines "${out}")
  set(${id}_keys "")
  set(isa "")
  foreach(line IN LISTS lines)
    if(line STREQUAL "")
      continue()
    endif()
    if(NOT line MATCHES "^([A-Za-z0-9_]+) ([^ ]+)$")
      string(APPEND errors "${name}: unexpected output line '${line}'\n")
      continue()
    endif()
    set(key "${CMAKE_MATCH_1}")
    set(value "${CMAKE_MATCH_2}")
    if(key STREQUAL "isa")
      set(isa "${value}")
    elseif(key STREQUAL "hash" OR key MATCHES "_hash$")
      if(NOT value MATCHES "^[0-9a-f]+$")
        string(APPEND errors "${name}: ${key} '${value}' is not lower-case hex\n")
      else()
        string(LENGTH "${value}" length)
        if(NOT length EQUAL 16)
          string(APPEND errors "${name}: ${key} '${value}' is not 16 hex digits\n")
        endif()
      endif()
      if(key IN_LIST ${id}_keys)
        string(APPEND errors "${name}: prints ${key} twice\n")
      endif()
      list(APPEND ${id}_keys "${key}")
      set(${id}_value_${key} "${value}")
      if(NOT key IN_LIST all_keys)
        list(APPEND all_keys "${key}")
      endif()
    endif()
  endforeach()
  if(NOT "hash" IN_LIST ${id}_keys)
    string(APPEND errors "${name}: no 'hash' line in its output:\n${out}\n")
  endif()
  if(${id}_ISA AND NOT isa STREQUAL "${${id}_ISA}")
    string(APPEND errors "${name}: used isa '${isa}', expected '${${id}_ISA}'\n")
  endif()
  set(${id}_isa "${isa}")
endforeach()

# The table: one row per build, one column per key.
list(SORT all_keys)
list(REMOVE_ITEM all_keys hash)
list(PREPEND all_keys hash)
string(REPLACE ";" " " header "${all_keys}")
set(report "columns: ${header}, isa, build\n")
foreach(id IN LISTS SOMA_HASH_BUILDS)
  set(row "")
  foreach(key IN LISTS all_keys)
    if(DEFINED ${id}_value_${key})
      string(APPEND row "${${id}_value_${key}} ")
    else()
      string(APPEND row "(missing)        ")
    endif()
  endforeach()
  string(APPEND report "${row} ${${id}_isa}  ${${id}_NAME}\n")
endforeach()

# Every build agrees with the first on every key.
list(GET SOMA_HASH_BUILDS 0 first)
foreach(key IN LISTS all_keys)
  foreach(id IN LISTS SOMA_HASH_BUILDS)
    if(NOT DEFINED ${id}_value_${key})
      string(APPEND errors "${${id}_NAME}: prints no ${key}\n")
    elseif(DEFINED ${first}_value_${key}
           AND NOT "${${id}_value_${key}}" STREQUAL "${${first}_value_${key}}")
      string(APPEND errors "${key}: ${${id}_NAME} prints ${${id}_value_${key}}, "
        "${${first}_NAME} prints ${${first}_value_${key}}\n")
    endif()
  endforeach()
endforeach()

# And with the recorded values.
set(summary "")
foreach(item IN LISTS SOMA_HASH_RECORDED)
  if(NOT item MATCHES "^([A-Za-z0-9_]+)=(.*)$")
    message(FATAL_ERROR "bad recorded item '${item}'")
  endif()
  set(key "${CMAKE_MATCH_1}")
  set(recorded "${CMAKE_MATCH_2}")
  set(recorded_${key} "${recorded}")
  if(NOT key IN_LIST all_keys)
    string(APPEND errors "${key}: recorded as ${recorded}, but no build prints it\n")
  elseif(DEFINED ${first}_value_${key}
         AND NOT "${${first}_value_${key}}" STREQUAL "${recorded}")
    string(APPEND errors "${key}: the builds print ${${first}_value_${key}}, the recorded "
      "value is ${recorded}: the results changed (if on purpose, record the new value in "
      "tests/cmake/kernels.cmake)\n")
  endif()
endforeach()
foreach(key IN LISTS all_keys)
  if(DEFINED recorded_${key})
    string(APPEND summary "  ${key} ${${first}_value_${key}} (recorded)\n")
  else()
    string(APPEND summary "  ${key} ${${first}_value_${key}} (not recorded: compared "
      "between builds only)\n")
  endif()
endforeach()

# Plain messages: CMake would rewrap the table in a FATAL_ERROR message.
list(LENGTH SOMA_HASH_BUILDS count)
message("${SOMA_HASH_TEST}: ${count} builds\n${report}")
if(errors)
  message("${errors}")
  message(FATAL_ERROR "${SOMA_HASH_TEST}: failed (above)")
endif()
message("${SOMA_HASH_TEST}: all ${count} builds agree:\n${summary}")
