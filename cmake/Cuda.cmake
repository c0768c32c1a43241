# CUDA is optional. With RESNET_CUDA=AUTO the CUDA code is built when nvcc is found;
# otherwise everything else builds and the CUDA device reports "not built".
# nvcc 13 targets sm_75 and newer; we build real code for sm_80 (A100) and sm_90 (H100)
# plus PTX for sm_90 so newer GPUs can JIT-compile it.
include(CheckLanguage)
set(RESNET_HAVE_CUDA OFF)
if(NOT RESNET_CUDA STREQUAL "OFF")
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 80-real 90)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    # Line tables in every kernel, so that compute-sanitizer and Nsight name the source line
    # of a report. They do not change the generated code (unlike -G).
    add_compile_options($<$<COMPILE_LANGUAGE:CUDA>:-lineinfo>)
    set(RESNET_HAVE_CUDA ON)
  elseif(RESNET_CUDA STREQUAL "ON")
    message(FATAL_ERROR "resnet: RESNET_CUDA=ON but no CUDA compiler (nvcc) was found. "
                        "Install the CUDA toolkit or configure with -DRESNET_CUDA=AUTO.")
  endif()
endif()
