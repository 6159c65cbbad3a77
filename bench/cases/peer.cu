// SPDX-License-Identifier: Apache-2.0
// GPU <-> GPU traffic over the link between two GPUs (NVLink, or PCIe through the host), one
// instance per ordered pair src>dst (device set ordered_pairs; a pair without peer access is
// not_supported before anything runs). The result file holds the whole matrix; the run summary
// and the report print it with rows = source and columns = destination.
//   ce_uni    cudaMemcpyPeerAsync src -> dst on the source's stream (copy engines)
//   ce_bidir  src -> dst and dst -> src at once, each on its own GPU's stream
//   sm_read   a copy kernel on dst loading from src's memory
//   sm_write  a copy kernel on src storing into dst's memory
//   sm_bidir  sm_write both ways at once
//   latency   one thread on src chasing dependent 4-byte loads through dst's memory (ns)
// Bytes per op = S per direction, counted once; bidirectional headlines are the total of both
// directions (bidir_total), each direction's own rate is a metric. Peak = the pair's link from
// NVML: NVLink links x per-link rate of their generation, or the smaller PCIe link of the two
// (METHODOLOGY §3), per direction (x 2 both ways).
#include <gpb/common/text.hpp>
#include <gpb/cuda_check.hpp>
#include <gpb/kernels/interconnect.cuh>
#include <gpb/machine/peer_link.hpp>
#include <gpb/models/work_models.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "link_support.hpp"

namespace gpb {
namespace {

using namespace link_cases;

enum class PeerOp { ce_uni, ce_bidir, sm_read, sm_write, sm_bidir };

struct PeerPoint {
  PeerOp op;
  std::uint64_t bytes;
  unsigned profiles;
};

/// A matrix has a cell per ordered pair (56 on 8 GPUs): a shorter minimum time per cell keeps
/// the quick profile within its budget; the noise target still has to be met (MR-3).
constexpr double kPairMinTimeS = 0.05;

std::vector<PeerPoint> peer_points(PeerOp op, unsigned profiles, bool sweep) {
  std::vector<PeerPoint> points{{op, 256 * kMiB, profiles}};
  if (sweep) {
    for (std::uint64_t s : sweep_sizes()) {
      if (s != 256 * kMiB) {
        points.push_back({op, s, kFull});
      }
    }
  }
  return points;
}

CaseDesc describe(const PeerPoint& p) {
  return {{{"size", size_text(p.bytes)}}, p.profiles, kPairMinTimeS};
}

/// The pair's link into notes `link` and `link_warnings`, and its per-direction peak.
/// The pair's link, read once per pair and run: every peer family of a pair shares it, and each
/// reading loads and initialises NVML (tens of ms), which 56 pairs x 6 families would repeat.
const PairLink& pair_link_of(const GpuInfo& from, const GpuInfo& to) {
  static std::mutex m;
  static std::map<std::pair<std::string, std::string>, PairLink> links;
  const std::lock_guard<std::mutex> lock(m);
  const auto key = std::make_pair(from.pci_bus_id, to.pci_bus_id);
  auto it = links.find(key);
  if (it == links.end()) {
    it = links.emplace(key, read_pair_link(from.pci_bus_id, to.pci_bus_id)).first;
  }
  return it->second;
}

LinkPeak pair_link_peak(Context& ctx) {
  const PairLink& l = pair_link_of(ctx.gpu(0), ctx.gpu(1));
  ctx.note("link", l.text);
  if (!l.warnings.empty()) {
    ctx.note("link_warnings", join(l.warnings, "\n"));  // one warning per line
  }
  LinkPeak peak;
  peak.gbps = l.peak_gbps;
  peak.source = l.peak_source;
  peak.reason = l.peak_gbps ? "" : "link_peak_unknown: " + l.peak_source;
  return peak;
}

/// A buffer of `bytes` on device `ordinal`, filled with the pattern of `seed`.
DeviceBuffer<unsigned char> buffer_on(int ordinal, std::uint64_t bytes, std::uint64_t seed) {
  const DeviceScope on(ordinal);
  DeviceBuffer<unsigned char> b(static_cast<std::size_t>(bytes));
  GPB_CUDA_CHECK(launch_fill_pattern(b.data(), bytes, seed, nullptr));
  GPB_CUDA_CHECK(cudaDeviceSynchronize());
  return b;
}

void require_on(Context& ctx, int ordinal, std::uint64_t bytes) {
  const DeviceScope on(ordinal);
  ctx.require_device_bytes(bytes);
}

void run_copy(Context& ctx, const PeerPoint& p) {
  const int src = ctx.device(0);
  const int dst = ctx.device(1);
  const std::uint64_t bytes = p.bytes;
  const bool bidir = p.op == PeerOp::ce_bidir || p.op == PeerOp::sm_bidir;
  const bool ce = p.op == PeerOp::ce_uni || p.op == PeerOp::ce_bidir;
  require_on(ctx, src, bidir ? 2 * bytes : bytes);
  require_on(ctx, dst, bidir ? 2 * bytes : bytes);
  const ScopedPeerAccess access(src, dst);
  const std::uint64_t seed = ctx.seed();
  // forward: fwd_from on src -> fwd_to on dst; backward (bidir): back_from on dst -> back_to on
  // src.
  DeviceBuffer<unsigned char> fwd_from = buffer_on(src, bytes, seed);
  DeviceBuffer<unsigned char> fwd_to = buffer_on(dst, bytes, seed + 100);
  DeviceBuffer<unsigned char> back_from, back_to;
  if (bidir) {
    back_from = buffer_on(dst, bytes, seed + 1);
    back_to = buffer_on(src, bytes, seed + 101);
  }

  const double directions = bidir ? 2.0 : 1.0;
  ctx.set_work({0.0,
                link_copy_bytes(bytes, bidir ? 2 : 1, 1),
                bidir ? "2 x S (S each way, counted once)" : "S (bytes copied, counted once)"},
               RateKind::bandwidth);
  ctx.set_convention({bidir ? "bidir_total" : "uni", ce ? "ce" : "sm", "once", "device"});
  ctx.set_headline_role({bidir ? RoleKind::peer_bidirectional : RoleKind::peer_unidirectional, ""});
  // Lane 0 moves src -> dst, lane 1 (bidir) dst -> src; each lane's kernel or copy is issued
  // on the GPU that drives it: the source for copies and writes, the destination for reads.
  const unsigned char* f_from = fwd_from.data();
  unsigned char* f_to = fwd_to.data();
  const unsigned char* b_from = back_from.data();
  unsigned char* b_to = back_to.data();
  const PeerOp op = p.op;
  const auto issue = [=](std::size_t lane, cudaStream_t s) {
    const unsigned char* from = lane == 0 ? f_from : b_from;
    unsigned char* to = lane == 0 ? f_to : b_to;
    const int from_dev = lane == 0 ? src : dst;
    const int to_dev = lane == 0 ? dst : src;
    if (op == PeerOp::ce_uni || op == PeerOp::ce_bidir) {
      GPB_CUDA_CHECK(cudaMemcpyPeerAsync(to, to_dev, from, from_dev, bytes, s));
    } else {
      GPB_CUDA_CHECK(launch_sm_copy(from, to, bytes, s));
    }
  };
  std::vector<Context::Lane> lanes;
  if (p.op == PeerOp::sm_read) {
    lanes.push_back({1, ctx.stream(1)});  // the destination's SMs pull
  } else {
    lanes.push_back({0, ctx.stream(0)});
  }
  if (bidir) {
    lanes.push_back({1, ctx.stream(1)});
  }
  MeasurePolicy policy = ctx.policy();
  policy.max_noise = std::max(policy.max_noise, 0.01);  // links are noisier than HBM (MR-3)
  ctx.measure_lanes(
      lanes,
      [=](std::size_t lane, cudaStream_t s, std::int64_t ops) {
        for (std::int64_t i = 0; i < ops; ++i) {
          issue(lane, s);
        }
      },
      policy);
  if (bidir) {
    add_direction_metrics(ctx, bytes, {"forward", "backward"});
  }
  set_link_peak(ctx,
                pair_link_peak(ctx),
                directions,
                bytes,
                bidir ? "link, both directions" : "link, one direction");

  if (ctx.options().verify) {
    const std::uint64_t fresh = seed + 2;  // new data for the checked copies (MR-11)
    std::vector<std::pair<std::string, PatternCheck>> checks;
    for (std::size_t lane = 0; lane < (bidir ? 2u : 1u); ++lane) {
      const int from_dev = lane == 0 ? src : dst;
      const DeviceScope on(from_dev);
      GPB_CUDA_CHECK(launch_fill_pattern(
          (lane == 0 ? fwd_from : back_from).data(), bytes, fresh + lane, nullptr));
      GPB_CUDA_CHECK(cudaDeviceSynchronize());
    }
    issue_all_lanes(ctx, lanes, issue);
    checks.emplace_back("gpu" + std::to_string(dst), check_on_device(dst, f_to, bytes, fresh));
    if (bidir) {
      checks.emplace_back("gpu" + std::to_string(src),
                          check_on_device(src, b_to, bytes, fresh + 1));
    }
    record_checks(ctx, checks);
  }
}

struct LatencyPoint {};

CaseDesc describe_latency(const LatencyPoint&) {
  return {{}, kDefault | kFull, kPairMinTimeS};
}

void run_latency(Context& ctx, const LatencyPoint&) {
  const int src = ctx.device(0);
  const int dst = ctx.device(1);
  const ScopedPeerAccess access(src, dst);
  DeviceBuffer<std::uint32_t> remote;
  {
    const DeviceScope on(dst);
    remote = DeviceBuffer<std::uint32_t>(kChaseWords);
  }
  pair_link_peak(ctx);  // the link label for the matrix; a latency has no peak
  measure_chase(
      ctx,
      [&](const std::vector<std::uint32_t>& chain) {
        GPB_CUDA_CHECK(cudaMemcpy(remote.data(),
                                  chain.data(),
                                  chain.size() * sizeof(std::uint32_t),
                                  cudaMemcpyHostToDevice));
      },
      remote.data(),
      "device",
      "the destination GPU's memory");
}

const Requires kPairs{true, 0, "", DeviceSet::ordered_pairs, true};

GPB_REGISTER(
    "peer/ce_uni", 1, peer_points(PeerOp::ce_uni, kAllProfiles, true), describe, kPairs, run_copy);
GPB_REGISTER("peer/ce_bidir",
             1,
             peer_points(PeerOp::ce_bidir, kAllProfiles, true),
             describe,
             kPairs,
             run_copy);
GPB_REGISTER("peer/sm_read",
             1,
             peer_points(PeerOp::sm_read, kDefault | kFull, false),
             describe,
             kPairs,
             run_copy);
GPB_REGISTER("peer/sm_write",
             1,
             peer_points(PeerOp::sm_write, kDefault | kFull, false),
             describe,
             kPairs,
             run_copy);
GPB_REGISTER("peer/sm_bidir",
             1,
             peer_points(PeerOp::sm_bidir, kDefault | kFull, false),
             describe,
             kPairs,
             run_copy);
GPB_REGISTER(
    "peer/latency", 1, std::vector<LatencyPoint>{{}}, describe_latency, kPairs, run_latency);

}  // namespace
}  // namespace gpb
