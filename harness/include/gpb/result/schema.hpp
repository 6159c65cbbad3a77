// SPDX-License-Identifier: Apache-2.0
// The result record: plain structs, no JSON, safe to include from nvcc-compiled code.
// One RunRecord per run is the only contract between measurement and reporting (DESIGN §1.2).
// Field names follow METHODOLOGY DI-4; optional values carry a `*_reason` sibling (DI-2).
#pragma once

#include <gpb/measure/stats.hpp>
#include <gpb/result/metric_role.hpp>
#include <gpb/result/status.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gpb {

/// Schema identity. MAJOR changes break readers; MINOR only adds fields.
struct SchemaId {
  std::string name;
  int major = 0;
  int minor = 0;
};
/// The one place the result schema version lives (DI-3). 1.2 added metric roles.
inline const SchemaId kResultSchema{"gpubench.result", 1, 2};

/// Ordered case parameters (`k=v` pairs as they appear in the case name).
using Params = std::vector<std::pair<std::string, std::string>>;

/// How a metric counts its work (METHODOLOGY §2.1).
struct Convention {
  std::string direction = "uni";  ///< uni | bidir_total | bidir_per_direction
  std::string engine =
      "sm";  ///< ce | sm | driver (cudaMemcpy, engine unknown) | nccl | cublas | cpu
  std::string byte_counting = "once";  ///< once | read_plus_write | stream_weights
  std::string cache_policy = "warm";   ///< warm | flush_l2 | rotate_inputs | l2_resident
};

/// Work done by ONE operation (one kernel launch, one copy, one GEMM).
struct Work {
  double flops = 0;   ///< floating-point (or integer) operations per op
  double bytes = 0;   ///< bytes moved per op under the convention's byte model
  std::string model;  ///< human-readable formula, e.g. "3*sizeof(T)*N (BabelStream triad)"
};

/// Theoretical peak used for % of peak and the plausibility bound (MR-13).
struct Peak {
  std::optional<double> value;  ///< in the headline's unit
  std::string value_reason;     ///< why value is null
  std::string source;           ///< how the peak was obtained
  std::optional<double> fraction;
};

/// A derived rate. `value` is in `unit` (GB/s decimal, TFLOP/s = 1e12 FLOP/s).
struct Metric {
  Metric() = default;
  Metric(std::string name_,
         double value_,
         std::string unit_,
         std::string definition_,
         MetricRole role_ = {},
         std::optional<bool> steady_ = std::nullopt)
      : name(std::move(name_)),
        value(value_),
        unit(std::move(unit_)),
        definition(std::move(definition_)),
        role(std::move(role_)),
        steady(steady_) {}

  std::string name;  ///< e.g. "bandwidth", "throughput_burst"
  double value = 0;
  std::string unit;        ///< "GB/s" | "TFLOP/s" | "TOP/s"
  std::string definition;  ///< e.g. "bytes / median_s"
  MetricRole role;         ///< the buyer-facing quantity it is, if any (since 1.2)
  /// For a number held over a window: whether it held steady (second half within the first's
  /// spread, MR-8); null for numbers that are not windows (since 1.2).
  std::optional<bool> steady;
};

/// Why sampling stopped (MR-3) and what it cost.
struct StopInfo {
  std::string reason;              ///< converged | plateau | timeout | max_samples | invalid
  std::vector<std::string> unmet;  ///< criteria not met when reason is timeout
  double gpu_time_s = 0;           ///< accumulated timed seconds over all kept samples
  double wall_time_s = 0;          ///< host wall clock spent sampling (labelled, MR-1)
  std::int64_t discarded = 0;      ///< samples dropped as throttled (MR-7)
};

/// Per-sample SM clock seen during the case (MR-7); empty when not measured.
struct ClockSummary {
  std::optional<double> min_mhz, mean_mhz, max_mhz;
  std::string reason;  ///< why not measured
};

struct CaseResult {
  std::string name;    ///< family/variant/k=v/..., stable across versions
  std::string family;  ///< e.g. "stream", "host"
  int methodology_version = 0;
  Params params;
  std::vector<int> devices;               ///< CUDA ordinals used (empty for host cases)
  std::vector<std::string> device_uuids;  ///< same order as devices
  Status status = Status::unknown;
  std::vector<std::string> reasons;  ///< machine-readable, e.g. "insufficient_device_memory"
  std::string message;               ///< human text for the first reason (error text etc.)
  bool verified = false;
  std::string verification;  ///< what was checked and the worst error seen
  Convention convention;
  Work work;
  std::int64_t ops_per_sample = 0;
  std::vector<double> sample_s;  ///< every kept raw sample, seconds PER OPERATION
  std::optional<Stats> stats;
  StopInfo stop;
  std::optional<Metric> headline;  ///< the number reports use
  std::vector<Metric> metrics;     ///< secondary rates (min-time rate, burst, ...)
  Peak peak;
  ClockSummary sm_clock;
  std::map<std::string, std::string> notes;  ///< small facts (algorithm chosen, array length)
  std::string started_utc, finished_utc;
};

struct ToolInfo {
  std::string name = "gpubench";
  std::string version;
  std::string git_sha;
  bool git_dirty = false;
  std::string build_type;
  std::string compiler;
  std::string cuda_architectures;  ///< as configured, e.g. "75;80;86;89;90;100;120"
  bool cuda_enabled = false;
  std::optional<int> cudart_header_version, cublas_header_version, nccl_header_version;
  std::map<std::string, int> methodology_versions;  ///< family -> version
};

struct RuntimeInfo {
  std::optional<int> cuda_runtime_version, cuda_driver_version, cublas_version;
  std::string cuda_reason;     ///< why the CUDA versions are null
  std::string driver_version;  ///< NVML driver string, "" when unknown
  std::string nvml_version;
  std::string nvml_reason;          ///< why NVML data is missing
  std::string cuda_module_loading;  ///< value of CUDA_MODULE_LOADING seen by the process
  std::string device_error;         ///< e.g. "cudaGetDeviceCount: cudaErrorNoDevice (100): ..."
};

struct HostInfo {
  std::string hostname;
  std::string kernel;
  std::string os;
  std::string cpu_model;
  int logical_cpus = 0;
  int numa_nodes = 0;
  std::uint64_t memory_bytes = 0;
  std::string cpu_governor;  ///< "" when not readable
  std::string transparent_hugepages;
};

struct GpuInfo {
  int ordinal = 0;
  std::string uuid;
  std::string pci_bus_id;  ///< DDDD:BB:DD.F
  std::string name;
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
  std::uint64_t memory_bytes = 0;
  std::uint64_t l2_bytes = 0;
  std::optional<double> sm_clock_max_mhz;   ///< cudaDevAttrClockRate
  std::optional<double> mem_clock_max_mhz;  ///< cudaDevAttrMemoryClockRate
  int memory_bus_width_bits = 0;
  std::optional<double>
      memory_bandwidth_peak_gbps;  ///< 2 * mem_clock * bus_width / 8 (METHODOLOGY §3)
  bool ecc_enabled = false;
  int numa_node = -1;
  std::optional<double> power_limit_w;  ///< NVML, null when unavailable
  std::string power_limit_reason;
};

struct RunInfo {
  std::string id;  ///< random run id
  std::string started_utc, finished_utc;
  std::vector<std::string> argv;
  std::string profile;                     ///< quick | default | full
  std::map<std::string, std::string> env;  ///< allowlisted variables only (DI-7)
  std::uint64_t seed = 0;
  int exit_code = 0;
  bool interrupted = false;
};

/// One preflight check (METHODOLOGY MR-19), judged by harness/src/machine/preflight.cpp (host)
/// and preflight_gpu.cpp (per GPU).
struct PreflightCheck {
  std::string id;     ///< e.g. "persistence_mode"
  std::string scope;  ///< "host" or "gpu<ordinal> <pci bus id>"
  CheckStatus status = CheckStatus::unknown;
  std::optional<std::string> value;  ///< what was read, as text; null when unreadable
  std::string expected;              ///< what passes, e.g. "enabled"
  std::string reason;                ///< why it warns or fails, or why the value is null
};

struct Preflight {
  bool strict = false;   ///< --strict: a warning or failure refuses the run
  bool refused = false;  ///< the run measured nothing because of the audit
  std::vector<PreflightCheck> checks;
};

struct RunRecord {
  SchemaId schema = kResultSchema;
  RunInfo run;
  ToolInfo tool;
  RuntimeInfo runtime;
  HostInfo host;
  std::vector<GpuInfo> gpus;
  Preflight preflight;  ///< since schema 1.1; empty when read from a 1.0 file
  std::vector<CaseResult> results;
};

}  // namespace gpb
