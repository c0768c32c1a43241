# resnet_discover_tests(<target> LABELS <label>... [FIXTURES <fixture>...])
#
# Registers every Catch2 test case of <target> as its own CTest test (like Catch2's
# catch_discover_tests) and gives it CTest labels: the LABELS passed here (the chapter,
# e.g. ch01) plus each of the tags golden, gradcheck, gpu, slow, data that the test case
# carries. So `ctest -L ch01`, `ctest -L golden` or `ctest -LE slow` select as expected.
#
# A test that cannot run here (no GPU, no full data set) exits with code 77, which CTest
# reports as "skipped" (SKIP_RETURN_CODE), never as passed. FIXTURES names CTest fixtures
# (FIXTURES_REQUIRED) that must be set up first, such as files a script writes.
set(RESNET_KIND_TAGS golden gradcheck gpu slow data)
set(RESNET_SKIP_RETURN_CODE 77)

function(resnet_discover_tests target)
  cmake_parse_arguments(arg "" "" "LABELS;FIXTURES" ${ARGN})
  set(tests_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_tests.cmake")
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_include.cmake")
  add_custom_command(TARGET ${target} POST_BUILD
    BYPRODUCTS "${tests_file}"
    COMMAND "${CMAKE_COMMAND}"
            -D "TEST_EXECUTABLE=$<TARGET_FILE:${target}>"
            -D "TEST_WORKING_DIR=${CMAKE_CURRENT_BINARY_DIR}"
            -D "TEST_LABELS=${arg_LABELS}"
            -D "TEST_FIXTURES=${arg_FIXTURES}"
            -D "KIND_TAGS=${RESNET_KIND_TAGS}"
            -D "SKIP_RETURN_CODE=${RESNET_SKIP_RETURN_CODE}"
            -D "CTEST_FILE=${tests_file}"
            -P "${PROJECT_SOURCE_DIR}/cmake/CatchDiscoveryScript.cmake"
    VERBATIM)
  file(WRITE "${include_file}"
    "if(EXISTS \"${tests_file}\")\n"
    "  include(\"${tests_file}\")\n"
    "else()\n"
    "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
