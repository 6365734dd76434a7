# Runs EXE with ARG and requires it to end abnormally (std::abort(): execute_process
# reports a signal, not an exit code of 0) after printing PATTERN on stderr.
#
#   cmake -DEXE=<program> -DARG=<argument> -DPATTERN=<regex> -P expect_abort.cmake
cmake_minimum_required(VERSION 3.20)
execute_process(COMMAND "${EXE}" "${ARG}" RESULT_VARIABLE rc OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
if(rc STREQUAL "0")
  message(FATAL_ERROR "${EXE} ${ARG}: exited normally; expected std::abort()\n${out}${err}")
endif()
if(NOT err MATCHES "${PATTERN}")
  message(FATAL_ERROR "${EXE} ${ARG}: stderr does not match '${PATTERN}':\n${err}")
endif()
message(STATUS "${EXE} ${ARG}: ended with '${rc}' after printing: ${err}")
