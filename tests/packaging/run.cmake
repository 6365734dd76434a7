# Driver of soma's packaging tests (cmake -P). Every step runs the real commands a user
# runs; any failure stops with the command's output.
#
#   -DMODE=install        configure soma alone and `cmake --install` it into PREFIX
#   -DMODE=consumer       configure, build and run the consumer project CONSUMER
#                         (a directory beside this script) against PREFIX / SOMA_SOURCE_DIR
#   -DMODE=configure_fail configure CONSUMER and require that configuring fails
#   -DMODE=pkg_config     compile main.cpp with `pkg-config --cflags soma` from PREFIX, and
#                         by the README's commands verbatim; soma.pc has no placeholder URL
#   -DMODE=readme         run README.md's commands for README_SECTION (find_package,
#                         FetchContent or add_subdirectory) verbatim on its CMake block
#   -DMODE=version        the version in soma/version.hpp equals PROJECT_VERSION
#   -DMODE=single_header  build and run QUICK_START with SINGLE_HEADER as its only soma
#
# Common variables: SOMA_SOURCE_DIR, WORK (a scratch directory, emptied first), PREFIX,
# CXX (the compiler of the outer build), GENERATOR, PROJECT_VERSION.
cmake_minimum_required(VERSION 3.23)

set(warnings -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Werror)

function(run)
  cmake_parse_arguments(arg "MAY_FAIL" "RESULT;OUTPUT" "" ${ARGN})
  string(REPLACE ";" " " shown "${arg_UNPARSED_ARGUMENTS}")
  message(STATUS "$ ${shown}")
  execute_process(COMMAND ${arg_UNPARSED_ARGUMENTS}
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT arg_MAY_FAIL AND NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}):\n${output}")
  endif()
  if(arg_RESULT)
    set(${arg_RESULT} "${result}" PARENT_SCOPE)
  endif()
  if(arg_OUTPUT)
    set(${arg_OUTPUT} "${output}" PARENT_SCOPE)
  endif()
endfunction()

function(fresh_directory dir)
  file(REMOVE_RECURSE "${dir}")
  file(MAKE_DIRECTORY "${dir}")
endfunction()

# The consumer project as a user has it: its CMakeLists.txt and main.cpp in one directory.
function(configure_consumer result_var output_var)
  set(here "${CMAKE_CURRENT_FUNCTION_LIST_DIR}")
  fresh_directory("${WORK}")
  file(COPY "${here}/${CONSUMER}/CMakeLists.txt" "${here}/main.cpp" DESTINATION "${WORK}/src")
  string(REPLACE ";" " " flags "${warnings}")
  set(args -S "${WORK}/src" -B "${WORK}/build" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX}"
    "-DCMAKE_CXX_FLAGS=${flags}"
    -DCMAKE_BUILD_TYPE=Debug
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
    "-DCMAKE_PROJECT_consumer_INCLUDE=${here}/consumer_checks.cmake"
    "-DSOMA_SOURCE_DIR=${SOMA_SOURCE_DIR}")
  if(DEFINED PREFIX)
    # CMAKE_PREFIX_PATH is searched before the system; consumer_checks.cmake makes
    # sure the soma found is the staged one.
    list(APPEND args "-DCMAKE_PREFIX_PATH=${PREFIX}" "-DSOMA_EXPECTED_PREFIX=${PREFIX}"
      -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
  endif()
  run("${CMAKE_COMMAND}" ${args} MAY_FAIL RESULT result OUTPUT output)
  set(${result_var} "${result}" PARENT_SCOPE)
  set(${output_var} "${output}" PARENT_SCOPE)
endfunction()

function(run_consumer program)
  run("${program}" OUTPUT output)
  message(STATUS "${output}")
  if(NOT output MATCHES "x = \\(1, 1\\)  y = 1\n.*: ok\n")
    message(FATAL_ERROR "unexpected output of ${program}:\n${output}")
  endif()
endfunction()

if(MODE STREQUAL "install")
  fresh_directory("${WORK}")
  run("${CMAKE_COMMAND}" -S "${SOMA_SOURCE_DIR}" -B "${WORK}/build" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX}" -DSOMA_BUILD_TESTS=OFF -DSOMA_BUILD_EXAMPLES=OFF
    -DSOMA_BUILD_BENCHMARKS=OFF)
  run("${CMAKE_COMMAND}" --install "${WORK}/build" --prefix "${PREFIX}")
  foreach(file IN ITEMS include/soma/soma.hpp include/soma/detail/inner_product.hpp
             share/cmake/soma/soma-config.cmake
             share/cmake/soma/soma-config-version.cmake
             share/cmake/soma/soma-targets.cmake share/pkgconfig/soma.pc)
    if(NOT EXISTS "${PREFIX}/${file}")
      message(FATAL_ERROR "not installed: ${PREFIX}/${file}")
    endif()
  endforeach()

elseif(MODE STREQUAL "consumer")
  configure_consumer(result output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "configuring ${CONSUMER} failed:\n${output}")
  endif()
  if(NOT output MATCHES "soma check: soma::soma usage requirements are clean")
    message(FATAL_ERROR "the consumer checks did not run:\n${output}")
  endif()
  run("${CMAKE_COMMAND}" --build "${WORK}/build")
  if(DEFINED EXPECT_STD)
    # The consumer's standard wins over soma's cxx_std_20 usage requirement.
    file(READ "${WORK}/build/compile_commands.json" commands)
    if(NOT commands MATCHES "-std=(c|gnu)\\+\\+(${EXPECT_STD})")
      message(FATAL_ERROR "main.cpp was not compiled with -std=c++${EXPECT_STD}:\n${commands}")
    endif()
  endif()
  run_consumer("${WORK}/build/consumer")

elseif(MODE STREQUAL "configure_fail")
  configure_consumer(result output)
  if(result EQUAL 0)
    message(FATAL_ERROR "configuring ${CONSUMER} succeeded, expected a failure:\n${output}")
  endif()
  if(NOT output MATCHES "version: 0\\.1\\.0")
    message(FATAL_ERROR "configuring ${CONSUMER} failed for another reason than the "
              "version:\n${output}")
  endif()
  message(STATUS "configuring failed as expected:\n${output}")

elseif(MODE STREQUAL "pkg_config")
  find_program(pkg_config NAMES pkg-config pkgconf)
  if(NOT pkg_config)
    message(FATAL_ERROR "pkg-config not found (Debian: apt-get install pkg-config)")
  endif()
  fresh_directory("${WORK}")
  set(env "${CMAKE_COMMAND}" -E env "PKG_CONFIG_PATH=${PREFIX}/share/pkgconfig"
    "PKG_CONFIG_LIBDIR=${PREFIX}/share/pkgconfig")
  run(${env} "${pkg_config}" --modversion soma OUTPUT version)
  string(STRIP "${version}" version)
  if(NOT version STREQUAL PROJECT_VERSION)
    message(FATAL_ERROR "soma.pc has version '${version}', the project '${PROJECT_VERSION}'")
  endif()
  # URL is optional; soma.pc has one only if it is a real address, never a placeholder.
  file(READ "${PREFIX}/share/pkgconfig/soma.pc" pc)
  if(pc MATCHES "(^|\n)URL:([^\n]*)")
    string(STRIP "${CMAKE_MATCH_2}" url)
    if(url STREQUAL "" OR url MATCHES "example\\.|\\.invalid|\\.test(/|$)|localhost")
      message(FATAL_ERROR "soma.pc has a placeholder URL '${url}':\n${pc}")
    endif()
  endif()
  run(${env} "${pkg_config}" --libs soma OUTPUT libs)
  string(STRIP "${libs}" libs)
  if(NOT libs STREQUAL "")
    message(FATAL_ERROR "soma.pc has Libs '${libs}'; a header-only library has none")
  endif()
  run(${env} "${pkg_config}" --cflags soma OUTPUT cflags)
  string(STRIP "${cflags}" cflags)
  separate_arguments(cflags UNIX_COMMAND "${cflags}")
  if(NOT cflags)
    message(FATAL_ERROR "soma.pc has no Cflags")
  endif()
  foreach(flag IN LISTS cflags)
    if(NOT flag MATCHES "^-I")
      message(FATAL_ERROR "soma.pc Cflags has '${flag}'; only -I belongs there "
                "(the standard is the user's choice)")
    endif()
    string(REGEX REPLACE "^-I" "" dir "${flag}")
    if(NOT EXISTS "${dir}/soma/soma.hpp")
      message(FATAL_ERROR "soma.pc's include directory '${dir}' has no soma/soma.hpp")
    endif()
  endforeach()
  # What a user types: c++ -std=c++20 $(pkg-config --cflags soma) main.cpp
  run("${CXX}" -std=c++20 ${cflags} ${warnings} "${CMAKE_CURRENT_LIST_DIR}/main.cpp"
    -o "${WORK}/consumer")
  run_consumer("${WORK}/consumer")
  # The README's commands verbatim (its prefix /opt/soma replaced by PREFIX), run by sh in
  # a directory holding main.cpp.
  file(READ "${SOMA_SOURCE_DIR}/README.md" readme)
  string(REGEX MATCH "```sh\n[^`]*pkg-config --cflags soma[^`]*```" block "${readme}")
  if(block STREQUAL "")
    message(FATAL_ERROR "README.md has no sh block with `pkg-config --cflags soma`")
  endif()
  string(REGEX REPLACE "^```sh\n" "" block "${block}")
  string(REGEX REPLACE "```$" "" block "${block}")
  string(REPLACE "/opt/soma" "${PREFIX}" block "${block}")
  set(readme_dir "${WORK}/readme")
  file(MAKE_DIRECTORY "${readme_dir}")
  file(COPY "${CMAKE_CURRENT_LIST_DIR}/main.cpp" DESTINATION "${readme_dir}")
  file(WRITE "${readme_dir}/readme.sh" "set -e\n${block}")
  execute_process(COMMAND sh readme.sh WORKING_DIRECTORY "${readme_dir}" RESULT_VARIABLE rc
    OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the README's pkg-config commands fail:\n${block}\n${out}${err}")
  endif()
  run_consumer("${readme_dir}/main")

elseif(MODE STREQUAL "readme")
  # The paragraph of "Using soma in your project" that starts with **README_SECTION**, up
  # to the next such paragraph: its CMake block is the user's CMakeLists.txt (beside
  # main.cpp, in WORK/project), its sh blocks the user's commands. Blocks before the CMake
  # block run in WORK, the directory that holds the clone `soma` (a link to
  # SOMA_SOURCE_DIR); blocks after it in WORK/project. /opt/soma becomes WORK/opt-soma and
  # /path/to/soma SOMA_SOURCE_DIR; nothing else is changed.
  file(READ "${SOMA_SOURCE_DIR}/README.md" readme)
  string(FIND "${readme}" "\n**${README_SECTION}**" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "README.md has no paragraph starting with **${README_SECTION}**")
  endif()
  math(EXPR at "${at} + 1")
  string(SUBSTRING "${readme}" ${at} -1 section)
  # It ends where a line starts with ** or ## (the next paragraph of its kind, or section).
  string(SUBSTRING "${section}" 2 -1 rest)
  string(FIND "${rest}" "\n**" end)
  string(FIND "${rest}" "\n## " end_section)
  if(end EQUAL -1 OR (NOT end_section EQUAL -1 AND end_section LESS end))
    set(end ${end_section})
  endif()
  if(NOT end EQUAL -1)
    math(EXPR end "${end} + 2")
  endif()
  string(SUBSTRING "${section}" 0 ${end} section)
  string(REGEX MATCHALL "```(sh|cmake)\n[^`]*```" blocks "${section}")
  fresh_directory("${WORK}")
  file(CREATE_LINK "${SOMA_SOURCE_DIR}" "${WORK}/soma" SYMBOLIC)
  file(MAKE_DIRECTORY "${WORK}/project")
  file(COPY "${CMAKE_CURRENT_LIST_DIR}/main.cpp" DESTINATION "${WORK}/project")
  set(dir "${WORK}")
  set(cmake_blocks 0)
  set(sh_after 0)
  set(last_output "")
  string(REPLACE ";" " " flags "${warnings}")
  foreach(block IN LISTS blocks)
    string(REGEX MATCH "^```([a-z]+)\n" fence "${block}")
    set(lang "${CMAKE_MATCH_1}")
    string(REGEX REPLACE "^```[a-z]+\n" "" block "${block}")
    string(REGEX REPLACE "```$" "" block "${block}")
    if(lang STREQUAL "cmake")
      math(EXPR cmake_blocks "${cmake_blocks} + 1")
      file(WRITE "${WORK}/project/CMakeLists.txt" "${block}")
      set(dir "${WORK}/project")
    else()
      if(dir STREQUAL "${WORK}/project")
        math(EXPR sh_after "${sh_after} + 1")
      endif()
      string(REPLACE "/opt/soma" "${WORK}/opt-soma" block "${block}")
      string(REPLACE "/path/to/soma" "${SOMA_SOURCE_DIR}" block "${block}")
      file(WRITE "${dir}/readme.sh" "set -e\n${block}")
      message(STATUS "in ${dir}:\n${block}")
      execute_process(COMMAND "${CMAKE_COMMAND}" -E env "CXX=${CXX}" "CXXFLAGS=${flags}"
          "CMAKE_GENERATOR=${GENERATOR}" sh readme.sh
        WORKING_DIRECTORY "${dir}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR "the README's ${README_SECTION} commands fail:\n${block}\n${out}")
      endif()
      set(last_output "${out}")
    endif()
  endforeach()
  if(NOT cmake_blocks EQUAL 1 OR sh_after EQUAL 0)
    message(FATAL_ERROR "README's **${README_SECTION}** paragraph has ${cmake_blocks} CMake "
              "blocks and ${sh_after} command blocks after it; expected one and some:\n${section}")
  endif()
  message(STATUS "${last_output}")
  if(NOT last_output MATCHES "x = \\(1, 1\\)  y = 1\n.*: ok\n")
    message(FATAL_ERROR "the README's last ${README_SECTION} commands did not run the "
              "program:\n${last_output}")
  endif()

elseif(MODE STREQUAL "version")
  file(STRINGS "${SOMA_SOURCE_DIR}/include/soma/version.hpp" lines
    REGEX "^#define SOMA_VERSION_(MAJOR|MINOR|PATCH) ")
  foreach(part IN ITEMS MAJOR MINOR PATCH)
    set(${part} "")
    foreach(line IN LISTS lines)
      if(line MATCHES "^#define SOMA_VERSION_${part} +([0-9]+) *$")
        set(${part} "${CMAKE_MATCH_1}")
      endif()
    endforeach()
    if(${part} STREQUAL "")
      message(FATAL_ERROR "version.hpp defines no SOMA_VERSION_${part}")
    endif()
  endforeach()
  if(NOT "${MAJOR}.${MINOR}.${PATCH}" STREQUAL PROJECT_VERSION)
    message(FATAL_ERROR "soma/version.hpp says ${MAJOR}.${MINOR}.${PATCH}, "
              "CMakeLists.txt says ${PROJECT_VERSION}")
  endif()
  message(STATUS "version ${PROJECT_VERSION} in both")

elseif(MODE STREQUAL "single_header")
  # The single header as <include>/soma/soma.hpp, the only soma header there.
  fresh_directory("${WORK}")
  configure_file("${SINGLE_HEADER}" "${WORK}/include/soma/soma.hpp" COPYONLY)
  set(CONSUMER single_header)
  file(COPY "${CMAKE_CURRENT_LIST_DIR}/single_header/CMakeLists.txt" DESTINATION "${WORK}/src")
  string(REPLACE ";" " " flags "${warnings}")
  run("${CMAKE_COMMAND}" -S "${WORK}/src" -B "${WORK}/build" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_CXX_FLAGS=${flags}" -DCMAKE_BUILD_TYPE=Debug
    "-DSOMA_QUICK_START=${QUICK_START}" "-DSOMA_SINGLE_HEADER_DIR=${WORK}/include")
  run("${CMAKE_COMMAND}" --build "${WORK}/build")
  run("${WORK}/build/quick_start" OUTPUT output)
  message(STATUS "${output}")
  # σ(1) = 1/(1 + e^-1) = 0.7310585786...
  if(NOT output MATCHES "= 0\\.731059")
    message(FATAL_ERROR "unexpected output of quick_start:\n${output}")
  endif()

else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()
