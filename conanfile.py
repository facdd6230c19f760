# Conan 2 recipe for immichbak (libimmichbak, optionally the `immichbak` tool).
#
#   conan create . --build=missing                     # into the local cache
#   conan install . --build=missing && cmake --preset conan-release   # develop against it
#
# docs/packaging.md says what was and was not run: Conan itself was not available where this
# was written; tests/packaging/check_packaging.py loads this file with a stub of the `conan`
# module and checks it against the project (version, options, library, target names).
import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.env import Environment
from conan.tools.files import copy, load, rmdir
from conan.tools.gnu import PkgConfigDeps

required_conan_version = ">=2.0"


class ImmichbakConan(ConanFile):
    name = "immichbak"
    description = "Back up, verify, restore and prune Immich PostgreSQL databases"
    topics = ("immich", "postgresql", "backup")
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "shared": [True, False],
        "fPIC": [True, False],
        "tools": [True, False],  # the `immichbak` command line tool
    }
    default_options = {
        "shared": False,
        "fPIC": True,
        "tools": True,
    }
    exports_sources = (
        "CMakeLists.txt",
        "README.md",
        "cmake/*",
        "libimmichbak/*",
        "cli/*",
    )

    # Dependencies as ConanCenter names them. The versions are the ConanCenter releases closest
    # to Debian 12's (docs/dependencies.md), which the project is built and tested with.
    _requires = {
        "libpq": "libpq/15.5",
        "zstd": "zstd/1.5.5",
        "openssl": "openssl/[>=3 <4]",
        "fmt": "fmt/9.1.0",
        "nlohmann_json": "nlohmann_json/3.11.3",
        "zlib": "zlib/[>=1.2.11 <2]",
        "libdeflate": "libdeflate/1.19",
    }
    _tool_requires = {"cli11": "cli11/2.4.2"}
    _test_requires = {"catch2": "catch2/2.13.10"}  # the tests use Catch2 v2

    def set_version(self):
        # The single source of the version is CMakeLists.txt's project(VERSION ...).
        text = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        match = re.search(r"project\(\s*immichbak\s+VERSION\s+([0-9]+(?:\.[0-9]+)*)", text)
        if not match:
            raise ConanInvalidConfiguration("no project(immichbak VERSION ...) in CMakeLists.txt")
        self.version = match.group(1)

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def configure(self):
        if self.options.shared:
            self.options.rm_safe("fPIC")

    def layout(self):
        cmake_layout(self)

    @property
    def _build_tests(self):
        return not self.conf.get("tools.build:skip_test", default=True, check_type=bool)

    def requirements(self):
        for ref in self._requires.values():
            self.requires(ref)
        if self.options.tools:
            # header-only, used by cli/ only: not part of the library's interface
            self.requires(self._tool_requires["cli11"], visible=False)

    def build_requirements(self):
        # libpq, libzstd and libdeflate are found with pkg-config (cmake/ImmichbakDependencies.cmake)
        self.tool_requires("pkgconf/2.1.0")
        if self._build_tests:
            self.test_requires(self._test_requires["catch2"])

    def validate(self):
        check_min_cppstd(self, 20)
        if self.settings.os == "Windows":
            raise ConanInvalidConfiguration("immichbak is POSIX only (fsync, signals, /bin/sh hooks)")

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["IMMICHBAK_BUILD_CLI"] = bool(self.options.tools)
        # bindings/c (immichbak::immichbak_c) is not packaged by this recipe yet (docs/packaging.md)
        tc.cache_variables["IMMICHBAK_BUILD_C_BINDING"] = False
        tc.cache_variables["IMMICHBAK_BUILD_TESTS"] = self._build_tests
        tc.cache_variables["IMMICHBAK_BUILD_EXAMPLES"] = False
        tc.cache_variables["IMMICHBAK_BUILD_PYTHON"] = False
        tc.cache_variables["IMMICHBAK_BUILD_DOCS"] = False
        tc.cache_variables["IMMICHBAK_BUILD_FUZZERS"] = False
        tc.cache_variables["IMMICHBAK_WARNINGS_AS_ERRORS"] = False
        tc.generate()
        # find_package() dependencies: OpenSSL::Crypto, fmt::fmt, nlohmann_json::nlohmann_json,
        # ZLIB::ZLIB, CLI11::CLI11, Catch2::Catch2 (CMakeDeps' names are the upstream ones).
        CMakeDeps(self).generate()
        # pkg_check_modules() dependencies (libpq, libzstd, libdeflate) and the `pkg-config
        # --libs` of a static build's immichbak.pc (also libcrypto, fmt, zlib): .pc files in
        # the generators folder, found through PKG_CONFIG_PATH in the build environment.
        PkgConfigDeps(self).generate()
        env = Environment()
        env.prepend_path("PKG_CONFIG_PATH", self.generators_folder)
        env.vars(self, scope="build").save_script("immichbak_pkg_config_path")

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        cmake = CMake(self)
        cmake.install()
        # Conan consumers get CMake configs and .pc files generated from package_info();
        # the project's own (which look for the dependencies on the system) are left out.
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))
        # No LICENSE file in the project yet (docs/packaging.md): the README stands in.
        copy(self, "README.md", self.source_folder, os.path.join(self.package_folder, "licenses"))

    def package_info(self):
        # The same names as the installed CMake package (cmake/ImmichbakInstall.cmake):
        # find_package(immichbak) -> immichbak::immichbak, pkg-config immichbak.
        self.cpp_info.set_property("cmake_file_name", "immichbak")
        self.cpp_info.set_property("cmake_target_name", "immichbak::immichbak")
        self.cpp_info.set_property("pkg_config_name", "immichbak")
        self.cpp_info.libs = ["immichbak"]
        if not self.options.shared:
            self.cpp_info.defines = ["IMMICHBAK_STATIC_DEFINE"]
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread"]
