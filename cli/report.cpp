#include "report.hpp"

#include <cstdio>

#include "resnet/data/cifar10.hpp"

namespace resnet::cli {

void print_report(const Evaluation& evaluation, const std::string& title) {
  const auto& names = cifar10_class_names();
  std::size_t total = 0;
  for (const auto& row : evaluation.confusion) {
    for (std::size_t count : row) total += count;
  }
  std::printf("\n%s: accuracy %.2f%% (%zu images), loss %.4f\n\n", title.c_str(), 100.0 * evaluation.accuracy, total,
              evaluation.loss);
  std::printf("%-12s %8s   confusion (rows: true class, columns: predicted)\n", "class", "accuracy");
  std::printf("%-12s %8s  ", "", "");
  for (std::size_t k = 0; k < evaluation.confusion.size(); ++k) std::printf(" %5.5s", names[k].c_str());
  std::printf("\n");
  const auto accuracy = evaluation.class_accuracy();
  for (std::size_t k = 0; k < evaluation.confusion.size(); ++k) {
    std::printf("%-12s %7.1f%%  ", names[k].c_str(), 100.0 * accuracy[k]);
    for (std::size_t count : evaluation.confusion[k]) std::printf(" %5zu", count);
    std::printf("\n");
  }
}

}  // namespace resnet::cli
