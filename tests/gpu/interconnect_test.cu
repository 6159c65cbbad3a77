// SPDX-License-Identifier: Apache-2.0
// GPU checks of the interconnect families on one GPU: device-local, bidirectional, SM and
// all-GPU host copies valid, verified and within 10-105 % of their peak; the host latency a
// plausible number of ns; peer cases not_applicable with exit 0; and the device pattern check
// catching one corrupted byte (MR-10).
#include <gpb/common/pattern.hpp>
#include <gpb/cuda_raii.hpp>
#include <gpb/kernels/interconnect.cuh>
#include <gpb/result/schema_json.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gpu_test_util.hpp"

namespace gpb {
namespace {

RunRecord run_families(const std::string& families, const std::string& file, int& exit_code) {
  const auto out = std::filesystem::temp_directory_path() / file;
  std::filesystem::remove(out);
  const std::string cmd = gpb::test::gpubench_path() + " run --family " + families +
                          " --devices 0 --quiet --overwrite --out " + out.string() + " > /dev/null";
  const int rc = std::system(cmd.c_str());
  exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return load_run(out);
}

TEST(GpuInterconnect, SingleGpuCopiesVerifiedWithinPeak) {
  GPB_REQUIRE_GPU();
  int code = -1;
  const RunRecord rec = run_families(
      "copy/bidir,copy/h2d_sm,copy/d2h_sm,copy/device_local,copy/all_gpus_to_host,"
      "copy/host_to_all_gpus,copy/all_gpus_bidir,copy/latency",
      "gpb_gpu_interconnect.json",
      code);
  EXPECT_EQ(code, 0);
  ASSERT_GE(rec.results.size(), 9u);
  for (const auto& r : rec.results) {
    SCOPED_TRACE(r.name + ": " + r.message + " / " + r.verification);
    EXPECT_EQ(r.status, Status::valid);
    EXPECT_TRUE(r.verified);
    ASSERT_TRUE(r.headline.has_value());
    if (r.family == "copy/latency") {
      EXPECT_EQ(r.headline->unit, "ns");
      EXPECT_GT(r.headline->value, 100.0);  // a PCIe round trip is ~1 us; C2C a few hundred ns
      EXPECT_LT(r.headline->value, 100000.0);
      continue;
    }
    ASSERT_TRUE(r.peak.fraction.has_value()) << r.peak.value_reason;
    EXPECT_GE(*r.peak.fraction, 0.10);
    EXPECT_LE(*r.peak.fraction, 1.05);
  }
}

TEST(GpuInterconnect, PeerCasesNotApplicableOnOneGpu) {
  GPB_REQUIRE_GPU();
  int code = -1;
  const RunRecord rec = run_families("peer", "gpb_gpu_peer.json", code);
  EXPECT_EQ(code, 0);
  ASSERT_FALSE(rec.results.empty());
  for (const auto& r : rec.results) {
    SCOPED_TRACE(r.name);
    EXPECT_EQ(r.status, Status::not_applicable);
  }
}

TEST(GpuInterconnect, DevicePatternCheckFindsOneCorruptByte) {
  GPB_REQUIRE_GPU();
  constexpr std::size_t kBytes = (std::size_t{1} << 20) + 3;  // a tail that is not a word
  DeviceBuffer<unsigned char> buf(kBytes);
  DeviceBuffer<PatternCounts> counts(1);
  const auto check = [&](std::uint64_t seed) {
    PatternCounts host{};
    EXPECT_EQ(launch_check_pattern(buf.data(), kBytes, seed, counts.data(), nullptr), cudaSuccess);
    EXPECT_EQ(cudaMemcpy(&host, counts.data(), sizeof host, cudaMemcpyDeviceToHost), cudaSuccess);
    return host;
  };
  ASSERT_EQ(launch_fill_pattern(buf.data(), kBytes, 42, nullptr), cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(check(42).mismatched_bytes, 0u);
  EXPECT_GT(check(43).mismatched_bytes, kBytes / 2);  // another seed is another pattern

  // The device fill and the host pattern are the same bytes.
  std::string back(kBytes, '\0');
  ASSERT_EQ(cudaMemcpy(back.data(), buf.data(), kBytes, cudaMemcpyDeviceToHost), cudaSuccess);
  EXPECT_TRUE(check_pattern(back.data(), kBytes, 42).ok());

  for (const std::size_t at : {std::size_t{0}, std::size_t{4097}, kBytes - 1}) {
    SCOPED_TRACE(at);
    ASSERT_EQ(launch_fill_pattern(buf.data(), kBytes, 42, nullptr), cudaSuccess);
    const unsigned char wrong = static_cast<unsigned char>(pattern_byte(42, at) ^ 0x10u);
    ASSERT_EQ(cudaMemcpy(buf.data() + at, &wrong, 1, cudaMemcpyHostToDevice), cudaSuccess);
    const PatternCounts c = check(42);
    EXPECT_EQ(c.mismatched_bytes, 1u);
    EXPECT_EQ(c.first_mismatch, at);
  }
}

}  // namespace
}  // namespace gpb
