// SPDX-License-Identifier: Apache-2.0
// JSON form of the result record (METHODOLOGY DI-1..3, IN-2): a strict writer (finite numbers,
// valid UTF-8, big integers as strings), a strict reader (nlohmann parser callback for depth,
// duplicate keys and string length; typed field access with paths) and atomic file writes.
#include <gpb/schema_json.hpp>
#include <gpb/sha256.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gpb {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
// Writing keeps declaration order so files read like the structs; reading does not care.
using OJson = nlohmann::ordered_json;

/// Largest integer every JSON reader (doubles) holds exactly; beyond it we write strings (DI-2).
constexpr std::uint64_t kMaxExactInt = 1ull << 53;

// ---------------------------------------------------------------------------------------------
// Field paths ("results[3].sample_s[7]"), built as a chain on the stack and rendered only when
// an error is reported, so the hot path does not allocate.

class Path {
 public:
  Path() = default;
  [[nodiscard]] Path child(std::string_view key) const {
    Path p;
    p.parent_ = this;
    p.key_ = key;
    return p;
  }
  [[nodiscard]] Path index(std::size_t i) const {
    Path p;
    p.parent_ = this;
    p.index_ = i;
    p.is_index_ = true;
    return p;
  }
  [[nodiscard]] bool is_root() const { return parent_ == nullptr; }
  [[nodiscard]] std::string str() const {
    std::vector<const Path*> chain;
    for (const Path* p = this; p != nullptr && !p->is_root(); p = p->parent_) {
      chain.push_back(p);
    }
    std::string out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      const Path& p = **it;
      if (p.is_index_) {
        out += '[' + std::to_string(p.index_) + ']';
      } else {
        if (!out.empty()) {
          out += '.';
        }
        out.append(p.key_.data(), p.key_.size());
      }
    }
    return out;
  }

 private:
  const Path* parent_ = nullptr;
  std::string_view key_;
  std::size_t index_ = 0;
  bool is_index_ = false;
};

/// Quotes untrusted text for an error message: printable ASCII kept, the rest as \xHH, cut
/// at 64 bytes so a hostile 1 MiB key does not become a 4 MiB message.
std::string quote(std::string_view s) {
  constexpr std::size_t kMax = 64;
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  out += s.size() > kMax ? "\"..." : "\"";
  return out;
}

/// "64 MiB" for round limits, else bytes.
std::string format_limit(std::uintmax_t bytes) {
  if (bytes != 0 && bytes % (1u << 20) == 0) {
    return std::to_string(bytes >> 20) + " MiB";
  }
  if (bytes != 0 && bytes % (1u << 10) == 0) {
    return std::to_string(bytes >> 10) + " KiB";
  }
  return std::to_string(bytes) + " bytes";
}

std::string version_string(int major, int minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

/// Offset of the first byte that does not start a valid UTF-8 sequence (no overlongs, no
/// surrogates, <= U+10FFFF), or npos. nlohmann's dump() would throw on these without a path.
std::size_t invalid_utf8_at(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return i;
    }
    if (s.size() - i < len) {
      return i;
    }
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0u) != 0x80u) {
        return i;
      }
      cp = (cp << 6) | (cc & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

// ---------------------------------------------------------------------------------------------
// Writer. Every number and string goes through a checked put_* so errors name the field.

OJson put_double(const Path& p, double v) {
  if (!std::isfinite(v)) {
    const char* what = std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
    throw std::invalid_argument(p.str() + " is " + what +
                                " (result files hold finite numbers only)");
  }
  return OJson(v);
}

OJson put_opt_double(const Path& p, const std::optional<double>& v) {
  return v ? put_double(p, *v) : OJson(nullptr);
}

OJson put_opt_int(const std::optional<int>& v) {
  return v ? OJson(*v) : OJson(nullptr);
}

// Integers beyond 2^53 become decimal strings so double-based readers (Python's json is fine,
// JavaScript and jq are not) never round them silently (DI-2).
OJson put_u64(std::uint64_t v) {
  return v > kMaxExactInt ? OJson(std::to_string(v)) : OJson(v);
}

OJson put_i64(std::int64_t v) {
  const bool exact =
      v >= -static_cast<std::int64_t>(kMaxExactInt) && v <= static_cast<std::int64_t>(kMaxExactInt);
  return exact ? OJson(v) : OJson(std::to_string(v));
}

OJson put_string(const Path& p, const std::string& s) {
  if (const auto at = invalid_utf8_at(s); at != std::string_view::npos) {
    throw std::invalid_argument(p.str() + " is not valid UTF-8 (byte " + std::to_string(at) + ")");
  }
  return OJson(s);
}

OJson put_string_array(const Path& p, const std::vector<std::string>& v) {
  OJson out = OJson::array();
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.push_back(put_string(p.index(i), v[i]));
  }
  return out;
}

OJson put_double_array(const Path& p, const std::vector<double>& v) {
  OJson out = OJson::array();
  out.get_ref<OJson::array_t&>().reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.push_back(put_double(p.index(i), v[i]));
  }
  return out;
}

OJson put_int_array(const std::vector<int>& v) {
  OJson out = OJson::array();
  for (int x : v) {
    out.push_back(x);
  }
  return out;
}

OJson put_string_map(const Path& p, const std::map<std::string, std::string>& m) {
  OJson out = OJson::object();
  for (const auto& [k, v] : m) {
    const Path kp = p.child(k);
    put_string(kp, k);  // validates the key
    out[k] = put_string(kp, v);
  }
  return out;
}

OJson put_int_map(const Path& p, const std::map<std::string, int>& m) {
  OJson out = OJson::object();
  for (const auto& [k, v] : m) {
    put_string(p.child(k), k);
    out[k] = v;
  }
  return out;
}

OJson put_stats(const Path& p, const Stats& s) {
  OJson j = OJson::object();
  j["n"] = put_i64(s.n);
  j["min_s"] = put_double(p.child("min_s"), s.min_s);
  j["max_s"] = put_double(p.child("max_s"), s.max_s);
  j["mean_s"] = put_double(p.child("mean_s"), s.mean_s);
  j["median_s"] = put_double(p.child("median_s"), s.median_s);
  j["q1_s"] = put_double(p.child("q1_s"), s.q1_s);
  j["q3_s"] = put_double(p.child("q3_s"), s.q3_s);
  j["stdev_s"] = put_opt_double(p.child("stdev_s"), s.stdev_s);
  j["rel_stdev"] = put_opt_double(p.child("rel_stdev"), s.rel_stdev);
  j["rel_iqr"] = put_opt_double(p.child("rel_iqr"), s.rel_iqr);
  j["noise_reason"] = put_string(p.child("noise_reason"), s.noise_reason);
  return j;
}

OJson put_metric(const Path& p, const Metric& m) {
  OJson j = OJson::object();
  j["name"] = put_string(p.child("name"), m.name);
  j["value"] = put_double(p.child("value"), m.value);
  j["unit"] = put_string(p.child("unit"), m.unit);
  j["definition"] = put_string(p.child("definition"), m.definition);
  j["role"] = put_string(p.child("role"), to_string(m.role));
  j["steady"] = m.steady ? OJson(*m.steady) : OJson(nullptr);
  return j;
}

OJson put_case(const Path& p, const CaseResult& c) {
  OJson j = OJson::object();
  j["name"] = put_string(p.child("name"), c.name);
  j["family"] = put_string(p.child("family"), c.family);
  j["methodology_version"] = c.methodology_version;
  {
    const Path pp = p.child("params");
    OJson params = OJson::array();
    for (std::size_t i = 0; i < c.params.size(); ++i) {
      const Path ip = pp.index(i);
      params.push_back(OJson::array({put_string(ip.index(0), c.params[i].first),
                                     put_string(ip.index(1), c.params[i].second)}));
    }
    j["params"] = std::move(params);
  }
  j["devices"] = put_int_array(c.devices);
  j["device_uuids"] = put_string_array(p.child("device_uuids"), c.device_uuids);
  j["status"] = std::string(to_string(c.status));
  j["reasons"] = put_string_array(p.child("reasons"), c.reasons);
  j["message"] = put_string(p.child("message"), c.message);
  j["verified"] = c.verified;
  j["verification"] = put_string(p.child("verification"), c.verification);
  {
    const Path cp = p.child("convention");
    OJson conv = OJson::object();
    conv["direction"] = put_string(cp.child("direction"), c.convention.direction);
    conv["engine"] = put_string(cp.child("engine"), c.convention.engine);
    conv["byte_counting"] = put_string(cp.child("byte_counting"), c.convention.byte_counting);
    conv["cache_policy"] = put_string(cp.child("cache_policy"), c.convention.cache_policy);
    j["convention"] = std::move(conv);
  }
  {
    const Path wp = p.child("work");
    OJson work = OJson::object();
    work["flops"] = put_double(wp.child("flops"), c.work.flops);
    work["bytes"] = put_double(wp.child("bytes"), c.work.bytes);
    work["model"] = put_string(wp.child("model"), c.work.model);
    j["work"] = std::move(work);
  }
  j["ops_per_sample"] = put_i64(c.ops_per_sample);
  j["sample_s"] = put_double_array(p.child("sample_s"), c.sample_s);
  j["stats"] = c.stats ? put_stats(p.child("stats"), *c.stats) : OJson(nullptr);
  {
    const Path sp = p.child("stop");
    OJson stop = OJson::object();
    stop["reason"] = put_string(sp.child("reason"), c.stop.reason);
    stop["unmet"] = put_string_array(sp.child("unmet"), c.stop.unmet);
    stop["gpu_time_s"] = put_double(sp.child("gpu_time_s"), c.stop.gpu_time_s);
    stop["wall_time_s"] = put_double(sp.child("wall_time_s"), c.stop.wall_time_s);
    stop["discarded"] = put_i64(c.stop.discarded);
    j["stop"] = std::move(stop);
  }
  j["headline"] = c.headline ? put_metric(p.child("headline"), *c.headline) : OJson(nullptr);
  {
    const Path mp = p.child("metrics");
    OJson metrics = OJson::array();
    for (std::size_t i = 0; i < c.metrics.size(); ++i) {
      metrics.push_back(put_metric(mp.index(i), c.metrics[i]));
    }
    j["metrics"] = std::move(metrics);
  }
  {
    const Path pp = p.child("peak");
    OJson peak = OJson::object();
    peak["value"] = put_opt_double(pp.child("value"), c.peak.value);
    peak["value_reason"] = put_string(pp.child("value_reason"), c.peak.value_reason);
    peak["source"] = put_string(pp.child("source"), c.peak.source);
    peak["fraction"] = put_opt_double(pp.child("fraction"), c.peak.fraction);
    j["peak"] = std::move(peak);
  }
  {
    const Path kp = p.child("sm_clock");
    OJson clock = OJson::object();
    clock["min_mhz"] = put_opt_double(kp.child("min_mhz"), c.sm_clock.min_mhz);
    clock["mean_mhz"] = put_opt_double(kp.child("mean_mhz"), c.sm_clock.mean_mhz);
    clock["max_mhz"] = put_opt_double(kp.child("max_mhz"), c.sm_clock.max_mhz);
    clock["reason"] = put_string(kp.child("reason"), c.sm_clock.reason);
    j["sm_clock"] = std::move(clock);
  }
  j["notes"] = put_string_map(p.child("notes"), c.notes);
  j["started_utc"] = put_string(p.child("started_utc"), c.started_utc);
  j["finished_utc"] = put_string(p.child("finished_utc"), c.finished_utc);
  return j;
}

OJson put_gpu(const Path& p, const GpuInfo& g) {
  OJson j = OJson::object();
  j["ordinal"] = g.ordinal;
  j["uuid"] = put_string(p.child("uuid"), g.uuid);
  j["pci_bus_id"] = put_string(p.child("pci_bus_id"), g.pci_bus_id);
  j["name"] = put_string(p.child("name"), g.name);
  j["cc_major"] = g.cc_major;
  j["cc_minor"] = g.cc_minor;
  j["sm_count"] = g.sm_count;
  j["memory_bytes"] = put_u64(g.memory_bytes);
  j["l2_bytes"] = put_u64(g.l2_bytes);
  j["sm_clock_max_mhz"] = put_opt_double(p.child("sm_clock_max_mhz"), g.sm_clock_max_mhz);
  j["mem_clock_max_mhz"] = put_opt_double(p.child("mem_clock_max_mhz"), g.mem_clock_max_mhz);
  j["memory_bus_width_bits"] = g.memory_bus_width_bits;
  j["memory_bandwidth_peak_gbps"] =
      put_opt_double(p.child("memory_bandwidth_peak_gbps"), g.memory_bandwidth_peak_gbps);
  j["ecc_enabled"] = g.ecc_enabled;
  j["numa_node"] = g.numa_node;
  j["power_limit_w"] = put_opt_double(p.child("power_limit_w"), g.power_limit_w);
  j["power_limit_reason"] = put_string(p.child("power_limit_reason"), g.power_limit_reason);
  return j;
}

OJson put_record(const RunRecord& r) {
  const Path root;
  OJson j = OJson::object();
  {
    // Always the version this writer produces: the structs hold exactly that shape, whatever
    // version the record was read from.
    OJson schema = OJson::object();
    schema["name"] = kResultSchema.name;
    schema["version"] = version_string(kResultSchema.major, kResultSchema.minor);
    j["schema"] = std::move(schema);
  }
  {
    const Path p = root.child("run");
    OJson run = OJson::object();
    run["id"] = put_string(p.child("id"), r.run.id);
    run["started_utc"] = put_string(p.child("started_utc"), r.run.started_utc);
    run["finished_utc"] = put_string(p.child("finished_utc"), r.run.finished_utc);
    run["argv"] = put_string_array(p.child("argv"), r.run.argv);
    run["profile"] = put_string(p.child("profile"), r.run.profile);
    run["env"] = put_string_map(p.child("env"), r.run.env);
    run["seed"] = put_u64(r.run.seed);
    run["exit_code"] = r.run.exit_code;
    run["interrupted"] = r.run.interrupted;
    j["run"] = std::move(run);
  }
  {
    const Path p = root.child("tool");
    const ToolInfo& t = r.tool;
    OJson tool = OJson::object();
    tool["name"] = put_string(p.child("name"), t.name);
    tool["version"] = put_string(p.child("version"), t.version);
    tool["git_sha"] = put_string(p.child("git_sha"), t.git_sha);
    tool["git_dirty"] = t.git_dirty;
    tool["build_type"] = put_string(p.child("build_type"), t.build_type);
    tool["compiler"] = put_string(p.child("compiler"), t.compiler);
    tool["cuda_architectures"] = put_string(p.child("cuda_architectures"), t.cuda_architectures);
    tool["cuda_enabled"] = t.cuda_enabled;
    tool["cudart_header_version"] = put_opt_int(t.cudart_header_version);
    tool["cublas_header_version"] = put_opt_int(t.cublas_header_version);
    tool["nccl_header_version"] = put_opt_int(t.nccl_header_version);
    tool["methodology_versions"] =
        put_int_map(p.child("methodology_versions"), t.methodology_versions);
    j["tool"] = std::move(tool);
  }
  {
    const Path p = root.child("runtime");
    const RuntimeInfo& rt = r.runtime;
    OJson runtime = OJson::object();
    runtime["cuda_runtime_version"] = put_opt_int(rt.cuda_runtime_version);
    runtime["cuda_driver_version"] = put_opt_int(rt.cuda_driver_version);
    runtime["cublas_version"] = put_opt_int(rt.cublas_version);
    runtime["cuda_reason"] = put_string(p.child("cuda_reason"), rt.cuda_reason);
    runtime["driver_version"] = put_string(p.child("driver_version"), rt.driver_version);
    runtime["nvml_version"] = put_string(p.child("nvml_version"), rt.nvml_version);
    runtime["nvml_reason"] = put_string(p.child("nvml_reason"), rt.nvml_reason);
    runtime["cuda_module_loading"] =
        put_string(p.child("cuda_module_loading"), rt.cuda_module_loading);
    runtime["device_error"] = put_string(p.child("device_error"), rt.device_error);
    j["runtime"] = std::move(runtime);
  }
  {
    const Path p = root.child("host");
    const HostInfo& h = r.host;
    OJson host = OJson::object();
    host["hostname"] = put_string(p.child("hostname"), h.hostname);
    host["kernel"] = put_string(p.child("kernel"), h.kernel);
    host["os"] = put_string(p.child("os"), h.os);
    host["cpu_model"] = put_string(p.child("cpu_model"), h.cpu_model);
    host["logical_cpus"] = h.logical_cpus;
    host["numa_nodes"] = h.numa_nodes;
    host["memory_bytes"] = put_u64(h.memory_bytes);
    host["cpu_governor"] = put_string(p.child("cpu_governor"), h.cpu_governor);
    host["transparent_hugepages"] =
        put_string(p.child("transparent_hugepages"), h.transparent_hugepages);
    j["host"] = std::move(host);
  }
  {
    const Path p = root.child("gpus");
    OJson gpus = OJson::array();
    for (std::size_t i = 0; i < r.gpus.size(); ++i) {
      gpus.push_back(put_gpu(p.index(i), r.gpus[i]));
    }
    j["gpus"] = std::move(gpus);
  }
  {
    const Path p = root.child("preflight");
    OJson preflight = OJson::object();
    preflight["strict"] = r.preflight.strict;
    preflight["refused"] = r.preflight.refused;
    OJson checks = OJson::array();
    for (std::size_t i = 0; i < r.preflight.checks.size(); ++i) {
      const PreflightCheck& pc = r.preflight.checks[i];
      const Path cp = p.child("checks").index(i);
      OJson check = OJson::object();
      check["id"] = put_string(cp.child("id"), pc.id);
      check["scope"] = put_string(cp.child("scope"), pc.scope);
      check["status"] = std::string(to_string(pc.status));
      check["value"] = pc.value ? put_string(cp.child("value"), *pc.value) : OJson(nullptr);
      check["expected"] = put_string(cp.child("expected"), pc.expected);
      check["reason"] = put_string(cp.child("reason"), pc.reason);
      checks.push_back(std::move(check));
    }
    preflight["checks"] = std::move(checks);
    j["preflight"] = std::move(preflight);
  }
  {
    const Path p = root.child("results");
    OJson results = OJson::array();
    for (std::size_t i = 0; i < r.results.size(); ++i) {
      results.push_back(put_case(p.index(i), r.results[i]));
    }
    j["results"] = std::move(results);
  }
  return j;
}

// ---------------------------------------------------------------------------------------------
// Reader: typed access to a parsed DOM; every error names origin and field path.

struct ReadContext {
  const std::string& origin;
  bool strict_keys;  ///< reject unknown keys (file MINOR <= ours)
  int minor = 0;     ///< the file's schema MINOR: which fields it has
};

[[noreturn]] void fail(const ReadContext& c, const Path& p, const std::string& what) {
  const std::string where = p.str();
  throw InputError(c.origin + ": " + (where.empty() ? "" : where + ": ") + what);
}

[[noreturn]] void fail_type(const ReadContext& c,
                            const Path& p,
                            const char* expected,
                            const Json& j) {
  fail(c, p, std::string("expected ") + expected + ", got " + j.type_name());
}

std::string read_string(const ReadContext& c, const Path& p, const Json& j) {
  if (!j.is_string()) {
    fail_type(c, p, "string", j);
  }
  return j.get<std::string>();
}

bool read_bool(const ReadContext& c, const Path& p, const Json& j) {
  if (!j.is_boolean()) {
    fail_type(c, p, "boolean", j);
  }
  return j.get<bool>();
}

double read_double(const ReadContext& c, const Path& p, const Json& j) {
  if (!j.is_number()) {
    fail_type(c, p, "number", j);
  }
  const double v = j.get<double>();
  if (!std::isfinite(v)) {  // the parser callback already rejects these; belt and braces
    fail(c, p, "number is not finite");
  }
  return v;
}

/// Signed integer in [lo, hi], from a JSON integer or (for |v| > 2^53) a decimal string.
std::int64_t read_integer(const ReadContext& c,
                          const Path& p,
                          const Json& j,
                          std::int64_t lo,
                          std::int64_t hi,
                          bool allow_string) {
  std::int64_t v = 0;
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(hi)) {
      fail(c, p, "integer " + std::to_string(u) + " out of range");
    }
    v = static_cast<std::int64_t>(u);
  } else if (j.is_number_integer()) {
    v = j.get<std::int64_t>();
  } else if (allow_string && j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    const char* first = s.data();
    const char* last = s.data() + s.size();
    const bool neg = !s.empty() && s[0] == '-';
    const std::size_t digits = s.size() - (neg ? 1 : 0);
    const char lead = digits > 0 ? s[neg ? 1 : 0] : '\0';
    auto [ptr, ec] = std::from_chars(first, last, v);
    // Canonical decimal only: no '+', spaces or leading zeros.
    if (ec != std::errc() || ptr != last || digits == 0 || (lead == '0' && digits > 1)) {
      fail(c, p, "expected a decimal integer string, got " + quote(s));
    }
  } else {
    fail_type(c, p, allow_string ? "integer or decimal string" : "integer", j);
  }
  if (v < lo || v > hi) {
    fail(c, p, "integer " + std::to_string(v) + " out of range");
  }
  return v;
}

int read_int(const ReadContext& c, const Path& p, const Json& j) {
  return static_cast<int>(read_integer(
      c, p, j, std::numeric_limits<int>::min(), std::numeric_limits<int>::max(), false));
}

std::int64_t read_i64(const ReadContext& c, const Path& p, const Json& j) {
  return read_integer(c,
                      p,
                      j,
                      std::numeric_limits<std::int64_t>::min(),
                      std::numeric_limits<std::int64_t>::max(),
                      true);
}

std::uint64_t read_u64(const ReadContext& c, const Path& p, const Json& j) {
  if (j.is_number_unsigned()) {
    return j.get<std::uint64_t>();
  }
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    std::uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || s.empty() ||
        (s[0] == '0' && s.size() > 1)) {
      fail(c, p, "expected a decimal unsigned integer string, got " + quote(s));
    }
    return v;
  }
  if (j.is_number_integer()) {
    fail(c, p, "integer " + std::to_string(j.get<std::int64_t>()) + " out of range");
  }
  fail_type(c, p, "unsigned integer or decimal string", j);
}

std::optional<double> read_opt_double(const ReadContext& c, const Path& p, const Json& j) {
  if (j.is_null()) {
    return std::nullopt;
  }
  if (!j.is_number()) {
    fail_type(c, p, "number or null", j);
  }
  return read_double(c, p, j);
}

std::optional<int> read_opt_int(const ReadContext& c, const Path& p, const Json& j) {
  if (j.is_null()) {
    return std::nullopt;
  }
  return read_int(c, p, j);
}

const Json& expect_array(const ReadContext& c, const Path& p, const Json& j) {
  if (!j.is_array()) {
    fail_type(c, p, "array", j);
  }
  return j;
}

std::vector<std::string> read_string_array(const ReadContext& c, const Path& p, const Json& j) {
  std::vector<std::string> out;
  const auto& a = expect_array(c, p, j);
  out.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    out.push_back(read_string(c, p.index(i), a[i]));
  }
  return out;
}

std::vector<int> read_int_array(const ReadContext& c, const Path& p, const Json& j) {
  std::vector<int> out;
  const auto& a = expect_array(c, p, j);
  out.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    out.push_back(read_int(c, p.index(i), a[i]));
  }
  return out;
}

std::vector<double> read_double_array(const ReadContext& c, const Path& p, const Json& j) {
  std::vector<double> out;
  const auto& a = expect_array(c, p, j);
  out.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    out.push_back(read_double(c, p.index(i), a[i]));
  }
  return out;
}

const Json& expect_object(const ReadContext& c, const Path& p, const Json& j) {
  if (!j.is_object()) {
    fail_type(c, p, "object", j);
  }
  return j;
}

std::map<std::string, std::string> read_string_map(const ReadContext& c,
                                                   const Path& p,
                                                   const Json& j) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : expect_object(c, p, j).items()) {
    out.emplace(k, read_string(c, p.child(k), v));
  }
  return out;
}

std::map<std::string, int> read_int_map(const ReadContext& c, const Path& p, const Json& j) {
  std::map<std::string, int> out;
  for (const auto& [k, v] : expect_object(c, p, j).items()) {
    out.emplace(k, read_int(c, p.child(k), v));
  }
  return out;
}

/// One fixed-shape JSON object: required-key lookup and, at the end, the unknown-key check.
class ObjectReader {
 public:
  ObjectReader(const ReadContext& c, const Path& p, const Json& j)
      : c_(c), p_(p), j_(expect_object(c, p, j)) {}

  /// The value at `key`; throws when missing (every 1.0 field is required).
  const Json& at(const char* key) {
    seen_.emplace_back(key);
    const auto it = j_.find(key);
    if (it == j_.end()) {
      fail(c_, p_.child(key), "missing required field");
    }
    return *it;
  }
  [[nodiscard]] Path path(const char* key) const { return p_.child(key); }
  [[nodiscard]] const ReadContext& ctx() const { return c_; }

  std::string str(const char* k) { return read_string(c_, p_.child(k), at(k)); }
  bool boolean(const char* k) { return read_bool(c_, p_.child(k), at(k)); }
  int integer(const char* k) { return read_int(c_, p_.child(k), at(k)); }
  std::int64_t i64(const char* k) { return read_i64(c_, p_.child(k), at(k)); }
  std::uint64_t u64(const char* k) { return read_u64(c_, p_.child(k), at(k)); }
  double dbl(const char* k) { return read_double(c_, p_.child(k), at(k)); }
  std::optional<double> opt_dbl(const char* k) { return read_opt_double(c_, p_.child(k), at(k)); }
  std::optional<int> opt_int(const char* k) { return read_opt_int(c_, p_.child(k), at(k)); }
  std::vector<std::string> strs(const char* k) { return read_string_array(c_, p_.child(k), at(k)); }

  /// Rejects keys this version does not define, unless the file is a newer MINOR (DI-3).
  void finish() const {
    if (!c_.strict_keys) {
      return;
    }
    for (const auto& item : j_.items()) {
      if (std::find(seen_.begin(), seen_.end(), item.key()) == seen_.end()) {
        const std::string where = p_.str();
        throw InputError(c_.origin + ": " + (where.empty() ? "top level" : where) +
                         ": unknown field " + quote(item.key()) + " (schema " +
                         version_string(kResultSchema.major, kResultSchema.minor) +
                         " has no such field; unknown fields are accepted only from a newer "
                         "minor version)");
      }
    }
  }

 private:
  const ReadContext& c_;
  Path p_;
  const Json& j_;
  std::vector<std::string_view> seen_;
};

Stats read_stats(const ReadContext& c, const Path& p, const Json& j) {
  ObjectReader o(c, p, j);
  Stats s;
  s.n = o.i64("n");
  s.min_s = o.dbl("min_s");
  s.max_s = o.dbl("max_s");
  s.mean_s = o.dbl("mean_s");
  s.median_s = o.dbl("median_s");
  s.q1_s = o.dbl("q1_s");
  s.q3_s = o.dbl("q3_s");
  s.stdev_s = o.opt_dbl("stdev_s");
  s.rel_stdev = o.opt_dbl("rel_stdev");
  s.rel_iqr = o.opt_dbl("rel_iqr");
  s.noise_reason = o.str("noise_reason");
  o.finish();
  return s;
}

Metric read_metric(const ReadContext& c, const Path& p, const Json& j) {
  ObjectReader o(c, p, j);
  Metric m;
  m.name = o.str("name");
  m.value = o.dbl("value");
  m.unit = o.str("unit");
  m.definition = o.str("definition");
  if (c.minor >= 2) {  // added in 1.2; older files are mapped once per case (read_case)
    const std::string role = o.str("role");
    if (!role.empty()) {
      const auto parsed = parse_metric_role(role);
      if (!parsed) {
        fail(c,
             o.path("role"),
             "unknown metric role " + quote(role) +
                 " (a kind such as \"hbm_triad\", or \"gemm_dense_burst:<dtype>\")");
      }
      m.role = *parsed;
    }
    if (const Json& steady = o.at("steady"); !steady.is_null()) {
      m.steady = read_bool(c, o.path("steady"), steady);
    }
  }
  o.finish();
  return m;
}

Params read_params(const ReadContext& c, const Path& p, const Json& j) {
  Params out;
  const auto& a = expect_array(c, p, j);
  for (std::size_t i = 0; i < a.size(); ++i) {
    const Path ip = p.index(i);
    const Json& pair = a[i];
    if (!pair.is_array() || pair.size() != 2) {
      fail(c,
           ip,
           std::string("expected a [key, value] pair of strings, got ") + pair.type_name() +
               (pair.is_array() ? " of " + std::to_string(pair.size()) + " elements" : ""));
    }
    out.emplace_back(read_string(c, ip.index(0), pair[0]), read_string(c, ip.index(1), pair[1]));
  }
  return out;
}

CaseResult read_case(const ReadContext& c, const Path& p, const Json& j) {
  ObjectReader o(c, p, j);
  CaseResult r;
  r.name = o.str("name");
  r.family = o.str("family");
  r.methodology_version = o.integer("methodology_version");
  r.params = read_params(c, o.path("params"), o.at("params"));
  r.devices = read_int_array(c, o.path("devices"), o.at("devices"));
  r.device_uuids = o.strs("device_uuids");
  {
    const std::string name = o.str("status");
    const auto status = status_from_string(name);
    if (!status) {
      fail(c, o.path("status"), "unknown status " + quote(name));
    }
    r.status = *status;
  }
  r.reasons = o.strs("reasons");
  r.message = o.str("message");
  r.verified = o.boolean("verified");
  r.verification = o.str("verification");
  {
    ObjectReader v(c, o.path("convention"), o.at("convention"));
    r.convention.direction = v.str("direction");
    r.convention.engine = v.str("engine");
    r.convention.byte_counting = v.str("byte_counting");
    r.convention.cache_policy = v.str("cache_policy");
    v.finish();
  }
  {
    ObjectReader w(c, o.path("work"), o.at("work"));
    r.work.flops = w.dbl("flops");
    r.work.bytes = w.dbl("bytes");
    r.work.model = w.str("model");
    w.finish();
  }
  r.ops_per_sample = o.i64("ops_per_sample");
  r.sample_s = read_double_array(c, o.path("sample_s"), o.at("sample_s"));
  if (const Json& s = o.at("stats"); !s.is_null()) {
    r.stats = read_stats(c, o.path("stats"), s);
  }
  {
    ObjectReader s(c, o.path("stop"), o.at("stop"));
    r.stop.reason = s.str("reason");
    r.stop.unmet = s.strs("unmet");
    r.stop.gpu_time_s = s.dbl("gpu_time_s");
    r.stop.wall_time_s = s.dbl("wall_time_s");
    r.stop.discarded = s.i64("discarded");
    s.finish();
  }
  if (const Json& h = o.at("headline"); !h.is_null()) {
    r.headline = read_metric(c, o.path("headline"), h);
  }
  {
    const Path mp = o.path("metrics");
    const auto& a = expect_array(c, mp, o.at("metrics"));
    for (std::size_t i = 0; i < a.size(); ++i) {
      r.metrics.push_back(read_metric(c, mp.index(i), a[i]));
    }
  }
  {
    ObjectReader k(c, o.path("peak"), o.at("peak"));
    r.peak.value = k.opt_dbl("value");
    r.peak.value_reason = k.str("value_reason");
    r.peak.source = k.str("source");
    r.peak.fraction = k.opt_dbl("fraction");
    k.finish();
  }
  {
    ObjectReader k(c, o.path("sm_clock"), o.at("sm_clock"));
    r.sm_clock.min_mhz = k.opt_dbl("min_mhz");
    r.sm_clock.mean_mhz = k.opt_dbl("mean_mhz");
    r.sm_clock.max_mhz = k.opt_dbl("max_mhz");
    r.sm_clock.reason = k.str("reason");
    k.finish();
  }
  r.notes = read_string_map(c, o.path("notes"), o.at("notes"));
  r.started_utc = o.str("started_utc");
  r.finished_utc = o.str("finished_utc");
  o.finish();
  return r;
}

GpuInfo read_gpu(const ReadContext& c, const Path& p, const Json& j) {
  ObjectReader o(c, p, j);
  GpuInfo g;
  g.ordinal = o.integer("ordinal");
  g.uuid = o.str("uuid");
  g.pci_bus_id = o.str("pci_bus_id");
  g.name = o.str("name");
  g.cc_major = o.integer("cc_major");
  g.cc_minor = o.integer("cc_minor");
  g.sm_count = o.integer("sm_count");
  g.memory_bytes = o.u64("memory_bytes");
  g.l2_bytes = o.u64("l2_bytes");
  g.sm_clock_max_mhz = o.opt_dbl("sm_clock_max_mhz");
  g.mem_clock_max_mhz = o.opt_dbl("mem_clock_max_mhz");
  g.memory_bus_width_bits = o.integer("memory_bus_width_bits");
  g.memory_bandwidth_peak_gbps = o.opt_dbl("memory_bandwidth_peak_gbps");
  g.ecc_enabled = o.boolean("ecc_enabled");
  g.numa_node = o.integer("numa_node");
  g.power_limit_w = o.opt_dbl("power_limit_w");
  g.power_limit_reason = o.str("power_limit_reason");
  o.finish();
  return g;
}

/// Parses "MAJOR.MINOR" (decimal, no sign); false when malformed.
bool parse_version(const std::string& s, int& major, int& minor) {
  const auto dot = s.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == s.size()) {
    return false;
  }
  auto parse_part = [](const char* first, const char* last, int& out) {
    if (first == last || *first < '0' || *first > '9') {
      return false;
    }
    auto [ptr, ec] = std::from_chars(first, last, out);
    return ec == std::errc() && ptr == last;
  };
  return parse_part(s.data(), s.data() + dot, major) &&
         parse_part(s.data() + dot + 1, s.data() + s.size(), minor);
}

RunRecord read_record(const std::string& origin, const Json& doc) {
  ReadContext c{origin, true};
  const Path root;
  if (!doc.is_object()) {
    fail(c, root, std::string("expected a JSON object at top level, got ") + doc.type_name());
  }
  RunRecord r;
  // The schema block decides how to read everything else, so it comes first.
  {
    const auto it = doc.find("schema");
    if (it == doc.end()) {
      fail(c, root, "missing \"schema\" (not a gpubench result file?)");
    }
    const Path sp = root.child("schema");
    const Json& sj = expect_object(c, sp, *it);
    const auto name_it = sj.find("name");
    const auto version_it = sj.find("version");
    if (name_it == sj.end()) {
      fail(c, sp.child("name"), "missing required field");
    }
    if (version_it == sj.end()) {
      fail(c, sp.child("version"), "missing required field");
    }
    r.schema.name = read_string(c, sp.child("name"), *name_it);
    if (r.schema.name != kResultSchema.name) {
      fail(c,
           sp.child("name"),
           "expected " + quote(kResultSchema.name) + ", got " + quote(r.schema.name) +
               " (not a gpubench result file)");
    }
    const std::string version = read_string(c, sp.child("version"), *version_it);
    if (!parse_version(version, r.schema.major, r.schema.minor)) {
      fail(c, sp.child("version"), "expected \"MAJOR.MINOR\", got " + quote(version));
    }
    const std::string ours = std::to_string(kResultSchema.major) + ".x";
    if (r.schema.major > kResultSchema.major) {
      fail(c,
           sp.child("version"),
           "schema version " + version + " is newer than this gpubench (reads " + ours +
               "); upgrade gpubench to read it");
    }
    if (r.schema.major < kResultSchema.major) {
      fail(c,
           sp.child("version"),
           "schema version " + version + " is older than this gpubench reads (" + ours +
               ") and has no migration");
    }
    // Unknown fields are tolerated only from a newer MINOR, which may add them (DI-3).
    c.strict_keys = r.schema.minor <= kResultSchema.minor;
    c.minor = r.schema.minor;
    ObjectReader so(c, sp, sj);
    so.at("name");
    so.at("version");
    so.finish();
  }
  ObjectReader top(c, root, doc);
  top.at("schema");
  {
    ObjectReader o(c, top.path("run"), top.at("run"));
    r.run.id = o.str("id");
    r.run.started_utc = o.str("started_utc");
    r.run.finished_utc = o.str("finished_utc");
    r.run.argv = o.strs("argv");
    r.run.profile = o.str("profile");
    r.run.env = read_string_map(c, o.path("env"), o.at("env"));
    r.run.seed = o.u64("seed");
    r.run.exit_code = o.integer("exit_code");
    r.run.interrupted = o.boolean("interrupted");
    o.finish();
  }
  {
    ObjectReader o(c, top.path("tool"), top.at("tool"));
    ToolInfo& t = r.tool;
    t.name = o.str("name");
    t.version = o.str("version");
    t.git_sha = o.str("git_sha");
    t.git_dirty = o.boolean("git_dirty");
    t.build_type = o.str("build_type");
    t.compiler = o.str("compiler");
    t.cuda_architectures = o.str("cuda_architectures");
    t.cuda_enabled = o.boolean("cuda_enabled");
    t.cudart_header_version = o.opt_int("cudart_header_version");
    t.cublas_header_version = o.opt_int("cublas_header_version");
    t.nccl_header_version = o.opt_int("nccl_header_version");
    t.methodology_versions =
        read_int_map(c, o.path("methodology_versions"), o.at("methodology_versions"));
    o.finish();
  }
  {
    ObjectReader o(c, top.path("runtime"), top.at("runtime"));
    RuntimeInfo& rt = r.runtime;
    rt.cuda_runtime_version = o.opt_int("cuda_runtime_version");
    rt.cuda_driver_version = o.opt_int("cuda_driver_version");
    rt.cublas_version = o.opt_int("cublas_version");
    rt.cuda_reason = o.str("cuda_reason");
    rt.driver_version = o.str("driver_version");
    rt.nvml_version = o.str("nvml_version");
    rt.nvml_reason = o.str("nvml_reason");
    rt.cuda_module_loading = o.str("cuda_module_loading");
    rt.device_error = o.str("device_error");
    o.finish();
  }
  {
    ObjectReader o(c, top.path("host"), top.at("host"));
    HostInfo& h = r.host;
    h.hostname = o.str("hostname");
    h.kernel = o.str("kernel");
    h.os = o.str("os");
    h.cpu_model = o.str("cpu_model");
    h.logical_cpus = o.integer("logical_cpus");
    h.numa_nodes = o.integer("numa_nodes");
    h.memory_bytes = o.u64("memory_bytes");
    h.cpu_governor = o.str("cpu_governor");
    h.transparent_hugepages = o.str("transparent_hugepages");
    o.finish();
  }
  {
    const Path p = top.path("gpus");
    const auto& a = expect_array(c, p, top.at("gpus"));
    for (std::size_t i = 0; i < a.size(); ++i) {
      r.gpus.push_back(read_gpu(c, p.index(i), a[i]));
    }
  }
  // Added in 1.1 (MR-19); a 1.0 file has no audit.
  if (r.schema.minor >= 1) {
    ObjectReader o(c, top.path("preflight"), top.at("preflight"));
    r.preflight.strict = o.boolean("strict");
    r.preflight.refused = o.boolean("refused");
    const Path p = o.path("checks");
    const auto& a = expect_array(c, p, o.at("checks"));
    for (std::size_t i = 0; i < a.size(); ++i) {
      ObjectReader k(c, p.index(i), a[i]);
      PreflightCheck pc;
      pc.id = k.str("id");
      pc.scope = k.str("scope");
      const std::string name = k.str("status");
      const auto status = check_status_from_string(name);
      if (!status) {
        fail(
            c, k.path("status"), "unknown check status " + quote(name) + " (ok|warn|fail|unknown)");
      }
      pc.status = *status;
      const Json& value = k.at("value");
      if (!value.is_null()) {
        pc.value = read_string(c, k.path("value"), value);
      }
      pc.expected = k.str("expected");
      pc.reason = k.str("reason");
      k.finish();
      r.preflight.checks.push_back(std::move(pc));
    }
    o.finish();
  }
  {
    const Path p = top.path("results");
    const auto& a = expect_array(c, p, top.at("results"));
    for (std::size_t i = 0; i < a.size(); ++i) {
      r.results.push_back(read_case(c, p.index(i), a[i]));
      if (r.schema.minor < 2) {
        assign_legacy_roles(r.results.back());  // roles came with 1.2
      }
    }
  }
  top.finish();
  return r;
}

// ---------------------------------------------------------------------------------------------
// Parsing with limits.

/// "origin:line:col: " for a 1-based byte count as nlohmann reports it (parse_error::byte:
/// the number of bytes read, the offending one included). Columns count bytes.
std::string location(const std::string& origin, const std::string& text, std::size_t byte) {
  const std::size_t index = std::min(byte > 0 ? byte - 1 : 0, text.size());
  const auto begin = text.begin();
  const auto line = 1 + std::count(begin, begin + static_cast<std::ptrdiff_t>(index), '\n');
  const auto nl = index == 0 ? std::string::npos : text.rfind('\n', index - 1);
  const std::size_t col = nl == std::string::npos ? index + 1 : index - nl;
  return origin + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
}

/// A limit violation found by the parser callback, at `byte` (same convention as nlohmann).
struct Rejection {
  std::string message;
  std::size_t byte;
};

/// Input iterator over the text that records how far the lexer has read, so the parser
/// callback (which gets no position) can report line:column.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* p, const char* base, std::size_t* consumed)
      : p_(p), base_(base), consumed_(consumed) {}
  reference operator*() const { return *p_; }
  CountingIterator& operator++() {
    ++p_;
    *consumed_ = static_cast<std::size_t>(p_ - base_);
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const CountingIterator& o) const { return p_ == o.p_; }
  bool operator!=(const CountingIterator& o) const { return p_ != o.p_; }

 private:
  const char* p_;
  const char* base_;
  std::size_t* consumed_;
};

/// nlohmann's what() is "[json.exception.parse_error.101] parse error at line L, column C: msg";
/// keep only msg since we print our own location.
std::string parse_error_detail(const std::string& what) {
  const auto col = what.find("column ");
  if (col != std::string::npos) {
    const auto colon = what.find(": ", col);
    if (colon != std::string::npos) {
      return what.substr(colon + 2);
    }
  }
  return what;
}

Json parse_limited(const std::string& text, const std::string& origin, const InputLimits& limits) {
  if (text.size() > limits.max_file_bytes) {
    throw InputError(origin + ": input is " + std::to_string(text.size()) + " bytes, over the " +
                     format_limit(limits.max_file_bytes) + " limit");
  }
  // nlohmann skips a BOM silently; we never write one, so one means the file was edited or
  // produced by something else. Rejecting is the simpler, stricter contract (IN-2).
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    throw InputError(location(origin, text, 1) +
                     "file starts with a UTF-8 byte order mark (BOM); result files are UTF-8 "
                     "without one");
  }
  // nlohmann treats a NUL outside strings as end of input and would ignore what follows.
  if (const auto nul = text.find('\0'); nul != std::string::npos) {
    throw InputError(location(origin, text, nul + 1) + "NUL byte in input");
  }

  std::size_t consumed = 0;
  std::vector<std::set<std::string, std::less<>>> open_objects;  // keys seen, per open object
  auto reject = [&](std::string message) { throw Rejection{std::move(message), consumed}; };
  auto check_length = [&](const std::string& s, const char* what) {
    if (s.size() > limits.max_string_bytes) {
      reject(std::string(what) + " of " + std::to_string(s.size()) + " bytes exceeds the " +
             format_limit(limits.max_string_bytes) + " limit");
    }
  };
  const Json::parser_callback_t callback =
      [&](int depth, Json::parse_event_t event, Json& parsed) -> bool {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        // `depth` counts the containers already open; this one makes depth + 1.
        if (depth + 1 > limits.max_depth) {
          reject("nesting deeper than " + std::to_string(limits.max_depth) + " levels");
        }
        if (event == Json::parse_event_t::object_start) {
          open_objects.emplace_back();
        }
        break;
      case Json::parse_event_t::object_end:
        open_objects.pop_back();
        break;
      case Json::parse_event_t::key: {
        const auto& key = parsed.get_ref<const std::string&>();
        check_length(key, "key");
        // nlohmann keeps the last duplicate silently; a result must not be ambiguous.
        if (!open_objects.back().insert(key).second) {
          reject("duplicate key " + quote(key));
        }
        break;
      }
      case Json::parse_event_t::value:
        if (parsed.is_string()) {
          check_length(parsed.get_ref<const std::string&>(), "string");
        } else if (parsed.is_number_float() && !std::isfinite(parsed.get<double>())) {
          // nlohmann 3.11 throws out_of_range 406 for 1e400; other versions hand over inf.
          reject("number out of range (does not fit a finite double)");
        }
        break;
      case Json::parse_event_t::array_end:
        break;
    }
    return true;
  };

  const CountingIterator first(text.data(), text.data(), &consumed);
  const CountingIterator last(text.data() + text.size(), text.data(), &consumed);
  try {
    return Json::parse(first,
                       last,
                       callback,
                       /*allow_exceptions=*/true,
                       /*ignore_comments=*/false);
  } catch (const Rejection& r) {
    throw InputError(location(origin, text, r.byte) + r.message);
  } catch (const Json::parse_error& e) {
    throw InputError(location(origin, text, e.byte) + parse_error_detail(e.what()));
  } catch (const Json::exception& e) {
    // E.g. out_of_range 406 "number overflow parsing '1e400'": no byte offset of its own, but
    // the lexer has just read the offending token.
    std::string what = e.what();
    if (what.rfind("[json.exception.", 0) == 0 && what.find("] ") != std::string::npos) {
      what = what.substr(what.find("] ") + 2);
    }
    throw InputError(location(origin, text, consumed) + what);
  }
}

// ---------------------------------------------------------------------------------------------
// Files.

[[noreturn]] void throw_errno(const std::string& what, const std::string& path, int err) {
  throw std::runtime_error(what + " " + path + ": " + std::generic_category().message(err));
}

/// Reads at most cap + 1 bytes (so callers can tell "over the cap"); false with errno on error.
bool read_capped(const std::string& path, std::uintmax_t cap, std::string& out, int& err) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return false;
  }
  out.clear();
  char buf[1 << 16];
  while (out.size() <= cap) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      err = errno;
      ::close(fd);
      return false;
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return true;
}

/// Mode a plain open(O_CREAT, 0666) would give; mkstemp's 0600 would make results private.
mode_t default_file_mode() {
  mode_t mask = 022;
  // Read, not set: umask() would race with other threads creating files.
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) == 0) {
      mask = static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
      break;
    }
  }
  return 0666 & ~mask;
}

/// The temp file: closed and unlinked on every failure path.
class TempFile {
 public:
  TempFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  TempFile(TempFile&&) = delete;
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    if (!path_.empty()) {
      ::unlink(path_.c_str());
    }
  }
  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  void close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
      throw_errno("cannot close", path_, errno);
    }
  }
  /// The file now has its final name (or is gone): nothing to remove.
  void release() { path_.clear(); }

 private:
  std::string path_;
  int fd_;
};

void fsync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    throw_errno("cannot open directory for fsync", dir, errno);
  }
  // Some file systems cannot sync directories (EINVAL): the rename is still atomic there.
  if (::fsync(fd) != 0 && errno != EINVAL) {
    const int err = errno;
    ::close(fd);
    throw_errno("cannot fsync directory", dir, err);
  }
  ::close(fd);
}

/// Moves tmp to target without ever replacing an existing target.
void publish_no_replace(const TempFile& tmp, const std::string& target) {
  if (::renameat2(AT_FDCWD, tmp.path().c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) {
    return;
  }
  int err = errno;
  if (err == EINVAL || err == ENOSYS || err == EOPNOTSUPP) {
    // File system without RENAME_NOREPLACE: link() fails atomically with EEXIST as well.
    if (::link(tmp.path().c_str(), target.c_str()) == 0) {
      ::unlink(tmp.path().c_str());  // failure only leaves a stray temp next to a complete file
      return;
    }
    err = errno;
  }
  if (err == EEXIST) {
    throw FileExistsError(target + ": file exists (not overwritten)");
  }
  throw_errno("cannot rename " + tmp.path() + " to", target, err);
}

void write_atomic(const fs::path& path,
                  const std::string& text,
                  bool overwrite,
                  const std::function<void(const std::string& tmp_path)>& verify) {
  const std::string target = path.string();
  if (!path.has_filename()) {
    throw std::runtime_error("cannot write " + target + ": not a file name");
  }
  struct stat st {};
  // Early check so we do not write a large file only to refuse it; publish_no_replace closes
  // the race with a concurrent writer.
  if (!overwrite && ::lstat(target.c_str(), &st) == 0) {
    throw FileExistsError(target + ": file exists (not overwritten)");
  }
  const std::string dir = path.has_parent_path() ? path.parent_path().string() : ".";
  if (::stat(dir.c_str(), &st) != 0) {
    throw_errno("cannot write to directory", dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    throw_errno("cannot write to directory", dir, ENOTDIR);
  }

  std::string name = (fs::path(dir) / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);  // mkstemp + close-on-exec
  if (fd < 0) {
    throw_errno("cannot create temporary file", name, errno);
  }
  TempFile tmp(name, fd);
  if (::fchmod(fd, default_file_mode()) != 0) {
    throw_errno("cannot chmod", tmp.path(), errno);
  }
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("cannot write", tmp.path(), errno);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    throw_errno("cannot fsync", tmp.path(), errno);
  }
  tmp.close();
  if (verify) {
    verify(tmp.path());
  }
  if (overwrite) {
    if (::rename(tmp.path().c_str(), target.c_str()) != 0) {
      throw_errno("cannot rename " + tmp.path() + " to", target, errno);
    }
  } else {
    publish_no_replace(tmp, target);
  }
  tmp.release();
  fsync_directory(dir);
}

}  // namespace

std::string to_json_text(const RunRecord& record) {
  const OJson j = put_record(record);
  try {
    return j.dump(2, ' ', false, OJson::error_handler_t::strict) + "\n";
  } catch (const OJson::type_error& e) {  // invalid UTF-8 we failed to catch with a path
    throw std::invalid_argument(std::string("cannot serialize result: ") + e.what());
  }
}

RunRecord parse_run(const std::string& text, const std::string& origin, const InputLimits& limits) {
  const Json doc = parse_limited(text, origin, limits);
  return read_record(origin, doc);
}

RunRecord load_run(const std::filesystem::path& path, const InputLimits& limits) {
  const std::string origin = path.string();
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    throw InputError(origin + ": cannot open: " + ec.message());
  }
  if (size > limits.max_file_bytes) {
    throw InputError(origin + ": file is " + std::to_string(size) + " bytes, over the " +
                     format_limit(limits.max_file_bytes) + " limit");
  }
  std::string text;
  int err = 0;
  if (!read_capped(origin, limits.max_file_bytes, text, err)) {
    throw InputError(origin + ": cannot open: " + std::generic_category().message(err));
  }
  // parse_run re-checks the size: the file may have grown since file_size().
  return parse_run(text, origin, limits);
}

void save_run_atomic(const RunRecord& record, const std::filesystem::path& path, bool overwrite) {
  const std::string text = to_json_text(record);
  // DI-2: what is about to get the final name must read back as a valid result.
  auto verify = [&text](const std::string& tmp_path) {
    std::string back;
    int err = 0;
    const InputLimits limits;
    if (!read_capped(tmp_path, limits.max_file_bytes, back, err)) {
      throw_errno("cannot read back", tmp_path, err);
    }
    if (back != text) {
      throw std::runtime_error("read-back of " + tmp_path + " differs from what was written");
    }
    try {
      (void)parse_run(back, tmp_path, limits);
    } catch (const InputError& e) {
      throw std::runtime_error(std::string("written result does not re-parse, not saved: ") +
                               e.what());
    }
  };
  write_atomic(path, text, overwrite, verify);
}

void write_file_atomic(const std::filesystem::path& path, const std::string& text, bool overwrite) {
  write_atomic(path, text, overwrite, nullptr);
}

namespace {
constexpr const char* kSidecarTag = "sha256-canonical-json";

std::string read_whole(const std::filesystem::path& path) {
  std::string text;
  int err = 0;
  const InputLimits limits;
  if (!read_capped(path.string(), limits.max_file_bytes, text, err)) {
    throw InputError(path.string() + ": cannot open: " + std::generic_category().message(err));
  }
  return text;
}
}  // namespace

std::string canonical_sha256(const std::string& text, const std::string& origin) {
  // nlohmann::json keeps object keys in a std::map: dump() without indent is the sorted,
  // whitespace-free form.
  const Json doc = parse_limited(text, origin, InputLimits{});
  return sha256_hex(doc.dump(-1, ' ', false, Json::error_handler_t::strict));
}

std::filesystem::path integrity_sidecar_path(const std::filesystem::path& result_path) {
  return std::filesystem::path(result_path.string() + ".sha256");
}

void write_integrity_sidecar(const std::filesystem::path& result_path) {
  const std::string hex = canonical_sha256(read_whole(result_path), result_path.string());
  write_file_atomic(
      integrity_sidecar_path(result_path),
      std::string(kSidecarTag) + " " + hex + " " + result_path.filename().string() + "\n",
      true);
}

IntegrityCheck check_integrity(const std::filesystem::path& result_path) {
  const auto sidecar = integrity_sidecar_path(result_path);
  std::error_code ec;
  if (!std::filesystem::exists(sidecar, ec)) {
    return {Integrity::no_sidecar, ""};
  }
  std::string line;
  try {
    line = read_whole(sidecar);
  } catch (const InputError& e) {
    return {Integrity::bad_sidecar, e.what()};
  }
  std::istringstream in(line);
  std::string tag, want;
  in >> tag >> want;
  const bool hex_ok = want.size() == 64 && std::all_of(want.begin(), want.end(), [](char c) {
                        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                      });
  if (tag != kSidecarTag || !hex_ok) {
    return {Integrity::bad_sidecar,
            sidecar.string() + ": expected \"" + kSidecarTag + " <64 hex digits> <file>\""};
  }
  const std::string got = canonical_sha256(read_whole(result_path), result_path.string());
  if (got != want) {
    return {Integrity::modified,
            result_path.string() + ": modified after generation (canonical SHA-256 " +
                got.substr(0, 12) + "..., its sidecar says " + want.substr(0, 12) + "...)"};
  }
  return {Integrity::verified, ""};
}

}  // namespace gpb
