// Chapter 2, task 2.1: the numerical gradient (see chapters/02_convolution/README.md).
#include "resnet/exercise.hpp"
#include "resnet/gradcheck.hpp"

namespace resnet {

xt::xtensor<double, 1> numerical_gradient(const std::function<double()>& loss, xt::xtensor<double, 1>& values,
                                          double step) {
  // BEGIN SOLUTION 2.1 numerical_gradient: the central-difference estimate of dL/dv_i, with step h = step, for every entry i of values, L read by calling loss(); values exactly as before on return
  xt::xtensor<double, 1> gradient = xt::zeros<double>(values.shape());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double saved = values(i);
    values(i) = saved + step;
    const double loss_plus = loss();
    values(i) = saved - step;
    const double loss_minus = loss();
    values(i) = saved;  // the exact original, not saved - step + step
    gradient(i) = (loss_plus - loss_minus) / (2.0 * step);
  }
  return gradient;
  // END SOLUTION
}

}  // namespace resnet
