// SPDX-License-Identifier: Apache-2.0
// Compute peaks (METHODOLOGY §3, MR-13): peak = SMs x max SM clock x dense FLOP/clk/SM from a
// constexpr per-architecture table, plus the spec-sheet dense figure ("% of spec") looked up
// by the CUDA device name through an explicit alias table (unknown names are never guessed).
#pragma once

#include <gpb/models/gemm_model.hpp>
#include <gpb/result/schema.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpb {

/// Execution pipes with a dense FLOP/clk/SM rate.
enum class ComputePipe {
  fp64_simt,
  fp32_simt,
  fp16x2_simt,
  bf16x2_simt,
  fp64_tensor,
  tf32_tensor,
  fp16_tensor,
  bf16_tensor,
  fp8_tensor,
  int8_tensor,
};
std::string_view to_string(ComputePipe p) noexcept;

/// Dense FLOPs (or integer ops) per clock per SM; nullopt for an architecture or pipe the
/// table does not know (no guess). Table and derivations in compute_peaks.cpp.
std::optional<double> flops_per_clk_per_sm(int cc_major, int cc_minor, ComputePipe p) noexcept;

/// The pipe a cuBLASLt GEMM of `d` runs on: fp64 uses DMMA tensor cores where the
/// architecture has them (sm_80, sm_90, sm_100), else the SIMT fp64 units.
ComputePipe gemm_pipe(GemmDtype d, int cc_major, int cc_minor) noexcept;

/// A peak in TFLOP/s (or TOP/s) with its provenance, or a reason when unknown.
struct PeakEstimate {
  std::optional<double> tflops;
  std::string
      source;  ///< e.g. "sm_count x max_sm_clock x dense FLOP/clk/SM (sm_90 bf16_tensor: 4096)"
  std::string reason;  ///< why tflops is null
};
/// MR-13 bound: sm_count x sm_clock_max_mhz x flops_per_clk_per_sm / 1e12 (1e6 Hz per MHz).
PeakEstimate compute_peak(int sm_count,
                          std::optional<double> sm_clock_max_mhz,
                          int cc_major,
                          int cc_minor,
                          ComputePipe p);
PeakEstimate compute_peak(const GpuInfo& gpu, ComputePipe p);

/// One row of the bundled spec table (data/specs/gpu_specs.csv); dense TFLOP/s, 0 = absent.
struct GpuSpecRow {
  std::string_view model;  ///< gpu_model column, exactly
  double fp64_tflops, fp64_tensor_tflops, fp32_tflops, tf32_tflops, bf16_tflops, fp16_tflops,
      fp8_tflops, int8_tops;
};
const std::vector<GpuSpecRow>& gpu_spec_rows();

/// Spec-table model for a CUDA device name ("NVIDIA H100 80GB HBM3" -> "H100 SXM5 80GB").
/// Matching is exact after normalisation (case, '-'/'_' as spaces, "NVIDIA "/"Tesla "
/// prefixes); nullopt for any name not in the alias table.
std::optional<std::string_view> match_spec_model(std::string_view cuda_name);

/// Spec-sheet dense figure for the pipe, or a reason (unknown name, no column, blank cell).
PeakEstimate spec_dense_tflops(std::string_view cuda_name, ComputePipe p);

}  // namespace gpb
