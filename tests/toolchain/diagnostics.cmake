# Compiles each case of tests/toolchain/diagnostics.cpp; each must fail with its
# static_assert message (what to pass), not only the compiler's constraint notes.
#
#   cmake -DCXX=<compiler> -DSOURCE_DIR=<soma> -P diagnostics.cmake
cmake_minimum_required(VERSION 3.20)
set(tu "${SOURCE_DIR}/tests/toolchain/diagnostics.cpp")
set(expected
  "1=w and x must have the same element type"
  "2=w and x must be contiguous, sized vectors"
  "3=the sizes fixed at compile time differ"
  "4=the elements must be numbers"
  "5=soma::sigmoid(z, out): z and out must have the same element type"
  "6=soma::sigmoid(z, out): z and out must be contiguous"
  "7=soma::step(z, out): z and out must have the same element type"
  "8=soma::step(z, out): z and out must be contiguous")
foreach(entry IN LISTS expected)
  string(REGEX REPLACE "^([0-9]+)=(.*)$" "\\1" case "${entry}")
  string(REGEX REPLACE "^([0-9]+)=(.*)$" "\\2" text "${entry}")
  execute_process(COMMAND "${CXX}" -std=c++20 -fsyntax-only "-I${SOURCE_DIR}/include"
    "-DCASE=${case}" "${tu}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(FATAL_ERROR "case ${case} compiles; it must not")
  endif()
  if(NOT text MATCHES "^soma::")
    set(text "soma: ${text}")
  endif()
  string(FIND "${err}" "${text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "case ${case}: no '${text}' in the diagnostics:\n${err}")
  endif()
endforeach()
# The control: without a case the file compiles.
execute_process(COMMAND "${CXX}" -std=c++20 -fsyntax-only "-I${SOURCE_DIR}/include" -DCASE=0
  "${tu}" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "diagnostics.cpp without a case does not compile:\n${err}")
endif()
message(STATUS "${CXX}: every misuse fails with its static_assert message")
