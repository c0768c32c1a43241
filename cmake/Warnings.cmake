# Compiler warnings and sanitizers, applied per target by resnet_target_defaults().

# Sanitizers apply to everything we compile (lib, chapters, tests) so that an
# out-of-bounds access anywhere is reported where it happens.
if(RESNET_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# resnet_target_defaults(<target>): the warning flags every target of ours uses.
function(resnet_target_defaults target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor>)
  if(RESNET_SANITIZE)
    # GCC 12's -Wmaybe-uninitialized misfires on sanitizer-instrumented code (here inside
    # libstdc++'s std::regex, used by xtensor's .npy reader); the release build keeps it.
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wno-maybe-uninitialized>)
  endif()
  # nvcc: __host__ __device__ lambdas (resnet/cuda/launch.hpp) and its own warnings.
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:--extended-lambda>)
  if(RESNET_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Werror>
                                             $<$<COMPILE_LANGUAGE:CUDA>:--Werror=all-warnings>)
  endif()
endfunction()
