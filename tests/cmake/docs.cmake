# Docs tests (label `docs`): the pictures committed in docs/img are what examples/plots
# draws from the current headers. To regenerate them after a change:
#   cmake --build <build> --target plots && <build>/examples/plots docs/img
if(TARGET plots)
  add_test(NAME docs_images_current
    COMMAND "${CMAKE_COMMAND}"
      "-DPLOTS=$<TARGET_FILE:plots>"
      "-DWORK=${PROJECT_BINARY_DIR}/docs-img"
      "-DCOMMITTED=${PROJECT_SOURCE_DIR}/docs/img"
      -P "${PROJECT_SOURCE_DIR}/tests/packaging/check_docs_images.cmake")
  set_tests_properties(docs_images_current PROPERTIES LABELS "docs" TIMEOUT 60)
endif()

# The code blocks of docs/math.md compile and their asserts hold.
add_test(NAME docs_math_snippets
  COMMAND "${CMAKE_COMMAND}"
    "-DMARKDOWN=${PROJECT_SOURCE_DIR}/docs/math.md"
    "-DWORK=${PROJECT_BINARY_DIR}/docs-snippets"
    "-DCXX=${CMAKE_CXX_COMPILER}"
    "-DSOMA_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    -P "${PROJECT_SOURCE_DIR}/tests/packaging/check_docs_snippets.cmake")
set_tests_properties(docs_math_snippets PROPERTIES LABELS "docs" TIMEOUT 120)

# docs/api.md has a section for every public header.
add_test(NAME docs_api_covers_headers
  COMMAND "${CMAKE_COMMAND}" "-DSOMA_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    -P "${PROJECT_SOURCE_DIR}/tests/packaging/check_api_doc.cmake")
set_tests_properties(docs_api_covers_headers PROPERTIES LABELS "docs" TIMEOUT 30)

# README's code blocks are the quick-start example and tested consumer projects.
add_test(NAME docs_readme_snippets
  COMMAND "${CMAKE_COMMAND}" -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
          -P "${PROJECT_SOURCE_DIR}/tests/packaging/check_readme_snippets.cmake")
set_tests_properties(docs_readme_snippets PROPERTIES LABELS "docs")

# Every test docs/contract.md cites exists.
add_test(NAME docs_contract_tests_exist
  COMMAND "${CMAKE_COMMAND}" "-DSOMA_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    -P "${PROJECT_SOURCE_DIR}/tests/packaging/check_contract_doc.cmake")
set_tests_properties(docs_contract_tests_exist PROPERTIES LABELS "docs" TIMEOUT 30)
