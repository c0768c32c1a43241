// Modules on the library's CPU kernels (Module::use_cpu_kernels(CpuKernels::packed)): the
// same numbers as the reference modules, nothing kept for backward in evaluation mode, and
// a network on them that learns. The kernels' own tests are in
// tests/02_convolution/test_cpu_conv2d.cpp.
#include <memory>
#include <string>

#include <catch2/catch.hpp>
#include <xtensor/xview.hpp>

#include "resnet/nn/conv2d.hpp"
#include "resnet/random.hpp"
#include "support/all_close.hpp"
#include "support/tolerances.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::at_scale_of;
namespace tolerance = resnet::testing::tolerance;

TEST_CASE("a Conv2d module on the packed kernel gives the reference's output and gradients",
          "[ch03][modules][cpu_kernels][3.3]") {
  // Two modules with the same initial weights, one on each path; a stride-2 convolution
  // with a bias and 5 channels in (not a multiple of any SIMD width), a batch of 3.
  Generator first(9), second(9);
  Conv2d<float> reference(5, 7, 3, 2, 1, Bias::learned, first);
  Conv2d<float> packed(5, 7, 3, 2, 1, Bias::learned, second);
  packed.use_cpu_kernels(CpuKernels::packed);
  REQUIRE(packed.cpu_kernels() == CpuKernels::packed);
  Generator data(10);
  const auto x = Tensor<float, 4>::from_host(random_normal<float, 4>({3, 5, 9, 8}, data));
  const auto y_reference = reference.forward(x).host();
  CHECK_THAT(packed.forward(x).host(), AllClose(y_reference, at_scale_of(tolerance::conv_float32, y_reference)));
  const auto dy = Tensor<float, 4>::from_host(random_normal<float, 4>(y_reference.shape(), data));
  // Twice: the second backward pass must add to the gradients, not overwrite them.
  for (int pass = 0; pass < 2; ++pass) {
    INFO("backward pass " << pass + 1);
    const auto dx_reference = reference.backward(dy).host();
    CHECK_THAT(packed.backward(dy).host(), AllClose(dx_reference, at_scale_of(tolerance::conv_float32, dx_reference)));
    const auto& dweight = reference.weight.grad.host();
    CHECK_THAT(packed.weight.grad.host(), AllClose(dweight, at_scale_of(tolerance::conv_float32, dweight)));
    const auto& dbias = reference.bias->grad.host();
    CHECK_THAT(packed.bias->grad.host(), AllClose(dbias, at_scale_of(tolerance::conv_float32, dbias)));
  }
  // A module of doubles has no packed kernel: it runs the reference whatever the choice.
  Generator third(9), fourth(9);
  Conv2d<double> in_double(5, 7, 3, 2, 1, Bias::learned, third), in_double_packed(5, 7, 3, 2, 1, Bias::learned, fourth);
  in_double_packed.use_cpu_kernels(CpuKernels::packed);
  const auto x_double = Tensor<double, 4>::from_host(xt::cast<double>(x.host()));
  CHECK_THAT(in_double_packed.forward(x_double).host(), AllClose(in_double.forward(x_double).host(), tolerance::exact));
}

TEST_CASE("on the packed kernel a Conv2d in evaluation mode keeps no input for a backward pass",
          "[ch03][modules][cpu_kernels][error]") {
  Generator generator(11);
  Conv2d<float> conv(2, 3, 3, 1, 1, Bias::none, generator);
  conv.use_cpu_kernels(CpuKernels::packed);
  conv.eval();
  const auto x = Tensor<float, 4>::from_host(random_normal<float, 4>({2, 2, 6, 6}, generator));
  const auto y = conv.forward(x);
  CHECK(y.shape() == std::array<std::size_t, 4>{2, 3, 6, 6});
  CHECK_THROWS_WITH(conv.backward(Tensor<float, 4>::zeros({2, 3, 6, 6})),
                    Catch::Contains("evaluation mode") && Catch::Contains("keeps no input"));
  conv.train();
  conv.forward(x);
  CHECK_NOTHROW(conv.backward(Tensor<float, 4>::zeros({2, 3, 6, 6})));
}

TEST_CASE("on the packed kernel forward_consuming gives forward's output and gradients",
          "[ch03][modules][cpu_kernels]") {
  Generator first(13), second(13), data(14);
  Conv2d<float> copying(4, 5, 3, 1, 1, Bias::none, first), consuming(4, 5, 3, 1, 1, Bias::none, second);
  copying.use_cpu_kernels(CpuKernels::packed);
  consuming.use_cpu_kernels(CpuKernels::packed);
  const auto x = Tensor<float, 4>::from_host(random_normal<float, 4>({2, 4, 6, 6}, data));
  Tensor<float, 4> given_up = x;
  const auto y = copying.forward(x);
  CHECK_THAT(consuming.forward_consuming(std::move(given_up)).host(), AllClose(y.host(), tolerance::exact));
  const auto dy = Tensor<float, 4>::from_host(random_normal<float, 4>(y.shape(), data));
  CHECK_THAT(consuming.backward(dy).host(), AllClose(copying.backward(dy).host(), tolerance::exact));
  CHECK_THAT(consuming.weight.grad.host(), AllClose(copying.weight.grad.host(), tolerance::exact));
}

namespace {

// Two convolutions, one inside a child: enough of a tree to see the choice reach every level.
class Nested : public Module<float> {
 public:
  explicit Nested(Generator& generator)
      : outer(1, 1, 1, 1, 0, Bias::none, generator),
        inner(std::make_unique<Conv2d<float>>(1, 1, 1, 1, 0, Bias::none, generator)) {
    register_module("outer", outer);
    register_module("inner", *inner);
  }
  Conv2d<float> outer;
  std::unique_ptr<Conv2d<float>> inner;
};

}  // namespace

TEST_CASE("use_cpu_kernels reaches every child of a module", "[ch03][modules][cpu_kernels]") {
  Generator generator(12);
  Nested model(generator);
  CHECK(model.cpu_kernels() == CpuKernels::reference);
  CHECK(model.inner->cpu_kernels() == CpuKernels::reference);
  model.use_cpu_kernels(CpuKernels::packed);
  CHECK(model.outer.cpu_kernels() == CpuKernels::packed);
  CHECK(model.inner->cpu_kernels() == CpuKernels::packed);
  model.use_cpu_kernels(CpuKernels::reference);
  CHECK(model.inner->cpu_kernels() == CpuKernels::reference);
  CHECK(std::string(cpu_kernels_name(CpuKernels::packed)) == "packed");
  CHECK(std::string(cpu_kernels_name(CpuKernels::reference)) == "reference");
}
