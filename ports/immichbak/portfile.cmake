# Overlay port for immichbak: builds the source tree this file lives in (ports/immichbak/../..).
#   vcpkg install immichbak[tools] --overlay-ports=<repo>/ports
# For a released tarball, replace SOURCE_PATH by vcpkg_from_github(OUT_SOURCE_PATH SOURCE_PATH ...).
# tests/packaging/check_packaging.py reads this file: it configures the project with the
# OPTIONS below and checks the install paths used further down (CONFIG_PATH, TOOL_NAMES).
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
    FEATURES
        tools       IMMICHBAK_BUILD_CLI
        c-binding   IMMICHBAK_BUILD_C_BINDING
)

# libpq, libzstd and libdeflate are found with pkg-config (cmake/ImmichbakDependencies.cmake);
# pkg_check_modules searches vcpkg's prefix through CMAKE_PREFIX_PATH by itself. A static
# build's immichbak.pc is written from `pkg-config --libs` run outside pkg_check_modules
# (cmake/ImmichbakInstall.cmake), which only sees PKG_CONFIG_PATH: point it at vcpkg's.
vcpkg_find_acquire_program(PKGCONFIG)
vcpkg_host_path_list(PREPEND ENV{PKG_CONFIG_PATH}
    "${CURRENT_INSTALLED_DIR}/lib/pkgconfig" "${CURRENT_INSTALLED_DIR}/share/pkgconfig")

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        ${FEATURE_OPTIONS}
        -DIMMICHBAK_BUILD_TESTS=OFF
        -DIMMICHBAK_BUILD_EXAMPLES=OFF
        -DIMMICHBAK_BUILD_PYTHON=OFF
        -DIMMICHBAK_BUILD_DOCS=OFF
        -DIMMICHBAK_BUILD_FUZZERS=OFF
        -DIMMICHBAK_WARNINGS_AS_ERRORS=OFF
        "-DPKG_CONFIG_EXECUTABLE=${PKGCONFIG}"
)
vcpkg_cmake_install()

vcpkg_cmake_config_fixup(PACKAGE_NAME immichbak CONFIG_PATH lib/cmake/immichbak)
vcpkg_fixup_pkgconfig()

if("tools" IN_LIST FEATURES)
    vcpkg_copy_tools(TOOL_NAMES immichbak AUTO_CLEAN)
endif()

file(REMOVE_RECURSE
    "${CURRENT_PACKAGES_DIR}/debug/include"
    "${CURRENT_PACKAGES_DIR}/debug/share")
if(VCPKG_LIBRARY_LINKAGE STREQUAL "static")
    file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/bin" "${CURRENT_PACKAGES_DIR}/debug/bin")
endif()

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
# The project has no LICENSE file yet (docs/packaging.md); vcpkg requires a copyright file.
file(WRITE "${CURRENT_PACKAGES_DIR}/share/${PORT}/copyright"
    "immichbak: no license has been declared by the project yet; see its README.md.\n")
