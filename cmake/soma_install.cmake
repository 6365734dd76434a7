include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SOMA_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/soma"
  CACHE STRING "Where soma's CMake package files are installed")

install(TARGETS soma EXPORT soma-targets FILE_SET HEADERS FILE_SET soma_inline)
install(EXPORT soma-targets
  NAMESPACE soma::
  DESTINATION "${SOMA_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/soma-config.cmake.in"
  "${PROJECT_BINARY_DIR}/soma-config.cmake"
  INSTALL_DESTINATION "${SOMA_INSTALL_CMAKEDIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/soma-config-version.cmake"
  COMPATIBILITY SameMajorVersion
  ARCH_INDEPENDENT)
install(FILES
  "${PROJECT_BINARY_DIR}/soma-config.cmake"
  "${PROJECT_BINARY_DIR}/soma-config-version.cmake"
  DESTINATION "${SOMA_INSTALL_CMAKEDIR}")
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/soma")
include("${CMAKE_CURRENT_LIST_DIR}/soma_pkgconfig.cmake")
