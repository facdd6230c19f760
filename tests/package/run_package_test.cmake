# Driven by ctest (see CMakeLists.txt next to this file).
file(REMOVE_RECURSE "${WORK_DIR}")
set(PREFIX "${WORK_DIR}/prefix")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(LAST_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${PREFIX}")

# 1. find_package
run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}" -B "${WORK_DIR}/cmake-consumer"
    -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=${CONSUMER_CXX_FLAGS}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/cmake-consumer")
run("${WORK_DIR}/cmake-consumer/consumer")
message(STATUS "find_package consumer: ${LAST_OUTPUT}")

# 2. pkg-config
file(GLOB_RECURSE PC_FILE "${PREFIX}/*/immichbak.pc")
get_filename_component(PC_DIR "${PC_FILE}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${PC_DIR}")
# A static libimmichbak needs its dependencies on the link line (--static lists them); a
# shared one carries them itself, and --static would ask for libpq's own static-only
# dependencies (libpgcommon, libpgport), which Debian does not ship as shared libraries.
set(pc_static --static)
if(SHARED)
  set(pc_static)
endif()
execute_process(COMMAND pkg-config --cflags --libs ${pc_static} immichbak
  RESULT_VARIABLE rc OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config could not resolve immichbak from ${PC_DIR}")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
if(SHARED)
  # The prefix is not on the loader's path: tell the program where its library is.
  get_filename_component(LIB_DIR "${PC_DIR}" DIRECTORY)
  list(APPEND flags "-Wl,-rpath,${LIB_DIR}")
endif()
separate_arguments(consumer_flags UNIX_COMMAND "${CONSUMER_CXX_FLAGS}")
run(c++ -std=c++20 ${consumer_flags} "${CONSUMER_DIR}/main.cpp" -o "${WORK_DIR}/pc-consumer" ${flags})
run("${WORK_DIR}/pc-consumer")
message(STATUS "pkg-config consumer: ${LAST_OUTPUT}")
