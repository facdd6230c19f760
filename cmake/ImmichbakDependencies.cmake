# Third-party dependencies. All are linked PRIVATE to libimmichbak: public headers include
# none of them, so consumers need only the standard library (and, for a static build, the
# link dependencies that the exported config / .pc file list).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# libpq: the wire protocol client. Used only under libimmichbak/src/pg/.
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
# zstd ships a CMake config on Debian 12, but not everywhere; pkg-config works on both.
pkg_check_modules(LIBZSTD REQUIRED IMPORTED_TARGET libzstd)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.9 REQUIRED)
find_package(ZLIB REQUIRED)  # reading .sql.gz dumps (Immich's own backup job) and gzip backups
# libdeflate: writing the gzip variant's members, ~5x zlib's speed at the same size
# (docs/performance.md, "gzip codec"). Debian ships a .pc file.
pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
