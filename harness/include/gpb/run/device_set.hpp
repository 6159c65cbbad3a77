// SPDX-License-Identifier: Apache-2.0
// Device sets (DESIGN "Device sets"): what one instance of a case runs on. A case declares its
// set; bind_devices() turns the machine's topology into the instances the runner executes, with
// a name suffix that says which devices each one used. Pure host logic: the runner feeds it the
// devices the runtime found (real or fake), tests feed it any topology.
#pragma once

#include <gpb/result/schema.hpp>
#include <gpb/result/status.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gpb {

enum class DeviceSet {
  each,           ///< one instance per GPU (stream, GEMM, host<->device copies)
  ordered_pairs,  ///< one instance per ordered pair src->dst (peer copies); needs two GPUs
  all_local,      ///< one instance over every GPU of this process at once
  world,          ///< one instance over every rank of an MPI job (this rank's GPU locally)
};

std::string_view to_string(DeviceSet s) noexcept;
std::optional<DeviceSet> device_set_from_string(std::string_view name) noexcept;

/// Whether one GPU can reach another's memory directly, as the device runtime found it.
struct PeerLink {
  bool access = false;
  std::string reason;  ///< why not, in words (e.g. "cudaDeviceCanAccessPeer reports 0")
};

/// The GPUs this process measures and the links between them.
struct DeviceTopology {
  std::vector<GpuInfo> gpus;                 ///< selected GPUs, in ordinal order
  std::vector<std::vector<PeerLink>> peers;  ///< [from][to], indexes into gpus; may be empty
  int world_size = 1;                        ///< ranks of the job (1 without MPI)

  /// The link from gpus[from] to gpus[to]; no access when the matrix does not say.
  PeerLink peer(std::size_t from, std::size_t to) const;
};

/// One instance of a case: the devices it runs on and, when the runner must not run the body,
/// the status it gets instead (not_applicable, not_supported).
struct DeviceBinding {
  std::vector<std::size_t> devices;  ///< indexes into DeviceTopology::gpus; src first for pairs
  std::string suffix;                ///< appended to the case name: "/gpu=3", "/gpus=0>1", ...
  std::optional<Status> preset;      ///< decided here, before anything runs
  std::string reason;                ///< machine-readable reason for `preset`
  std::string message;               ///< the same in words, with what to check
};

/// What a case needs from its device set beyond the GPUs themselves.
struct SetNeeds {
  DeviceSet set = DeviceSet::each;
  bool peer_access = false;  ///< every ordered pair in the set must reach the other directly
};

/// The instances of one GPU case on `topology`. With no GPU, one binding without devices (the
/// runner records it as skipped for want of a device). With one GPU, an ordered_pairs case is
/// one not_applicable binding. A pair without peer access in either direction, when the case
/// needs it, is a not_supported binding that names the missing direction and says how to
/// inspect the peer matrix.
std::vector<DeviceBinding> bind_devices(const SetNeeds& needs, const DeviceTopology& topology);

/// True for the name segments bind_devices() appends (gpu, gpus, ranks): they name the
/// instance, not a parameter of the case.
bool is_device_segment(std::string_view key) noexcept;

/// The name segment of one ordered pair, as bind_devices() appends it: pair_suffix(0, 1) is
/// "/gpus=0>1" (CUDA ordinals, source first).
std::string pair_suffix(int from, int to);

/// The ordered pair in the value of a "gpus" segment, strictly as pair_suffix() writes it:
/// "0>1" gives {0, 1}. Two different non-negative decimal ordinals that fit an int, without
/// sign, space or leading zero; nullopt for anything else ("all8", "1>1", "01>2", "0>1>2", "").
std::optional<std::pair<int, int>> parse_pair_segment(std::string_view value) noexcept;

/// A case name split at its ordered-pair segment.
struct PairName {
  std::string_view key;  ///< the name before "/gpus=A>B", e.g. "peer/ce_uni/size=256MiB"
  int from = 0;          ///< source ordinal
  int to = 0;            ///< destination ordinal
};

/// Splits a case name whose LAST segment is an ordered pair ("peer/latency/gpus=0>1"), as
/// bind_devices() names the instances of an ordered_pairs case. nullopt when the last segment
/// is not a pair parse_pair_segment() accepts, or when nothing precedes it. The one-GPU
/// not_applicable instance of a pair case carries no segment and so is not a pair name. The
/// key views into `name`.
std::optional<PairName> split_pair_name(std::string_view name) noexcept;

}  // namespace gpb
