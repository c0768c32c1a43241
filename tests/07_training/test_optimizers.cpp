// Tasks 7.1-7.3: SGD, Adam and AdamW against torch.optim over several steps, the
// learning-rate schedules against torch.optim.lr_scheduler, and the optimizers' state dicts.
#include <cmath>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <xtensor/xadapt.hpp>

#include "resnet/error.hpp"
#include "resnet/optim/optimizer.hpp"
#include "resnet/optim/schedule.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"
#include "support/hash_inputs.hpp"
#include "support/tolerances.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::hash_tensor;
namespace tolerance = resnet::testing::tolerance;

namespace {

nlohmann::json golden_json(const std::string& name) {
  std::ifstream file(resnet::testing::golden_path(name));
  return nlohmann::json::parse(file);
}

// A module with the three parameters of the golden cases, set from the hash.
template <class T>
class Parameters : public Module<T> {
 public:
  Parameters(const nlohmann::json& shapes, std::uint64_t seed)
      : a(hash_tensor<T, 2>(seed, {shapes[0][0], shapes[0][1]})),
        b(hash_tensor<T, 1>(seed + 1, {shapes[1][0]})),
        c(hash_tensor<T, 4>(seed + 2, {shapes[2][0], shapes[2][1], shapes[2][2], shapes[2][3]})) {
    this->register_parameter("a", a);
    this->register_parameter("b", b);
    this->register_parameter("c", c);
  }
  // Gradients for step s (from 1), as make_golden.py draws them.
  void set_gradients(std::uint64_t seed, int step) {
    a.grad.host() = hash_tensor<T, 2>(seed + 100 * step, a.value.shape());
    b.grad.host() = hash_tensor<T, 1>(seed + 100 * step + 1, b.value.shape());
    c.grad.host() = hash_tensor<T, 4>(seed + 100 * step + 2, c.value.shape());
  }
  Parameter<T, 2> a;
  Parameter<T, 1> b;
  Parameter<T, 4> c;
};

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(const nlohmann::json& spec, Module<T>& module) {
  if (spec["kind"] == "sgd") {
    SgdSettings settings;
    settings.learning_rate = spec.value("lr", 0.1);
    settings.momentum = spec.value("momentum", 0.0);
    settings.dampening = spec.value("dampening", 0.0);
    settings.weight_decay = spec.value("weight_decay", 0.0);
    settings.nesterov = spec.value("nesterov", false);
    return std::make_unique<Sgd<T>>(module.named_parameters(), settings);
  }
  AdamSettings settings;
  settings.learning_rate = spec.value("lr", 1e-3);
  settings.beta1 = spec.value("beta1", 0.9);
  settings.beta2 = spec.value("beta2", 0.999);
  settings.eps = spec.value("eps", 1e-8);
  settings.weight_decay = spec.value("weight_decay", 0.0);
  settings.decoupled_weight_decay = spec["kind"] == "adamw";
  return std::make_unique<Adam<T>>(module.named_parameters(), settings);
}

template <class T>
void check_case(const std::string& name, const nlohmann::json& golden) {
  const auto& spec = golden["cases"][name];
  const std::uint64_t seed = spec["seed"];
  Parameters<T> parameters(golden["shapes"], seed);
  auto optimizer = make_optimizer<T>(spec, parameters);
  const auto tol = std::is_same_v<T, float> ? tolerance::optimizer_float32 : tolerance::optimizer_float64;
  for (int step = 1; step <= golden["steps"].get<int>(); ++step) {
    parameters.set_gradients(seed, step);
    optimizer->step();
    const std::string prefix = "ch07/optimizers/" + name + "/step" + std::to_string(step - 1) + "_param";
    INFO(name << ", step " << step);
    CHECK_THAT(parameters.a.value.host(), AllClose(resnet::testing::load_golden<double, 2>(prefix + "0.npy"), tol));
    CHECK_THAT(parameters.b.value.host(), AllClose(resnet::testing::load_golden<double, 1>(prefix + "1.npy"), tol));
    CHECK_THAT(parameters.c.value.host(), AllClose(resnet::testing::load_golden<double, 4>(prefix + "2.npy"), tol));
  }
  CHECK(optimizer->steps() == golden["steps"].get<int>());
}

ScheduleSettings schedule_settings(const nlohmann::json& spec) {
  ScheduleSettings settings;
  settings.kind = schedule_from_string(spec["kind"]);
  settings.base_rate = spec["base_rate"];
  settings.total_steps = spec.value("total_steps", std::int64_t{1});
  settings.step_size = spec.value("step_size", std::int64_t{1});
  settings.gamma = spec.value("gamma", 0.1);
  settings.min_rate = spec.value("min_rate", 0.0);
  settings.pct_start = spec.value("pct_start", 0.3);
  settings.div_factor = spec.value("div_factor", 25.0);
  settings.final_div_factor = spec.value("final_div_factor", 1e4);
  return settings;
}

}  // namespace

TEST_CASE("SGD matches torch.optim.SGD: plain, momentum, dampening, Nesterov, weight decay",
          "[ch07][optim][golden][7.1]") {
  const auto golden = golden_json("ch07/optimizers.json");
  for (const std::string name : {"sgd", "sgd_momentum", "sgd_dampening", "sgd_nesterov"}) {
    check_case<double>(name, golden);
    check_case<float>(name, golden);
  }
}

TEST_CASE("Adam and AdamW match torch.optim over five steps", "[ch07][optim][golden][7.2]") {
  const auto golden = golden_json("ch07/optimizers.json");
  for (const std::string name : {"adam", "adam_weight_decay", "adamw"}) {
    check_case<double>(name, golden);
    check_case<float>(name, golden);
  }
}

TEST_CASE("Adam's first step moves every weight by about the learning rate", "[ch07][optim][hand][7.2]") {
  // After one step m_hat = g and v_hat = g^2, so the update is lr * g / (|g| + eps):
  // lr * sign(g), whatever the gradient's size. That is why Adam's lr is a step size.
  Parameters<double> parameters(nlohmann::json::parse("[[4, 3], [5], [2, 2, 3, 3]]"), 1);
  const auto before = parameters.a.value.host();
  parameters.set_gradients(1, 1);
  parameters.a.grad.host() *= 1000.0;  // the size of the gradient does not matter
  Adam<double> adam(parameters.named_parameters(), AdamSettings{});
  adam.step();
  const xt::xtensor<double, 2> expected = before - 1e-3 * xt::sign(parameters.a.grad.host());
  CHECK_THAT(parameters.a.value.host(), AllClose(expected, tolerance::optimizer_float64));
}

TEST_CASE("learning-rate schedules match torch.optim.lr_scheduler", "[ch07][schedule][golden][7.3]") {
  const auto golden = golden_json("ch07/schedules.json");
  for (const auto& [name, record] : golden.items()) {
    const ScheduleSettings settings = schedule_settings(record["settings"]);
    const auto rates = record["lr"].get<std::vector<double>>();
    const auto momenta = record["momentum"].get<std::vector<double>>();
    std::vector<double> our_rates, our_momenta;
    for (std::size_t step = 0; step < rates.size(); ++step) {
      our_rates.push_back(learning_rate_at(settings, static_cast<std::int64_t>(step)));
      if (!momenta.empty()) our_momenta.push_back(momentum_at(settings, static_cast<std::int64_t>(step)).value());
    }
    INFO(name);
    const auto as_tensor = [](const std::vector<double>& v) {
      return xt::xtensor<double, 1>(xt::adapt(v, std::array<std::size_t, 1>{v.size()}));
    };
    CHECK_THAT(as_tensor(our_rates), AllClose(as_tensor(rates), tolerance::schedule));
    if (!momenta.empty()) CHECK_THAT(as_tensor(our_momenta), AllClose(as_tensor(momenta), tolerance::schedule));
  }
}

TEST_CASE("a constant schedule keeps the rate and one-cycle refuses steps past its end",
          "[ch07][schedule][hand][7.3]") {
  ScheduleSettings settings;
  settings.base_rate = 0.01;
  CHECK(learning_rate_at(settings, 0) == 0.01);
  CHECK(learning_rate_at(settings, 1000000) == 0.01);
  CHECK_FALSE(momentum_at(settings, 5).has_value());
  settings.kind = ScheduleKind::one_cycle;
  settings.total_steps = 10;
  CHECK(learning_rate_at(settings, 0) == Approx(0.01 / 25));
  CHECK_THROWS_WITH(learning_rate_at(settings, 11), Catch::Contains("past its 10 steps"));
  CHECK_THROWS_WITH(schedule_from_string("linear"), Catch::Contains("constant, step, cosine or one-cycle"));
}

TEST_CASE("an optimizer's state dict restores its exact trajectory", "[ch07][optim][property][7.2]") {
  // Five steps straight, or two steps, save, restore into a fresh optimizer, three more:
  // the same parameters, bit for bit. This is what resuming from a checkpoint relies on.
  Parameters<float> straight(nlohmann::json::parse("[[4, 3], [5], [2, 2, 3, 3]]"), 9);
  Parameters<float> resumed(nlohmann::json::parse("[[4, 3], [5], [2, 2, 3, 3]]"), 9);
  Adam<float> a(straight.named_parameters(), AdamSettings{});
  auto b = std::make_unique<Adam<float>>(resumed.named_parameters(), AdamSettings{});
  for (int step = 1; step <= 5; ++step) {
    straight.set_gradients(9, step);
    a.step();
    if (step == 3) {
      const StateDict saved = b->state_dict();
      b = std::make_unique<Adam<float>>(resumed.named_parameters(), AdamSettings{});
      b->load_state_dict(saved);
    }
    resumed.set_gradients(9, step);
    b->step();
  }
  INFO(
      "Adam saved after 2 steps and restored into a fresh optimizer must continue exactly as the one that never "
      "stopped: the state dict must hold everything a step reads (the step count for the bias correction, exp_avg "
      "and exp_avg_sq of every parameter), so the parameters agree bit for bit after 5 steps");
  CHECK_THAT(resumed.c.value.host(),
             AllClose(xt::xtensor<double, 4>(xt::cast<double>(straight.c.value.host())), tolerance::exact));
  CHECK(b->steps() == 5);
  const StateDict state = a.state_dict();
  INFO("Adam's state dict: the step, then exp_avg and exp_avg_sq of each of a, b and c, named after the parameter");
  CHECK(state.size() == 1 + 2 * 3);  // step, and exp_avg and exp_avg_sq of a, b, c
  CHECK(state[1].first == "a.exp_avg");
  Sgd<float> sgd(straight.named_parameters(), SgdSettings{});
  CHECK_THROWS_WITH(sgd.load_state_dict(state), Catch::Contains("missing entry 'a.momentum_buffer'"));
}

TEST_CASE("optimizer settings PyTorch refuses are refused", "[ch07][optim][errors]") {
  Parameters<float> parameters(nlohmann::json::parse("[[4, 3], [5], [2, 2, 3, 3]]"), 9);
  SgdSettings nesterov;
  nesterov.nesterov = true;
  CHECK_THROWS_WITH(Sgd<float>(parameters.named_parameters(), nesterov), Catch::Contains("Nesterov"));
  AdamSettings betas;
  betas.beta1 = 1.0;
  CHECK_THROWS_WITH(Adam<float>(parameters.named_parameters(), betas), Catch::Contains("betas"));
  CHECK_THROWS_AS(Adam<float>({}, AdamSettings{}), std::invalid_argument);
}
