# cmake -DMARKDOWN=<file.md> -DWORK=<scratch dir> -DCXX=<compiler> -DSOMA_SOURCE_DIR=<src> -P ...
# Compiles every ```cpp block of MARKDOWN, each as the body of its own function, against
# include/soma with soma's warnings as errors, and runs them all (their assert()s and
# static_assert()s are the checks).
cmake_minimum_required(VERSION 3.23)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
file(READ "${MARKDOWN}" text)

set(source "// Generated from ${MARKDOWN} by check_docs_snippets.cmake.\n#undef NDEBUG\n")
string(APPEND source "#include <array>\n#include <cassert>\n#include <stdexcept>\n")
string(APPEND source "#include <string>\n#include <vector>\n#include <soma/soma.hpp>\n\n")
set(calls "")
set(count 0)
while(TRUE)
  string(FIND "${text}" "\n```cpp\n" begin)
  if(begin EQUAL -1)
    break()
  endif()
  math(EXPR begin "${begin} + 8")
  string(SUBSTRING "${text}" ${begin} -1 text)
  string(FIND "${text}" "\n```\n" end)
  if(end EQUAL -1)
    message(FATAL_ERROR "${MARKDOWN}: unterminated ```cpp block")
  endif()
  string(SUBSTRING "${text}" 0 ${end} block)
  math(EXPR count "${count} + 1")
  string(APPEND source "namespace snippet_${count} {\nvoid run() {\n${block}\n}\n}  // namespace snippet_${count}\n\n")
  string(APPEND calls "    snippet_${count}::run();\n")
  string(SUBSTRING "${text}" ${end} -1 text)
endwhile()
if(count EQUAL 0)
  message(FATAL_ERROR "${MARKDOWN} has no ```cpp blocks")
endif()
string(APPEND source "int main() {\n${calls}}\n")
file(WRITE "${WORK}/snippets.cpp" "${source}")

execute_process(
  COMMAND "${CXX}" -std=c++20 "-I${SOMA_SOURCE_DIR}/include" -Wall -Wextra -Wpedantic
          -Wconversion -Wsign-conversion -Wshadow -Werror "${WORK}/snippets.cpp"
          -o "${WORK}/snippets"
  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "the code blocks of ${MARKDOWN} do not compile "
                      "(${WORK}/snippets.cpp):\n${output}")
endif()
execute_process(COMMAND "${WORK}/snippets" RESULT_VARIABLE result
  OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "a code block of ${MARKDOWN} fails (${result}):\n${output}")
endif()
message(STATUS "${count} code blocks of ${MARKDOWN} compile and pass")
