// The block emulator: each thread of a block is a fiber, with a stack of its own, and a
// scheduler runs every fiber of the block up to its next barrier (or its end) before it
// releases the barrier.
//
// How a fiber is switched to: it starts on its stack through POSIX ucontext (makecontext,
// then setcontext), once per launch; every later switch, in both directions, is _setjmp /
// _longjmp, which save and restore only registers. (swapcontext also saves the signal mask,
// a system call per switch: with it, test_ch06 took 240 s instead of 51 s, mostly in the
// ResNet runs on the emulated device.) A fiber runs the kernel body for its thread of one block after another, so
// fibers are started once per launch, not once per block.
//
// Under AddressSanitizer every switch is announced to it (__sanitizer_start_switch_fiber /
// __sanitizer_finish_switch_fiber), so that it knows which stack is live and reports no
// false errors.
//
// Below each fiber's stack lies a guard page that may not be touched. A kernel body that
// needs more than its stack (a large local array, deep recursion) hits it, and instead of
// silently overwriting the next fiber's stack the program stops with a message naming the
// kernel and the thread (a SIGSEGV handler on an alternate signal stack; other faults go on
// to the handler that was there before).
#include "resnet/cuda/block_emulator.hpp"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <memory>
#include <sstream>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define RESNET_EMULATOR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RESNET_EMULATOR_ASAN 1
#endif
#endif

#ifdef RESNET_EMULATOR_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace resnet::cuda::emulator {

namespace {

constexpr std::size_t kMaxThreadsPerBlock = 1024;
// Each fiber's stack. A kernel body's frames are small (a few locals and calls); 128 KiB
// leaves room for a thrown exception's unwinding and, under sanitizers, their padding.
constexpr std::size_t kStackBytes = 128 * 1024;  // reserved, not touched: 128 MiB for 1024 threads
// (a guard page below each: see StackPool)

enum class FiberState { runnable, at_barrier, finished };

struct Fiber {
  ucontext_t start;  // where the fiber begins, on its own stack (used once per launch)
  jmp_buf resume;    // where it continues after a switch back to it
  bool started = false;
  ThreadIndex index;
  int id = 0;  // linear index in the block: x + y X + z X Y
  FiberState state = FiberState::runnable;
  char* stack = nullptr;
};

// Everything about the block being run on this CPU thread.
struct BlockRun {
  const char* kernel = "";
  const std::function<void(const ThreadIndex&)>* body = nullptr;
  jmp_buf scheduler;  // where the scheduler continues when a fiber switches back
  std::vector<Fiber> fibers;
  std::size_t current = 0;
  unsigned long long epoch = 0;      // changes at every barrier, never repeats
  unsigned long long block_run = 0;  // changes at every block, never repeats
  std::exception_ptr error;
#ifdef RESNET_EMULATOR_ASAN
  const void* scheduler_stack_bottom = nullptr;
  std::size_t scheduler_stack_size = 0;
#endif
};

thread_local BlockRun* active_run = nullptr;
thread_local unsigned long long next_epoch = 1;
thread_local unsigned long long next_block_run = 1;

// The fibers' stacks of one CPU thread, kept from launch to launch and grown when a launch
// needs more: one mapping of slots, each a guard page (no access) and the stack above it
// (stacks grow down, towards the guard).
class StackPool {
 public:
  StackPool() : page_(static_cast<std::size_t>(sysconf(_SC_PAGESIZE))), slot_(kStackBytes + page_) {}
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;
  ~StackPool() { release(); }

  // Makes room for `threads` stacks; throws std::bad_alloc when the system has none.
  void reserve(std::size_t threads) {
    if (threads <= threads_) return;
    release();
    const std::size_t bytes = threads * slot_;
    void* mapping = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) throw std::bad_alloc();
    base_ = static_cast<char*>(mapping);
    threads_ = threads;
    for (std::size_t i = 0; i < threads; ++i) {
      if (mprotect(base_ + i * slot_, page_, PROT_NONE) != 0) {
        release();
        throw std::bad_alloc();
      }
    }
  }
  char* stack(std::size_t i) const { return base_ + i * slot_ + page_; }
  // True when `address` lies in one of the guard pages.
  bool in_guard_page(const void* address) const {
    const char* at = static_cast<const char*>(address);
    if (base_ == nullptr || at < base_ || at >= base_ + threads_ * slot_) return false;
    return static_cast<std::size_t>(at - base_) % slot_ < page_;
  }

 private:
  void release() {
    if (base_ != nullptr) munmap(base_, threads_ * slot_);
    base_ = nullptr;
    threads_ = 0;
  }

  std::size_t page_;
  std::size_t slot_;
  char* base_ = nullptr;
  std::size_t threads_ = 0;
};

thread_local StackPool stack_pool;

std::string describe(const ThreadIndex& t) {
  std::ostringstream text;
  text << "(" << t.thread.x << ", " << t.thread.y << ", " << t.thread.z << ") of block (" << t.block.x << ", "
       << t.block.y << ", " << t.block.z << ")";
  return text.str();
}

std::string describe_thread_id(const BlockRun& run, int id) {
  return describe(run.fibers[static_cast<std::size_t>(id)].index);
}

// --- A fiber's stack overflow: a message instead of a crash without one ---

struct sigaction previous_segv_action, previous_bus_action;

// Appends `text` to `buffer` (of `size` bytes, `used` so far), as far as it fits.
void append(char* buffer, std::size_t size, std::size_t& used, const char* text) {
  while (*text != '\0' && used + 1 < size) buffer[used++] = *text++;
  buffer[used] = '\0';
}

// Appends `value` in decimal. (No snprintf: a signal handler may call only a few functions.)
void append(char* buffer, std::size_t size, std::size_t& used, unsigned value) {
  char digits[12];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  char text[12];
  for (int i = 0; i < count; ++i) text[i] = digits[count - 1 - i];
  text[count] = '\0';
  append(buffer, size, used, text);
}

void append(char* buffer, std::size_t size, std::size_t& used, const Dim3& d) {
  append(buffer, size, used, "(");
  append(buffer, size, used, d.x);
  append(buffer, size, used, ", ");
  append(buffer, size, used, d.y);
  append(buffer, size, used, ", ");
  append(buffer, size, used, d.z);
  append(buffer, size, used, ")");
}

// SIGSEGV and SIGBUS: a touch of a guard page is a fiber's stack overflow, reported and
// the program aborted; any other fault goes to the handler that was installed before.
void on_memory_fault(int signal_number, siginfo_t* info, void*) {
  const BlockRun* run = active_run;
  if (run != nullptr && stack_pool.in_guard_page(info->si_addr)) {
    char message[512];
    std::size_t used = 0;
    append(message, sizeof message, used, "\nblock emulator: ");
    append(message, sizeof message, used, run->kernel);
    append(message, sizeof message, used, ": thread ");
    const Fiber& fiber = run->fibers[run->current];
    append(message, sizeof message, used, fiber.index.thread);
    append(message, sizeof message, used, " of block ");
    append(message, sizeof message, used, fiber.index.block);
    append(message, sizeof message, used,
           " overflowed its fiber stack of 128 KiB (a large local array in the kernel body, or deep "
           "recursion?); on a GPU, a thread's local memory is small too\n");
    const ssize_t written = write(STDERR_FILENO, message, used);
    (void)written;  // nothing more can be done if stderr is gone
    abort();
  }
  // Not ours: the previous handler (or the default action) gets the fault when the
  // instruction runs again.
  sigaction(signal_number, signal_number == SIGSEGV ? &previous_segv_action : &previous_bus_action, nullptr);
}

// Gives this CPU thread an alternate signal stack when it has none: a handler cannot run
// on the stack that overflowed.
void ensure_signal_stack() {
  thread_local std::unique_ptr<char[]> signal_stack;
  stack_t current{};
  if (sigaltstack(nullptr, &current) != 0 || !(current.ss_flags & SS_DISABLE)) return;
  constexpr std::size_t kSignalStackBytes = 64 * 1024;
  if (!signal_stack) signal_stack.reset(new char[kSignalStackBytes]);
  stack_t alternate{};
  alternate.ss_sp = signal_stack.get();
  alternate.ss_size = kSignalStackBytes;
  sigaltstack(&alternate, nullptr);
}

std::mutex watch_mutex;
int watching_runs = 0;  // run_blocks calls in progress, on any CPU thread

// While a launch runs, on_memory_fault handles SIGSEGV and SIGBUS; before and after, whoever
// handled them before does (a test framework, a sanitizer, the default action). Installed
// at each launch rather than once, so that a handler installed and removed in between by
// someone else cannot leave ours out.
class StackOverflowWatch {
 public:
  StackOverflowWatch() {
    ensure_signal_stack();
    std::lock_guard<std::mutex> lock(watch_mutex);
    if (watching_runs++ > 0) return;
    struct sigaction action {};
    action.sa_sigaction = on_memory_fault;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, &previous_segv_action);
    sigaction(SIGBUS, &action, &previous_bus_action);
  }
  StackOverflowWatch(const StackOverflowWatch&) = delete;
  StackOverflowWatch& operator=(const StackOverflowWatch&) = delete;
  ~StackOverflowWatch() {
    std::lock_guard<std::mutex> lock(watch_mutex);
    if (--watching_runs > 0) return;
    sigaction(SIGSEGV, &previous_segv_action, nullptr);
    sigaction(SIGBUS, &previous_bus_action, nullptr);
  }
};

// The two switches are kept out of line (noinline): _setjmp saves registers only, so a
// caller's local variable held in a register across it could come back changed; in a
// frame of their own, nothing of the caller's is live across the jump.

// Switches from the scheduler to fiber `fiber`, and returns when it switches back (at a
// barrier, or at the end of its thread of the block).
__attribute__((noinline)) void switch_to_fiber(BlockRun& run, Fiber& fiber) {
#ifdef RESNET_EMULATOR_ASAN
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, fiber.stack, kStackBytes);
#endif
  if (_setjmp(run.scheduler) == 0) {
    if (!fiber.started) {
      fiber.started = true;
      setcontext(&fiber.start);
    }
    _longjmp(fiber.resume, 1);
  }
#ifdef RESNET_EMULATOR_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

// Switches from the running fiber back to the scheduler, and returns when the scheduler
// switches to it again.
__attribute__((noinline)) void switch_to_scheduler(BlockRun& run, Fiber& fiber) {
#ifdef RESNET_EMULATOR_ASAN
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, run.scheduler_stack_bottom, run.scheduler_stack_size);
#endif
  if (_setjmp(fiber.resume) == 0) _longjmp(run.scheduler, 1);
#ifdef RESNET_EMULATOR_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, &run.scheduler_stack_bottom, &run.scheduler_stack_size);
#endif
}

// Where every fiber starts: the kernel body for its thread of the current block, then back
// to the scheduler, which sends it on to the same thread of the next block. An exception
// from the body is kept for the scheduler, which then stops the launch.
void fiber_entry() {
  BlockRun& run = *active_run;
  Fiber& fiber = run.fibers[run.current];
#ifdef RESNET_EMULATOR_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &run.scheduler_stack_bottom, &run.scheduler_stack_size);
#endif
  while (true) {
    try {
      (*run.body)(fiber.index);
    } catch (...) {
      if (!run.error) run.error = std::current_exception();
    }
    fiber.state = FiberState::finished;
    switch_to_scheduler(run, fiber);
  }
}

// Makes `fiber.start` begin fiber_entry() on the fiber's stack. Out of line for the same
// reason as the switches: getcontext, like _setjmp, returns twice.
__attribute__((noinline)) void prepare_start(Fiber& fiber) {
  getcontext(&fiber.start);
  fiber.start.uc_stack.ss_sp = fiber.stack;
  fiber.start.uc_stack.ss_size = kStackBytes;
  fiber.start.uc_link = nullptr;
  makecontext(&fiber.start, fiber_entry, 0);
}

// The threads of one block, run until all have ended. Returns false when a thread threw
// (the error is in run.error).
bool run_one_block(BlockRun& run) {
  run.block_run = next_block_run++;
  run.epoch = next_epoch++;
  for (Fiber& fiber : run.fibers) fiber.state = FiberState::runnable;
  while (true) {
    // Every runnable thread, in order, up to its next barrier or its end.
    for (std::size_t i = 0; i < run.fibers.size(); ++i) {
      if (run.fibers[i].state != FiberState::runnable) continue;
      run.current = i;
      switch_to_fiber(run, run.fibers[i]);
      if (run.error) return false;
    }
    const Fiber* waiting = nullptr;
    const Fiber* finished = nullptr;
    for (const Fiber& fiber : run.fibers) {
      if (fiber.state == FiberState::at_barrier && !waiting) waiting = &fiber;
      if (fiber.state == FiberState::finished && !finished) finished = &fiber;
    }
    if (!waiting) return true;  // every thread has ended
    if (finished) {
      run.error = std::make_exception_ptr(SharedMemoryRace(
          std::string(run.kernel) + ": thread " + describe(finished->index) +
          " returned without reaching the __syncthreads() at which thread " + describe(waiting->index) +
          " waits; a barrier must be reached by every thread of the block (is it inside an if, or after an early "
          "return?)"));
      return false;
    }
    // Every thread is at the barrier: release it. Accesses before it no longer race with
    // accesses after it.
    run.epoch = next_epoch++;
    for (Fiber& fiber : run.fibers) fiber.state = FiberState::runnable;
  }
}

}  // namespace

void run_blocks(const char* kernel, const Grid& grid, const std::function<void(const ThreadIndex&)>& body) {
  const std::size_t threads =
      static_cast<std::size_t>(grid.threads.x) * grid.threads.y * static_cast<std::size_t>(grid.threads.z);
  const std::size_t blocks =
      static_cast<std::size_t>(grid.blocks.x) * grid.blocks.y * static_cast<std::size_t>(grid.blocks.z);
  if (threads == 0 || threads > kMaxThreadsPerBlock || blocks == 0) {
    throw DeviceError(std::string(kernel) +
                      ": a block must have 1 to 1024 threads and the grid at least one block, got " +
                      std::to_string(threads) + " threads per block and " + std::to_string(blocks) + " blocks");
  }
  if (active_run) throw DeviceError(std::string(kernel) + ": run_blocks called from inside a running kernel");

  BlockRun run;
  run.kernel = kernel;
  run.body = &body;
  run.fibers.resize(threads);
  const StackOverflowWatch watch;
  stack_pool.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    Fiber& fiber = run.fibers[i];
    fiber.stack = stack_pool.stack(i);
#ifdef RESNET_EMULATOR_ASAN
    // A fiber abandoned by an exception in an earlier launch left its frames' redzones
    // marked on this reused stack.
    __asan_unpoison_memory_region(fiber.stack, kStackBytes);
#endif
    fiber.id = static_cast<int>(i);
    fiber.index.block_size = grid.threads;
    fiber.index.grid_size = grid.blocks;
    fiber.index.thread =
        Dim3{static_cast<unsigned>(i % grid.threads.x), static_cast<unsigned>(i / grid.threads.x % grid.threads.y),
             static_cast<unsigned>(i / (static_cast<std::size_t>(grid.threads.x) * grid.threads.y))};
    prepare_start(fiber);
  }
  active_run = &run;
  bool ok = true;
  Dim3 block;
  for (block.z = 0; ok && block.z < grid.blocks.z; ++block.z) {
    for (block.y = 0; ok && block.y < grid.blocks.y; ++block.y) {
      for (block.x = 0; ok && block.x < grid.blocks.x; ++block.x) {
        for (Fiber& fiber : run.fibers) fiber.index.block = block;
        ok = run_one_block(run);
      }
    }
  }
  active_run = nullptr;
  if (!ok) std::rethrow_exception(run.error);
}

void sync_threads() {
  BlockRun* run = active_run;
  if (!run) throw DeviceError("sync_threads(): called outside a kernel run by emulator::run_blocks()");
  Fiber& fiber = run->fibers[run->current];
  fiber.state = FiberState::at_barrier;
  switch_to_scheduler(*run, fiber);
}

namespace detail {

void record_access(WordAccesses& word, const void* address, std::size_t index, bool is_write) {
  BlockRun* run = active_run;
  if (!run) return;  // outside the emulator (a test filling an array): nothing to check
  const int me = run->fibers[run->current].id;
  if (word.epoch != run->epoch) word = WordAccesses{run->epoch, -1, -1, -1, word.written_in_block};
  auto race = [&](const char* what, int other) {
    std::ostringstream text;
    text << run->kernel << ": shared-memory race on word " << index << " (address " << address << "): thread "
         << describe_thread_id(*run, me) << " " << what << " thread " << describe_thread_id(*run, other)
         << " since the last __syncthreads(); a barrier between the two accesses is missing";
    throw SharedMemoryRace(text.str());
  };
  if (is_write) {
    if (word.writer != -1 && word.writer != me) race("writes it after a write by", word.writer);
    if (word.reader != -1 && word.reader != me) race("writes it after a read by", word.reader);
    if (word.other_reader != -1 && word.other_reader != me) race("writes it after a read by", word.other_reader);
    word.writer = me;
    word.written_in_block = run->block_run;
    return;
  }
  if (word.writer != -1 && word.writer != me) race("reads it after a write by", word.writer);
  if (word.written_in_block != run->block_run) {
    std::ostringstream text;
    text << run->kernel << ": thread " << describe_thread_id(*run, me) << " reads word " << index << " (address "
         << address << ") of shared memory before any thread of its block wrote it";
    throw SharedMemoryRace(text.str());
  }
  if (word.reader == -1) {
    word.reader = me;
  } else if (word.reader != me && word.other_reader == -1) {
    word.other_reader = me;
  }
}

}  // namespace detail

}  // namespace resnet::cuda::emulator
