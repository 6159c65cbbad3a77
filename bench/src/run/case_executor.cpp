// SPDX-License-Identifier: Apache-2.0
#include <gpb/case_executor.hpp>
#include <gpb/common/text.hpp>
#include <gpb/common/units.hpp>
#include <gpb/machine/health.hpp>
#include <gpb/machine/sysinfo.hpp>
#include <gpb/machine/telemetry.hpp>
#include <gpb/measure/peaks.hpp>
#include <gpb/measure/stats.hpp>

#include <algorithm>
#include <sstream>
#include <utility>

namespace gpb {
namespace {

/// Clock, power, temperature and clock-event reasons of one device, as a short note.
std::string nvml_snapshot(const Nvml& nvml, const std::string& bus) {
  std::ostringstream s;
  const auto clock = nvml.sm_clock_mhz(bus);
  const auto power = nvml.power_usage_w(bus);
  const auto temp = nvml.temperature_c(bus);
  const auto reasons = nvml.clock_event_reasons(bus);
  s << "sm_clock_mhz="
    << (clock.value ? std::to_string(static_cast<int>(*clock.value)) : clock.reason)
    << " power_w=" << (power.value ? std::to_string(static_cast<int>(*power.value)) : power.reason)
    << " temp_c=" << (temp.value ? std::to_string(static_cast<int>(*temp.value)) : temp.reason)
    << " clock_event_reasons=";
  if (reasons.value) {
    const auto names = clock_event_reason_names(*reasons.value);
    s << (names.empty() ? "none" : join(names, "|"));
  } else {
    s << reasons.reason;
  }
  return s.str();
}

/// One device's text as it is; several devices' texts as "gpu0: ...; gpu1: ...".
std::string per_device_note(const std::vector<std::pair<int, std::string>>& texts) {
  if (texts.size() == 1) {
    return texts.front().second;
  }
  std::vector<std::string> parts;
  for (const auto& [ordinal, text] : texts) {
    parts.push_back("gpu" + std::to_string(ordinal) + ": " + text);
  }
  return join(parts, "; ");
}

/// Statistics, the headline rate and the best-sample rate (MR-4); for latency cases the
/// median and the best time per access.
void derive_rates(const Context& ctx, CaseResult& r) {
  if (r.sample_s.empty()) {
    return;
  }
  r.stats = summarize(r.sample_s);
  if (ctx.rate_kind() == RateKind::latency) {
    r.headline = Metric{"latency", r.stats->median_s * 1e9, "ns", "median_s per access"};
    r.headline->role = ctx.headline_role();
    r.metrics.insert(r.metrics.begin(),
                     Metric{"best", r.stats->min_s * 1e9, "ns", "min_s per access"});
    return;
  }
  const bool bandwidth = ctx.rate_kind() == RateKind::bandwidth;
  const double units = bandwidth ? r.work.bytes : r.work.flops;
  const double scale = bandwidth ? 1e9 : 1e12;
  const char* unit =
      bandwidth ? "GB/s" : (ctx.rate_kind() == RateKind::flops ? "TFLOP/s" : "TOP/s");
  const std::string what = bandwidth ? "bytes" : "operations";
  if (auto v = rate(units, r.stats->median_s, 0.0)) {
    r.headline = Metric{
        bandwidth ? "bandwidth" : "throughput", *v / scale, unit, what + " per op / median_s"};
    r.headline->role = ctx.headline_role();
  }
  if (auto v = rate(units, r.stats->min_s, 0.0)) {
    r.metrics.insert(r.metrics.begin(), Metric{"best", *v / scale, unit, what + " per op / min_s"});
  }
}

PeakCheck check_peak(CaseResult& r) {
  if (!r.headline) {
    return PeakCheck::in_range_or_unknown;
  }
  const std::string reason = apply_peak(r.peak, r.headline->value);
  if (reason == "above_105_percent_of_peak") {
    return PeakCheck::above_bound;
  }
  return reason.empty() ? PeakCheck::in_range_or_unknown : PeakCheck::suspiciously_low;
}

}  // namespace

std::vector<Instance> expand(const std::vector<const CaseSpec*>& specs,
                             const DeviceTopology& topology) {
  std::vector<Instance> out;
  for (const CaseSpec* s : specs) {
    if (!s->requires_.gpu) {
      out.push_back({s, {}, s->name, {}, {}, {}});
      continue;
    }
    for (const DeviceBinding& b :
         bind_devices({s->requires_.devices, s->requires_.peer_access}, topology)) {
      Instance inst{s, {}, s->name + b.suffix, b.preset, b.reason, b.message};
      for (std::size_t i : b.devices) {
        inst.gpus.push_back(&topology.gpus[i]);
      }
      out.push_back(std::move(inst));
    }
  }
  return out;
}

CaseResult case_skeleton(const Instance& inst) {
  CaseResult r;
  r.name = inst.name;
  r.family = inst.spec->family;
  r.methodology_version = inst.spec->methodology_version;
  r.params = inst.spec->params;
  for (const GpuInfo* g : inst.gpus) {
    r.devices.push_back(g->ordinal);
    r.device_uuids.push_back(g->uuid);
  }
  return r;
}

/// What NVML sees of one device during one case: a snapshot before, the telemetry thread,
/// the error counters before (FH-4, MR-7).
struct CaseExecutor::Watch {
  const GpuInfo* gpu = nullptr;
  std::string snapshot;
  HealthCounters health_before;
  std::unique_ptr<TelemetrySampler> sampler;
};

CaseExecutor::CaseExecutor(const RunOptions& options,
                           DeviceRuntime& runtime,
                           const std::vector<GpuInfo>& gpus,
                           const Nvml* nvml,
                           std::string nvml_reason,
                           std::string no_device_message)
    : options_(options),
      runtime_(runtime),
      nvml_(nvml),
      nvml_reason_(std::move(nvml_reason)),
      no_device_message_(std::move(no_device_message)) {
  // FH-4: one Xid event set per GPU for the whole run, drained around each case.
  for (const auto& g : gpus) {
    std::string why = nvml_reason_;
    if (nvml_ != nullptr) {
      if (auto w = nvml_->watch_xids(g.pci_bus_id, why)) {
        xid_watches_[g.pci_bus_id] = std::move(w);
        continue;
      }
    }
    xid_unwatched_[g.pci_bus_id] = why.empty() ? "nvml unavailable" : why;
  }
}

CaseExecutor::~CaseExecutor() = default;

std::optional<CaseEvidence> CaseExecutor::why_not_run(const Instance& inst,
                                                      std::string& message) const {
  const auto stop = [](Status s, std::string cause) {
    CaseEvidence e;
    e.end = CaseEnd::not_started;
    e.asked = s;
    e.cause = std::move(cause);
    return e;
  };
  const CaseSpec& spec = *inst.spec;
  if (options_.policy.stop_flag != nullptr && *options_.policy.stop_flag != 0) {
    return stop(Status::interrupted, "not_started_interrupted");
  }
  if (refused_) {
    message = "--strict: the preflight audit warned or failed (see preflight in this file)";
    return stop(Status::skipped, "preflight_refused");
  }
  if (spec.requires_.gpu && inst.gpus.empty()) {
    message = no_device_message_;
    return stop(Status::skipped, "no_device");
  }
  if (inst.preset) {
    message = inst.preset_message;
    return stop(*inst.preset, inst.preset_reason);
  }
  for (const GpuInfo* g : inst.gpus) {
    if (poisoned_.count(g->ordinal) != 0) {
      message =
          "an earlier case left GPU " + std::to_string(g->ordinal) + " in a sticky error state";
      return stop(Status::skipped, "device_poisoned");
    }
  }
  for (const GpuInfo* g : inst.gpus) {
    if (g->cc_major * 10 + g->cc_minor < spec.requires_.min_cc) {
      message = spec.requires_.min_cc_reason;
      return stop(Status::not_supported,
                  "compute_capability_below_" + std::to_string(spec.requires_.min_cc));
    }
  }
  return std::nullopt;
}

CaseEvidence CaseExecutor::run_body(const Instance& inst, CaseResult& r) {
  CaseEvidence e;
  RunOptions options = options_;
  options.policy = with_min_time_cap(options_.policy, inst.spec->min_time_cap_s);
  Context ctx(options, r, inst.gpus);
  // The one catch of benchmark code (DESIGN §9): every outcome becomes evidence.
  try {
    if (inst.gpus.empty()) {
      inst.spec->body(ctx);
    } else {
      runtime_.run(ctx, inst.spec->body);
    }
    e.end = CaseEnd::returned;
    e.measured = r.status;
    if (r.status != Status::interrupted) {
      derive_rates(ctx, r);
      e.has_rate = r.headline.has_value();
      e.peak = check_peak(r);
    }
    e.verify_enabled = options_.verify;
    e.verify_called = ctx.verify_called();
    e.verified = r.verified;
    if (!options_.verify) {
      r.verified = false;
      r.verification = "disabled (--no-verify)";
    }
  } catch (const CaseSkip& s) {
    e.end = CaseEnd::raised_skip;
    e.asked = s.status();
    e.cause = s.reason();
    r.message = s.what();
  } catch (const std::exception& ex) {
    const ErrorClass c = runtime_.classify(ex);
    e.end = c.out_of_memory ? CaseEnd::out_of_memory : CaseEnd::raised_error;
    e.device_api_error = c.device_error;
    e.sticky = c.sticky;
    r.message = ex.what();
    if (c.sticky) {
      for (const GpuInfo* g : inst.gpus) {
        poisoned_.insert(g->ordinal);  // which device of the set failed is not known
      }
    }
  }
  return e;
}

CaseResult CaseExecutor::execute(const Instance& inst) {
  CaseResult r = case_skeleton(inst);
  r.started_utc = utc_now_iso8601();
  std::string message;
  if (const auto not_run = why_not_run(inst, message)) {
    const CaseVerdict v = decide_case_status(*not_run);
    r.status = v.status;
    r.reasons = v.reasons;
    r.message = message;
    r.finished_utc = utc_now_iso8601();
    return r;
  }

  std::vector<Watch> watches;
  if (nvml_ != nullptr) {
    for (const GpuInfo* g : inst.gpus) {
      Watch w;
      w.gpu = g;
      w.snapshot = nvml_snapshot(*nvml_, g->pci_bus_id);
      w.health_before = read_health(*nvml_, g->pci_bus_id);
      if (const auto x = xid_watches_.find(g->pci_bus_id); x != xid_watches_.end()) {
        x->second->drain();  // events before this case are not its own
      }
      w.sampler = std::make_unique<TelemetrySampler>(*nvml_, g->pci_bus_id);  // MR-7
      watches.push_back(std::move(w));
    }
  }

  CaseEvidence evidence = run_body(inst, r);

  if (!watches.empty()) {
    std::vector<std::pair<int, std::string>> before, throttle, telemetry, deltas, unwatched;
    for (Watch& w : watches) {
      const int ordinal = w.gpu->ordinal;
      const std::string& bus = w.gpu->pci_bus_id;
      // Clock-event reasons ORed over the whole case, clock/power/temperature ranges (MR-7).
      const TelemetrySummary t = w.sampler->stop();
      before.emplace_back(ordinal, w.snapshot);
      throttle.emplace_back(ordinal, throttle_text(t));
      telemetry.emplace_back(ordinal, telemetry_text(t));
      // FH-4: an error counter that grew during the case voids its numbers.
      const HealthCounters after = read_health(*nvml_, bus);
      std::vector<std::string> worse = health_regressions(w.health_before, after);
      if (const auto x = xid_watches_.find(bus); x != xid_watches_.end()) {
        const std::vector<std::uint64_t> xids = x->second->drain();
        if (!xids.empty()) {
          worse.push_back(xid_text(xids));
          if (xid_poisons_device(xids)) {
            poisoned_.insert(ordinal);
          }
        }
      } else {
        unwatched.emplace_back(ordinal, "not watched (" + xid_unwatched_[bus] + ")");
      }
      if (!worse.empty()) {
        deltas.emplace_back(ordinal, join(worse, ", "));
      }
      if (after.gpu_lost) {
        poisoned_.insert(ordinal);
      }
    }
    r.notes["nvml_before"] = per_device_note(before);
    r.notes["throttle_reasons"] = per_device_note(throttle);
    r.notes["telemetry"] = per_device_note(telemetry);
    if (!unwatched.empty()) {
      r.notes["xid_watch"] = per_device_note(unwatched);
    }
    if (!deltas.empty()) {
      evidence.hardware_error = true;
      r.notes["health_delta"] = per_device_note(deltas);
      r.message += (r.message.empty() ? "" : "; ") +
                   std::string("hardware errors during the case: ") + r.notes["health_delta"];
    }
  } else if (!inst.gpus.empty()) {
    r.notes["throttle_reasons"] =
        "not measured (" + (nvml_reason_.empty() ? std::string("nvml unavailable") : nvml_reason_) +
        ")";
  }

  const CaseVerdict v = decide_case_status(evidence);
  r.status = v.status;
  r.reasons.insert(r.reasons.end(), v.reasons.begin(), v.reasons.end());
  r.finished_utc = utc_now_iso8601();
  return r;
}

}  // namespace gpb
