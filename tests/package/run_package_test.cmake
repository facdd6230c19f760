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

# The consumer calls every function the public headers export: each exported name must
# appear in it (a new public call without a caller here fails this test).
file(GLOB headers "${PREFIX}/include/immichbak/*.hpp")
list(FILTER headers EXCLUDE REGEX "/export\\.hpp$")  # defines the macro itself
file(READ "${CONSUMER_DIR}/main.cpp" consumer_source)
set(missing)
foreach(header IN LISTS headers)
  file(READ "${header}" text)
  string(REGEX MATCHALL "IMMICHBAK_EXPORT[^;{(]*\\(" decls "${text}")
  foreach(decl IN LISTS decls)
    string(REGEX MATCH "([A-Za-z_][A-Za-z0-9_]*)[ \t\n]*\\($" _ "${decl}")
    set(name "${CMAKE_MATCH_1}")
    if(name AND NOT consumer_source MATCHES "[^A-Za-z0-9_]${name}\\(")
      list(APPEND missing "${name}")
    endif()
  endforeach()
endforeach()
if(missing)
  list(REMOVE_DUPLICATES missing)
  message(FATAL_ERROR "the package consumer (${CONSUMER_DIR}/main.cpp) does not call these exported functions: ${missing}")
endif()

# The consumer's database work: the Immich-shaped fixture in a database of its own per run.
set(consumer_args)
if(FIXTURE_DB)
  run(${FIXTURE_DB} pkg_consumer_src)
endif()
function(consumer_args_for run_name out)
  if(FIXTURE_DB)
    set(${out} "${WORK_DIR}/${run_name}" pkg_consumer_src "pkg_consumer_${run_name}" PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

# 1. find_package
run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}" -B "${WORK_DIR}/cmake-consumer"
    -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=${CONSUMER_CXX_FLAGS}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/cmake-consumer")
consumer_args_for(cmake consumer_args)
run("${WORK_DIR}/cmake-consumer/consumer" ${consumer_args})
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
consumer_args_for(pc consumer_args)
run("${WORK_DIR}/pc-consumer" ${consumer_args})
message(STATUS "pkg-config consumer: ${LAST_OUTPUT}")
