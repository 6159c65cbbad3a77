// SPDX-License-Identifier: Apache-2.0
// Host-side model of the GEMM benchmarks (METHODOLOGY §2.2, MR-8, MR-10): dtype table, shape
// sweeps, input-rotation sizing, verification tolerances, algorithm winner selection and the
// burst/sustained analyser. Pure functions, no CUDA, unit-tested in tests/host/gemm_model_test.
#pragma once

#include <gpb/run/cli.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpb {

/// GEMM flavours. The tag names input, accumulate and output types (METHODOLOGY §2.2).
enum class GemmDtype { fp64, fp32, tf32, fp16, bf16, fp8_e4m3, int8 };

/// Static facts about one GEMM dtype.
struct GemmDtypeInfo {
  GemmDtype dtype;
  std::string_view name;  ///< as in case names: "bf16", "fp8_e4m3", ...
  std::size_t in_bytes;   ///< bytes per A/B element
  std::size_t out_bytes;  ///< bytes per C/D element
  int min_cc;             ///< major*10+minor needed by cuBLASLt for this combination
  std::string_view min_cc_reason;
  std::string_view tag;  ///< "bf16 in, fp32 accumulate, bf16 out"
  bool integer;          ///< rates are TOP/s, not TFLOP/s
};

/// Every GEMM dtype, in table order.
const std::vector<GemmDtype>& all_gemm_dtypes();
const GemmDtypeInfo& gemm_dtype_info(GemmDtype d) noexcept;
std::string_view to_string(GemmDtype d) noexcept;
std::optional<GemmDtype> gemm_dtype_from_string(std::string_view name) noexcept;
/// "TFLOP/s", or "TOP/s" for integer GEMMs.
std::string_view gemm_rate_unit(GemmDtype d) noexcept;

/// Logical row-major problem C[M,N] = A[M,K] @ B[K,N].
struct GemmShape {
  std::int64_t m = 0, n = 0, k = 0;
};
bool operator==(const GemmShape& a, const GemmShape& b) noexcept;

/// Bytes of the operands for arithmetic intensity: (MK + KN)*in + MN*out (beta = 0, §2.2).
double gemm_bytes(const GemmShape& s, GemmDtype d) noexcept;
/// Bytes of one input set (A and B).
std::uint64_t gemm_input_set_bytes(const GemmShape& s, GemmDtype d);

/// Number of input sets to rotate through so the sets together are >= factor x L2 (MR-5):
/// ceil(factor * l2 / set_bytes), at least 1, at most max_sets. 1 when l2_bytes is 0.
int rotation_sets(std::uint64_t set_bytes,
                  std::uint64_t l2_bytes,
                  int max_sets,
                  double factor = 3.0) noexcept;

/// One point of a GEMM sweep and the profiles that run it.
struct GemmSweepPoint {
  GemmDtype dtype = GemmDtype::bf16;
  GemmShape shape;
  bool quick = false, standard = false, full = false;
};
/// Square sweep: quick = bf16 8192 + fp32 4096 only; default = 1024..8192 for the tensor
/// dtypes (bf16/fp16/fp8/tf32), 4096/8192 for fp32/fp64/int8; full adds more sizes (16384
/// among them; the default profile's gemm/search still reaches 16384 for bf16 and fp8).
std::vector<GemmSweepPoint> gemm_square_sweep();
/// Transformer-typical shapes (tokens x hidden x 4*hidden) for bf16 and fp8.
std::vector<GemmSweepPoint> gemm_transformer_sweep();

/// How one shape is timed around its burst window (MR-8), per profile. The default profile
/// keeps to its 2-minute budget by running the 2 s sustained window on the 8192^3 headline
/// square only; --full runs it on every shape >= 4096^3.
struct GemmTimingPlan {
  double cool_down_s = 0;  ///< idle before the burst window (0: none)
  double sustained_s = 0;  ///< 0: no sustained window
  int sustained_windows = 16;
  std::string sustained_skip_reason;  ///< why there is none, when sustained_s == 0
};
GemmTimingPlan gemm_timing_plan(Profile profile, GemmShape s);

/// Grid of the max-achievable search: every (m, n, k) with values lo, lo+step, ..., <= hi,
/// in a deterministic shuffled order (by `seed`) so that a budget-truncated search still
/// samples the whole range. Empty when step <= 0 or lo > hi.
std::vector<GemmShape> gemm_search_grid(std::int64_t lo,
                                        std::int64_t hi,
                                        std::int64_t step,
                                        std::uint64_t seed);

/// Verification tolerance (MR-10). A sampled output passes when
///   |got - ref| <= out_rel * |ref| + acc_rel * sum_k |a_ik||b_kj|,
/// ref computed in fp64 from the same device inputs. out_rel covers rounding of the output
/// type (2 units of round-off); acc_rel covers accumulation and, for tf32, the rounding of the
/// fp32 inputs to tf32 (worst case 2^-10 per operand). int8 is exact (both 0).
struct GemmTolerance {
  double out_rel = 0;
  double acc_rel = 0;
};
GemmTolerance gemm_tolerance(GemmDtype d) noexcept;

/// One sampled output element and its fp64 reference.
struct GemmSample {
  double got = 0, ref = 0, abs_ref = 0;  ///< abs_ref = sum_k |a_ik||b_kj|
  std::int64_t i = 0, j = 0;
};
struct GemmCheck {
  bool ok = false;
  std::size_t checked = 0;
  std::size_t failures = 0;
  std::size_t non_finite = 0;
  double max_rel_err = 0;  ///< max |got-ref| / abs_ref (0/0 -> 0)
  double max_ratio = 0;    ///< max |got-ref| / allowed; > 1 fails
  std::int64_t worst_i = 0, worst_j = 0;
  std::string detail;  ///< "max rel err X at (i,j) over N sampled ..."
};
/// Compares samples against the tolerance. NaN/inf never pass; an empty set fails.
GemmCheck check_gemm_samples(const std::vector<GemmSample>& samples, const GemmTolerance& tol);

/// One candidate algorithm as timed during selection.
struct AlgoTiming {
  int heuristic_rank = 0;  ///< position in cuBLASLt's heuristic answer (0 = its favourite)
  double median_s = 0;     ///< median seconds per op of the short timing
  bool ok = false;         ///< false when the candidate failed or gave no valid samples
};
/// Index into `timings` of the fastest ok candidate by median. Candidates within `tie_rel`
/// of the fastest are a tie, resolved to the lowest heuristic rank (cuBLASLt's own order).
/// nullopt when none is ok.
std::optional<std::size_t> pick_fastest_algo(const std::vector<AlgoTiming>& timings,
                                             double tie_rel = 0.002);

/// MR-8 analysis of a sustained window split into sub-windows (rates in time order).
struct SustainedAnalysis {
  std::size_t windows = 0;
  double sustained = 0;  ///< median rate of the second half
  double first_half_median = 0;
  double second_half_median = 0;
  double drop = 0;      ///< (first - second) / first; negative when it rose
  double spread = 0;    ///< (max - min) / median over all windows
  bool steady = false;  ///< drop <= max_drop && spread <= max_spread
};
/// nullopt when fewer than `min_windows` rates or any rate is not finite and > 0.
std::optional<SustainedAnalysis> analyse_sustained(const std::vector<double>& window_rates,
                                                   std::size_t min_windows = 8,
                                                   double max_drop = 0.03,
                                                   double max_spread = 0.05);

/// "8192x16384x4096" for notes.
std::string to_string(const GemmShape& s);

}  // namespace gpb
