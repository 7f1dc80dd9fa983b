# nca_add_gtest_suites(<target> PREFIX <prefix> [PROPERTIES <name> <value>...])
#
# Registers one CTest test per GoogleTest *suite* of <target>, named <prefix>.<Suite> and running
# `<target> --gtest_filter=<Suite>.*`, instead of gtest_discover_tests' one process per test.
#
# Why: under ASan the 600 MB unit-test binary takes about 0.5 s to start and to leak-check at exit,
# so 1,070 one-test processes spent about 9 of the suite's 11 CPU-minutes starting up; 157 suite
# processes spend about 1.5. Failures still name the test: GoogleTest prints each failed test and
# its assertions in the suite's output, which `ctest --output-on-failure` shows. To run one test:
# `<target> --gtest_filter=Suite.Test`.
#
# Suites are listed when CTest starts (like gtest_discover_tests' PRE_TEST mode), so adding a test
# needs no re-configure. A binary that cannot list its tests fails CTest with its output.
function(nca_add_gtest_suites target)
  cmake_parse_arguments(ARG "" "PREFIX" "PROPERTIES" ${ARGN})
  if(NOT ARG_PREFIX)
    message(FATAL_ERROR "nca_add_gtest_suites(${target}): PREFIX is required")
  endif()
  set(props "")
  foreach(p IN LISTS ARG_PROPERTIES)
    string(APPEND props " [==[${p}]==]")
  endforeach()
  set(script "${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.cmake")
  file(GENERATE OUTPUT "${script}" CONTENT
"set(bin [==[$<TARGET_FILE:${target}>]==])
if(NOT EXISTS \"\${bin}\")
  add_test([==[${ARG_PREFIX}.NOT_BUILT]==] [==[${target}-was-not-built]==])
  return()
endif()
execute_process(COMMAND \"\${bin}\" --gtest_list_tests
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR \"\${bin} --gtest_list_tests failed (\${rc}):\\n\${out}\${err}\")
endif()
string(REPLACE \"\\n\" \";\" lines \"\${out}\")
foreach(line IN LISTS lines)
  # Suite lines start in column 0 and end with '.', typed suites add '  # TypeParam = ...'.
  if(line MATCHES \"^([^ #][^ ]*)\\\\.( .*)?$\")
    set(suite \"\${CMAKE_MATCH_1}\")
    set(name \"${ARG_PREFIX}.\${suite}\")
    add_test(\"\${name}\" \"\${bin}\" \"--gtest_filter=\${suite}.*\")
    set_tests_properties(\"\${name}\" PROPERTIES
                         WORKING_DIRECTORY [==[${CMAKE_CURRENT_BINARY_DIR}]==]${props})
  endif()
endforeach()
")
  if(CMAKE_CONFIGURATION_TYPES)  # one generated file per build directory
    message(FATAL_ERROR "nca_add_gtest_suites supports single-config generators only")
  endif()
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${script}")
endfunction()
