# Compiles tests/toolchain/fast_math_tu.cpp with -ffast-math (the warning must appear,
# once), without it and with -ffast-math -DSOMA_NO_FAST_MATH_WARNING (it must not).
#
#   cmake -DCXX=<compiler> -DSOURCE_DIR=<soma> -P fast_math.cmake
cmake_minimum_required(VERSION 3.20)
set(tu "${SOURCE_DIR}/tests/toolchain/fast_math_tu.cpp")
set(common -std=c++20 -fsyntax-only "-I${SOURCE_DIR}/include")
set(message "soma: compiled with -ffast-math: soma's NaN, infinity, subnormal and bitwise")

function(compile out_var)
  execute_process(COMMAND "${CXX}" ${common} ${ARGN} "${tu}" RESULT_VARIABLE rc
    OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CXX} ${ARGN}: does not compile:\n${err}")
  endif()
  set(${out_var} "${out}${err}" PARENT_SCOPE)
endfunction()

compile(with -ffast-math)
string(FIND "${with}" "${message}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "-ffast-math: no soma warning in the compiler's output:\n${with}")
endif()
string(REGEX MATCHALL "soma: compiled with -ffast-math" seen "${with}")
list(LENGTH seen count)
# Clang repeats the text in its note line only when the pragma is quoted; GCC prints the
# source line too. Either way the warning is issued once: at most two copies of the text.
if(count GREATER 2)
  message(FATAL_ERROR "-ffast-math: the warning appears ${count} times:\n${with}")
endif()
compile(without)
string(FIND "${without}" "soma: compiled with -ffast-math" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "no -ffast-math: soma warns anyway:\n${without}")
endif()
compile(silenced -ffast-math -DSOMA_NO_FAST_MATH_WARNING)
string(FIND "${silenced}" "soma: compiled with -ffast-math" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "SOMA_NO_FAST_MATH_WARNING: soma warns anyway:\n${silenced}")
endif()
message(STATUS "${CXX}: -ffast-math warning issued; none without it or when silenced")
