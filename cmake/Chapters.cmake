# The exercise switch.
#
# Every chapter's exercised functions exist twice: the reference in solutions/NN_name/ and
# the student's version in exercises/NN_name/ (generated from the reference by
# tools/make_exercises.py: each solution region becomes a stub that throws
# resnet::NotImplemented). RESNET_EXERCISES picks, per chapter, which of the two is
# compiled into the `resnet` library:
#
#   -DRESNET_EXERCISES=            every chapter from solutions/ (the default)
#   -DRESNET_EXERCISES=all         every chapter from exercises/ (the `student` preset)
#   -DRESNET_EXERCISES="1;3"       chapters 1 and 3 from exercises/, the rest from solutions/
#
# `./course mode` changes it for you.

set(RESNET_EXERCISES "" CACHE STRING
    "Chapters built from exercises/: empty, all, or chapter numbers such as 1;3 or 1,3")

# Chapters of the course, in order, from chapters/chapters.txt (the one list). A chapter
# takes part in the build once its solutions/ folder exists.
file(STRINGS ${PROJECT_SOURCE_DIR}/chapters/chapters.txt RESNET_ALL_CHAPTERS REGEX "^[0-9][0-9]_")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/chapters/chapters.txt)

set(RESNET_CHAPTERS "")
foreach(chapter IN LISTS RESNET_ALL_CHAPTERS)
  if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/solutions/${chapter})
    list(APPEND RESNET_CHAPTERS ${chapter})
  endif()
endforeach()

# Normalise the user's list to two-digit chapter numbers ("1" -> "01").
string(REPLACE "," ";" _requested "${RESNET_EXERCISES}")
set(_exercise_numbers "")
foreach(item IN LISTS _requested)
  string(STRIP "${item}" item)
  if(item STREQUAL "")
    continue()
  elseif(item STREQUAL "all")
    foreach(chapter IN LISTS RESNET_CHAPTERS)
      string(SUBSTRING ${chapter} 0 2 number)
      list(APPEND _exercise_numbers ${number})
    endforeach()
  elseif(item MATCHES "^0?([1-9])$")
    list(APPEND _exercise_numbers "0${CMAKE_MATCH_1}")
  else()
    message(FATAL_ERROR "resnet: RESNET_EXERCISES entry '${item}' is not a chapter number "
                        "(expected e.g. 1, 02, or all)")
  endif()
endforeach()

# RESNET_CHAPTER_MODE_<NN>: "exercises" or "solutions", for every chapter built.
set(RESNET_EXERCISE_CHAPTERS_DISPLAY "")
foreach(chapter IN LISTS RESNET_CHAPTERS)
  string(SUBSTRING ${chapter} 0 2 number)
  if(number IN_LIST _exercise_numbers)
    set(RESNET_CHAPTER_MODE_${number} exercises)
    list(APPEND RESNET_EXERCISE_CHAPTERS_DISPLAY ${chapter})
  else()
    set(RESNET_CHAPTER_MODE_${number} solutions)
  endif()
endforeach()
foreach(number IN LISTS _exercise_numbers)
  if(NOT DEFINED RESNET_CHAPTER_MODE_${number})
    message(FATAL_ERROR "resnet: RESNET_EXERCISES names chapter ${number}, "
                        "which this checkout does not have (chapters: ${RESNET_CHAPTERS})")
  endif()
endforeach()
# Whether any chapter comes from exercises/ (the config header's has_exercise_chapters).
if(RESNET_EXERCISE_CHAPTERS_DISPLAY)
  set(RESNET_HAS_EXERCISE_CHAPTERS true)
else()
  set(RESNET_HAS_EXERCISE_CHAPTERS false)
  set(RESNET_EXERCISE_CHAPTERS_DISPLAY "none (all chapters use solutions/)")
endif()

# resnet_chapter_sources(<out-var>): the .cpp files of every chapter, each from the
# folder its mode selects. Exercise stubs leave parameters, locals and given helper
# functions unused until the student fills them in, so those warnings are silenced for
# exercise files only.
function(resnet_chapter_sources out_var)
  set(sources "")
  foreach(chapter IN LISTS RESNET_CHAPTERS)
    string(SUBSTRING ${chapter} 0 2 number)
    set(folder ${PROJECT_SOURCE_DIR}/${RESNET_CHAPTER_MODE_${number}}/${chapter})
    file(GLOB chapter_sources CONFIGURE_DEPENDS ${folder}/*.cpp)
    # Kernel files (.cu, chapter 6) go to nvcc when the build has CUDA; without it they are
    # compiled as C++, where only their host emulation exists (see resnet/cuda/launch.hpp).
    file(GLOB kernel_sources CONFIGURE_DEPENDS ${folder}/*.cu)
    if(NOT chapter_sources AND NOT kernel_sources)
      message(FATAL_ERROR "resnet: ${folder} has no .cpp or .cu files "
                          "(run tools/make_exercises.py to regenerate exercises/)")
    endif()
    if(kernel_sources AND NOT RESNET_HAVE_CUDA)
      set_source_files_properties(${kernel_sources} PROPERTIES LANGUAGE CXX)
      list(APPEND chapter_sources ${kernel_sources})
      set(kernel_sources "")
    endif()
    if(RESNET_CHAPTER_MODE_${number} STREQUAL "exercises")
      set_source_files_properties(${chapter_sources} PROPERTIES COMPILE_OPTIONS
        "-Wno-unused-parameter;-Wno-unused-variable;-Wno-unused-but-set-variable;-Wno-unused-function")
    endif()
    list(APPEND sources ${chapter_sources} ${kernel_sources})
  endforeach()
  set(${out_var} ${sources} PARENT_SCOPE)
endfunction()
