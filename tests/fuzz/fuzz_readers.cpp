// fuzz_readers: feeds hostile files to every reader of files that come from outside the
// program (safetensors checkpoints, CIFAR-10 batches, .npy arrays, images) and checks that
// each answers with a result or its documented error, never a crash, a sanitizer report or
// another exception.
//
// How: a deterministic mutation loop (mutations.hpp) over valid seed files (targets.hpp),
// built under AddressSanitizer + UndefinedBehaviorSanitizer (the `asan` preset). Input i of
// seed s is the same on every run and machine, so CI tries the same inputs each time and a
// finding is replayed from its seed and iteration.
//
//   fuzz_readers [--target NAME|all] [--seconds S] [--iterations N] [--seed S]
//   fuzz_readers --target NAME --seed S --iteration I [--save FILE]
//                                                          replay one generated input (and save it)
//   fuzz_readers --target NAME --replay FILE|FOLDER...    replay saved inputs
//
// Each run first replays tests/fuzz/regressions/<target>/: inputs that once found a bug,
// kept so that the bug stays fixed. A finding is saved to the build folder's fuzz_findings/;
// once fixed, copy it into the regressions folder.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>  // __sanitizer_set_death_callback
#endif

#include "mutations.hpp"
#include "targets.hpp"

namespace fs = std::filesystem;
using namespace resnet::fuzz;

// The sanitizers' settings, read before main (ASAN_OPTIONS and UBSAN_OPTIONS add to them).
// AddressSanitizer reports an allocation above 1 GiB, or a process above 3 GiB resident,
// like a crash: a hostile file (at most 1 MiB here) must get a clear error, not make the reader
// allocate gigabytes. UndefinedBehaviorSanitizer aborts after its report, so that
// on_abort() below can save the input.
extern "C" const char* __asan_default_options() { return "max_allocation_size_mb=1024:hard_rss_limit_mb=3072"; }
extern "C" const char* __ubsan_default_options() { return "abort_on_error=1:print_stacktrace=1"; }

namespace {

struct Options {
  std::string target = "all";
  std::optional<double> seconds;            // stop after this long (10 s when neither limit is given)
  std::optional<std::uint64_t> iterations;  // stop after this many generated inputs
  std::uint64_t seed = 1;
  std::optional<std::uint64_t> iteration;  // replay this one generated input
  std::vector<std::string> replay;         // replay these files
  std::string save;                        // with --iteration: write the input to this file
  fs::path regressions = RESNET_FUZZ_SOURCE_DIR "/tests/fuzz/regressions";
  fs::path findings = RESNET_FUZZ_FINDINGS_DIR;
};

// ---- what is running now, so that a crash can say which input it was ----

struct CurrentInput {
  const FuzzTarget* target = nullptr;
  const std::string* bytes = nullptr;
  std::string label;   // "seed 1, iteration 4711" or the replayed file
  bool saved = false;  // after a crash, the input is saved once even if two handlers run
  std::string replay_arguments;
  fs::path findings;
};
CurrentInput current;

std::string file_label(const std::string& label) {
  std::string name;
  for (char c : label) name += (std::isalnum(static_cast<unsigned char>(c)) != 0) ? c : '_';
  return name;
}

// Saves the running input to the findings folder and says how to replay it.
void save_current_input(const char* what) {
  if (current.target == nullptr || current.bytes == nullptr || current.saved) return;
  current.saved = true;
  const fs::path folder = current.findings / current.target->name;
  std::error_code ignored;
  fs::create_directories(folder, ignored);
  const fs::path path = folder / (file_label(current.label) + ".bin");
  try {
    write_file(path, *current.bytes);
  } catch (const std::exception&) {
  }
  std::fprintf(stderr,
               "FINDING fuzz %s, %s: %s\n  input (%zu bytes) saved as %s\n  replay: fuzz_readers --target %s %s\n",
               current.target->name.c_str(), current.label.c_str(), what, current.bytes->size(), path.string().c_str(),
               current.target->name.c_str(), current.replay_arguments.c_str());
}

#if defined(__SANITIZE_ADDRESS__)
// Called by AddressSanitizer after its report, before the process ends.
void on_sanitizer_death() { save_current_input("the sanitizer report above"); }
#endif

// Called on abort(): after an UndefinedBehaviorSanitizer report, or an assertion or a
// std::terminate in a reader. Saves the input, then dies of the same signal.
void on_abort(int signal_number) {
  save_current_input("the report above (the program aborted)");
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// ---- one input ----

// What one input did.
enum class Outcome { read, refused, finding };

// Runs one input through the target. A crash or a sanitizer report ends the program
// instead (after on_sanitizer_death or on_abort).
Outcome run_one(const FuzzTarget& target, const std::string& bytes, const std::string& label,
                const std::string& replay_arguments) {
  current.target = &target;
  current.bytes = &bytes;
  current.label = label;
  current.replay_arguments = replay_arguments;
  current.saved = false;
  std::string problem;
  bool read = false;
  try {
    read = target.read(bytes);
  } catch (const ContractBroken& error) {
    problem = std::string("contract broken: ") + error.what();
  } catch (const std::exception& error) {
    problem = std::string("undocumented exception: ") + error.what();
  } catch (...) {
    problem = "an exception that is not a std::exception";
  }
  if (!problem.empty()) save_current_input(problem.c_str());
  current.bytes = nullptr;
  if (!problem.empty()) return Outcome::finding;
  return read ? Outcome::read : Outcome::refused;
}

// ---- a run of one target ----

struct Tally {
  std::uint64_t inputs = 0;
  std::uint64_t read = 0;  // the reader gave a result
  std::uint64_t findings = 0;
  double slowest_seconds = 0;
  std::string slowest_label;
  bool stopped_by_time = false;  // --seconds ran out before --iterations
};

void run_counted(const FuzzTarget& target, const std::string& bytes, const std::string& label,
                 const std::string& replay_arguments, Tally& tally) {
  const auto start = std::chrono::steady_clock::now();
  const Outcome outcome = run_one(target, bytes, label, replay_arguments);
  if (outcome == Outcome::read) ++tally.read;
  if (outcome == Outcome::finding) ++tally.findings;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (seconds > tally.slowest_seconds) {
    tally.slowest_seconds = seconds;
    tally.slowest_label = label;
  }
  ++tally.inputs;
}

// The files in `folder`, sorted (none when it does not exist).
std::vector<fs::path> files_in(const fs::path& folder) {
  std::vector<fs::path> files;
  if (!fs::is_directory(folder)) return files;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Replays files: the regression inputs, or those given with --replay.
void replay_files(const FuzzTarget& target, const std::vector<fs::path>& files, Tally& tally) {
  for (const fs::path& file : files) {
    if (fs::is_directory(file)) {
      replay_files(target, files_in(file), tally);
      continue;
    }
    run_counted(target, read_file(file), file.filename().string(), "--replay " + file.string(), tally);
  }
}

// The seeds themselves, then generated inputs until the time or the count is up.
void fuzz(const FuzzTarget& target, const Options& options, Tally& tally) {
  for (std::size_t i = 0; i < target.seeds.size(); ++i) {
    run_counted(target, target.seeds[i], "seed file " + std::to_string(i), "(a seed: see targets.hpp)", tally);
  }
  const double seconds = options.seconds.value_or(options.iterations ? 1e300 : 10.0);
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; !options.iterations || i < *options.iterations; ++i) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= seconds) {
      tally.stopped_by_time = options.iterations.has_value();
      break;
    }
    const std::string input = make_input(target.seeds, target.hints, options.seed, i, target.max_bytes);
    const std::string where = "seed " + std::to_string(options.seed) + ", iteration " + std::to_string(i);
    run_counted(target, input, where, "--seed " + std::to_string(options.seed) + " --iteration " + std::to_string(i),
                tally);
  }
}

// One line per target, e.g. "fuzz npy: regression files 6, inputs 10682 in 60.0 s (178/s;
// 2715 read, the rest refused), findings 0; slowest input 134.4 ms (seed 1, iteration 138)".
void report(const FuzzTarget& target, const Tally& regressions, const Tally& fuzzed, double seconds) {
  const Tally& slowest = regressions.slowest_seconds > fuzzed.slowest_seconds ? regressions : fuzzed;
  using count = unsigned long long;
  std::printf(
      "fuzz %s: regression files %llu, inputs %llu in %.1f s (%.0f/s; %llu read, the rest refused), findings %llu; "
      "slowest input %.1f ms (%s)%s\n",
      target.name.c_str(), count{regressions.inputs}, count{fuzzed.inputs}, seconds,
      static_cast<double>(fuzzed.inputs) / std::max(seconds, 1e-9), count{fuzzed.read},
      count{regressions.findings + fuzzed.findings}, 1000 * slowest.slowest_seconds, slowest.slowest_label.c_str(),
      fuzzed.stopped_by_time ? "; stopped by --seconds before --iterations" : "");
  std::fflush(stdout);
}

// Runs one target as the options say; returns its number of findings.
std::uint64_t run_target(const FuzzTarget& target, const Options& options) {
  Tally regressions, fuzzed;
  const auto start = std::chrono::steady_clock::now();
  if (!options.replay.empty()) {
    replay_files(target, {options.replay.begin(), options.replay.end()}, fuzzed);
  } else if (options.iteration) {
    const std::string input =
        make_input(target.seeds, target.hints, options.seed, *options.iteration, target.max_bytes);
    if (!options.save.empty()) write_file(options.save, input);
    const std::string where =
        "seed " + std::to_string(options.seed) + ", iteration " + std::to_string(*options.iteration);
    run_counted(target, input, where, "", fuzzed);
  } else {
    replay_files(target, files_in(options.regressions / target.name), regressions);
    fuzz(target, options, fuzzed);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report(target, regressions, fuzzed, seconds);
  return regressions.findings + fuzzed.findings;
}

// ---- the command line ----

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "fuzz_readers: %s\n"
               "usage: fuzz_readers [--target safetensors|cifar10|npy|image|all] [--seconds S] [--iterations N]\n"
               "                    [--seed S] [--iteration I [--save FILE]] [--replay FILE...] [--regressions DIR]\n"
               "                    [--findings DIR]\n",
               problem.c_str());
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(flag + " needs a value");
      return argv[++i];
    };
    try {
      if (flag == "--target") {
        options.target = value();
      } else if (flag == "--seconds") {
        options.seconds = std::stod(value());
      } else if (flag == "--iterations") {
        options.iterations = std::stoull(value());
      } else if (flag == "--seed") {
        options.seed = std::stoull(value());
      } else if (flag == "--iteration") {
        options.iteration = std::stoull(value());
      } else if (flag == "--replay") {
        while (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) options.replay.push_back(argv[++i]);
      } else if (flag == "--save") {
        options.save = value();
      } else if (flag == "--regressions") {
        options.regressions = value();
      } else if (flag == "--findings") {
        options.findings = value();
      } else {
        usage("unknown option " + flag);
      }
    } catch (const std::logic_error&) {
      usage("not a number after " + flag);
    }
  }
  if ((options.iteration || !options.replay.empty()) && options.target == "all") {
    usage("--iteration and --replay need one --target");
  }
  return options;
}

// A private scratch folder for the readers that take a path, removed at the end.
class ScratchFolder {
 public:
  ScratchFolder() : path_(fs::temp_directory_path() / ("resnet_fuzz_" + std::to_string(getpid()))) {
    fs::create_directories(path_);
  }
  ~ScratchFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  current.findings = options.findings;
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_set_death_callback(on_sanitizer_death);
#endif
  std::signal(SIGABRT, on_abort);
  const ScratchFolder scratch;
  const FuzzFolders folders{RESNET_FUZZ_SOURCE_DIR, scratch.path()};
  const std::vector<FuzzTarget> targets = {safetensors_target(folders), cifar10_target(folders), npy_target(folders),
                                           image_target(folders)};
  std::uint64_t findings = 0;
  bool known = false;
  for (const FuzzTarget& target : targets) {
    if (options.target != "all" && options.target != target.name) continue;
    known = true;
    findings += run_target(target, options);
  }
  if (!known) usage("no target named " + options.target);
  return findings == 0 ? 0 : 1;
}
