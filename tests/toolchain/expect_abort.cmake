# Runs EXE with ARG and requires it to end abnormally (std::abort(): execute_process
# reports a signal, not an exit code of 0) after printing PATTERN on stderr.
#
#   cmake -DEXE=<program> -DARG=<argument> -DPATTERN=<regex> [-DEMULATOR=<cmd;args>]
#         -P expect_abort.cmake
# EMULATOR: CMAKE_CROSSCOMPILING_EMULATOR of a cross build (e.g. qemu-aarch64;-L;<sysroot>).
cmake_minimum_required(VERSION 3.20)
string(REPLACE "," ";" EMULATOR "${EMULATOR}")
execute_process(COMMAND ${EMULATOR} "${EXE}" "${ARG}" RESULT_VARIABLE rc OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
if(rc STREQUAL "0")
  message(FATAL_ERROR "${EXE} ${ARG}: exited normally; expected std::abort()\n${out}${err}")
endif()
if(NOT err MATCHES "${PATTERN}")
  message(FATAL_ERROR "${EXE} ${ARG}: stderr does not match '${PATTERN}':\n${err}")
endif()
message(STATUS "${EXE} ${ARG}: ended with '${rc}' after printing: ${err}")
