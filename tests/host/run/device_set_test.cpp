// SPDX-License-Identifier: Apache-2.0
// Device-set expansion on fake topologies: 0, 1, 2 and 8 GPUs, a peer matrix with holes.
#include <gpb/run/device_set.hpp>

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "fake_topology.hpp"

namespace gpb {
namespace {

using test::fake_topology;

std::vector<std::string> suffixes(const std::vector<DeviceBinding>& b) {
  std::vector<std::string> out;
  for (const auto& x : b) {
    out.push_back(x.suffix);
  }
  return out;
}

TEST(DeviceSet, NamesRoundTrip) {
  for (DeviceSet s :
       {DeviceSet::each, DeviceSet::ordered_pairs, DeviceSet::all_local, DeviceSet::world}) {
    EXPECT_EQ(device_set_from_string(to_string(s)), s);
  }
  EXPECT_FALSE(device_set_from_string("pairs").has_value());
}

TEST(DeviceSet, NoGpuGivesOneBindingWithoutDevicesForEverySet) {
  const DeviceTopology none = fake_topology(0);
  for (DeviceSet s :
       {DeviceSet::each, DeviceSet::ordered_pairs, DeviceSet::all_local, DeviceSet::world}) {
    const auto b = bind_devices({s, true}, none);
    ASSERT_EQ(b.size(), 1u) << to_string(s);
    EXPECT_TRUE(b[0].devices.empty());
    EXPECT_EQ(b[0].suffix, "");
    EXPECT_FALSE(b[0].preset.has_value()) << "the runner decides: skipped for want of a device";
  }
}

TEST(DeviceSet, EachIsOneInstancePerGpuNamedByOrdinal) {
  DeviceTopology t = fake_topology(3);
  t.gpus[1].ordinal = 5;  // --devices 0,5,2: names follow the CUDA ordinal, not the position
  const auto b = bind_devices({DeviceSet::each, false}, t);
  EXPECT_EQ(suffixes(b), (std::vector<std::string>{"/gpu=0", "/gpu=5", "/gpu=2"}));
  for (std::size_t i = 0; i < b.size(); ++i) {
    EXPECT_EQ(b[i].devices, std::vector<std::size_t>{i});
    EXPECT_FALSE(b[i].preset.has_value());
  }
}

TEST(DeviceSet, OrderedPairsOnOneGpuIsNotApplicable) {
  const auto b = bind_devices({DeviceSet::ordered_pairs, true}, fake_topology(1));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].preset, Status::not_applicable);
  EXPECT_EQ(b[0].reason, "needs_two_gpus");
  EXPECT_NE(b[0].message.find("two GPUs"), std::string::npos) << b[0].message;
  EXPECT_EQ(b[0].suffix, "");
}

TEST(DeviceSet, OrderedPairsOnTwoGpusIsBothDirections) {
  const auto b = bind_devices({DeviceSet::ordered_pairs, true}, fake_topology(2));
  EXPECT_EQ(suffixes(b), (std::vector<std::string>{"/gpus=0>1", "/gpus=1>0"}));
  EXPECT_EQ(b[0].devices, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(b[1].devices, (std::vector<std::size_t>{1, 0}));
  EXPECT_FALSE(b[0].preset.has_value());
  EXPECT_FALSE(b[1].preset.has_value());
}

TEST(DeviceSet, OrderedPairsOnEightGpusWithHolesMarksExactlyTheHoles) {
  // Two NVLink islands of four, no peer access across them, and one broken pair inside.
  DeviceTopology t = fake_topology(8);
  for (std::size_t a = 0; a < 8; ++a) {
    for (std::size_t b = 0; b < 8; ++b) {
      if (a != b && (a / 4 != b / 4)) {
        t.peers[a][b] = PeerLink{false, "cudaDeviceCanAccessPeer reports 0"};
      }
    }
  }
  t.peers[2][3] = PeerLink{false, ""};  // one direction only
  const auto b = bind_devices({DeviceSet::ordered_pairs, true}, t);
  ASSERT_EQ(b.size(), 56u);
  std::set<std::string> names;
  std::size_t unsupported = 0;
  for (const auto& x : b) {
    names.insert(x.suffix);
    const std::size_t from = x.devices[0];
    const std::size_t to = x.devices[1];
    // 2 cannot reach 3: both 2>3 and 3>2 need it (a read on the destination, the reverse copy).
    const bool one_way = (from == 2 && to == 3) || (from == 3 && to == 2);
    const bool hole = (from / 4 != to / 4) || one_way;
    EXPECT_EQ(x.preset.has_value(), hole) << x.suffix;
    if (hole) {
      ++unsupported;
      EXPECT_EQ(*x.preset, Status::not_supported);
      EXPECT_EQ(x.reason, "no_peer_access");
      EXPECT_NE(x.message.find("nvidia-smi topo -p2p r"), std::string::npos) << x.message;
      const std::string missing =
          one_way ? "GPU 2 cannot access GPU 3"
                  : "GPU " + std::to_string(from) + " cannot access GPU " + std::to_string(to);
      EXPECT_NE(x.message.find(missing), std::string::npos) << x.message;
    }
  }
  EXPECT_EQ(names.size(), 56u) << "every instance has its own name";
  EXPECT_EQ(unsupported, 32u + 2u);
  // 0>4 crosses the islands: its message carries the runtime's reason.
  EXPECT_NE(b[3].message.find("(cudaDeviceCanAccessPeer reports 0)"), std::string::npos)
      << b[3].suffix << ": " << b[3].message;
}

TEST(DeviceSet, OrderedPairsWithoutPeerNeedRunsEveryPair) {
  DeviceTopology t = fake_topology(2);
  t.peers[0][1] = PeerLink{false, "no"};
  const auto b = bind_devices({DeviceSet::ordered_pairs, false}, t);  // e.g. copies via host
  ASSERT_EQ(b.size(), 2u);
  EXPECT_FALSE(b[0].preset.has_value());
}

TEST(DeviceSet, AllLocalIsOneInstanceOverEveryGpu) {
  for (int n : {1, 2, 8}) {
    const auto b = bind_devices({DeviceSet::all_local, false}, fake_topology(n));
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].suffix, "/gpus=all" + std::to_string(n));
    EXPECT_EQ(b[0].devices.size(), static_cast<std::size_t>(n));
    EXPECT_FALSE(b[0].preset.has_value());
  }
}

TEST(DeviceSet, AllLocalNeedingPeerAccessNamesTheFirstMissingPair) {
  DeviceTopology t = fake_topology(4);
  t.peers[1][3] = PeerLink{false, "different PCIe root complexes"};
  const auto b = bind_devices({DeviceSet::all_local, true}, t);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].preset, Status::not_supported);
  EXPECT_NE(b[0].message.find("GPU 1 cannot access GPU 3 directly (different PCIe root complexes)"),
            std::string::npos)
      << b[0].message;
}

TEST(DeviceSet, WorldNamesTheJobSize) {
  DeviceTopology t = fake_topology(1);
  t.world_size = 16;
  const auto b = bind_devices({DeviceSet::world, false}, t);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].suffix, "/ranks=16");
  EXPECT_EQ(b[0].devices, std::vector<std::size_t>{0});
}

TEST(DeviceSet, MissingPeerMatrixMeansNoAccess) {
  DeviceTopology t = fake_topology(2);
  t.peers.clear();
  EXPECT_FALSE(t.peer(0, 1).access);
  EXPECT_EQ(bind_devices({DeviceSet::ordered_pairs, true}, t)[0].preset, Status::not_supported);
}

TEST(DeviceSet, DeviceSegmentsAreNotParameters) {
  EXPECT_TRUE(is_device_segment("gpu"));
  EXPECT_TRUE(is_device_segment("gpus"));
  EXPECT_TRUE(is_device_segment("ranks"));
  EXPECT_FALSE(is_device_segment("dtype"));
}

}  // namespace
}  // namespace gpb
