# One place for the warning policy, applied to every target we own.
function(immichbak_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    # C targets too (bindings/c's tests compile as C99/C11): the C++-only flag only for C++.
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor>)
    # -Wshadow=local is GCC's spelling; clang (the fuzz preset) has no such option.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${target} PRIVATE -Wshadow=local)
      # GCC 12 (Debian 12's) warns -Wrestrict inside libstdc++'s std::string when optimizing
      # ("accessing 9223372036854775810 or more bytes ..." for s = "x" or "[" + s + "]"):
      # its bugs 105329 and 105651, fixed in GCC 13. Nine such in the tests' Release build.
      if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
        target_compile_options(${target} PRIVATE -Wno-restrict)
      endif()
    endif()
    if(IMMICHBAK_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
