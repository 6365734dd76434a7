# Checks on what soma gives a consumer project, injected into the consumer by the test
# driver (CMAKE_PROJECT_consumer_INCLUDE) so that the consumer's CMakeLists.txt stays
# exactly what a user writes. They run once the consumer's CMakeLists.txt has been read.

function(soma_check_consumer)
  if(NOT TARGET soma::soma)
    message(FATAL_ERROR "soma check: no target soma::soma")
  endif()

  # The usage requirements are C++20 and the include directory, nothing else: no
  # compile options, definitions, link options or libraries leak into the consumer.
  foreach(property IN ITEMS INTERFACE_COMPILE_OPTIONS INTERFACE_COMPILE_DEFINITIONS
               INTERFACE_LINK_OPTIONS INTERFACE_LINK_LIBRARIES)
    get_target_property(value soma::soma ${property})
    if(value)
      message(FATAL_ERROR "soma check: soma::soma has ${property} '${value}'")
    endif()
  endforeach()
  get_target_property(features soma::soma INTERFACE_COMPILE_FEATURES)
  if(NOT features STREQUAL "cxx_std_20")
    message(FATAL_ERROR "soma check: soma::soma has compile features '${features}', "
              "expected exactly cxx_std_20")
  endif()

  # Nothing global: the consumer's directory carries no options soma put there.
  foreach(property IN ITEMS COMPILE_OPTIONS COMPILE_DEFINITIONS INCLUDE_DIRECTORIES
               LINK_OPTIONS)
    get_directory_property(value DIRECTORY "${CMAKE_SOURCE_DIR}" ${property})
    if(value)
      message(FATAL_ERROR "soma check: the consumer's directory has ${property} '${value}'")
    endif()
  endforeach()

  # None of soma's own targets, tests or helper functions exist in the consumer.
  foreach(target IN ITEMS neuron_test step_test tutorial quick_start plots
              soma_static_tests soma_catch_main)
    if(TARGET ${target})
      message(FATAL_ERROR "soma check: soma's target '${target}' leaked into the consumer")
    endif()
  endforeach()
  if(COMMAND soma_add_warnings OR COMMAND soma_add_catch_test)
    message(FATAL_ERROR "soma check: soma's CMake helper functions leaked into the consumer")
  endif()

  get_target_property(imported soma::soma IMPORTED)
  if(imported)
    # find_package: the package came from the staging prefix, not from elsewhere.
    if(DEFINED SOMA_EXPECTED_PREFIX)
      file(REAL_PATH "${soma_DIR}" found)
      file(REAL_PATH "${SOMA_EXPECTED_PREFIX}" expected)
      string(FIND "${found}/" "${expected}/" at)
      if(NOT at EQUAL 0)
        message(FATAL_ERROR "soma check: soma_DIR '${found}' is not in '${expected}'")
      endif()
    endif()
  else()
    # add_subdirectory / FetchContent: soma's directory defines the one library
    # target, no subdirectories and no tests.
    get_target_property(target soma::soma ALIASED_TARGET)
    get_target_property(soma_dir ${target} SOURCE_DIR)
    get_directory_property(targets DIRECTORY "${soma_dir}" BUILDSYSTEM_TARGETS)
    get_directory_property(subdirectories DIRECTORY "${soma_dir}" SUBDIRECTORIES)
    get_directory_property(tests DIRECTORY "${soma_dir}" TESTS)
    if(NOT targets STREQUAL "soma" OR subdirectories OR tests)
      message(FATAL_ERROR "soma check: vendored soma defines targets '${targets}', "
                "subdirectories '${subdirectories}', tests '${tests}'; "
                "expected only the target 'soma'")
    endif()
  endif()
  message(STATUS "soma check: soma::soma usage requirements are clean")
endfunction()

cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL soma_check_consumer)
