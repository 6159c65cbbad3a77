// SPDX-License-Identifier: Apache-2.0
// Private to the result JSON code (result_json_write.cpp, result_json_read.cpp): the fields of
// every struct of the result record (gpb/schema.hpp), each listed once. The writer and the reader
// both walk these lists, so adding a field is one line here, plus the JSON Schema document
// (results/schema/) and the version steps of results/README.md ("Versioning": a new MINOR, a
// golden).
//
// A list names each field in the order its key appears in the file (declaration order):
//   v("key", x.field)               a field of schema 1.0: always written, always required;
//   v.since(minor, "key", x.field)  added in 1.<minor>: required in files of that minor or
//                                   newer, not read from older ones (the field keeps its default).
// The encoding follows from the field's C++ type (result_json.hpp): std::optional is null when
// empty, 64-bit integers above 2^53 are decimal strings, enums and roles are their names,
// `Params` are [key, value] pairs, a nested struct is an object with its own list.
//
// The lists take a mutable reference so that one list serves both directions; the writer only
// reads through it.
#pragma once

#include <gpb/result/schema.hpp>

namespace gpb::result_json {

template <class V>
void fields(V& v, RunInfo& x) {
  v("id", x.id);
  v("started_utc", x.started_utc);
  v("finished_utc", x.finished_utc);
  v("argv", x.argv);
  v("profile", x.profile);
  v("env", x.env);
  v("seed", x.seed);
  v("exit_code", x.exit_code);
  v("interrupted", x.interrupted);
}

template <class V>
void fields(V& v, ToolInfo& x) {
  v("name", x.name);
  v("version", x.version);
  v("git_sha", x.git_sha);
  v("git_dirty", x.git_dirty);
  v("build_type", x.build_type);
  v("compiler", x.compiler);
  v("cuda_architectures", x.cuda_architectures);
  v("cuda_enabled", x.cuda_enabled);
  v("cudart_header_version", x.cudart_header_version);
  v("cublas_header_version", x.cublas_header_version);
  v("nccl_header_version", x.nccl_header_version);
  v("methodology_versions", x.methodology_versions);
}

template <class V>
void fields(V& v, RuntimeInfo& x) {
  v("cuda_runtime_version", x.cuda_runtime_version);
  v("cuda_driver_version", x.cuda_driver_version);
  v("cublas_version", x.cublas_version);
  v("cuda_reason", x.cuda_reason);
  v("driver_version", x.driver_version);
  v("nvml_version", x.nvml_version);
  v("nvml_reason", x.nvml_reason);
  v("cuda_module_loading", x.cuda_module_loading);
  v("device_error", x.device_error);
}

template <class V>
void fields(V& v, HostInfo& x) {
  v("hostname", x.hostname);
  v("kernel", x.kernel);
  v("os", x.os);
  v("cpu_model", x.cpu_model);
  v("logical_cpus", x.logical_cpus);
  v("numa_nodes", x.numa_nodes);
  v("memory_bytes", x.memory_bytes);
  v("cpu_governor", x.cpu_governor);
  v("transparent_hugepages", x.transparent_hugepages);
}

template <class V>
void fields(V& v, GpuInfo& x) {
  v("ordinal", x.ordinal);
  v("uuid", x.uuid);
  v("pci_bus_id", x.pci_bus_id);
  v("name", x.name);
  v("cc_major", x.cc_major);
  v("cc_minor", x.cc_minor);
  v("sm_count", x.sm_count);
  v("memory_bytes", x.memory_bytes);
  v("l2_bytes", x.l2_bytes);
  v("sm_clock_max_mhz", x.sm_clock_max_mhz);
  v("mem_clock_max_mhz", x.mem_clock_max_mhz);
  v("memory_bus_width_bits", x.memory_bus_width_bits);
  v("memory_bandwidth_peak_gbps", x.memory_bandwidth_peak_gbps);
  v("ecc_enabled", x.ecc_enabled);
  v("numa_node", x.numa_node);
  v("power_limit_w", x.power_limit_w);
  v("power_limit_reason", x.power_limit_reason);
}

template <class V>
void fields(V& v, PreflightCheck& x) {
  v("id", x.id);
  v("scope", x.scope);
  v("status", x.status);
  v("value", x.value);
  v("expected", x.expected);
  v("reason", x.reason);
}

template <class V>
void fields(V& v, Preflight& x) {
  v("strict", x.strict);
  v("refused", x.refused);
  v("checks", x.checks);
}

template <class V>
void fields(V& v, Convention& x) {
  v("direction", x.direction);
  v("engine", x.engine);
  v("byte_counting", x.byte_counting);
  v("cache_policy", x.cache_policy);
}

template <class V>
void fields(V& v, Work& x) {
  v("flops", x.flops);
  v("bytes", x.bytes);
  v("model", x.model);
}

template <class V>
void fields(V& v, Stats& x) {
  v("n", x.n);
  v("min_s", x.min_s);
  v("max_s", x.max_s);
  v("mean_s", x.mean_s);
  v("median_s", x.median_s);
  v("q1_s", x.q1_s);
  v("q3_s", x.q3_s);
  v("stdev_s", x.stdev_s);
  v("rel_stdev", x.rel_stdev);
  v("rel_iqr", x.rel_iqr);
  v("noise_reason", x.noise_reason);
}

template <class V>
void fields(V& v, StopInfo& x) {
  v("reason", x.reason);
  v("unmet", x.unmet);
  v("gpu_time_s", x.gpu_time_s);
  v("wall_time_s", x.wall_time_s);
  v("discarded", x.discarded);
}

/// Files before 1.2 have neither role nor steady; the loader gives their metrics the roles
/// their cases declare now (assign_legacy_roles, in result_json_read.cpp's read_record).
template <class V>
void fields(V& v, Metric& x) {
  v("name", x.name);
  v("value", x.value);
  v("unit", x.unit);
  v("definition", x.definition);
  v.since(2, "role", x.role);
  v.since(2, "steady", x.steady);
}

template <class V>
void fields(V& v, Peak& x) {
  v("value", x.value);
  v("value_reason", x.value_reason);
  v("source", x.source);
  v("fraction", x.fraction);
}

template <class V>
void fields(V& v, ClockSummary& x) {
  v("min_mhz", x.min_mhz);
  v("mean_mhz", x.mean_mhz);
  v("max_mhz", x.max_mhz);
  v("reason", x.reason);
}

template <class V>
void fields(V& v, CaseResult& x) {
  v("name", x.name);
  v("family", x.family);
  v("methodology_version", x.methodology_version);
  v("params", x.params);
  v("devices", x.devices);
  v("device_uuids", x.device_uuids);
  v("status", x.status);
  v("reasons", x.reasons);
  v("message", x.message);
  v("verified", x.verified);
  v("verification", x.verification);
  v("convention", x.convention);
  v("work", x.work);
  v("ops_per_sample", x.ops_per_sample);
  v("sample_s", x.sample_s);
  v("stats", x.stats);
  v("stop", x.stop);
  v("headline", x.headline);
  v("metrics", x.metrics);
  v("peak", x.peak);
  v("sm_clock", x.sm_clock);
  v("notes", x.notes);
  v("started_utc", x.started_utc);
  v("finished_utc", x.finished_utc);
}

/// The top level after "schema", which comes first: the writer always writes its own version
/// (kResultSchema) and the reader checks it before anything else (read_schema).
template <class V>
void fields(V& v, RunRecord& x) {
  v("run", x.run);
  v("tool", x.tool);
  v("runtime", x.runtime);
  v("host", x.host);
  v("gpus", x.gpus);
  v.since(1, "preflight", x.preflight);  // the audit (MR-19); a 1.0 file has none
  v("results", x.results);
}

}  // namespace gpb::result_json
