// SPDX-License-Identifier: Apache-2.0
// GEMM/compute host model: dtype table, FLOP model, sweeps, rotation sizing, tolerances and
// sample checks, algorithm winner selection, the MR-8 analyser, peaks and spec-name aliasing.
#include <gpb/models/compute_peaks.hpp>
#include <gpb/models/gemm_model.hpp>
#include <gpb/models/work_models.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace gpb {
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

// ---- dtype table, FLOPs, bytes ---------------------------------------------------------

TEST(GemmModel, DtypeTableRoundTripsAndGates) {
  EXPECT_EQ(all_gemm_dtypes().size(), 7u);
  for (GemmDtype d : all_gemm_dtypes()) {
    const auto back = gemm_dtype_from_string(to_string(d));
    ASSERT_TRUE(back.has_value()) << to_string(d);
    EXPECT_EQ(*back, d);
    EXPECT_FALSE(gemm_dtype_info(d).tag.empty());
    if (gemm_dtype_info(d).min_cc > 0) {
      EXPECT_FALSE(gemm_dtype_info(d).min_cc_reason.empty()) << to_string(d);
    }
  }
  EXPECT_FALSE(gemm_dtype_from_string("fp4").has_value());
  EXPECT_FALSE(gemm_dtype_from_string("").has_value());
  EXPECT_EQ(gemm_dtype_info(GemmDtype::fp8_e4m3).min_cc, 89);
  EXPECT_EQ(gemm_dtype_info(GemmDtype::bf16).min_cc, 80);
  EXPECT_EQ(gemm_dtype_info(GemmDtype::tf32).min_cc, 80);
  EXPECT_EQ(gemm_dtype_info(GemmDtype::int8).min_cc, 75);
  EXPECT_EQ(gemm_dtype_info(GemmDtype::fp8_e4m3).in_bytes, 1u);
  EXPECT_EQ(gemm_dtype_info(GemmDtype::fp8_e4m3).out_bytes, 2u);  // bf16 out
  EXPECT_EQ(gemm_dtype_info(GemmDtype::int8).out_bytes, 4u);      // int32 out
  EXPECT_EQ(gemm_rate_unit(GemmDtype::int8), "TOP/s");
  EXPECT_EQ(gemm_rate_unit(GemmDtype::bf16), "TFLOP/s");
}

TEST(GemmModel, FlopAndByteModels) {
  EXPECT_DOUBLE_EQ(gemm_flops(8192, 8192, 8192), 2.0 * 8192.0 * 8192.0 * 8192.0);
  EXPECT_DOUBLE_EQ(gemm_flops(8192, 16384, 4096), 2.0 * 8192.0 * 16384.0 * 4096.0);
  // (MK + KN) * 2 + MN * 2 for bf16
  EXPECT_DOUBLE_EQ(gemm_bytes(GemmShape{2, 3, 4}, GemmDtype::bf16), (8 + 12) * 2.0 + 6 * 2.0);
  // fp8: 1-byte inputs, bf16 output
  EXPECT_DOUBLE_EQ(gemm_bytes(GemmShape{2, 3, 4}, GemmDtype::fp8_e4m3), (8 + 12) * 1.0 + 12.0);
  EXPECT_EQ(gemm_input_set_bytes(GemmShape{8192, 8192, 8192}, GemmDtype::bf16), 256 * kMiB);
  EXPECT_EQ(to_string(GemmShape{8192, 16384, 4096}), "8192x16384x4096");
}

TEST(GemmModel, RotationSetsCoverThreeTimesL2) {
  const std::uint64_t l2 = 50 * kMiB;               // H100
  EXPECT_EQ(rotation_sets(256 * kMiB, l2, 64), 1);  // 8192^2 bf16: one set is already 5x L2
  EXPECT_EQ(rotation_sets(4 * kMiB, l2, 64), 38);   // 1024^2 bf16: ceil(150 / 4)
  EXPECT_EQ(rotation_sets(2 * kMiB, l2, 64), 64);   // capped
  EXPECT_EQ(rotation_sets(64 * kMiB, l2, 64), 3);   // ceil(150 / 64)
  EXPECT_EQ(rotation_sets(64 * kMiB, 0, 64), 1);    // unknown L2
  EXPECT_EQ(rotation_sets(0, l2, 64), 1);
  EXPECT_EQ(rotation_sets(1, l2, 0), 1);  // a cap below 1 still gives one set
  for (std::uint64_t set : {1 * kMiB, 7 * kMiB, 33 * kMiB, 150 * kMiB}) {
    const int k = rotation_sets(set, l2, 1000);
    EXPECT_GE(static_cast<double>(k) * static_cast<double>(set), 3.0 * static_cast<double>(l2));
  }
}

// ---- sweeps ------------------------------------------------------------------------------

TEST(GemmModel, QuickProfileKeepsOnlyBf16AndFp32Squares) {
  std::vector<std::tuple<GemmDtype, std::int64_t>> quick;
  for (const auto& p : gemm_square_sweep()) {
    EXPECT_EQ(p.shape.m, p.shape.n);
    EXPECT_EQ(p.shape.n, p.shape.k);
    EXPECT_TRUE(p.full);
    if (p.quick) {
      EXPECT_TRUE(p.standard);
      quick.emplace_back(p.dtype, p.shape.m);
    }
  }
  const std::vector<std::tuple<GemmDtype, std::int64_t>> want{{GemmDtype::bf16, 8192},
                                                              {GemmDtype::fp32, 4096}};
  EXPECT_EQ(quick, want);
  for (const auto& p : gemm_transformer_sweep()) {
    EXPECT_FALSE(p.quick);
  }
}

TEST(GemmModel, DefaultSquareSizesPerDtype) {
  std::map<GemmDtype, std::vector<std::int64_t>> standard;
  for (const auto& p : gemm_square_sweep()) {
    if (p.standard) {
      standard[p.dtype].push_back(p.shape.m);
    }
  }
  const std::vector<std::int64_t> ladder{1024, 2048, 4096, 8192};
  for (GemmDtype d : {GemmDtype::bf16, GemmDtype::fp16, GemmDtype::fp8_e4m3, GemmDtype::tf32}) {
    EXPECT_EQ(standard[d], ladder) << to_string(d);
  }
  const std::vector<std::int64_t> two{4096, 8192};
  for (GemmDtype d : {GemmDtype::fp32, GemmDtype::fp64, GemmDtype::int8}) {
    EXPECT_EQ(standard[d], two) << to_string(d);
  }
}

TEST(GemmModel, TimingPlanPerProfile) {
  const GemmShape small{2048, 2048, 2048}, headline{8192, 8192, 8192}, wide{8192, 16384, 4096};
  for (Profile p : {Profile::quick, Profile::standard, Profile::full}) {
    const GemmTimingPlan s = gemm_timing_plan(p, small);  // launch-bound: neither
    EXPECT_EQ(s.cool_down_s, 0.0);
    EXPECT_EQ(s.sustained_s, 0.0);
    EXPECT_NE(s.sustained_skip_reason.find("4096^3"), std::string::npos);
    const GemmTimingPlan h = gemm_timing_plan(p, headline);
    EXPECT_EQ(h.cool_down_s, 1.0);
    EXPECT_GT(h.sustained_s, 0.0);
    EXPECT_TRUE(h.sustained_skip_reason.empty());
  }
  EXPECT_EQ(gemm_timing_plan(Profile::quick, headline).sustained_s, 0.5);
  EXPECT_EQ(gemm_timing_plan(Profile::quick, headline).sustained_windows, 8);
  EXPECT_EQ(gemm_timing_plan(Profile::standard, headline).sustained_s, 2.0);  // MR-8: >= 2 s
  EXPECT_EQ(gemm_timing_plan(Profile::standard, headline).sustained_windows, 16);
  // Default: the large non-headline shapes get the cool-down but no sustained window; full
  // gives every large shape both.
  const GemmTimingPlan d = gemm_timing_plan(Profile::standard, wide);
  EXPECT_EQ(d.cool_down_s, 1.0);
  EXPECT_EQ(d.sustained_s, 0.0);
  EXPECT_NE(d.sustained_skip_reason.find("--full"), std::string::npos);
  EXPECT_EQ(gemm_timing_plan(Profile::full, wide).sustained_s, 2.0);
}

TEST(GemmModel, TransformerShapesAreTokensByHidden) {
  std::set<std::tuple<int, std::int64_t, std::int64_t, std::int64_t>> standard;
  for (const auto& p : gemm_transformer_sweep()) {
    EXPECT_TRUE(p.dtype == GemmDtype::bf16 || p.dtype == GemmDtype::fp8_e4m3);
    EXPECT_EQ(p.shape.m, 8192);  // tokens
    if (p.standard) {
      standard.emplace(static_cast<int>(p.dtype), p.shape.m, p.shape.n, p.shape.k);
    }
  }
  for (GemmDtype d : {GemmDtype::bf16, GemmDtype::fp8_e4m3}) {
    const int di = static_cast<int>(d);
    EXPECT_EQ(standard.count({di, 8192, 16384, 4096}), 1u);
    EXPECT_EQ(standard.count({di, 8192, 4096, 16384}), 1u);
    EXPECT_EQ(standard.count({di, 8192, 32768, 8192}), 1u);
  }
  EXPECT_EQ(standard.size(), 6u);
}

TEST(GemmModel, SearchGridIsAShuffledFullProduct) {
  const auto g = gemm_search_grid(4096, 16384, 2048, 42);
  ASSERT_EQ(g.size(), 343u);  // 7 values per dimension
  std::set<std::tuple<std::int64_t, std::int64_t, std::int64_t>> seen;
  for (const auto& s : g) {
    EXPECT_EQ(s.m % 2048, 0);
    EXPECT_GE(s.k, 4096);
    EXPECT_LE(s.n, 16384);
    seen.emplace(s.m, s.n, s.k);
  }
  EXPECT_EQ(seen.size(), 343u);  // a permutation: no duplicates
  EXPECT_EQ(seen.count({4096, 4096, 4096}), 1u);
  EXPECT_EQ(seen.count({16384, 16384, 16384}), 1u);
  const auto again = gemm_search_grid(4096, 16384, 2048, 42);
  EXPECT_TRUE(std::equal(g.begin(), g.end(), again.begin()));
  const auto other = gemm_search_grid(4096, 16384, 2048, 43);
  EXPECT_FALSE(std::equal(g.begin(), g.end(), other.begin()));
  // Not in nested-loop order: a truncated search samples the whole range.
  EXPECT_FALSE(g.front() == (GemmShape{4096, 4096, 4096}) && g[1] == (GemmShape{4096, 4096, 6144}));
  EXPECT_TRUE(gemm_search_grid(4096, 16384, 0, 1).empty());
  EXPECT_TRUE(gemm_search_grid(8192, 4096, 1024, 1).empty());
  EXPECT_EQ(gemm_search_grid(4096, 4096, 1024, 1).size(), 1u);
}

// ---- tolerances and sample checks ----------------------------------------------------------

TEST(GemmModel, ToleranceTableOrdersByPrecision) {
  const auto t64 = gemm_tolerance(GemmDtype::fp64);
  const auto t32 = gemm_tolerance(GemmDtype::fp32);
  const auto ttf = gemm_tolerance(GemmDtype::tf32);
  const auto t16 = gemm_tolerance(GemmDtype::fp16);
  const auto tbf = gemm_tolerance(GemmDtype::bf16);
  const auto tf8 = gemm_tolerance(GemmDtype::fp8_e4m3);
  const auto ti8 = gemm_tolerance(GemmDtype::int8);
  EXPECT_LT(t64.acc_rel, 1e-12);
  EXPECT_LT(t32.acc_rel, 1e-5);
  EXPECT_GT(ttf.acc_rel, t32.acc_rel);
  EXPECT_LT(ttf.acc_rel, 1e-2);
  EXPECT_DOUBLE_EQ(tbf.out_rel, std::ldexp(1.0, -7));  // 2 units of bf16 round-off
  EXPECT_DOUBLE_EQ(t16.out_rel, std::ldexp(1.0, -10));
  EXPECT_GT(tf8.acc_rel, tbf.acc_rel);
  EXPECT_EQ(ti8.out_rel, 0.0);
  EXPECT_EQ(ti8.acc_rel, 0.0);
  // Every float tolerance stays below the error of a wrong element at the largest K we run
  // (|C| ~ sum|a||b| / sqrt(K), K = 32768 -> 0.55 %).
  for (GemmDtype d : all_gemm_dtypes()) {
    EXPECT_LT(gemm_tolerance(d).acc_rel, 1.0 / std::sqrt(32768.0) / 2) << to_string(d);
  }
}

GemmSample sample(double got, double ref, double abs_ref, std::int64_t i = 0, std::int64_t j = 0) {
  return GemmSample{got, ref, abs_ref, i, j};
}

TEST(GemmModel, CheckPassesExactAndRoundedOutputs) {
  const auto tol = gemm_tolerance(GemmDtype::bf16);
  std::vector<GemmSample> s{sample(1.0, 1.0, 100.0), sample(-3.0, -3.0, 80.0)};
  // bf16 output rounding: 10.0 + half a bf16 ulp at 10 (ulp = 2^-4 there).
  s.push_back(sample(10.0 + 0.03125, 10.0, 50.0, 7, 9));
  const GemmCheck c = check_gemm_samples(s, tol);
  EXPECT_TRUE(c.ok) << c.detail;
  EXPECT_EQ(c.checked, 3u);
  EXPECT_EQ(c.failures, 0u);
  EXPECT_EQ(c.worst_i, 7);
  EXPECT_EQ(c.worst_j, 9);
  EXPECT_NE(c.detail.find("max rel err"), std::string::npos);
  EXPECT_NE(c.detail.find("(7,9)"), std::string::npos);
  EXPECT_NE(c.detail.find("over 3 sampled"), std::string::npos);
}

TEST(GemmModel, CheckCatchesWrongElementsNaNAndEmpty) {
  // A wrong element (another output's value): off by ~ sum|a||b| / sqrt(K), K = 16384.
  const double abs_ref = 16384 * 0.25;
  const double wrong = abs_ref / 128.0;
  for (GemmDtype d : all_gemm_dtypes()) {
    const auto c = check_gemm_samples({sample(3.0 + wrong, 3.0, abs_ref)}, gemm_tolerance(d));
    EXPECT_FALSE(c.ok) << to_string(d) << ": " << c.detail;
  }
  const auto tol = gemm_tolerance(GemmDtype::fp32);
  EXPECT_FALSE(check_gemm_samples({sample(NAN, 1.0, 2.0)}, tol).ok);
  EXPECT_FALSE(check_gemm_samples({sample(1.0, 1.0, 2.0), sample(INFINITY, 1.0, 2.0)}, tol).ok);
  EXPECT_FALSE(check_gemm_samples({sample(1.0, NAN, 2.0)}, tol).ok);
  EXPECT_EQ(check_gemm_samples({sample(NAN, 1.0, 2.0)}, tol).non_finite, 1u);
  EXPECT_FALSE(check_gemm_samples({}, tol).ok);
  // Flipped sign and a flipped mantissa bit in fp32 output.
  EXPECT_FALSE(check_gemm_samples({sample(-5.0, 5.0, 40.0)}, tol).ok);
  EXPECT_FALSE(check_gemm_samples({sample(5.0 * (1 + std::ldexp(1.0, -8)), 5.0, 40.0)}, tol).ok);
  // int8 is exact.
  const auto ti8 = gemm_tolerance(GemmDtype::int8);
  EXPECT_TRUE(check_gemm_samples({sample(-37.0, -37.0, 900.0)}, ti8).ok);
  EXPECT_FALSE(check_gemm_samples({sample(-36.0, -37.0, 900.0)}, ti8).ok);
}

// ---- winner selection ---------------------------------------------------------------------

TEST(GemmModel, PickFastestByMedianWithTieRule) {
  std::vector<AlgoTiming> t{{0, 1.00e-3, true}, {1, 0.90e-3, true}, {2, 0.95e-3, true}};
  EXPECT_EQ(pick_fastest_algo(t), std::optional<std::size_t>(1));
  // Within 0.2 % of the fastest: the lower heuristic rank wins.
  t = {{0, 1.0005e-3, true}, {1, 1.0000e-3, true}, {2, 1.2e-3, true}};
  EXPECT_EQ(pick_fastest_algo(t), std::optional<std::size_t>(0));
  // Outside the tie band the faster one wins.
  t = {{0, 1.01e-3, true}, {1, 1.00e-3, true}};
  EXPECT_EQ(pick_fastest_algo(t), std::optional<std::size_t>(1));
  // Failed, zero and NaN candidates never win.
  t = {{0, 0.1e-3, false}, {1, 0.0, true}, {2, NAN, true}, {3, 2e-3, true}};
  EXPECT_EQ(pick_fastest_algo(t), std::optional<std::size_t>(3));
  t = {{0, 1e-3, false}};
  EXPECT_FALSE(pick_fastest_algo(t).has_value());
  EXPECT_FALSE(pick_fastest_algo({}).has_value());
  // Ranks need not follow positions.
  t = {{5, 1.0001e-3, true}, {2, 1.0e-3, true}, {1, 1.0015e-3, true}};
  EXPECT_EQ(pick_fastest_algo(t), std::optional<std::size_t>(2));
}

// ---- MR-8 burst vs sustained --------------------------------------------------------------

TEST(GemmModel, SustainedFlatSeriesIsSteady) {
  const std::vector<double> flat(16, 700.0);
  const auto a = analyse_sustained(flat);
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->steady);
  EXPECT_DOUBLE_EQ(a->sustained, 700.0);
  EXPECT_DOUBLE_EQ(a->drop, 0.0);
  EXPECT_DOUBLE_EQ(a->spread, 0.0);
  EXPECT_EQ(a->windows, 16u);
}

TEST(GemmModel, SustainedDecayingSeriesIsNotSteady) {
  std::vector<double> decay;
  for (int i = 0; i < 16; ++i) {
    decay.push_back(800.0 * (1.0 - 0.01 * i));  // 15 % lost over the window (clocks falling)
  }
  const auto a = analyse_sustained(decay);
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(a->steady);
  EXPECT_GT(a->drop, 0.03);
  EXPECT_LT(a->sustained, decay.front());
  EXPECT_NEAR(a->sustained, 800.0 * (1.0 - 0.01 * 11.5), 1e-9);  // median of windows 8..15
  // A small decay (1 % over the window) is steady.
  std::vector<double> gentle;
  for (int i = 0; i < 16; ++i) {
    gentle.push_back(800.0 * (1.0 - 0.0006 * i));
  }
  EXPECT_TRUE(analyse_sustained(gentle)->steady);
}

TEST(GemmModel, SustainedNoisySeriesFailsOnSpread) {
  std::vector<double> noisy;
  for (int i = 0; i < 16; ++i) {
    noisy.push_back(i % 2 == 0 ? 720.0 : 680.0);  // +-3 %: no drift but 5.7 % spread
  }
  const auto a = analyse_sustained(noisy);
  ASSERT_TRUE(a.has_value());
  EXPECT_NEAR(a->drop, 0.0, 1e-12);
  EXPECT_GT(a->spread, 0.05);
  EXPECT_FALSE(a->steady);
  EXPECT_NEAR(a->sustained, 700.0, 1e-9);
}

TEST(GemmModel, SustainedRejectsTooFewOrBadWindows) {
  EXPECT_FALSE(analyse_sustained(std::vector<double>(7, 1.0)).has_value());
  EXPECT_TRUE(analyse_sustained(std::vector<double>(8, 1.0)).has_value());
  std::vector<double> with_nan(10, 1.0);
  with_nan[3] = NAN;
  EXPECT_FALSE(analyse_sustained(with_nan).has_value());
  std::vector<double> with_zero(10, 1.0);
  with_zero[9] = 0.0;
  EXPECT_FALSE(analyse_sustained(with_zero).has_value());
  // Odd count: the middle window belongs to the second half.
  const auto a = analyse_sustained({1, 1, 1, 1, 2, 2, 2, 2, 2}, 8, 1.0, 1.0);
  ASSERT_TRUE(a.has_value());
  EXPECT_DOUBLE_EQ(a->first_half_median, 1.0);
  EXPECT_DOUBLE_EQ(a->second_half_median, 2.0);
  EXPECT_DOUBLE_EQ(a->drop, -1.0);
}

// ---- peaks ------------------------------------------------------------------------------------

TEST(ComputePeaks, H100SxmBf16UsesMaxClockTimesTable) {
  const auto p = compute_peak(132, 1980.0, 9, 0, ComputePipe::bf16_tensor);
  ASSERT_TRUE(p.tflops.has_value()) << p.reason;
  EXPECT_NEAR(*p.tflops, 1070.5, 0.1);  // 132 x 1980e6 x 4096 / 1e12
  EXPECT_NE(p.source.find("sm_90 bf16_tensor: 4096"), std::string::npos) << p.source;
  EXPECT_NEAR(*compute_peak(132, 1980.0, 9, 0, ComputePipe::fp8_tensor).tflops, 2141.1, 0.1);
  EXPECT_NEAR(*compute_peak(132, 1980.0, 9, 0, ComputePipe::fp32_simt).tflops, 66.9, 0.1);
  EXPECT_NEAR(*compute_peak(132, 1980.0, 9, 0, ComputePipe::fp64_tensor).tflops, 66.9, 0.1);
  // Datasheet dense 989.5 is ~92 % of the max-clock bound: below the 105 % implausible line.
  EXPECT_LT(989.5 / *p.tflops, 1.0);
}

TEST(ComputePeaks, A100Fixture) {
  EXPECT_NEAR(*compute_peak(108, 1410.0, 8, 0, ComputePipe::bf16_tensor).tflops, 311.9, 0.1);
  EXPECT_NEAR(*compute_peak(108, 1410.0, 8, 0, ComputePipe::tf32_tensor).tflops, 155.9, 0.1);
  EXPECT_NEAR(*compute_peak(108, 1410.0, 8, 0, ComputePipe::fp64_tensor).tflops, 19.5, 0.05);
  EXPECT_NEAR(*compute_peak(108, 1410.0, 8, 0, ComputePipe::fp32_simt).tflops, 19.5, 0.05);
  EXPECT_NEAR(*compute_peak(108, 1410.0, 8, 0, ComputePipe::int8_tensor).tflops, 623.8, 0.1);
  const auto fp8 = compute_peak(108, 1410.0, 8, 0, ComputePipe::fp8_tensor);
  EXPECT_FALSE(fp8.tflops.has_value());
  EXPECT_FALSE(fp8.reason.empty());
}

TEST(ComputePeaks, UnknownArchitectureOrClockGivesReason) {
  const auto p = compute_peak(170, 2407.0, 12, 0, ComputePipe::bf16_tensor);
  EXPECT_FALSE(p.tflops.has_value());
  EXPECT_NE(p.reason.find("sm_120"), std::string::npos);
  EXPECT_FALSE(compute_peak(132, std::nullopt, 9, 0, ComputePipe::bf16_tensor).tflops.has_value());
  EXPECT_FALSE(compute_peak(0, 1980.0, 9, 0, ComputePipe::bf16_tensor).tflops.has_value());
  GpuInfo g;
  g.sm_count = 132;
  g.sm_clock_max_mhz = 1980.0;
  g.cc_major = 9;
  EXPECT_NEAR(*compute_peak(g, ComputePipe::fp16_tensor).tflops, 1070.5, 0.1);
}

TEST(ComputePeaks, GemmPipeChoosesFp64TensorWhereItExists) {
  EXPECT_EQ(gemm_pipe(GemmDtype::fp64, 9, 0), ComputePipe::fp64_tensor);
  EXPECT_EQ(gemm_pipe(GemmDtype::fp64, 8, 0), ComputePipe::fp64_tensor);
  EXPECT_EQ(gemm_pipe(GemmDtype::fp64, 8, 9), ComputePipe::fp64_simt);
  EXPECT_EQ(gemm_pipe(GemmDtype::fp32, 9, 0), ComputePipe::fp32_simt);
  EXPECT_EQ(gemm_pipe(GemmDtype::tf32, 9, 0), ComputePipe::tf32_tensor);
  EXPECT_EQ(gemm_pipe(GemmDtype::fp8_e4m3, 9, 0), ComputePipe::fp8_tensor);
  EXPECT_EQ(gemm_pipe(GemmDtype::int8, 9, 0), ComputePipe::int8_tensor);
}

TEST(ComputePeaks, SimtHalfRates) {
  EXPECT_EQ(flops_per_clk_per_sm(9, 0, ComputePipe::fp16x2_simt), std::optional<double>(512));
  EXPECT_EQ(flops_per_clk_per_sm(8, 0, ComputePipe::bf16x2_simt), std::optional<double>(256));
  EXPECT_EQ(flops_per_clk_per_sm(9, 0, ComputePipe::fp64_simt), std::optional<double>(128));
  EXPECT_FALSE(flops_per_clk_per_sm(7, 5, ComputePipe::bf16x2_simt).has_value());
}

// ---- spec table and names -----------------------------------------------------------------

TEST(ComputePeaks, NameAliasesMatchKnownCudaNames) {
  const std::vector<std::pair<std::string, std::string>> known{
      {"NVIDIA H100 80GB HBM3", "H100 SXM5 80GB"},
      {"NVIDIA H100 PCIe", "H100 PCIe 80GB"},
      {"NVIDIA H100 NVL", "H100 NVL (per GPU)"},
      {"NVIDIA H200", "H200 SXM"},
      {"NVIDIA B200", "B200 (HGX/SXM6)"},
      {"NVIDIA A100-SXM4-80GB", "A100 SXM4 80GB"},
      {"NVIDIA A100 80GB PCIe", "A100 PCIe 80GB"},
      {"NVIDIA A100-PCIE-40GB", "A100 PCIe 40GB"},
      {"NVIDIA L40S", "L40S"},
      {"NVIDIA L4", "L4"},
      {"NVIDIA RTX 6000 Ada Generation", "RTX 6000 Ada"},
      {"NVIDIA GeForce RTX 4090", "GeForce RTX 4090"},
      {"Tesla T4", "T4"},
      {"Tesla V100-SXM2-32GB", "V100 SXM2 32GB"},
      {"  nvidia   h100 80gb   hbm3 ", "H100 SXM5 80GB"},
  };
  for (const auto& [cuda, model] : known) {
    const auto m = match_spec_model(cuda);
    ASSERT_TRUE(m.has_value()) << cuda;
    EXPECT_EQ(*m, model) << cuda;
  }
  // Never guessed: variants without their own row, other products, garbage.
  for (const char* unknown : {"NVIDIA H200 NVL",
                              "NVIDIA A100-SXM4-40GB",
                              "NVIDIA GeForce RTX 3090",
                              "NVIDIA H100",
                              "H100",
                              "",
                              "NVIDIA",
                              "NVIDIA L40SX"}) {
    EXPECT_FALSE(match_spec_model(unknown).has_value()) << unknown;
  }
}

TEST(ComputePeaks, SpecDenseFiguresAndPercentOfSpec) {
  const auto bf16 = spec_dense_tflops("NVIDIA H100 80GB HBM3", ComputePipe::bf16_tensor);
  ASSERT_TRUE(bf16.tflops.has_value()) << bf16.reason;
  EXPECT_DOUBLE_EQ(*bf16.tflops, 989.5);  // dense, not the 1979 sparse figure (§2.7)
  EXPECT_DOUBLE_EQ(*spec_dense_tflops("NVIDIA H200", ComputePipe::fp8_tensor).tflops, 1979);
  EXPECT_DOUBLE_EQ(*spec_dense_tflops("NVIDIA A100-SXM4-80GB", ComputePipe::tf32_tensor).tflops,
                   156);
  EXPECT_DOUBLE_EQ(*spec_dense_tflops("NVIDIA H100 PCIe", ComputePipe::fp64_tensor).tflops, 51);
  const auto no_fp8 = spec_dense_tflops("NVIDIA A100-SXM4-80GB", ComputePipe::fp8_tensor);
  EXPECT_FALSE(no_fp8.tflops.has_value());
  EXPECT_NE(no_fp8.reason.find("fp8"), std::string::npos);
  const auto unknown = spec_dense_tflops("NVIDIA Mystery GPU", ComputePipe::bf16_tensor);
  EXPECT_FALSE(unknown.tflops.has_value());
  EXPECT_NE(unknown.reason.find("Mystery"), std::string::npos);
  EXPECT_FALSE(spec_dense_tflops("NVIDIA H200", ComputePipe::fp16x2_simt).tflops.has_value());
  // 750 measured on an H100 SXM = 75.8 % of spec.
  EXPECT_NEAR(750.0 / *bf16.tflops, 0.758, 0.001);
}

/// Minimal RFC 4180 line splitter (quoted fields with commas and "" escapes).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

TEST(ComputePeaks, SpecTableEqualsBundledCsv) {
  std::ifstream in(std::string(GPB_SOURCE_DIR) + "/data/specs/gpu_specs.csv");
  ASSERT_TRUE(in.good());
  std::string line;
  ASSERT_TRUE(static_cast<bool>(std::getline(in, line)));
  const auto header = split_csv(line);
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) {
    col[header[i]] = i;
  }
  for (const char* c : {"gpu_model",
                        "fp64_tflops",
                        "fp64_tensor_tflops",
                        "fp32_tflops",
                        "tf32_tensor_tflops_dense",
                        "bf16_tensor_tflops_dense",
                        "fp16_tensor_tflops_dense",
                        "fp8_tensor_tflops_dense",
                        "int8_tensor_tops_dense",
                        "source",
                        "as_of"}) {
    ASSERT_EQ(col.count(c), 1u) << c;
  }
  std::map<std::string, std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    if (line.empty()) {
      continue;
    }
    auto f = split_csv(line);
    ASSERT_EQ(f.size(), header.size()) << line;
    EXPECT_FALSE(f[col["source"]].empty()) << f[0];
    EXPECT_FALSE(f[col["as_of"]].empty()) << f[0];
    rows[f[col["gpu_model"]]] = f;
  }
  const auto num = [&](const std::vector<std::string>& f, const char* c) {
    const std::string& v = f[col[c]];
    return v.empty() ? 0.0 : std::stod(v);
  };
  for (const auto& r : gpu_spec_rows()) {
    const auto it = rows.find(std::string(r.model));
    ASSERT_NE(it, rows.end()) << r.model;
    const auto& f = it->second;
    EXPECT_DOUBLE_EQ(r.fp64_tflops, num(f, "fp64_tflops")) << r.model;
    EXPECT_DOUBLE_EQ(r.fp64_tensor_tflops, num(f, "fp64_tensor_tflops")) << r.model;
    EXPECT_DOUBLE_EQ(r.fp32_tflops, num(f, "fp32_tflops")) << r.model;
    EXPECT_DOUBLE_EQ(r.tf32_tflops, num(f, "tf32_tensor_tflops_dense")) << r.model;
    EXPECT_DOUBLE_EQ(r.bf16_tflops, num(f, "bf16_tensor_tflops_dense")) << r.model;
    EXPECT_DOUBLE_EQ(r.fp16_tflops, num(f, "fp16_tensor_tflops_dense")) << r.model;
    EXPECT_DOUBLE_EQ(r.fp8_tflops, num(f, "fp8_tensor_tflops_dense")) << r.model;
    EXPECT_DOUBLE_EQ(r.int8_tops, num(f, "int8_tensor_tops_dense")) << r.model;
  }
  // Every alias target is a row of the table.
  for (const char* cuda : {"NVIDIA H100 80GB HBM3", "NVIDIA H200", "NVIDIA B200", "NVIDIA L40S"}) {
    const auto m = match_spec_model(cuda);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(rows.count(std::string(*m)), 1u) << *m;
  }
}

}  // namespace
}  // namespace gpb
