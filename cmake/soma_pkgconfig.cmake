# pkg-config file for soma: `c++ -std=c++20 $(pkg-config --cflags soma) main.cpp`.
# Header-only and architecture-independent, so it goes to <datadir>/pkgconfig. Cflags is
# only the include directory: the C++ standard (C++20 or later) is the user's choice.
# The file is relocatable: paths are relative to ${pcfiledir}, so `cmake --install
# --prefix <anywhere>` gives a working soma.pc.
set(SOMA_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_DATADIR}/pkgconfig"
  CACHE STRING "Where soma's pkg-config file is installed")

if(IS_ABSOLUTE "${SOMA_INSTALL_PKGCONFIGDIR}")
  set(SOMA_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  # ${pcfiledir}/../.. for share/pkgconfig: one ".." per component of the directory.
  file(RELATIVE_PATH soma_pc_up "/soma-prefix/${SOMA_INSTALL_PKGCONFIGDIR}" "/soma-prefix")
  string(REGEX REPLACE "/$" "" soma_pc_up "${soma_pc_up}")
  set(SOMA_PC_PREFIX "\${pcfiledir}/${soma_pc_up}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(SOMA_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(SOMA_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()

configure_file("${PROJECT_SOURCE_DIR}/cmake/soma.pc.in" "${PROJECT_BINARY_DIR}/soma.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/soma.pc" DESTINATION "${SOMA_INSTALL_PKGCONFIGDIR}")
