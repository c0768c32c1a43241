/// @file
/// @brief The gradient checker applied to a whole module: its input and every parameter.
#pragma once

#include <string>

#include "resnet/gradcheck.hpp"
#include "resnet/nn/module.hpp"

namespace resnet {

/// @ingroup ch03
/// @brief A GradCheckCase for a layer that takes images (a module, a block, a whole
///        network with its classifier) at input x.
///
/// The variables are x and every parameter of the layer, under their dotted names. The
/// case's backward writes the checker's starting gradients into the parameters' `grad`
/// buffers, runs the layer's real backward pass, and reads the buffers back, so the
/// checker's accumulation test applies to the module's own `+=`. The layer must outlive
/// the case. After the check the layer holds the checker's last perturbed values and, in
/// training mode, running statistics moved by every forward pass: build a fresh one for
/// anything else.
/// @param name the case's name in reports
/// @param layer the module to check, in whichever mode (train or eval) it should be checked
/// @param x its input, (N, C, H, W)
/// @tparam Out the rank of its output: 4 for image layers, 2 for a network's logits
/// @return the case, ready for check_gradients()
template <std::size_t Out>
GradCheckCase module_gradient_check(const std::string& name, Layer<double, 4, Out>& layer,
                                    const xt::xtensor<double, 4>& x);

}  // namespace resnet
