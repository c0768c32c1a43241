cmake_minimum_required(VERSION 3.25)
# Run by resnet_discover_tests() after a test program is built: lists its test cases
# and writes the CTest script that registers them with their labels.

# Names of the test cases matching a Catch2 test spec ("" for all of them).
function(list_test_names spec out_var)
  if(spec)
    set(spec_args "${spec}")
  else()
    set(spec_args "")
  endif()
  execute_process(
    COMMAND "${TEST_EXECUTABLE}" ${spec_args} --list-test-names-only
    OUTPUT_VARIABLE output
    RESULT_VARIABLE result
    WORKING_DIRECTORY "${TEST_WORKING_DIR}")
  # --list-test-names-only exits with the number of tests; a negative or non-numeric
  # result means the program crashed.
  if(NOT result MATCHES "^[0-9]+$")
    message(FATAL_ERROR "Listing the tests of ${TEST_EXECUTABLE} failed: ${result}\n${output}")
  endif()
  # CMake lists cannot hold [ ] or ; safely, so test names must not use them.
  foreach(forbidden "[" "]" ";")
    string(FIND "${output}" "${forbidden}" position)
    if(NOT position EQUAL -1)
      message(FATAL_ERROR "${TEST_EXECUTABLE}: a test name contains '${forbidden}'; rename it "
                          "(CMake lists cannot hold [ ] ;):\n${output}")
    endif()
  endforeach()
  string(REPLACE "\n" ";" names "${output}")
  list(FILTER names EXCLUDE REGEX "^$")
  set(${out_var} "${names}" PARENT_SCOPE)
endfunction()

# A CMake bracket argument [==[...]==] keeps any characters of a test name intact.
function(quoted value out_var)
  set(${out_var} "[==[${value}]==]" PARENT_SCOPE)
endfunction()

list_test_names("" all_names)
foreach(kind IN LISTS KIND_TAGS)
  list_test_names("[${kind}]" names_with_${kind})
endforeach()

set(script "")
foreach(name IN LISTS all_names)
  set(labels ${TEST_LABELS})
  foreach(kind IN LISTS KIND_TAGS)
    if(name IN_LIST names_with_${kind})
      list(APPEND labels ${kind})
    endif()
  endforeach()
  # Catch2 reads , [ ] in a test spec as syntax; escape them to select exactly this name.
  set(spec "${name}")
  foreach(char , [ ])
    string(REPLACE "${char}" "\\${char}" spec "${spec}")
  endforeach()
  quoted("${name}" quoted_name)
  quoted("${spec}" quoted_spec)
  quoted("${TEST_EXECUTABLE}" quoted_executable)
  set(fixtures "")
  if(TEST_FIXTURES)
    set(fixtures " FIXTURES_REQUIRED \"${TEST_FIXTURES}\"")
  endif()
  string(APPEND script
    "add_test(${quoted_name} ${quoted_executable} ${quoted_spec})\n"
    "set_tests_properties(${quoted_name} PROPERTIES LABELS \"${labels}\" "
    "SKIP_RETURN_CODE ${SKIP_RETURN_CODE} WORKING_DIRECTORY [==[${TEST_WORKING_DIR}]==]${fixtures})\n")
endforeach()
file(WRITE "${CTEST_FILE}" "${script}")
