// SPDX-License-Identifier: Apache-2.0
// Work models and peaks (METHODOLOGY §2, §3, MR-13, MR-14), the stream planner and the memory
// budget (MR-5, MR-15), status names (DI-6) and the exit-code matrix (FH-9).
#include <gpb/measure/peaks.hpp>
#include <gpb/models/planner.hpp>
#include <gpb/models/work_models.hpp>
#include <gpb/result/status.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace gpb {
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

// ---- stream byte/FLOP models ----------------------------------------------------------

TEST(StreamModel, BabelStreamWeights) {
  EXPECT_EQ(stream_weight(StreamKernel::copy), 2);
  EXPECT_EQ(stream_weight(StreamKernel::mul), 2);
  EXPECT_EQ(stream_weight(StreamKernel::add), 3);
  EXPECT_EQ(stream_weight(StreamKernel::triad), 3);
  EXPECT_EQ(stream_weight(StreamKernel::dot), 2);
}

TEST(StreamModel, NamesRoundTrip) {
  for (StreamKernel k : {StreamKernel::copy,
                         StreamKernel::mul,
                         StreamKernel::add,
                         StreamKernel::triad,
                         StreamKernel::dot}) {
    const auto back = stream_kernel_from_string(to_string(k));
    ASSERT_TRUE(back.has_value()) << to_string(k);
    EXPECT_EQ(*back, k);
  }
  EXPECT_EQ(to_string(StreamKernel::triad), "triad");
  EXPECT_FALSE(stream_kernel_from_string("scale").has_value());
  EXPECT_FALSE(stream_kernel_from_string("").has_value());
  EXPECT_FALSE(stream_kernel_from_string("Triad").has_value());
}

TEST(StreamModel, BytesAreExactAcross32BitBoundaries) {
  const std::vector<std::uint64_t> sizes{1, 1000, (1ull << 31) - 1, 1ull << 31, (1ull << 32) + 1};
  struct K {
    StreamKernel k;
    std::uint64_t weight;
  };
  const K kernels[] = {{StreamKernel::copy, 2},
                       {StreamKernel::mul, 2},
                       {StreamKernel::add, 3},
                       {StreamKernel::triad, 3},
                       {StreamKernel::dot, 2}};
  for (std::uint64_t n : sizes) {
    for (const auto& [k, w] : kernels) {
      for (std::size_t elem : {std::size_t{4}, std::size_t{8}}) {
        // All these products are < 2^53, so the double must equal the integer exactly.
        const std::uint64_t expected = w * elem * n;
        EXPECT_EQ(stream_bytes(k, n, elem), static_cast<double>(expected))
            << to_string(k) << " n=" << n << " elem=" << elem;
      }
    }
  }
  EXPECT_EQ(stream_bytes(StreamKernel::triad, (1ull << 32) + 1, 8), 24.0 * 4294967297.0);
  EXPECT_EQ(stream_bytes(StreamKernel::copy, (1ull << 31) - 1, 4), 17179869176.0);
  EXPECT_GT(stream_bytes(StreamKernel::copy, 1ull << 31, 4), 0.0);  // no int wrap-around
}

TEST(StreamModel, Flops) {
  const std::uint64_t n = (1ull << 32) + 1;
  EXPECT_EQ(stream_flops(StreamKernel::copy, n), 0.0);
  EXPECT_EQ(stream_flops(StreamKernel::mul, n), static_cast<double>(n));
  EXPECT_EQ(stream_flops(StreamKernel::add, n), static_cast<double>(n));
  EXPECT_EQ(stream_flops(StreamKernel::triad, n), 2.0 * static_cast<double>(n));
  EXPECT_EQ(stream_flops(StreamKernel::dot, n), 2.0 * static_cast<double>(n));
}

TEST(WorkModels, GemmAndCopy) {
  EXPECT_EQ(gemm_flops(8192, 8192, 8192), 2.0 * 8192.0 * 8192.0 * 8192.0);
  EXPECT_EQ(gemm_flops(8192, 8192, 8192), 1099511627776.0);  // 2^40
  EXPECT_EQ(gemm_flops(1, 1, 1), 2.0);
  EXPECT_EQ(gemm_flops(65536, 65536, 65536), 562949953421312.0);  // 2^49
  EXPECT_EQ(copy_bytes(256 * kMiB), static_cast<double>(256 * kMiB));
  EXPECT_EQ(copy_bytes((1ull << 32) + 1), 4294967297.0);
}

// ---- link copies: one way, both ways, every GPU at once (§2.5) -----------------------------

TEST(LinkAccounting, BytesPerOpCountEachDirectionAndGpuOnce) {
  EXPECT_EQ(link_copy_bytes(kGiB, 1, 1), static_cast<double>(kGiB));              // S
  EXPECT_EQ(link_copy_bytes(kGiB, 2, 1), 2.0 * static_cast<double>(kGiB));        // 2S
  EXPECT_EQ(link_copy_bytes(512 * kMiB, 1, 8), 4.0 * static_cast<double>(kGiB));  // N x S
  EXPECT_EQ(link_copy_bytes(512 * kMiB, 2, 8), 8.0 * static_cast<double>(kGiB));  // 2 x N x S
}

TEST(LinkAccounting, BidirectionalTotalAndEachDirection) {
  // 1 GB each way; H2D took 20 ms and D2H 25 ms while both ran. The headline (executor:
  // work / the sample's time, the slower lane) is the total; each direction keeps its own.
  const double s = 1e9;
  const std::vector<double> lane_s = {0.020, 0.025};
  const double total = link_copy_bytes(1'000'000'000, 2, 1) / std::max(lane_s[0], lane_s[1]) / 1e9;
  EXPECT_DOUBLE_EQ(total, 80.0);
  const std::vector<double> each = lane_rates_gbps(s, lane_s);
  ASSERT_EQ(each.size(), 2u);
  EXPECT_DOUBLE_EQ(each[0], 50.0);
  EXPECT_DOUBLE_EQ(each[1], 40.0);
  // The total is never the sum of the two own rates when the directions differ: 80 < 90.
  EXPECT_LT(total, each[0] + each[1]);
  EXPECT_EQ(lane_rates_gbps(s, {0.0, -1.0}), (std::vector<double>{0.0, 0.0}));
}

TEST(LinkAccounting, EachGpuShareOverItsSlowestLane) {
  // Four GPUs copying both ways at once (lanes: gpu0 h2d, gpu0 d2h, gpu1 h2d, ...), 1 GB per
  // lane; GPU 2 sits behind a shared switch and takes twice as long one way.
  const std::vector<double> lane_s = {0.02, 0.02, 0.02, 0.025, 0.04, 0.02, 0.02, 0.02};
  const std::vector<std::size_t> gpu = {0, 0, 1, 1, 2, 2, 3, 3};
  const std::vector<double> share = group_rates_gbps(1e9, lane_s, gpu, 4);
  ASSERT_EQ(share.size(), 4u);
  EXPECT_DOUBLE_EQ(share[0], 100.0);
  EXPECT_DOUBLE_EQ(share[1], 80.0);
  EXPECT_DOUBLE_EQ(share[2], 50.0);
  EXPECT_DOUBLE_EQ(share[3], 100.0);
  // A GPU without a time has no share; malformed lane lists give nothing.
  EXPECT_EQ(group_rates_gbps(1e9, {0.01}, {0}, 2), (std::vector<double>{100.0, 0.0}));
  EXPECT_EQ(group_rates_gbps(1e9, {0.01, 0.0}, {0, 0}, 1), (std::vector<double>{0.0}));
  EXPECT_TRUE(group_rates_gbps(1e9, {0.01, 0.02}, {0}, 1).empty());
  EXPECT_TRUE(group_rates_gbps(1e9, {0.01}, {3}, 2).empty());
}

// ---- peaks (§3, MR-13) ------------------------------------------------------------------

TEST(Peaks, MemoryPeakFixtures) {
  const auto h100 = memory_peak_bytes_per_s(2619000, 5120);
  ASSERT_TRUE(h100.has_value());
  EXPECT_NEAR(*h100, 3.35232e12, 1e3);  // 2 x 2619 MHz x 5120 bit / 8
  EXPECT_NEAR(*h100 / 1e12, 3.352, 1e-3);
  const auto h200 = memory_peak_bytes_per_s(3201000, 6144);
  ASSERT_TRUE(h200.has_value());
  EXPECT_NEAR(*h200, 4.916736e12, 1e3);
  const auto a100 = memory_peak_bytes_per_s(1593000, 5120);
  ASSERT_TRUE(a100.has_value());
  EXPECT_NEAR(*a100, 2.03904e12, 1e3);
  EXPECT_NEAR(*a100 / 1e12, 2.039, 1e-3);
}

TEST(Peaks, MemoryPeakUnknownInputs) {
  EXPECT_FALSE(memory_peak_bytes_per_s(0, 5120).has_value());
  EXPECT_FALSE(memory_peak_bytes_per_s(2619000, 0).has_value());
  EXPECT_FALSE(memory_peak_bytes_per_s(-1, 5120).has_value());
  EXPECT_FALSE(memory_peak_bytes_per_s(2619000, -64).has_value());
  EXPECT_FALSE(memory_peak_bytes_per_s(std::numeric_limits<double>::quiet_NaN(), 5120).has_value());
}

TEST(Peaks, ApplyPeakBounds) {
  Peak p;
  p.value = 100.0;
  EXPECT_EQ(apply_peak(p, 106.0), "above_105_percent_of_peak");
  ASSERT_TRUE(p.fraction.has_value());
  EXPECT_DOUBLE_EQ(*p.fraction, 1.06);

  EXPECT_EQ(apply_peak(p, 5.0), "suspiciously_low");
  EXPECT_DOUBLE_EQ(*p.fraction, 0.05);

  EXPECT_EQ(apply_peak(p, 88.0), "");
  EXPECT_DOUBLE_EQ(*p.fraction, 0.88);
  EXPECT_EQ(apply_peak(p, 105.0), "");  // exactly 105 % is still plausible
  EXPECT_EQ(apply_peak(p, 10.0), "");   // exactly 10 % is not suspicious
  EXPECT_EQ(apply_peak(p, 105.5), "above_105_percent_of_peak");
  EXPECT_EQ(apply_peak(p, 9.99), "suspiciously_low");
  EXPECT_DOUBLE_EQ(kImplausibleFraction, 1.05);
  EXPECT_DOUBLE_EQ(kSuspiciousFraction, 0.10);
}

TEST(Peaks, ApplyPeakUnknownPeakHasNoFraction) {
  Peak unknown;
  EXPECT_EQ(apply_peak(unknown, 3000.0), "");
  EXPECT_FALSE(unknown.fraction.has_value());

  Peak stale;  // a fraction from an earlier call must not survive a peak that became unknown
  stale.value = 100.0;
  apply_peak(stale, 50.0);
  ASSERT_TRUE(stale.fraction.has_value());
  stale.value.reset();
  EXPECT_EQ(apply_peak(stale, 50.0), "");
  EXPECT_FALSE(stale.fraction.has_value());

  Peak zero;
  zero.value = 0.0;
  EXPECT_EQ(apply_peak(zero, 1.0), "");
  EXPECT_FALSE(zero.fraction.has_value());

  Peak nan_peak;
  nan_peak.value = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(apply_peak(nan_peak, 1.0), "");
  EXPECT_FALSE(nan_peak.fraction.has_value());
}

TEST(Peaks, H100StreamResultFallsInRange) {
  // A typical H100 triad at ~88 % of the 3352 GB/s peak (METHODOLOGY §3): no reason.
  Peak p;
  p.value = *memory_peak_bytes_per_s(2619000, 5120) / 1e9;  // GB/s, the headline's unit
  EXPECT_EQ(apply_peak(p, 2950.0), "");
  EXPECT_NEAR(*p.fraction, 2950.0 / 3352.32, 1e-9);
}

// ---- planner (MR-5) --------------------------------------------------------------------

TEST(Planner, HbmWorkingSetIsAtLeastFourTimesL2) {
  const std::uint64_t l2 = 50 * kMiB;
  for (int arrays : {2, 3}) {
    for (std::size_t elem : {std::size_t{4}, std::size_t{8}}) {
      const std::size_t vec = 16 / elem;  // 16-byte vectors
      const auto plan = plan_stream(StreamTarget::hbm, l2, elem, arrays, 0, vec);
      ASSERT_TRUE(plan.has_value());
      EXPECT_GE(plan->working_set_bytes, 200 * kMiB) << arrays << " arrays, elem " << elem;
      EXPECT_GE(plan->working_set_bytes, 4 * l2);
      EXPECT_EQ(plan->bytes_per_array % 16, 0u);
      EXPECT_EQ(plan->elements * elem, plan->bytes_per_array);
      EXPECT_EQ(plan->elements % vec, 0u);
      EXPECT_EQ(plan->working_set_bytes,
                plan->bytes_per_array * static_cast<std::uint64_t>(arrays));
      EXPECT_EQ(plan->passes, 1);
    }
  }
}

TEST(Planner, HbmHonoursMinimumArraySize) {
  const auto plan = plan_stream(StreamTarget::hbm, 50 * kMiB, 4, 3, kGiB, 4);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->bytes_per_array, kGiB);
  EXPECT_EQ(plan->elements, kGiB / 4);
  EXPECT_EQ(plan->working_set_bytes, 3 * kGiB);
  // Beyond 2^32 elements the plan stays exact (MR-14).
  const auto big = plan_stream(StreamTarget::hbm, 50 * kMiB, 4, 3, 20 * kGiB, 4);
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->elements, 5 * kGiB);
  EXPECT_GT(big->elements, 1ull << 32);
}

TEST(Planner, L2WorkingSetIsAtMostHalfL2) {
  const std::uint64_t l2 = 50 * kMiB;
  for (int arrays : {2, 3}) {
    const auto plan = plan_stream(StreamTarget::l2, l2, 4, arrays, 0, 4);
    ASSERT_TRUE(plan.has_value());
    EXPECT_LE(plan->working_set_bytes, 25 * kMiB);
    EXPECT_GT(plan->working_set_bytes, 20 * kMiB);  // not needlessly small
    EXPECT_EQ(plan->bytes_per_array % 16, 0u);
    EXPECT_EQ(plan->elements * 4, plan->bytes_per_array);
    EXPECT_GE(plan->passes, 1);
  }
}

TEST(Planner, L2PassesMoveAtLeast256MiBPerLaunch) {
  // Regression (fixed in 4adc26b): passes used FLOOR division, so with L2 = 50 MiB (working
  // set 25 MiB) one launch moved 10 x 25 = 250 MiB, below the 256 MiB planner.hpp promises.
  for (std::uint64_t l2 : {50 * kMiB, 40 * kMiB, 60 * kMiB, 6 * kMiB}) {
    for (int arrays : {2, 3}) {
      const auto plan = plan_stream(StreamTarget::l2, l2, 4, arrays, 0, 4);
      ASSERT_TRUE(plan.has_value());
      EXPECT_GE(static_cast<std::uint64_t>(plan->passes) * plan->working_set_bytes, 256 * kMiB)
          << "L2 " << l2 / kMiB << " MiB, " << arrays << " arrays";
      // ...and not more passes than needed (ceiling, not ceiling + 1).
      EXPECT_LT(static_cast<std::uint64_t>(plan->passes - 1) * plan->working_set_bytes, 256 * kMiB);
    }
  }
}

TEST(Planner, UnknownL2RefusesL2Case) {
  EXPECT_FALSE(plan_stream(StreamTarget::l2, 0, 4, 3, 0, 4).has_value());
  EXPECT_FALSE(plan_stream(StreamTarget::l2, 0, 8, 2, kGiB, 2).has_value());
}

// ---- memory budget (MR-15) ----------------------------------------------------------------

TEST(MemoryBudget, ReserveIsMaxOfOneGiBAndFivePercent) {
  // 80 GiB card: 5 % = 4 GiB > 1 GiB.
  EXPECT_EQ(usable_device_bytes(79 * kGiB, 80 * kGiB), 75 * kGiB);
  // 16 GiB card: 5 % = 0.8 GiB < 1 GiB.
  EXPECT_EQ(usable_device_bytes(10 * kGiB, 16 * kGiB), 9 * kGiB);
  // 20 GiB: 5 % is exactly 1 GiB.
  EXPECT_EQ(usable_device_bytes(20 * kGiB, 20 * kGiB), 19 * kGiB);
  // H200-like: 143771287552 bytes total, 5 % reserve.
  const std::uint64_t h200 = 143771287552ull;
  EXPECT_EQ(usable_device_bytes(h200, h200), h200 - h200 / 20);
}

TEST(MemoryBudget, HostReserveIsMaxOfTwoGiBAndTenPercent) {
  EXPECT_EQ(usable_host_bytes(100 * kGiB), 90 * kGiB);  // 10 % = 10 GiB > 2 GiB
  EXPECT_EQ(usable_host_bytes(10 * kGiB), 8 * kGiB);    // 10 % = 1 GiB < 2 GiB
  EXPECT_EQ(usable_host_bytes(2 * kGiB), 0u);
  EXPECT_EQ(usable_host_bytes(0), 0u);
}

TEST(MemoryBudget, FreeBelowReserveIsZero) {
  EXPECT_EQ(usable_device_bytes(3 * kGiB, 80 * kGiB), 0u);  // 3 GiB free < 4 GiB reserve
  EXPECT_EQ(usable_device_bytes(4 * kGiB, 80 * kGiB), 0u);  // free == reserve
  EXPECT_EQ(usable_device_bytes(kGiB / 2, 8 * kGiB), 0u);
  EXPECT_EQ(usable_device_bytes(0, 0), 0u);
  EXPECT_EQ(usable_device_bytes(kGiB + 1, 0), 1u);
}

TEST(MemoryBudget, HbmPlanAgainstBudget) {
  // A plan for an 80 GiB card with 1 GiB arrays fits; with only 3 GiB free nothing fits.
  const auto plan = plan_stream(StreamTarget::hbm, 50 * kMiB, 8, 3, kGiB, 2);
  ASSERT_TRUE(plan.has_value());
  EXPECT_LE(plan->working_set_bytes, usable_device_bytes(79 * kGiB, 80 * kGiB));
  EXPECT_GT(plan->working_set_bytes, usable_device_bytes(3 * kGiB, 80 * kGiB));
}

// ---- statuses and exit codes (DI-6, FH-9) --------------------------------------------------

const std::vector<Status>& all_statuses() {
  static const std::vector<Status> v{Status::unknown,
                                     Status::valid,
                                     Status::noisy,
                                     Status::throttled,
                                     Status::implausible,
                                     Status::invalid,
                                     Status::failed_verification,
                                     Status::error,
                                     Status::timeout,
                                     Status::skipped,
                                     Status::not_supported,
                                     Status::not_applicable,
                                     Status::interrupted};
  return v;
}

TEST(StatusNames, RoundTripForAllThirteen) {
  ASSERT_EQ(all_statuses().size(), 13u);
  std::set<std::string> names;
  for (Status s : all_statuses()) {
    const std::string_view name = to_string(s);
    EXPECT_FALSE(name.empty());
    names.insert(std::string(name));
    const auto back = status_from_string(name);
    ASSERT_TRUE(back.has_value()) << name;
    EXPECT_EQ(*back, s) << name;
  }
  EXPECT_EQ(names.size(), 13u);  // distinct
  EXPECT_EQ(to_string(Status::failed_verification), "failed_verification");
  EXPECT_EQ(to_string(Status::not_applicable), "not_applicable");
}

TEST(StatusNames, UnknownNamesAreRejected) {
  EXPECT_FALSE(status_from_string("bogus").has_value());
  EXPECT_FALSE(status_from_string("").has_value());
  EXPECT_FALSE(status_from_string("VALID").has_value());
  EXPECT_FALSE(status_from_string("valid ").has_value());
  EXPECT_FALSE(status_from_string("ok").has_value());
}

TEST(ExitCodes, Matrix) {
  using S = Status;
  const auto code = [](std::vector<S> v, bool no_dev = false, int sig = 0) {
    return static_cast<int>(exit_code_for(v, no_dev, sig));
  };
  EXPECT_EQ(code({}), 0);
  EXPECT_EQ(code({S::valid}), 0);
  EXPECT_EQ(code({S::valid, S::valid, S::valid}), 0);
  EXPECT_EQ(code({S::valid, S::failed_verification}), 1);
  EXPECT_EQ(code({S::error, S::valid}), 1);
  EXPECT_EQ(code({S::valid, S::timeout}), 1);
  EXPECT_EQ(code({S::skipped}), 0);
  EXPECT_EQ(code({S::not_applicable}), 0);
  EXPECT_EQ(code({S::noisy}), 0);
  EXPECT_EQ(code({S::not_supported}), 0);
  EXPECT_EQ(code({S::valid, S::skipped, S::not_applicable, S::noisy, S::not_supported}), 0);
  // No device wins over case failures (FH-7).
  EXPECT_EQ(code({S::valid}, true), 3);
  EXPECT_EQ(code({S::error, S::failed_verification, S::timeout}, true), 3);
  EXPECT_EQ(code({}, true), 3);
  // Signals win over everything (FH-8).
  EXPECT_EQ(code({S::valid}, false, 2), 130);
  EXPECT_EQ(code({S::valid}, false, 15), 143);
  EXPECT_EQ(code({S::error}, true, 2), 130);
  EXPECT_EQ(code({S::error, S::interrupted}, true, 15), 143);
  // A --strict preflight refusal (MR-19) gives 5, after a missing device and a signal.
  EXPECT_EQ(static_cast<int>(exit_code_for({S::skipped}, false, 0, true)), 5);
  EXPECT_EQ(static_cast<int>(exit_code_for({S::skipped}, true, 0, true)), 3);
  EXPECT_EQ(static_cast<int>(exit_code_for({S::interrupted}, false, 2, true)), 130);
  EXPECT_EQ(static_cast<int>(ExitCode::usage), 2);
  EXPECT_EQ(static_cast<int>(ExitCode::threshold), 4);
}

TEST(ExitCodes, FailureClassification) {
  EXPECT_TRUE(is_failure(Status::failed_verification));
  EXPECT_TRUE(is_failure(Status::error));
  EXPECT_TRUE(is_failure(Status::timeout));
  EXPECT_FALSE(is_failure(Status::valid));
  EXPECT_FALSE(is_failure(Status::skipped));
  EXPECT_FALSE(is_failure(Status::not_applicable));
  EXPECT_FALSE(is_failure(Status::not_supported));
  EXPECT_FALSE(is_failure(Status::noisy));
}

}  // namespace
}  // namespace gpb
