# isa_<name>: one test per ISA soma has kernels for. It passes when this build and CPU run
# that ISA's kernels (the unit tests then check them against the scalar definition) and is
# reported as skipped otherwise, so an ISA that was not tested shows in CTest's summary.
add_executable(isa_report "${CMAKE_CURRENT_SOURCE_DIR}/support/isa_report.cpp")
target_link_libraries(isa_report PRIVATE soma::soma)
soma_add_warnings(isa_report)
foreach(isa IN ITEMS avx512 avx2 neon portable)
  add_test(NAME isa_${isa} COMMAND isa_report ${isa})
  set_tests_properties(isa_${isa} PROPERTIES LABELS "unit" SKIP_RETURN_CODE 77)
endforeach()
