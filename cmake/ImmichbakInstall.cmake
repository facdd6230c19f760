# Installs the CMake package (immichbakConfig.cmake + version file + exported targets)
# and a pkg-config file, so consumers can use either find_package(immichbak) or
# `pkg-config --cflags --libs immichbak`.
include(CMakePackageConfigHelpers)

set(IMMICHBAK_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/immichbak")

install(EXPORT immichbakTargets
  NAMESPACE immichbak::
  FILE immichbakTargets.cmake
  DESTINATION "${IMMICHBAK_CMAKE_DIR}")

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/immichbakConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/immichbakConfig.cmake"
  INSTALL_DESTINATION "${IMMICHBAK_CMAKE_DIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/immichbakConfigVersion.cmake"
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/immichbakConfig.cmake"
  "${PROJECT_BINARY_DIR}/immichbakConfigVersion.cmake"
  DESTINATION "${IMMICHBAK_CMAKE_DIR}")

# pkg-config: a static library needs its private dependencies on the link line.
if(BUILD_SHARED_LIBS)
  set(IMMICHBAK_PC_REQUIRES_PRIVATE "libpq libzstd libcrypto fmt zlib")
  set(IMMICHBAK_PC_CFLAGS "")
else()
  set(IMMICHBAK_PC_REQUIRES_PRIVATE "libpq libzstd libcrypto fmt zlib")
  set(IMMICHBAK_PC_CFLAGS "-DIMMICHBAK_STATIC_DEFINE")
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/immichbak.pc.in" "${PROJECT_BINARY_DIR}/immichbak.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/immichbak.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
