# hdo_target(<target>): the compile settings of every target we own (not third-party or generated
# code): warnings, -Werror when HDO_WERROR, sanitizers from HDO_SANITIZE.
function(hdo_target target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wno-missing-field-initializers)
  if(HDO_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(HDO_SANITIZE)
    list(JOIN HDO_SANITIZE "," sanitizers)
    target_compile_options(${target} PRIVATE -fsanitize=${sanitizers} -fno-omit-frame-pointer)
    if(sanitizers MATCHES "undefined")
      target_compile_options(${target} PRIVATE -fno-sanitize-recover=undefined)
    endif()
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "EXECUTABLE" OR type STREQUAL "SHARED_LIBRARY")
      target_link_options(${target} PRIVATE -fsanitize=${sanitizers})
    endif()
  endif()
endfunction()

# hdo_test(<name> SOURCES ... LIBS ... [LABELS ...]): a GoogleTest executable registered with
# ctest, one ctest entry per test case, each carrying every label given.
function(hdo_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  hdo_target(${name})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  include(GoogleTest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60)
  # gtest_discover_tests(PROPERTIES LABELS "a;b") keeps only "a": the labels are set instead by a
  # script ctest runs after the discovered-tests script, which leaves the names in ${name}_TESTS.
  set(labels_file "${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake")
  file(WRITE "${labels_file}"
    "if(DEFINED ${name}_TESTS)\n"
    "  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${ARG_LABELS}\")\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_file}")
endfunction()

# The discovered tests of `name` run against the PostgreSQL and MariaDB servers of the ctest
# fixture test_db (started once per ctest run by scripts/test-db; tests/testlib/test_db.h reads
# their DSNs from HDO_TEST_DB_FIXTURES).
set(HDO_TEST_DB_DIR "${CMAKE_BINARY_DIR}/test-db")
function(hdo_requires_test_db name)
  set(fixture_file "${CMAKE_CURRENT_BINARY_DIR}/${name}_test_db.cmake")
  file(WRITE "${fixture_file}"
    "if(DEFINED ${name}_TESTS)\n"
    "  set_tests_properties(\${${name}_TESTS} PROPERTIES FIXTURES_REQUIRED test_db\n"
    "                       ENVIRONMENT HDO_TEST_DB_FIXTURES=${HDO_TEST_DB_DIR})\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${fixture_file}")
endfunction()
