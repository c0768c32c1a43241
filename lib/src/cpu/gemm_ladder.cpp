// The given parts of chapter 8's GEMM ladder: the block check and the list of rungs. The
// rungs themselves are in solutions/08_fast_cpu/ (or the student's exercises/08_fast_cpu/).
#include "resnet/cpu/gemm_ladder.hpp"

#include <string>

#include "resnet/error.hpp"

namespace resnet::cpu::ladder {

void check_cache_blocks(const CacheBlocks& blocks, const char* rung, bool whole_tiles) {
  const std::string sizes = " (mc " + std::to_string(blocks.mc) + ", kc " + std::to_string(blocks.kc) + ", nc " +
                            std::to_string(blocks.nc) + ")";
  if (blocks.mc == 0 || blocks.kc == 0 || blocks.nc == 0) {
    throw ShapeError(std::string(rung) + ": every cache block size must be at least 1" + sizes);
  }
  if (whole_tiles && (blocks.mc % kTileRows != 0 || blocks.nc % kTileCols != 0)) {
    throw ShapeError(std::string(rung) + ": mc must be a multiple of kTileRows (" + std::to_string(kTileRows) +
                     ") and nc of kTileCols (" + std::to_string(kTileCols) + ")" + sizes);
  }
}

std::vector<Rung> ladder_rungs(int threads) {
  return {
      {"01_naive", "given", gemm_01_naive},
      {"02_loop_order", "8.1", gemm_02_loop_order},
      {"03_cache_blocked", "8.2",
       [](const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K) {
         gemm_03_cache_blocked(a, b, c, M, N, K);
       }},
      {"04_packed", "8.3, 8.4",
       [](const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K) {
         gemm_04_packed(a, b, c, M, N, K);
       }},
      {"05_register_tile", "8.5",
       [](const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K) {
         gemm_05_register_tile(a, b, c, M, N, K);
       }},
      {"06_threads", "8.6",
       [threads](const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K) {
         gemm_06_threads(a, b, c, M, N, K, threads);
       }},
  };
}

}  // namespace resnet::cpu::ladder
