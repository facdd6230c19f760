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

# pkg-config: a static libimmichbak needs its dependencies on the consumer's link line, but
# only as the shared libraries we link ourselves (libpq's own static closure of pgcommon,
# gssapi, ldap... is not wanted), so list their plain `--libs` in Libs.private rather than
# Requires.private (which `pkg-config --static` would expand recursively).
set(IMMICHBAK_PC_DEPS "libpq libzstd libdeflate libcrypto fmt zlib")
if(BUILD_SHARED_LIBS)
  set(IMMICHBAK_PC_REQUIRES_PRIVATE "${IMMICHBAK_PC_DEPS}")
  set(IMMICHBAK_PC_LIBS_PRIVATE "-lpthread")
  set(IMMICHBAK_PC_CFLAGS "")
else()
  separate_arguments(_pc_deps UNIX_COMMAND "${IMMICHBAK_PC_DEPS}")
  execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --libs ${_pc_deps}
    OUTPUT_VARIABLE _pc_libs OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _pc_rc)
  if(NOT _pc_rc EQUAL 0)
    message(FATAL_ERROR "pkg-config --libs ${IMMICHBAK_PC_DEPS} failed")
  endif()
  set(IMMICHBAK_PC_REQUIRES_PRIVATE "")
  # -lm: the float rendering (copytext/) calls libm; a C program's link line has no
  # libstdc++ to bring it in after libimmichbak.a.
  set(IMMICHBAK_PC_LIBS_PRIVATE "${_pc_libs} -lpthread -lm")
  set(IMMICHBAK_PC_CFLAGS "-DIMMICHBAK_STATIC_DEFINE")
endif()
# IMMICHBAK_PC_PREFIX: set at the top level (CMakeLists.txt), shared with immichbak-c.pc.
configure_file("${PROJECT_SOURCE_DIR}/cmake/immichbak.pc.in" "${PROJECT_BINARY_DIR}/immichbak.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/immichbak.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
