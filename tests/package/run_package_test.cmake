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
get_filename_component(LIB_DIR "${PC_DIR}" DIRECTORY)
if(SHARED)
  # The prefix is not on the loader's path: tell the program where its library is.
  list(APPEND flags "-Wl,-rpath,${LIB_DIR}")
endif()
separate_arguments(consumer_flags UNIX_COMMAND "${CONSUMER_CXX_FLAGS}")
run(c++ -std=c++20 ${consumer_flags} "${CONSUMER_DIR}/main.cpp" -o "${WORK_DIR}/pc-consumer" ${flags})
consumer_args_for(pc consumer_args)
run("${WORK_DIR}/pc-consumer" ${consumer_args})
message(STATUS "pkg-config consumer: ${LAST_OUTPUT}")

# 3. The C binding, when it was built: the C example through find_package and pkg-config,
#    each backing up, verifying, pruning and restoring the fixture.
if(C_BINDING)
  set(example "${SOURCE_DIR}/examples/c/nightly_backup.c")
  run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}/../consumer_c" -B "${WORK_DIR}/c-cmake-consumer"
      -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_BUILD_TYPE=Release "-DEXAMPLE_SOURCE=${example}"
      "-DCMAKE_C_FLAGS=${CONSUMER_C_FLAGS}" "-DCMAKE_CXX_FLAGS=${CONSUMER_CXX_FLAGS}")
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/c-cmake-consumer")
  set(c_runs "${WORK_DIR}/c-cmake-consumer/c_consumer;c_cmake")

  # pkg-config: the static library needs --static (libimmichbak, its dependencies and the C++
  # runtime); the shared one plain --libs and an rpath, as above.
  execute_process(COMMAND pkg-config --cflags --libs ${pc_static} immichbak-c
    RESULT_VARIABLE rc OUTPUT_VARIABLE cflags OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config could not resolve immichbak-c from ${PC_DIR}")
  endif()
  separate_arguments(cflags UNIX_COMMAND "${cflags}")
  if(SHARED)
    list(APPEND cflags "-Wl,-rpath,${LIB_DIR}")
  endif()
  separate_arguments(c_flags UNIX_COMMAND "${CONSUMER_C_FLAGS}")
  run(cc -std=c99 -pedantic ${c_flags} "${example}" -o "${WORK_DIR}/pc-c-consumer" ${cflags})
  list(APPEND c_runs "${WORK_DIR}/pc-c-consumer" c_pc)

  if(FIXTURE_DB)
    while(c_runs)
      list(POP_FRONT c_runs program run_name)
      file(MAKE_DIRECTORY "${WORK_DIR}/${run_name}")
      run("${program}" "dbname=pkg_consumer_src" "${WORK_DIR}/${run_name}" "pkg_consumer_${run_name}")
      message(STATUS "C consumer (${run_name}): ${LAST_OUTPUT}")
    endwhile()
  endif()
endif()
