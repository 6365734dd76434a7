# fp_flags_test (tests/fp_flags_test.cpp): floating-point exception flags, one input at a
# time. Clang assumes by default that flags are not observed and may drop or move the
# operations that raise them; strict exception behaviour keeps them as the source says.
# GCC honours the flags by default (-ftrapping-math).
if(TARGET fp_flags_test AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  target_compile_options(fp_flags_test PRIVATE -ffp-exception-behavior=strict)
endif()
# Label fp_flags too: scripts/test.sh --sanitize runs it beside the sanitized unit tests.
if(TARGET fp_flags_test)
  set_property(TEST fp_flags_test APPEND PROPERTY LABELS fp_flags)
endif()
