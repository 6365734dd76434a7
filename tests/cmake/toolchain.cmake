# Builds that change the language soma is compiled in (label `unit`):
#
# no_exceptions                        tests/toolchain/no_exceptions.cpp built with
#                                      -fno-exceptions: the umbrella header compiles, static
#                                      size errors stay compile errors, each error reaches
#                                      the default handler (message, std::abort(); checked
#                                      in forked children) or a replacement handler
# no_exceptions_default_handler_aborts the same program letting the default handler abort;
#                                      tests/toolchain/expect_abort.cmake requires the abort
#                                      and the message
# fast_math_warning                    the headers warn under -ffast-math, once, and not
#                                      without it or with SOMA_NO_FAST_MATH_WARNING
#                                      (tests/toolchain/fast_math.cmake)
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  return()
endif()

if(UNIX)
  add_executable(no_exceptions_test "${CMAKE_CURRENT_SOURCE_DIR}/toolchain/no_exceptions.cpp")
  target_link_libraries(no_exceptions_test PRIVATE soma::soma)
  target_compile_options(no_exceptions_test PRIVATE -fno-exceptions)
  soma_add_warnings(no_exceptions_test)
  add_test(NAME no_exceptions COMMAND no_exceptions_test)
  string(REPLACE ";" "," soma_emulator "${CMAKE_CROSSCOMPILING_EMULATOR}")
  add_test(NAME no_exceptions_default_handler_aborts
    COMMAND "${CMAKE_COMMAND}" "-DEXE=$<TARGET_FILE:no_exceptions_test>" -DARG=abort
      "-DEMULATOR=${soma_emulator}"
      "-DPATTERN=soma: std::invalid_argument: soma::sigmoid: z has 3 elements but out has 2"
      -P "${CMAKE_CURRENT_SOURCE_DIR}/toolchain/expect_abort.cmake")
  set_tests_properties(no_exceptions no_exceptions_default_handler_aborts PROPERTIES
    LABELS "unit")
endif()

add_test(NAME fast_math_warning
  COMMAND "${CMAKE_COMMAND}" "-DCXX=${CMAKE_CXX_COMPILER}" "-DSOURCE_DIR=${PROJECT_SOURCE_DIR}"
    -P "${CMAKE_CURRENT_SOURCE_DIR}/toolchain/fast_math.cmake")
set_tests_properties(fast_math_warning PROPERTIES LABELS "unit" TIMEOUT 120)

# static_diagnostics: mixed element types, non-contiguous ranges, differing static sizes
# and bool elements fail to compile with a static_assert saying what to pass
# (tests/toolchain/diagnostics.cmake).
add_test(NAME static_diagnostics
  COMMAND "${CMAKE_COMMAND}" "-DCXX=${CMAKE_CXX_COMPILER}" "-DSOURCE_DIR=${PROJECT_SOURCE_DIR}"
    -P "${CMAKE_CURRENT_SOURCE_DIR}/toolchain/diagnostics.cmake")
set_tests_properties(static_diagnostics PROPERTIES LABELS "unit" TIMEOUT 120)
