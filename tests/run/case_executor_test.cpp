// SPDX-License-Identifier: Apache-2.0
// Expansion, requirement checks, skipping, statuses and the summary of the runner on a fake
// machine of 1, 2 and 8 GPUs with holes in its peer matrix.
#include <gpb/case_executor.hpp>

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../host/fake_timing.hpp"
#include "fake_device_runtime.hpp"
#include "run/run_internal.hpp"

namespace gpb {
namespace {

using test::fake_topology;
using test::FakeDeviceError;
using test::FakeDeviceRuntime;

/// A case that records which devices it saw in a note and reports a rate through the real
/// stopping rule, timed by a scripted backend (deterministic on a loaded machine).
CaseSpec make_spec(const std::string& family, DeviceSet set, bool peer_access = false) {
  CaseSpec s;
  s.family = family;
  s.name = family;
  s.requires_.devices = set;
  s.requires_.peer_access = peer_access;
  s.body = [](Context& ctx) {
    std::string seen;
    for (const GpuInfo* g : ctx.gpus()) {
      seen += (seen.empty() ? "" : ",") + std::to_string(g->ordinal);
    }
    ctx.note("devices_seen", seen);
    ctx.set_work(Work{0, 1e6, "1 MB per op"}, RateKind::bandwidth);
    test::FakeTimingBackend timing;
    timing.per_op_s = {1e-3};
    ctx.measure_with(timing);
    ctx.verified(true, "fake");
  };
  return s;
}

RunOptions quick_options() {
  RunOptions o;
  o.policy.min_time_s = 0.01;
  return o;
}

std::vector<std::string> names(const std::vector<Instance>& v) {
  std::vector<std::string> out;
  for (const auto& i : v) {
    out.push_back(i.name);
  }
  return out;
}

struct Machine {
  explicit Machine(DeviceTopology t) : runtime(std::move(t)) {}
  FakeDeviceRuntime runtime;
  RunOptions options = quick_options();

  std::vector<CaseResult> run(const std::vector<const CaseSpec*>& specs) {
    const DeviceTopology topology = probe_topology(runtime, runtime.topology.gpus);
    CaseExecutor executor(
        options, runtime, topology.gpus, nullptr, "no nvml in tests", "fake: no device");
    std::vector<CaseResult> out;
    for (const Instance& inst : expand(specs, topology)) {
      out.push_back(executor.execute(inst));
    }
    return out;
  }
};

std::vector<Status> statuses(const std::vector<CaseResult>& rs) {
  std::vector<Status> out;
  for (const auto& r : rs) {
    out.push_back(r.status);
  }
  return out;
}

TEST(Expand, NamesSayWhichDevicesEveryInstanceUsed) {
  const CaseSpec each = make_spec("stream/hbm", DeviceSet::each);
  const CaseSpec pairs = make_spec("p2p/copy", DeviceSet::ordered_pairs, true);
  const CaseSpec all = make_spec("nccl/all_reduce", DeviceSet::all_local);
  CaseSpec host = make_spec("host/memcpy", DeviceSet::each);
  host.requires_.gpu = false;
  const std::vector<const CaseSpec*> specs{&host, &each, &pairs, &all};

  const auto one = expand(specs, fake_topology(1));
  EXPECT_EQ(names(one),
            (std::vector<std::string>{
                "host/memcpy", "stream/hbm/gpu=0", "p2p/copy", "nccl/all_reduce/gpus=all1"}));
  EXPECT_EQ(one[2].preset, Status::not_applicable);

  const DeviceTopology two_t = fake_topology(2);
  EXPECT_EQ(names(expand(specs, two_t)),
            (std::vector<std::string>{"host/memcpy",
                                      "stream/hbm/gpu=0",
                                      "stream/hbm/gpu=1",
                                      "p2p/copy/gpus=0>1",
                                      "p2p/copy/gpus=1>0",
                                      "nccl/all_reduce/gpus=all2"}));

  const DeviceTopology eight = fake_topology(8);
  const auto e = expand(specs, eight);
  EXPECT_EQ(e.size(), 1u + 8u + 56u + 1u);
  const std::vector<std::string> all_names = names(e);
  const std::set<std::string> unique(all_names.begin(), all_names.end());
  EXPECT_EQ(unique.size(), e.size());
  EXPECT_EQ(e.back().gpus.size(), 8u);

  const auto none = expand(specs, fake_topology(0));
  EXPECT_EQ(names(none),
            (std::vector<std::string>{"host/memcpy", "stream/hbm", "p2p/copy", "nccl/all_reduce"}));
}

TEST(Executor, PairCaseOnOneGpuIsNotApplicableAndTheRunStillPasses) {
  Machine m(fake_topology(1));
  const CaseSpec pairs = make_spec("p2p/copy", DeviceSet::ordered_pairs, true);
  const CaseSpec each = make_spec("stream/hbm", DeviceSet::each);
  const auto rs = m.run({&pairs, &each});
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].status, Status::not_applicable);
  EXPECT_EQ(rs[0].reasons, std::vector<std::string>{"needs_two_gpus"});
  EXPECT_FALSE(rs[0].message.empty());
  EXPECT_EQ(rs[1].status, Status::valid) << rs[1].message;
  EXPECT_EQ(m.runtime.runs, (std::vector<std::vector<int>>{{0}})) << "the pair body never ran";
  EXPECT_EQ(exit_code_for(statuses(rs), false, 0), ExitCode::ok);
}

TEST(Executor, PairInstancesSeeSourceThenDestinationAndRecordBoth) {
  Machine m(fake_topology(2));
  const CaseSpec pairs = make_spec("p2p/copy", DeviceSet::ordered_pairs, true);
  const auto rs = m.run({&pairs});
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].status, Status::valid) << rs[0].message;
  EXPECT_EQ(rs[0].notes.at("devices_seen"), "0,1");
  EXPECT_EQ(rs[1].notes.at("devices_seen"), "1,0");
  EXPECT_EQ(rs[1].devices, (std::vector<int>{1, 0}));
  EXPECT_EQ(
      rs[1].device_uuids,
      (std::vector<std::string>{m.runtime.topology.gpus[1].uuid, m.runtime.topology.gpus[0].uuid}));
  ASSERT_TRUE(rs[0].headline.has_value());
  EXPECT_DOUBLE_EQ(rs[0].headline->value, 1.0) << "1e6 B per 1 ms is 1 GB/s";
  EXPECT_EQ(rs[0].notes.at("throttle_reasons"), "not measured (no nvml in tests)");
}

TEST(Executor, EightGpusWithHolesSkipExactlyThePairsWithoutPeerAccess) {
  DeviceTopology t = fake_topology(8);
  t.peers[3][5] = PeerLink{false, "cudaDeviceCanAccessPeer reports no access"};
  t.peers[6][2] = PeerLink{false, "cudaDeviceCanAccessPeer reports no access"};
  Machine m(t);
  const CaseSpec pairs = make_spec("p2p/copy", DeviceSet::ordered_pairs, true);
  const auto rs = m.run({&pairs});
  ASSERT_EQ(rs.size(), 56u);
  std::vector<std::string> unsupported;
  for (const auto& r : rs) {
    if (r.status == Status::not_supported) {
      unsupported.push_back(r.name);
      EXPECT_EQ(r.reasons, std::vector<std::string>{"no_peer_access"});
      EXPECT_NE(r.message.find("nvidia-smi topo -p2p r"), std::string::npos);
      EXPECT_TRUE(r.notes.empty()) << "never ran";
    } else {
      EXPECT_EQ(r.status, Status::valid) << r.name << ": " << r.message;
    }
  }
  // A pair needs access both ways: 5>3 and 2>6 are out too.
  EXPECT_EQ(
      unsupported,
      (std::vector<std::string>{
          "p2p/copy/gpus=2>6", "p2p/copy/gpus=3>5", "p2p/copy/gpus=5>3", "p2p/copy/gpus=6>2"}));
  EXPECT_EQ(m.runtime.runs.size(), 52u);
  EXPECT_EQ(exit_code_for(statuses(rs), false, 0), ExitCode::ok)
      << "a missing link is reported, not a failure";
}

TEST(Executor, ComputeCapabilityIsCheckedOnEveryDeviceOfTheSet) {
  DeviceTopology t = fake_topology(2);
  t.gpus[1].cc_major = 8;  // an older card beside a Hopper
  Machine m(t);
  CaseSpec all = make_spec("nccl/all_reduce", DeviceSet::all_local);
  all.requires_.min_cc = 90;
  all.requires_.min_cc_reason = "needs Hopper";
  const auto rs = m.run({&all});
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, Status::not_supported);
  EXPECT_EQ(rs[0].message, "needs Hopper");
}

TEST(Executor, StickyErrorInASetPoisonsEveryDeviceOfIt) {
  Machine m(fake_topology(3));
  CaseSpec all = make_spec("nccl/all_reduce", DeviceSet::all_local);
  all.body = [](Context&) { throw FakeDeviceError("illegal address", true); };
  const CaseSpec each = make_spec("stream/hbm", DeviceSet::each);
  const auto rs = m.run({&all, &each});
  ASSERT_EQ(rs.size(), 4u);
  EXPECT_EQ(rs[0].status, Status::error);
  EXPECT_EQ(rs[0].reasons,
            (std::vector<std::string>{"device_api_error", "sticky_error_device_poisoned"}));
  for (std::size_t i = 1; i < rs.size(); ++i) {
    EXPECT_EQ(rs[i].status, Status::skipped) << rs[i].name;
    EXPECT_EQ(rs[i].reasons, std::vector<std::string>{"device_poisoned"});
  }
  EXPECT_EQ(exit_code_for(statuses(rs), false, 0), ExitCode::case_failed);
}

TEST(Executor, WithoutADeviceGpuCasesAreSkippedAndHostCasesRun) {
  Machine m(fake_topology(0));
  CaseSpec host = make_spec("host/memcpy", DeviceSet::each);
  host.requires_.gpu = false;
  const CaseSpec pairs = make_spec("p2p/copy", DeviceSet::ordered_pairs, true);
  const auto rs = m.run({&host, &pairs});
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].status, Status::valid) << rs[0].message;
  EXPECT_EQ(rs[1].status, Status::skipped);
  EXPECT_EQ(rs[1].reasons, std::vector<std::string>{"no_device"});
  EXPECT_EQ(rs[1].message, "fake: no device");
  EXPECT_EQ(exit_code_for(statuses(rs), true, 0), ExitCode::no_device);
}

TEST(Executor, MissingVerificationIsAnError) {
  Machine m(fake_topology(1));
  CaseSpec s = make_spec("stream/hbm", DeviceSet::each);
  s.body = [](Context& ctx) {
    ctx.set_work(Work{0, 1e6, "x"}, RateKind::bandwidth);
    test::FakeTimingBackend timing;
    ctx.measure_with(timing);
  };
  const auto rs = m.run({&s});
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, Status::error);
  EXPECT_EQ(rs[0].reasons.back(), "verification_missing");
}

TEST(Executor, PreflightRefusalSkipsEverything) {
  Machine m(fake_topology(2));
  const CaseSpec each = make_spec("stream/hbm", DeviceSet::each);
  const DeviceTopology topology = probe_topology(m.runtime, m.runtime.topology.gpus);
  CaseExecutor executor(m.options, m.runtime, topology.gpus, nullptr, "", "");
  executor.refuse_all();
  for (const Instance& inst : expand({&each}, topology)) {
    const CaseResult r = executor.execute(inst);
    EXPECT_EQ(r.status, Status::skipped);
    EXPECT_EQ(r.reasons, std::vector<std::string>{"preflight_refused"});
  }
  EXPECT_TRUE(m.runtime.runs.empty());
}

TEST(Summary, PrintsEveryInstanceOfAnEightGpuMachine) {
  DeviceTopology t = fake_topology(8);
  t.peers[0][7] = PeerLink{false, "no"};
  Machine m(t);
  const CaseSpec pairs = make_spec("p2p/copy", DeviceSet::ordered_pairs, true);
  const CaseSpec all = make_spec("nccl/all_reduce", DeviceSet::all_local);
  const auto rs = m.run({&pairs, &all});
  std::ostringstream out;
  print_summary(rs, out);
  const std::string text = out.str();
  EXPECT_NE(text.find("p2p/copy/gpus=0>7"), std::string::npos);
  EXPECT_NE(text.find("not_supported"), std::string::npos);
  EXPECT_NE(text.find("no_peer_access"), std::string::npos);
  EXPECT_NE(text.find("nccl/all_reduce/gpus=all8"), std::string::npos);
  // The table: a header and one line per instance; then the pairs again as one matrix.
  const std::string table = text.substr(0, text.find("\n\n") + 1);
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 1 + 56 + 1);
  const std::string matrix = text.substr(table.size() + 1);
  EXPECT_EQ(matrix.rfind("p2p/copy:", 0), 0u) << matrix;
  EXPECT_NE(matrix.find("rows = source GPU, columns = destination GPU"), std::string::npos);
  EXPECT_NE(matrix.find("\n        0      -  1.000"), std::string::npos) << matrix;
  EXPECT_NE(matrix.find("\n  0>7 not_supported (no_peer_access): GPU 0 cannot access GPU 7"),
            std::string::npos)
      << matrix;
  EXPECT_NE(matrix.find("\n  7>0 not_supported (no_peer_access): GPU 0 cannot access GPU 7"),
            std::string::npos)
      << matrix;  // the pair needs access both ways
  EXPECT_EQ(std::count(matrix.begin(), matrix.end(), '\n'), 1 + 1 + 8 + 2);
}

}  // namespace
}  // namespace gpb
