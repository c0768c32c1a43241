// The block emulator (resnet/cuda/block_emulator.hpp): kernels with barriers and shared
// memory run on the CPU with the GPU's semantics, and every missing barrier is named.
// The kernels here are small models of the course's cooperative kernels: a block-wide
// reversal, a tree reduction and a tiled GEMM, each also with a barrier taken out (a
// planted bug), which must be reported with the kernel, both threads and the word.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "resnet/cuda/block_emulator.hpp"
#include "resnet/cuda/launch.hpp"
#include "resnet/exercise.hpp"
#include "support/skip.hpp"

using namespace resnet;
using namespace resnet::cuda;

namespace {

constexpr unsigned kBlock = 8;  // threads per block in the 1D kernels

// Each block reverses its slice of `in` through shared memory; `with_barrier` false plants
// the bug of reading a word another thread may not have written yet.
std::vector<int> reverse_blocks(const std::vector<int>& in, bool with_barrier) {
  std::vector<int> out(in.size(), -1);
  const Grid grid{Dim3{static_cast<unsigned>(in.size() / kBlock), 1, 1}, Dim3{kBlock, 1, 1}};
  emulator::run_blocks("reverse", grid, [&](const ThreadIndex& t) {
    RESNET_SHARED BlockArray<int, kBlock> slice;
    slice[t.thread.x] = in[t.global_x()];
    if (with_barrier) sync_threads();
    out[t.global_x()] = slice[kBlock - 1 - t.thread.x];
  });
  return out;
}

// The sum of each block's slice, by a tree in shared memory: after step s, word i (i < s)
// holds the sum of words i and i + s of the step before.
std::vector<float> block_sums(const std::vector<float>& x, bool barrier_in_loop) {
  std::vector<float> sums(x.size() / kBlock);
  const Grid grid{Dim3{static_cast<unsigned>(sums.size()), 1, 1}, Dim3{kBlock, 1, 1}};
  emulator::run_blocks("tree_sum", grid, [&](const ThreadIndex& t) {
    RESNET_SHARED BlockArray<float, kBlock> partial;
    const unsigned i = t.thread.x;
    partial[i] = x[t.global_x()];
    sync_threads();
    for (unsigned step = kBlock / 2; step > 0; step /= 2) {
      if (i < step) partial[i] += partial[i + step];
      if (barrier_in_loop) sync_threads();
    }
    if (i == 0) sums[t.block.x] = partial[0];
  });
  return sums;
}

enum class Barriers { both, no_first, no_second };

// C (M, N) = A (M, K) B (K, N) with tiles of 4 x 4 in shared memory, as chapter 6's rung 03.
std::vector<float> tiled_gemm(const std::vector<float>& a, const std::vector<float>& b, std::size_t M, std::size_t N,
                              std::size_t K, Barriers barriers) {
  constexpr unsigned kTile = 4;
  std::vector<float> c(M * N, -1.0f);
  const Grid grid{Dim3{static_cast<unsigned>(ceil_div(N, kTile)), static_cast<unsigned>(ceil_div(M, kTile)), 1},
                  Dim3{kTile, kTile, 1}};
  emulator::run_blocks("tiled_gemm", grid, [&](const ThreadIndex& t) {
    RESNET_SHARED BlockArray<float, kTile * kTile> a_tile, b_tile;
    const unsigned tx = t.thread.x, ty = t.thread.y;
    const std::size_t row = t.global_y(), col = t.global_x();
    float sum = 0.0f;
    for (std::size_t k0 = 0; k0 < K; k0 += kTile) {
      const std::size_t a_col = k0 + tx, b_row = k0 + ty;
      a_tile[ty * kTile + tx] = row < M && a_col < K ? a[row * K + a_col] : 0.0f;
      b_tile[ty * kTile + tx] = b_row < K && col < N ? b[b_row * N + col] : 0.0f;
      if (barriers != Barriers::no_first) sync_threads();
      for (unsigned k = 0; k < kTile; ++k) sum += a_tile[ty * kTile + k] * b_tile[k * kTile + tx];
      if (barriers != Barriers::no_second) sync_threads();
    }
    if (row < M && col < N) c[row * N + col] = sum;
  });
  return c;
}

std::vector<float> integers(std::size_t count, int modulus) {
  std::vector<float> values(count);
  for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<float>(static_cast<int>(i * 7 % modulus) - 2);
  return values;
}

}  // namespace

TEST_CASE("emulated blocks: a block-wide reversal through shared memory is right with its barrier",
          "[ch06][emulator]") {
  std::vector<int> in(3 * kBlock);
  std::iota(in.begin(), in.end(), 0);
  const std::vector<int> out = reverse_blocks(in, /*with_barrier=*/true);
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::size_t block = i / kBlock, lane = i % kBlock;
    CHECK(out[i] == in[block * kBlock + (kBlock - 1 - lane)]);
  }
}

TEST_CASE("emulated blocks: the reversal without its barrier is a race naming both threads", "[ch06][emulator]") {
  std::vector<int> in(2 * kBlock, 1);
  // Thread 0 runs first and reads word 7 before thread 7 has written it.
  CHECK_THROWS_WITH(reverse_blocks(in, /*with_barrier=*/false),
                    Catch::Contains("reverse") && Catch::Contains("thread (0, 0, 0) of block (0, 0, 0) reads word 7") &&
                        Catch::Contains("before any thread of its block wrote it"));
}

TEST_CASE("emulated blocks: a tree reduction with a barrier per step sums each block", "[ch06][emulator]") {
  const std::vector<float> x = integers(4 * kBlock, 5);
  const std::vector<float> sums = block_sums(x, /*barrier_in_loop=*/true);
  for (std::size_t block = 0; block < sums.size(); ++block) {
    float expected = 0.0f;
    for (std::size_t i = 0; i < kBlock; ++i) expected += x[block * kBlock + i];
    CHECK(sums[block] == expected);
  }
}

TEST_CASE("emulated blocks: the reduction without the barrier in its loop is a race", "[ch06][emulator]") {
  const std::vector<float> x = integers(kBlock, 5);
  // Thread 0 runs first, through every step (no barrier stops it): in the last step it reads
  // word 1. Then thread 1, in the first step, writes word 1: a write after another thread's
  // read with no barrier between, so thread 0 may have read the old or the new value.
  CHECK_THROWS_WITH(
      block_sums(x, /*barrier_in_loop=*/false),
      Catch::Contains("tree_sum: shared-memory race on word 1") &&
          Catch::Contains("thread (1, 0, 0) of block (0, 0, 0) writes it after a read by thread (0, 0, 0)"));
}

TEST_CASE("emulated blocks: the tiled GEMM with both barriers equals the triple loop", "[ch06][emulator]") {
  const std::size_t M = 7, N = 6, K = 9;  // edges that fill no tile
  const std::vector<float> a = integers(M * K, 5), b = integers(K * N, 4);
  const std::vector<float> c = tiled_gemm(a, b, M, N, K, Barriers::both);
  for (std::size_t i = 0; i < M; ++i) {
    for (std::size_t j = 0; j < N; ++j) {
      float expected = 0.0f;
      for (std::size_t k = 0; k < K; ++k) expected += a[i * K + k] * b[k * N + j];
      CHECK(c[i * N + j] == expected);
    }
  }
}

TEST_CASE("emulated blocks: the tiled GEMM without its first barrier reads a tile before it is complete",
          "[ch06][emulator]") {
  const std::vector<float> a = integers(8 * 8, 5), b = integers(8 * 8, 4);
  // Thread (0, 0) reads b_tile's word 4, which thread (0, 1) has not written yet.
  CHECK_THROWS_WITH(tiled_gemm(a, b, 8, 8, 8, Barriers::no_first),
                    Catch::Contains("tiled_gemm") && Catch::Contains("thread (0, 0, 0) of block (0, 0, 0)") &&
                        Catch::Contains("before any thread of its block wrote it"));
}

TEST_CASE("emulated blocks: the tiled GEMM without its second barrier overwrites a tile others still read",
          "[ch06][emulator]") {
  const std::vector<float> a = integers(8 * 8, 5), b = integers(8 * 8, 4);
  // After the first barrier, thread (0, 0) reads its row of the tiles and, with no second
  // barrier, goes on to write the next tiles' word 0 and waits at the first barrier. Thread
  // (1, 0) then reads a_tile's word 0 for its sum of the first tiles: it may get the second
  // tile's value.
  CHECK_THROWS_WITH(
      tiled_gemm(a, b, 8, 8, 8, Barriers::no_second),
      Catch::Contains("tiled_gemm: shared-memory race on word 0") &&
          Catch::Contains("thread (1, 0, 0) of block (0, 0, 0) reads it after a write by thread (0, 0, 0)"));
}

TEST_CASE("emulated blocks: a barrier that some threads skip by returning early is reported", "[ch06][emulator]") {
  const Grid grid{Dim3{1, 1, 1}, Dim3{4, 1, 1}};
  CHECK_THROWS_WITH(emulator::run_blocks("early_return", grid,
                                         [](const ThreadIndex& t) {
                                           if (t.thread.x == 3) return;  // the bug: thread 3 skips the barrier
                                           sync_threads();
                                         }),
                    Catch::Contains("early_return: thread (3, 0, 0)") &&
                        Catch::Contains("returned without reaching the __syncthreads()"));
}

TEST_CASE("emulated blocks: an exception inside a thread, such as a stub's, stops the launch and reaches the caller",
          "[ch06][emulator]") {
  const Grid grid{Dim3{2, 1, 1}, Dim3{4, 1, 1}};
  int ran = 0;
  CHECK_THROWS_AS(emulator::run_blocks("stub", grid,
                                       [&](const ThreadIndex& t) {
                                         ++ran;
                                         sync_threads();
                                         if (t.thread.x == 2) resnet::todo("6.9", "a kernel not written yet");
                                       }),
                  NotImplemented);
  CHECK(ran == 4);  // the first block's four threads; the second block never started
}

TEST_CASE("emulated blocks: the grid is checked, and barriers outside a kernel are refused", "[ch06][emulator]") {
  auto nothing = [](const ThreadIndex&) {};
  CHECK_THROWS_WITH(emulator::run_blocks("big", Grid{Dim3{1, 1, 1}, Dim3{1024, 2, 1}}, nothing),
                    Catch::Contains("1 to 1024"));
  CHECK_THROWS_AS(emulator::run_blocks("empty", Grid{Dim3{0, 1, 1}, Dim3{32, 1, 1}}, nothing), DeviceError);
  CHECK_THROWS_WITH(sync_threads(), Catch::Contains("outside a kernel"));
  // Thread indices cover the block in x, then y, then z, and every thread runs once.
  std::vector<int> seen(2 * 3 * 4, 0);
  emulator::run_blocks("indices", Grid{Dim3{1, 1, 1}, Dim3{2, 3, 4}},
                       [&](const ThreadIndex& t) { ++seen[t.thread.x + 2 * (t.thread.y + 3 * t.thread.z)]; });
  CHECK(seen == std::vector<int>(24, 1));
}

TEST_CASE("emulated blocks: an index outside a shared array is an error, not a silent write", "[ch06][emulator]") {
  CHECK_THROWS_WITH(emulator::run_blocks("overflow", Grid{Dim3{1, 1, 1}, Dim3{4, 1, 1}},
                                         [](const ThreadIndex& t) {
                                           RESNET_SHARED BlockArray<float, 3> words;
                                           words[t.thread.x] = 1.0f;
                                         }),
                    Catch::Contains("index 3 is outside an array of 3"));
}

namespace {

// Uses about `depth` x 4 KiB of its fiber's stack: a local array per call that the compiler
// cannot drop, as a kernel body with a large local array or recursion would.
int use_stack(int depth) {
  volatile char frame[4096];
  frame[0] = static_cast<char>(depth);
  frame[sizeof frame - 1] = static_cast<char>(depth);
  if (depth <= 1) return frame[0];
  return use_stack(depth - 1) + frame[sizeof frame - 1];
}

// Runs `body` in a child process with its stderr captured; returns that text, and the
// child's wait status in `status`.
template <class Body>
std::string run_in_child(Body body, int& status) {
  int pipe_ends[2];
  REQUIRE(pipe(pipe_ends) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::signal(SIGABRT, SIG_DFL);  // not Catch's handler, which would report a failed test
    dup2(pipe_ends[1], STDERR_FILENO);
    close(pipe_ends[0]);
    body();
    std::_Exit(0);
  }
  close(pipe_ends[1]);
  std::string text;
  char buffer[512];
  ssize_t got = 0;
  while ((got = read(pipe_ends[0], buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(got));
  close(pipe_ends[0]);
  waitpid(child, &status, 0);
  return text;
}

}  // namespace

TEST_CASE("emulated blocks: a thread that overflows its fiber's stack stops the program with a message",
          "[ch06][emulator]") {
#if defined(__SANITIZE_ADDRESS__)
  resnet::testing::skip_test("AddressSanitizer reports a stack overflow itself, before the emulator's guard page");
#endif
  const Grid grid{Dim3{2, 1, 1}, Dim3{4, 1, 1}};
  // 64 KiB of locals fit a fiber's 128 KiB stack.
  int sums = 0;
  emulator::run_blocks("deep", grid, [&](const ThreadIndex&) { sums += use_stack(16); });
  CHECK(sums == 8 * use_stack(16));

  // 400 KiB do not: the guard page below the stack stops the program, with the kernel and
  // the thread named, instead of letting it overwrite another fiber's stack.
  int status = 0;
  const std::string message = run_in_child(
      [&] {
        emulator::run_blocks("too_deep", grid, [](const ThreadIndex& t) {
          if (t.thread.x == 2 && t.block.x == 1) use_stack(100);
        });
      },
      status);
  INFO("the child's stderr: " << message);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGABRT);
  CHECK_THAT(message, Catch::Contains("too_deep: thread (2, 0, 0) of block (1, 0, 0) overflowed its fiber stack"));
}
