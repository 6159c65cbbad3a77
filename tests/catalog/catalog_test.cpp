// SPDX-License-Identifier: Apache-2.0
// The interconnect families as registered: listed without a GPU, which cases each profile
// keeps, how pair and all-GPU cases expand on 1, 2 and 8 fake GPUs (with holes in the peer
// matrix), and the quick profile's interconnect suite within 20 s on 8 GPUs by construction:
// instances x the sampling time the quick policy plans for each, plus a setup allowance.
#include <gpb/case_executor.hpp>
#include <gpb/registry.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fake_topology.hpp"
#include "run/run_internal.hpp"

namespace gpb {
namespace {

const std::vector<std::string> kInterconnectFamilies = {"copy/h2d",
                                                        "copy/d2h",
                                                        "copy/bidir",
                                                        "copy/h2d_sm",
                                                        "copy/d2h_sm",
                                                        "copy/latency",
                                                        "copy/all_gpus_to_host",
                                                        "copy/host_to_all_gpus",
                                                        "copy/all_gpus_bidir",
                                                        "copy/device_local",
                                                        "peer/ce_uni",
                                                        "peer/ce_bidir",
                                                        "peer/sm_read",
                                                        "peer/sm_write",
                                                        "peer/sm_bidir",
                                                        "peer/latency"};

bool interconnect(const CaseSpec& s) {
  return s.family.rfind("copy/", 0) == 0 || s.family.rfind("peer/", 0) == 0;
}

std::vector<const CaseSpec*> interconnect_cases(Profile p) {
  std::vector<const CaseSpec*> out;
  for (const CaseSpec& s : Catalog::instance().cases()) {
    if (interconnect(s) && in_profile(s.profiles, p)) {
      out.push_back(&s);
    }
  }
  return out;
}

#define GPB_REQUIRE_CUDA_CASES()                                            \
  do {                                                                      \
    if (GPB_HAS_CUDA == 0) {                                                \
      GTEST_SKIP() << "built without CUDA: the GPU cases are not compiled"; \
    }                                                                       \
  } while (0)

TEST(InterconnectCatalog, EveryFamilyIsListedWithoutAGpu) {
  GPB_REQUIRE_CUDA_CASES();
  std::set<std::string> families, names;
  for (const CaseSpec& s : Catalog::instance().cases()) {
    families.insert(s.family);
    EXPECT_TRUE(names.insert(s.name).second) << "duplicate case name " << s.name;
  }
  for (const std::string& f : kInterconnectFamilies) {
    EXPECT_EQ(families.count(f), 1u) << f;
  }
}

TEST(InterconnectCatalog, QuickKeepsPinnedCopiesOneBidirectionalAndTheCopyEngineMatrix) {
  GPB_REQUIRE_CUDA_CASES();
  std::multiset<std::string> quick;
  for (const CaseSpec* s : interconnect_cases(Profile::quick)) {
    quick.insert(s->family);
    if (s->family == "copy/h2d" || s->family == "copy/d2h") {
      EXPECT_NE(s->name.find("memory=pinned"), std::string::npos) << s->name;
    }
  }
  const std::multiset<std::string> want = {
      "copy/h2d", "copy/d2h", "copy/bidir", "peer/ce_uni", "peer/ce_bidir"};
  EXPECT_EQ(quick, want);
}

TEST(InterconnectCatalog, DefaultAddsSmVariantsLatencyAndTheAllGpuAggregate) {
  GPB_REQUIRE_CUDA_CASES();
  std::set<std::string> standard;
  for (const CaseSpec* s : interconnect_cases(Profile::standard)) {
    standard.insert(s->family);
  }
  for (const std::string& f : kInterconnectFamilies) {
    EXPECT_EQ(standard.count(f), 1u) << f;
  }
}

TEST(InterconnectCatalog, FullSweepsFromFourKibToAtLeastOneGib) {
  GPB_REQUIRE_CUDA_CASES();
  for (const std::string family :
       {"copy/h2d", "copy/d2h", "copy/bidir", "peer/ce_uni", "peer/ce_bidir"}) {
    std::set<std::string> sizes;
    for (const CaseSpec* s : interconnect_cases(Profile::full)) {
      if (s->family == family) {
        for (const auto& [k, v] : s->params) {
          if (k == "size") {
            sizes.insert(v);
          }
        }
      }
    }
    EXPECT_EQ(sizes.count("4KiB"), 1u) << family;
    EXPECT_EQ(sizes.count("1GiB"), 1u) << family;
    EXPECT_GE(sizes.size(), 6u) << family;
  }
}

TEST(InterconnectCatalog, PairCasesOnOneTwoAndEightGpus) {
  GPB_REQUIRE_CUDA_CASES();
  const std::vector<const CaseSpec*> specs = interconnect_cases(Profile::standard);
  const auto count = [&](const std::vector<Instance>& all, const std::string& prefix) {
    return std::count_if(all.begin(), all.end(), [&](const Instance& i) {
      return i.spec->family.rfind(prefix, 0) == 0;
    });
  };

  // One GPU: every peer case is one not_applicable instance; all-GPU cases run on it alone.
  const auto one = expand(specs, test::fake_topology(1));
  for (const Instance& i : one) {
    if (i.spec->family.rfind("peer/", 0) == 0) {
      ASSERT_TRUE(i.preset.has_value()) << i.name;
      EXPECT_EQ(*i.preset, Status::not_applicable) << i.name;
    } else {
      EXPECT_FALSE(i.preset.has_value()) << i.name;
      EXPECT_EQ(i.gpus.size(), 1u) << i.name;
    }
  }

  // Two GPUs: both ordered pairs of every peer case; one instance over both for all-GPU cases.
  const auto two = expand(specs, test::fake_topology(2));
  EXPECT_EQ(count(two, "peer/"), 2 * count(one, "peer/"));
  for (const Instance& i : two) {
    if (i.spec->family.rfind("copy/all_gpus", 0) == 0 ||
        i.spec->family == "copy/host_to_all_gpus") {
      EXPECT_EQ(i.gpus.size(), 2u) << i.name;
    }
  }

  // Eight GPUs, GPU 5 cut off from GPU 2 in one direction: 56 pairs per peer case, 5>2 and
  // 2>5 not_supported (a pair needs access both ways) with the command to inspect the matrix.
  DeviceTopology eight = test::fake_topology(8);
  eight.peers[5][2] = PeerLink{false, "cudaDeviceCanAccessPeer reports no access"};
  const auto all = expand(specs, eight);
  EXPECT_EQ(count(all, "peer/"), 56 * count(one, "peer/"));
  int refused = 0;
  for (const Instance& i : all) {
    if (i.preset && *i.preset == Status::not_supported) {
      ++refused;
      EXPECT_TRUE(i.name.find("gpus=5>2") != std::string::npos ||
                  i.name.find("gpus=2>5") != std::string::npos)
          << i.name;
      EXPECT_NE(i.preset_message.find("GPU 5 cannot access GPU 2"), std::string::npos);
      EXPECT_NE(i.preset_message.find("nvidia-smi topo -p2p r"), std::string::npos);
    }
  }
  EXPECT_EQ(refused, 2 * count(one, "peer/"));
}

TEST(InterconnectCatalog, QuickSuiteOnEightGpusIsPlannedUnderTwentySeconds) {
  GPB_REQUIRE_CUDA_CASES();
  CliOptions o;
  o.profile = Profile::quick;
  const MeasurePolicy quick = policy_for(o);
  // Allocation, fills, peer-access setup and the device-side pattern check of one instance:
  // an allowance, not a measurement (a 256 MiB device check takes well under 1 ms on HBM).
  constexpr double kSetupAllowanceS = 0.05;
  double planned = 0;
  std::size_t instances = 0;
  for (const Instance& i : expand(interconnect_cases(Profile::quick), test::fake_topology(8))) {
    planned +=
        planned_sampling_s(with_min_time_cap(quick, i.spec->min_time_cap_s)) + kSetupAllowanceS;
    ++instances;
  }
  EXPECT_EQ(instances, 8u * 3 + 56u * 2);  // h2d, d2h, bidir per GPU; ce uni + bidir per pair
  EXPECT_LE(planned, 20.0) << instances << " instances";
}

}  // namespace
}  // namespace gpb
