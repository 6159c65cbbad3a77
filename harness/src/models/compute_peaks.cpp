// SPDX-License-Identifier: Apache-2.0
#include <gpb/models/compute_peaks.hpp>

#include <array>
#include <cctype>
#include <cstdio>
#include <utility>

namespace gpb {
namespace {

// Dense FLOP/clk/SM per architecture, calibrated as datasheet_dense / (SMs x datasheet clock)
// and rounded to the hardware's power of two (METHODOLOGY §3). 0 = the pipe does not exist.
//   sm_75 T4 (40 SMs, 1590 MHz): FP32 8.1 T -> 128; FP16 tensor 65 T -> 1024; INT8 130 T -> 2048;
//         FP64 1/32 of FP32 -> 4; FP16x2 SIMT 2x FP32 -> 256 (Turing whitepaper).
//   sm_80 A100 (108 SMs, 1410 MHz): FP64 9.7 -> 64; FP64 tensor 19.5 -> 128; FP32 19.5 -> 128;
//         TF32 156 -> 1024; FP16/BF16 312 -> 2048; INT8 624 -> 4096; FP16 non-tensor 78 -> 512,
//         BF16 non-tensor 39 -> 256 (GA100 whitepaper table 1).
//   sm_86 A10 (72 SMs, 1695 MHz): FP32 31.2 -> 256; TF32 62.5 -> 512; FP16 125 -> 1024;
//         INT8 250 -> 2048; FP64 1/64 FP32 -> 4; FP16x2 = FP32 rate (GA102 whitepaper).
//   sm_89 L40S (142 SMs, 2520 MHz): FP32 91.6 -> 256; TF32 183 -> 512; FP16/BF16 362 -> 1024;
//         FP8/INT8 733 -> 2048 (Ada whitepaper; professional parts, FP32 accumulate at full
//         rate; GeForce halves it, so this is an upper bound there).
//   sm_90 H100 SXM (132 SMs): FP64 34 -> 128 and FP64 tensor 67 -> 256 at the 1980 MHz max
//         clock; FP32 67 -> 256; FP16/BF16 non-tensor 133.8 -> 512 (Hopper whitepaper table 3);
//         TF32 2048, FP16/BF16 4096, FP8/INT8 8192 (989.4 BF16 dense at ~1830 MHz).
//   sm_100 B200 (148 SMs): ESTIMATE. Clock unpublished; 2250 T BF16 dense implies 8192 at
//         ~1.86 GHz; TF32 4096, FP8/INT8 16384, FP32 256, FP64 (37 T) 128 on either pipe.
struct ArchRow {
  int cc;  // major*10+minor
  // fp64_simt, fp32_simt, fp16x2_simt, bf16x2_simt, fp64_tensor, tf32, fp16, bf16, fp8, int8
  std::array<double, 10> rate;
};
constexpr std::array<ArchRow, 6> kArch{{
    {75, {4, 128, 256, 0, 0, 0, 1024, 0, 0, 2048}},
    {80, {64, 128, 512, 256, 128, 1024, 2048, 2048, 0, 4096}},
    {86, {4, 256, 256, 256, 0, 512, 1024, 1024, 0, 2048}},
    {89, {4, 256, 256, 256, 0, 512, 1024, 1024, 2048, 2048}},
    {90, {128, 256, 512, 512, 256, 2048, 4096, 4096, 8192, 8192}},
    {100, {128, 256, 512, 512, 128, 4096, 8192, 8192, 16384, 16384}},
}};

std::size_t pipe_index(ComputePipe p) noexcept {
  switch (p) {
    case ComputePipe::fp64_simt:
      return 0;
    case ComputePipe::fp32_simt:
      return 1;
    case ComputePipe::fp16x2_simt:
      return 2;
    case ComputePipe::bf16x2_simt:
      return 3;
    case ComputePipe::fp64_tensor:
      return 4;
    case ComputePipe::tf32_tensor:
      return 5;
    case ComputePipe::fp16_tensor:
      return 6;
    case ComputePipe::bf16_tensor:
      return 7;
    case ComputePipe::fp8_tensor:
      return 8;
    case ComputePipe::int8_tensor:
      return 9;
  }
  return 0;
}

// Dense figures copied from data/specs/gpu_specs.csv (tests/host/gemm_model_test checks that
// every row here equals the CSV). Columns: fp64, fp64_tensor, fp32, tf32, bf16, fp16, fp8, int8.
const std::vector<GpuSpecRow> kSpecs = {
    {"B200 (HGX/SXM6)", 37, 37, 80, 1100, 2250, 2250, 4500, 4500},
    {"H200 SXM", 34, 67, 67, 494.5, 989.5, 989.5, 1979, 1979},
    {"H100 SXM5 80GB", 34, 67, 67, 494.5, 989.5, 989.5, 1979, 1979},
    {"H100 PCIe 80GB", 26, 51, 51, 378, 756, 756, 1513, 1513},
    {"H100 NVL (per GPU)", 30, 60, 60, 417.5, 835.5, 835.5, 1670.5, 1670.5},
    {"GH200 (GPU part; 96GB HBM3 variant)", 34, 67, 67, 494.5, 989.5, 989.5, 1979, 1979},
    {"A100 SXM4 80GB", 9.7, 19.5, 19.5, 156, 312, 312, 0, 624},
    {"A100 PCIe 80GB", 9.7, 19.5, 19.5, 156, 312, 312, 0, 624},
    {"A100 PCIe 40GB", 9.7, 19.5, 19.5, 156, 312, 312, 0, 624},
    {"L40S", 1.4, 0, 91.6, 183, 362.05, 362.05, 733, 733},
    {"L40", 1.4, 0, 90.5, 90.5, 181.05, 181.05, 362, 362},
    {"L4", 0.49, 0, 30.3, 60, 121, 121, 242.5, 242.5},
    {"A10G (AWS g5)", 0.49, 0, 31.2, 70, 140, 140, 0, 280},
    {"A10", 0.49, 0, 31.2, 62.5, 125, 125, 0, 250},
    {"RTX A6000", 1.2, 0, 38.7, 77.4, 154.8, 154.8, 0, 309.7},
    {"RTX 6000 Ada", 1.4, 0, 91.1, 182.1, 364.2, 364.2, 728.5, 728.5},
    {"GeForce RTX 4090", 1.3, 0, 82.6, 82.6, 165.2, 165.2, 330.3, 660.6},
    {"GeForce RTX 5090", 1.6, 0, 104.8, 104.8, 209.5, 209.5, 419, 838},
    {"V100 SXM2 32GB", 7.8, 0, 15.7, 0, 0, 125, 0, 0},
    {"T4", 0.25, 0, 8.1, 0, 0, 65, 0, 130},
};

// Normalised CUDA device name -> spec model. Only names we know a device reports; variants
// without a row of their own (A100-SXM4-40GB, H200 NVL, ...) are deliberately absent.
constexpr std::array<std::pair<std::string_view, std::string_view>, 21> kAliases{{
    {"b200", "B200 (HGX/SXM6)"},
    {"h200", "H200 SXM"},
    {"h100 80gb hbm3", "H100 SXM5 80GB"},
    {"h100 sxm5 80gb", "H100 SXM5 80GB"},
    {"h100 pcie", "H100 PCIe 80GB"},
    {"h100 nvl", "H100 NVL (per GPU)"},
    {"gh200 480gb", "GH200 (GPU part; 96GB HBM3 variant)"},
    {"a100 sxm4 80gb", "A100 SXM4 80GB"},
    {"a100 80gb pcie", "A100 PCIe 80GB"},
    {"a100 pcie 40gb", "A100 PCIe 40GB"},
    {"l40s", "L40S"},
    {"l40", "L40"},
    {"l4", "L4"},
    {"a10g", "A10G (AWS g5)"},
    {"a10", "A10"},
    {"rtx a6000", "RTX A6000"},
    {"rtx 6000 ada generation", "RTX 6000 Ada"},
    {"geforce rtx 4090", "GeForce RTX 4090"},
    {"geforce rtx 5090", "GeForce RTX 5090"},
    {"v100 sxm2 32gb", "V100 SXM2 32GB"},
    {"t4", "T4"},
}};

std::string normalise_name(std::string_view name) {
  std::string out;
  for (char ch : name) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (c == '-' || c == '_') {
      c = ' ';
    }
    if (c == ' ' && (out.empty() || out.back() == ' ')) {
      continue;
    }
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  for (std::string_view prefix : {std::string_view("nvidia "), std::string_view("tesla ")}) {
    if (out.compare(0, prefix.size(), prefix) == 0) {
      out.erase(0, prefix.size());
    }
  }
  return out;
}

std::string format_rate(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

std::string_view to_string(ComputePipe p) noexcept {
  switch (p) {
    case ComputePipe::fp64_simt:
      return "fp64_simt";
    case ComputePipe::fp32_simt:
      return "fp32_simt";
    case ComputePipe::fp16x2_simt:
      return "fp16x2_simt";
    case ComputePipe::bf16x2_simt:
      return "bf16x2_simt";
    case ComputePipe::fp64_tensor:
      return "fp64_tensor";
    case ComputePipe::tf32_tensor:
      return "tf32_tensor";
    case ComputePipe::fp16_tensor:
      return "fp16_tensor";
    case ComputePipe::bf16_tensor:
      return "bf16_tensor";
    case ComputePipe::fp8_tensor:
      return "fp8_tensor";
    case ComputePipe::int8_tensor:
      return "int8_tensor";
  }
  return "unknown";
}

std::optional<double> flops_per_clk_per_sm(int cc_major, int cc_minor, ComputePipe p) noexcept {
  const int cc = cc_major * 10 + cc_minor;
  for (const auto& row : kArch) {
    if (row.cc == cc) {
      const double v = row.rate[pipe_index(p)];
      return v > 0 ? std::optional<double>(v) : std::nullopt;
    }
  }
  return std::nullopt;
}

ComputePipe gemm_pipe(GemmDtype d, int cc_major, int cc_minor) noexcept {
  switch (d) {
    case GemmDtype::fp64:
      return flops_per_clk_per_sm(cc_major, cc_minor, ComputePipe::fp64_tensor)
                 ? ComputePipe::fp64_tensor
                 : ComputePipe::fp64_simt;
    case GemmDtype::fp32:
      return ComputePipe::fp32_simt;
    case GemmDtype::tf32:
      return ComputePipe::tf32_tensor;
    case GemmDtype::fp16:
      return ComputePipe::fp16_tensor;
    case GemmDtype::bf16:
      return ComputePipe::bf16_tensor;
    case GemmDtype::fp8_e4m3:
      return ComputePipe::fp8_tensor;
    case GemmDtype::int8:
      return ComputePipe::int8_tensor;
  }
  return ComputePipe::fp32_simt;
}

PeakEstimate compute_peak(int sm_count,
                          std::optional<double> sm_clock_max_mhz,
                          int cc_major,
                          int cc_minor,
                          ComputePipe p) {
  PeakEstimate e;
  const std::string arch = "sm_" + std::to_string(cc_major) + std::to_string(cc_minor);
  const auto rate = flops_per_clk_per_sm(cc_major, cc_minor, p);
  if (!rate) {
    e.reason = "no dense FLOP/clk/SM figure for " + arch + " " + std::string(to_string(p));
    return e;
  }
  if (sm_count <= 0 || !sm_clock_max_mhz || !(*sm_clock_max_mhz > 0)) {
    e.reason = "sm_count or max SM clock unknown";
    return e;
  }
  e.tflops = static_cast<double>(sm_count) * *sm_clock_max_mhz * 1e6 * *rate / 1e12;
  e.source = "sm_count x max_sm_clock x dense FLOP/clk/SM (" + arch + " " +
             std::string(to_string(p)) + ": " + format_rate(*rate) + ")";
  return e;
}

PeakEstimate compute_peak(const GpuInfo& gpu, ComputePipe p) {
  return compute_peak(gpu.sm_count, gpu.sm_clock_max_mhz, gpu.cc_major, gpu.cc_minor, p);
}

const std::vector<GpuSpecRow>& gpu_spec_rows() {
  return kSpecs;
}

std::optional<std::string_view> match_spec_model(std::string_view cuda_name) {
  const std::string key = normalise_name(cuda_name);
  for (const auto& [alias, model] : kAliases) {
    if (alias == key) {
      return model;
    }
  }
  return std::nullopt;
}

PeakEstimate spec_dense_tflops(std::string_view cuda_name, ComputePipe p) {
  PeakEstimate e;
  const auto model = match_spec_model(cuda_name);
  if (!model) {
    e.reason = "GPU name '" + std::string(cuda_name) + "' has no alias in the spec table";
    return e;
  }
  const GpuSpecRow* row = nullptr;
  for (const auto& r : kSpecs) {
    if (r.model == *model) {
      row = &r;
    }
  }
  if (row == nullptr) {
    e.reason = "spec model '" + std::string(*model) + "' missing from the table";
    return e;
  }
  double v = 0;
  std::string_view column;
  switch (p) {
    case ComputePipe::fp64_simt:
      v = row->fp64_tflops;
      column = "fp64_tflops";
      break;
    case ComputePipe::fp64_tensor:
      v = row->fp64_tensor_tflops;
      column = "fp64_tensor_tflops";
      break;
    case ComputePipe::fp32_simt:
      v = row->fp32_tflops;
      column = "fp32_tflops";
      break;
    case ComputePipe::tf32_tensor:
      v = row->tf32_tflops;
      column = "tf32_tensor_tflops_dense";
      break;
    case ComputePipe::bf16_tensor:
      v = row->bf16_tflops;
      column = "bf16_tensor_tflops_dense";
      break;
    case ComputePipe::fp16_tensor:
      v = row->fp16_tflops;
      column = "fp16_tensor_tflops_dense";
      break;
    case ComputePipe::fp8_tensor:
      v = row->fp8_tflops;
      column = "fp8_tensor_tflops_dense";
      break;
    case ComputePipe::int8_tensor:
      v = row->int8_tops;
      column = "int8_tensor_tops_dense";
      break;
    case ComputePipe::fp16x2_simt:
    case ComputePipe::bf16x2_simt:
      e.reason = "spec table has no non-tensor fp16/bf16 column";
      return e;
  }
  if (!(v > 0)) {
    e.reason = "spec table has no " + std::string(column) + " for " + std::string(*model);
    return e;
  }
  e.tflops = v;
  e.source = "data/specs/gpu_specs.csv " + std::string(*model) + " " + std::string(column);
  return e;
}

}  // namespace gpb
