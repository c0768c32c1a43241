// A test that learns: a tiny convolutional network made of this chapter's ops
// (conv -> ReLU -> global average pool -> linear -> cross-entropy) learns, with plain
// gradient descent, to tell images with a horizontal bar from images with a vertical one.
#include <cmath>

#include <catch2/catch.hpp>
#include <xtensor/xview.hpp>

#include "resnet/init.hpp"
#include "resnet/ops/conv2d.hpp"
#include "resnet/ops/cross_entropy.hpp"
#include "resnet/ops/global_avg_pool2d.hpp"
#include "resnet/ops/linear.hpp"
#include "resnet/ops/relu.hpp"
#include "resnet/random.hpp"

using namespace resnet;

namespace {

struct Batch {
  xt::xtensor<float, 4> images;         // (N, 1, 8, 8)
  xt::xtensor<std::int64_t, 1> labels;  // 0: horizontal bar, 1: vertical bar
};

// Noise plus one bright bar, horizontal or vertical, at a random row or column.
Batch make_bars(std::size_t count, Generator& generator) {
  Batch batch{random_normal<float, 4>({count, 1, 8, 8}, generator, 0.0, 0.3),
              xt::xtensor<std::int64_t, 1>::from_shape({count})};
  for (std::size_t n = 0; n < count; ++n) {
    const auto label = static_cast<std::int64_t>(generator.below(2));
    const std::size_t position = generator.below(8);
    for (std::size_t i = 0; i < 8; ++i) {
      if (label == 0)
        batch.images(n, 0, position, i) += 1.0f;
      else
        batch.images(n, 0, i, position) += 1.0f;
    }
    batch.labels(n) = label;
  }
  return batch;
}

struct TinyNet {
  xt::xtensor<float, 4> conv_weight;  // (4, 1, 3, 3)
  xt::xtensor<float, 2> fc_weight;    // (2, 4)
  xt::xtensor<float, 1> fc_bias;      // (2)
};

struct StepResult {
  float loss;
  double accuracy;
};

// One forward pass, and (when learning_rate > 0) one backward pass and update. The
// backward calls run in reverse order of the forward ones.
StepResult step(TinyNet& net, const Batch& batch, float learning_rate) {
  const auto conv = conv2d_forward(batch.images, net.conv_weight, std::nullopt, 1, 1);
  const auto relu = relu_forward(conv.y);
  const auto pool = global_avg_pool2d_forward(relu.y);
  const auto fc = linear_forward(pool.y, net.fc_weight, net.fc_bias);
  const auto loss = cross_entropy_forward(fc.y, batch.labels);
  std::size_t correct = 0;
  for (std::size_t n = 0; n < batch.labels.size(); ++n) {
    const auto predicted = fc.y(n, 1) > fc.y(n, 0) ? 1 : 0;
    correct += predicted == batch.labels(n) ? 1 : 0;
  }
  if (learning_rate > 0) {
    const auto dlogits = cross_entropy_backward(1.0f, loss.cache).dlogits;
    const auto fc_grads = linear_backward(dlogits, fc.cache);
    const auto dpool = global_avg_pool2d_backward(fc_grads.dx, pool.cache).dx;
    const auto drelu = relu_backward(dpool, relu.cache).dx;
    const auto conv_grads = conv2d_backward(drelu, conv.cache);
    net.fc_weight -= learning_rate * fc_grads.dweight;
    net.fc_bias -= learning_rate * fc_grads.dbias;
    net.conv_weight -= learning_rate * conv_grads.dweight;
  }
  return {loss.loss, static_cast<double>(correct) / static_cast<double>(batch.labels.size())};
}

}  // namespace

TEST_CASE("a tiny conv net of this chapter's ops learns horizontal from vertical bars", "[ch02][learning][2.9]") {
  Generator generator(2026);
  TinyNet net{kaiming_normal<float>(std::array<std::size_t, 4>{4, 1, 3, 3}, FanMode::fan_out, generator),
              random_normal<float, 2>({2, 4}, generator, 0.0, 0.5), xt::zeros<float>({2})};
  const Batch test = make_bars(200, generator);
  const StepResult before = step(net, test, 0.0f);
  for (int iteration = 0; iteration < 1000; ++iteration) step(net, make_bars(32, generator), 0.5f);
  const StepResult after = step(net, test, 0.0f);
  INFO("test loss " << before.loss << " -> " << after.loss << ", accuracy " << before.accuracy << " -> "
                    << after.accuracy);
  CHECK(std::isfinite(after.loss));
  CHECK(after.loss < 0.25f * before.loss);
  CHECK(after.accuracy >= 0.95);  // chance is 0.5
}
