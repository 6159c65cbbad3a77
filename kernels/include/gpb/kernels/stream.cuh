// SPDX-License-Identifier: Apache-2.0
// BabelStream kernels and the bulk-copy (TMA) copy of the stream family. Launchers return
// cudaError_t (no exceptions, no I/O in kernels/).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace gpb {

/// BabelStream kernels, 16-byte vector accesses (float4 / double2). Arrays hold `n` elements,
/// n a multiple of the vector width (4 for float, 2 for double). `passes` > 1 repeats the pass
/// inside the launch with a rotated index so no pass can be folded into another (L2 cases).
enum class StreamOp { copy, mul, add, triad, dot };

/// Cache hint on the stream kernels' accesses; chosen per launch so each can be measured.
enum class CacheHint {
  plain,        ///< ordinary loads and stores
  evict_first,  ///< ld/st .cs (__ldcs/__stcs): single-use data displaces nothing
  prefetch,     ///< loads through the read-only path with a 256-byte L2 prefetch
                ///< (ld.global.nc.L1::no_allocate.L2::256B, sm_80+; plain __ldg below)
};

/// Grid for the stream kernels: stream_launch_config gives enough resident blocks to fill every
/// SM (the grid-stride layout); stream_one_pass_blocks gives the one-pass grid instead.
struct StreamLaunch {
  int blocks = 0;
  int threads = 256;
  int unroll = 1;  ///< independent vectors per thread per iteration: 1, 2, 4 or 8
  CacheHint hint = CacheHint::plain;
  bool tiled = false;  ///< block-owned tiles instead of grid-wide interleaving (plain hint
                       ///< only; dot always uses the grid layout)
};
template <class T>
cudaError_t stream_launch_config(int device, StreamLaunch* out);

/// Blocks for the one-pass launch (BabelStream's, the HBM default): each thread handles
/// cfg.unroll 16-byte vectors of an array of `n` elements of `elem_bytes`, with no loop, over
/// as many blocks as that takes.
inline int stream_one_pass_blocks(std::size_t n, std::size_t elem_bytes, const StreamLaunch& cfg) {
  const std::size_t vectors = n / (16 / elem_bytes);
  const auto per_block =
      static_cast<std::size_t>(cfg.threads) * static_cast<std::size_t>(cfg.unroll);
  return static_cast<int>((vectors + per_block - 1) / per_block);
}

/// One launch of `op`. copy c=a, mul b=s*c, add c=a+b, triad a=b+s*c, dot partials[block]=sum a*b.
template <class T>
cudaError_t launch_stream(StreamOp op,
                          T* a,
                          T* b,
                          T* c,
                          T scalar,
                          T* dot_partials,
                          std::size_t n,
                          int passes,
                          StreamLaunch cfg,
                          cudaStream_t stream);

/// dst = src, `bytes` (a multiple of 16, both 16-byte aligned) moved by the Hopper bulk-copy
/// (TMA) unit: one thread per block streams 16 KiB tiles global -> shared -> global through a
/// 4-stage ring. A candidate for HBM copy bandwidth beside the SM load/store kernel.
/// cudaErrorNotSupported below compute capability 9.0.
cudaError_t launch_bulk_copy(const void* src, void* dst, std::size_t bytes, cudaStream_t stream);

}  // namespace gpb
