#include "resnet/nn/module_gradcheck.hpp"

#include <algorithm>

#include <xtensor/xmanipulation.hpp>

namespace resnet {

namespace {

// Copies the checker's values of every parameter variable into the layer.
template <std::size_t Out>
void set_parameters(Layer<double, 4, Out>& layer, const std::vector<GradCheckVariable>& variables) {
  const auto parameters = layer.named_parameters();
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const auto& values = variables[i + 1].values;
    parameters[i].parameter->set_values(std::vector<double>(values.begin(), values.end()));
  }
}

}  // namespace

template <std::size_t Out>
GradCheckCase module_gradient_check(const std::string& name, Layer<double, 4, Out>& layer,
                                    const xt::xtensor<double, 4>& x) {
  GradCheckCase check;
  check.op = name;
  check.variables.push_back(make_variable("x", x));
  for (const auto& named : layer.named_parameters()) {
    GradCheckVariable variable;
    variable.name = named.name;
    variable.shape = named.parameter->shape();
    const std::vector<double> values = named.parameter->values();
    variable.values = xt::xtensor<double, 1>::from_shape({values.size()});
    std::copy(values.begin(), values.end(), variable.values.begin());
    variable.is_parameter = true;
    check.variables.push_back(variable);
  }
  const auto output_shape = layer.forward(Tensor<double, 4>::from_host(x)).shape();

  check.forward = [&layer](const std::vector<GradCheckVariable>& v) {
    set_parameters(layer, v);
    return flattened(layer.forward(Tensor<double, 4>::from_host(shaped<4>(v[0]))).host());
  };
  check.backward = [&layer, output_shape](const std::vector<GradCheckVariable>& v, const xt::xtensor<double, 1>& dy,
                                          std::vector<xt::xtensor<double, 1>>& grads) {
    set_parameters(layer, v);
    layer.forward(Tensor<double, 4>::from_host(shaped<4>(v[0])));
    // The parameters' gradient buffers start where the checker says; backward must add.
    const auto parameters = layer.named_parameters();
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      std::copy(grads[i + 1].begin(), grads[i + 1].end(), parameters[i].parameter->grad_data());
    }
    const xt::xtensor<double, Out> dy_shaped = xt::reshape_view(dy, output_shape);
    const auto dx = layer.backward(Tensor<double, Out>::from_host(dy_shaped));
    grads[0] += flattened(dx.host());
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      const double* gradient = parameters[i].parameter->grad_data();
      std::copy(gradient, gradient + grads[i + 1].size(), grads[i + 1].begin());
    }
  };
  return check;
}

template GradCheckCase module_gradient_check(const std::string&, Layer<double, 4, 4>&, const xt::xtensor<double, 4>&);
template GradCheckCase module_gradient_check(const std::string&, Layer<double, 4, 2>&, const xt::xtensor<double, 4>&);

}  // namespace resnet
