// SPDX-License-Identifier: Apache-2.0
// The case executor: turns the selected cases and the machine's devices into instances, and
// runs one instance into its CaseResult -- requirement checks, the device runtime, telemetry,
// health deltas and the Xid watch on every device of its set, and the final status from
// decide_case_status(). It knows no family: what a case needs comes from its Requires.
#pragma once

#include <gpb/device_runtime.hpp>
#include <gpb/machine/nvml.hpp>
#include <gpb/registry.hpp>
#include <gpb/result/schema.hpp>
#include <gpb/run/case_status.hpp>
#include <gpb/run/device_set.hpp>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace gpb {

/// One case bound to the devices of one member of its device set.
struct Instance {
  const CaseSpec* spec = nullptr;
  std::vector<const GpuInfo*> gpus;  ///< empty: a host case, or a GPU case without a device
  std::string name;                  ///< the case name plus the set's suffix ("/gpu=0", ...)
  std::optional<Status> preset;      ///< decided at expansion: not_applicable, not_supported
  std::string preset_reason;
  std::string preset_message;
};

/// Every instance of `specs` on `topology`, in selection order. Host cases get one instance
/// each; GPU cases one per member of their device set (DeviceSet).
std::vector<Instance> expand(const std::vector<const CaseSpec*>& specs,
                             const DeviceTopology& topology);

/// The record of an instance before it runs: name, family, parameters, devices and UUIDs.
CaseResult case_skeleton(const Instance& inst);

class CaseExecutor {
 public:
  /// `nvml` may be null (no telemetry or health, `nvml_reason` says why); `no_device_message`
  /// is what a GPU case without a device records; `gpus` are the devices Xid watches cover.
  CaseExecutor(const RunOptions& options,
               DeviceRuntime& runtime,
               const std::vector<GpuInfo>& gpus,
               const Nvml* nvml,
               std::string nvml_reason,
               std::string no_device_message);
  ~CaseExecutor();
  CaseExecutor(const CaseExecutor&) = delete;
  CaseExecutor& operator=(const CaseExecutor&) = delete;

  /// --strict and the preflight audit warned: every case from now on is skipped.
  void refuse_all() noexcept { refused_ = true; }
  /// Runs one instance; never throws for anything the case does.
  CaseResult execute(const Instance& inst);
  /// Devices left unusable by a sticky error, a lost GPU or Xid 79 (CUDA ordinals).
  const std::set<int>& poisoned() const noexcept { return poisoned_; }

 private:
  struct Watch;  // telemetry, health and Xid readings of one device during one case
  std::optional<CaseEvidence> why_not_run(const Instance& inst, std::string& message) const;
  CaseEvidence run_body(const Instance& inst, CaseResult& r);

  const RunOptions& options_;
  DeviceRuntime& runtime_;
  const Nvml* nvml_;
  std::string nvml_reason_;
  std::string no_device_message_;
  bool refused_ = false;
  std::set<int> poisoned_;
  std::map<std::string, std::unique_ptr<XidWatch>> xid_watches_;  // by PCI bus id (FH-4)
  std::map<std::string, std::string> xid_unwatched_;              // bus id -> why not
};

}  // namespace gpb
