# Third-party libraries, all from Debian packages. Every lookup names the package to
# install when it fails, so a missing dependency is a one-line fix.
# tools/install_deps.sh installs all of them.

# resnet_require(<package-for-find_package> <debian-package> [find_package args...])
macro(resnet_require name debian_package)
  find_package(${name} ${ARGN} QUIET)
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR
      "resnet: ${name} not found. Install it with:\n"
      "    sudo apt-get install ${debian_package}\n"
      "or install everything the project needs with tools/install_deps.sh")
  endif()
endmacro()

# OpenBLAS, not the reference BLAS, so that matrix products are multithreaded and fast.
set(BLA_VENDOR OpenBLAS)

resnet_require(xtl xtl-dev)
resnet_require(xtensor libxtensor-dev)
resnet_require(xtensor-blas libxtensor-blas-dev)
resnet_require(BLAS libopenblas-dev)
resnet_require(CLI11 libcli11-dev)
resnet_require(nlohmann_json nlohmann-json3-dev)
resnet_require(Threads libc6-dev)
# OpenMP (GCC's libgomp): `#pragma omp parallel for` shares loops such as im2col out
# among the cores.
resnet_require(OpenMP libgomp1)
if(RESNET_BUILD_TESTS)
  resnet_require(Catch2 catch2)
  if(NOT Catch2_VERSION VERSION_LESS 3)
    message(FATAL_ERROR
      "resnet: found Catch2 ${Catch2_VERSION}, but the tests are written for Catch2 v2 "
      "(Debian 12's catch2 package, 2.13). Ubuntu 24.04 and newer ship Catch2 v3; build on "
      "Debian 12, or configure with -DRESNET_BUILD_TESTS=OFF to build without the tests.")
  endif()
endif()

# stb_image_write (the PNGs the project writes: sample grids, curves) ships a pkg-config file
# and a shared library, no CMake config.
find_path(STB_INCLUDE_DIR stb_image_write.h PATH_SUFFIXES stb)
find_library(STB_LIBRARY stb)
if(NOT STB_INCLUDE_DIR OR NOT STB_LIBRARY)
  message(FATAL_ERROR
    "resnet: stb (stb_image_write) not found. Install it with:\n"
    "    sudo apt-get install libstb-dev")
endif()
add_library(resnet_stb INTERFACE)
target_include_directories(resnet_stb SYSTEM INTERFACE ${STB_INCLUDE_DIR})
target_link_libraries(resnet_stb INTERFACE ${STB_LIBRARY})

# Reading images that come from outside (`resnet predict`): libpng for PNG and libjpeg-turbo's
# TurboJPEG interface for JPEG, decoders that are fuzzed upstream and patched by Debian.
resnet_require(PNG libpng-dev)
find_path(TURBOJPEG_INCLUDE_DIR turbojpeg.h)
find_library(TURBOJPEG_LIBRARY turbojpeg)
if(NOT TURBOJPEG_INCLUDE_DIR OR NOT TURBOJPEG_LIBRARY)
  message(FATAL_ERROR
    "resnet: libjpeg-turbo's TurboJPEG library not found. Install it with:\n"
    "    sudo apt-get install libturbojpeg0-dev")
endif()
add_library(resnet_turbojpeg INTERFACE)
target_include_directories(resnet_turbojpeg SYSTEM INTERFACE ${TURBOJPEG_INCLUDE_DIR})
target_link_libraries(resnet_turbojpeg INTERFACE ${TURBOJPEG_LIBRARY})
