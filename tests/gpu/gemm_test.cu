// SPDX-License-Identifier: Apache-2.0
// GPU tests (label gpu) for the gemm/compute kernels: each dtype's cuBLASLt TN GEMM on a small
// shape passes the sampled fp64 reference; a wrong layout fails it; the FMA chains equal their
// host replay. Every test skips cleanly when no CUDA device is usable.
#include <gpb/cublaslt_raii.hpp>
#include <gpb/cublaslt_types.hpp>
#include <gpb/cuda_check.hpp>
#include <gpb/cuda_raii.hpp>
#include <gpb/kernels/compute.cuh>
#include <gpb/kernels/fill.cuh>
#include <gpb/kernels/gemm.cuh>
#include <gpb/models/gemm_model.hpp>

#include <cuda_runtime_api.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gpu_test_util.hpp"

namespace gpb {
namespace {

/// Compute capability of device 0 (major*10+minor), or -1 when no device is usable.
int device_cc() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    cudaGetLastError();
    return -1;
  }
  int major = 0;
  int minor = 0;
  if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, 0) != cudaSuccess ||
      cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, 0) != cudaSuccess) {
    return -1;
  }
  return major * 10 + minor;
}

/// Runs row-major C[M,N] = X[M,K] W[N,K]^T through cuBLASLt (TN: A = W transposed, B = X)
/// and checks 1024 sampled elements against the fp64 reference. `transa` lets a test break
/// the layout on purpose.
template <class TIn, class TOut>
GemmCheck run_and_check(GemmDtype d, GemmShape s, cublasOperation_t transa = CUBLAS_OP_T) {
  const LtTypes t = lt_types(d);
  const Stream stream = make_stream();
  const CublasLtHandle handle = make_cublaslt();
  DeviceBuffer<TIn> x(static_cast<std::size_t>(s.m * s.k));
  DeviceBuffer<TIn> w(static_cast<std::size_t>(s.n * s.k));
  DeviceBuffer<TOut> c(static_cast<std::size_t>(s.m * s.n));
  DeviceBuffer<unsigned char> ws(std::size_t{32} << 20);
  DeviceBuffer<float> a_scale_buf(1), b_scale_buf(1);
  DeviceBuffer<GemmRefSample> dev_samples(1024);
  GPB_CUDA_CHECK(launch_fill_uniform<TIn>(x.data(), x.size(), 11, stream.get()));
  GPB_CUDA_CHECK(launch_fill_uniform<TIn>(w.data(), w.size(), 12, stream.get()));

  MatmulDesc desc = make_matmul_desc(t.compute, t.scale);
  set_matmul_attr(desc, CUBLASLT_MATMUL_DESC_TRANSA, transa);
  set_matmul_attr(desc, CUBLASLT_MATMUL_DESC_TRANSB, CUBLAS_OP_N);
  double scale = 1.0;
  if (d == GemmDtype::fp8_e4m3) {
    const float host_a = 0.5f;
    const float host_b = 0.25f;
    GPB_CUDA_CHECK(cudaMemcpy(a_scale_buf.data(), &host_a, sizeof(float), cudaMemcpyHostToDevice));
    GPB_CUDA_CHECK(cudaMemcpy(b_scale_buf.data(), &host_b, sizeof(float), cudaMemcpyHostToDevice));
    const float* a_scale = a_scale_buf.data();
    const float* b_scale = b_scale_buf.data();
    set_matmul_attr(desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, a_scale);
    set_matmul_attr(desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, b_scale);
    scale = 0.125;
  }
  const auto m = static_cast<std::uint64_t>(s.m);
  const auto n = static_cast<std::uint64_t>(s.n);
  const auto k = static_cast<std::uint64_t>(s.k);
  const MatrixLayout a = make_matrix_layout(t.ab, k, n, s.k);   // W [N,K] row-major
  const MatrixLayout b = make_matrix_layout(t.ab, k, m, s.k);   // X [M,K] row-major
  const MatrixLayout cl = make_matrix_layout(t.cd, n, m, s.n);  // C [M,N] row-major
  const MatmulPreference pref = make_matmul_preference(ws.size_bytes());
  cublasLtMatmulHeuristicResult_t h{};
  int returned = 0;
  GPB_CUBLAS_CHECK(cublasLtMatmulAlgoGetHeuristic(handle.get(),
                                                  desc.get(),
                                                  a.get(),
                                                  b.get(),
                                                  cl.get(),
                                                  cl.get(),
                                                  pref.get(),
                                                  1,
                                                  &h,
                                                  &returned));
  if (returned == 0) {
    GemmCheck none;
    none.detail = "no algorithm";
    return none;
  }
  const Scalars scalars;
  const void* alpha = scalars.alpha(t.scale);
  const void* beta = scalars.beta(t.scale);
  GPB_CUBLAS_CHECK(
      cublasLtMatmul(handle.get(),
                     desc.get(),
                     alpha,
                     w.data(),
                     a.get(),
                     x.data(),
                     b.get(),
                     beta,
                     d == GemmDtype::fp8_e4m3 ? nullptr : c.data(),  // FP8: no in-place C
                     cl.get(),
                     c.data(),
                     cl.get(),
                     &h.algo,
                     ws.data(),
                     ws.size_bytes(),
                     stream.get()));
  const cudaError_t ref = launch_gemm_reference<TIn, TOut>(x.data(),
                                                           w.data(),
                                                           c.data(),
                                                           s.m,
                                                           s.n,
                                                           s.k,
                                                           scale,
                                                           99,
                                                           1024,
                                                           dev_samples.data(),
                                                           stream.get());
  GPB_CUDA_CHECK(ref);
  std::vector<GemmRefSample> host(1024);
  GPB_CUDA_CHECK(cudaMemcpyAsync(host.data(),
                                 dev_samples.data(),
                                 dev_samples.size_bytes(),
                                 cudaMemcpyDeviceToHost,
                                 stream.get()));
  GPB_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
  std::vector<GemmSample> samples;
  for (const auto& r : host) {
    samples.push_back(GemmSample{r.got, r.ref, r.abs_ref, r.i, r.j});
  }
  return check_gemm_samples(samples, gemm_tolerance(d));
}

GemmCheck check_dtype(GemmDtype d, GemmShape s, cublasOperation_t transa = CUBLAS_OP_T) {
  switch (d) {
    case GemmDtype::fp64:
      return run_and_check<double, double>(d, s, transa);
    case GemmDtype::fp32:
    case GemmDtype::tf32:
      return run_and_check<float, float>(d, s, transa);
    case GemmDtype::fp16:
      return run_and_check<__half, __half>(d, s, transa);
    case GemmDtype::bf16:
      return run_and_check<__nv_bfloat16, __nv_bfloat16>(d, s, transa);
    case GemmDtype::fp8_e4m3:
      return run_and_check<__nv_fp8_e4m3, __nv_bfloat16>(d, s, transa);
    case GemmDtype::int8:
      return run_and_check<std::int8_t, std::int32_t>(d, s, transa);
  }
  return {};
}

TEST(GemmGpu, EveryDtypePassesTheFp64Reference) {
  GPB_REQUIRE_GPU();
  const int cc = device_cc();
  for (GemmDtype d : all_gemm_dtypes()) {
    if (cc < gemm_dtype_info(d).min_cc) {
      continue;  // gated like the benchmark (Requires.min_cc)
    }
    for (const GemmShape s : {GemmShape{512, 512, 512}, GemmShape{256, 768, 1024}}) {
      const GemmCheck c = check_dtype(d, s);
      EXPECT_TRUE(c.ok) << to_string(d) << " " << to_string(s) << ": " << c.detail;
    }
  }
}

TEST(GemmGpu, WrongLayoutFailsVerification) {
  GPB_REQUIRE_GPU();
  // TRANSA = N reads W as if it were [K,N] row-major: the product of the wrong matrices.
  const GemmCheck c = check_dtype(GemmDtype::fp32, GemmShape{512, 512, 512}, CUBLAS_OP_N);
  EXPECT_FALSE(c.ok) << c.detail;
  if (device_cc() >= 80) {
    EXPECT_FALSE(check_dtype(GemmDtype::bf16, GemmShape{512, 512, 512}, CUBLAS_OP_N).ok);
  }
}

TEST(GemmGpu, FillsAreSeededAndNotConstant) {
  GPB_REQUIRE_GPU();
  DeviceBuffer<std::int8_t> a(4096);
  GPB_CUDA_CHECK(launch_fill_uniform<std::int8_t>(a.data(), a.size(), 5, nullptr));
  std::vector<std::int8_t> h(a.size());
  GPB_CUDA_CHECK(cudaMemcpy(h.data(), a.data(), a.size_bytes(), cudaMemcpyDeviceToHost));
  int lo = 0, hi = 0;
  for (auto v : h) {
    lo = std::min<int>(lo, v);
    hi = std::max<int>(hi, v);
  }
  EXPECT_EQ(lo, -8);
  EXPECT_EQ(hi, 8);
  DeviceBuffer<float> f(4096);
  GPB_CUDA_CHECK(launch_fill_uniform<float>(f.data(), f.size(), 5, nullptr));
  std::vector<float> hf(f.size());
  GPB_CUDA_CHECK(cudaMemcpy(hf.data(), f.data(), f.size_bytes(), cudaMemcpyDeviceToHost));
  double mean = 0;
  for (float v : hf) {
    EXPECT_GE(v, -1.0f);
    EXPECT_LT(v, 1.0f);
    mean += v;
  }
  EXPECT_NEAR(mean / static_cast<double>(hf.size()), 0.0, 0.05);
  EXPECT_NE(hf[0], hf[1]);
}

TEST(ComputeGpu, FmaChainsEqualHostReplay) {
  GPB_REQUIRE_GPU();
  const int cc = device_cc();
  for (FmaType t : {FmaType::fp64, FmaType::fp32, FmaType::fp16x2, FmaType::bf16x2}) {
    if (t == FmaType::bf16x2 && cc < 80) {
      continue;
    }
    FmaLaunch cfg;
    cfg.blocks = 4;
    cfg.threads = 64;
    const std::int64_t iters = 1000;
    const std::size_t count = static_cast<std::size_t>(cfg.blocks * cfg.threads) * kFmaChains * 2;
    DeviceBuffer<double> out(count);
    GPB_CUDA_CHECK(launch_fma_chain(t, cfg, iters, 77, out.data(), nullptr));
    std::vector<double> got(count);
    GPB_CUDA_CHECK(cudaMemcpy(got.data(), out.data(), out.size_bytes(), cudaMemcpyDeviceToHost));
    for (std::int64_t th : {0, 1, 100, 255}) {
      double want[kFmaChains * 2];
      fma_chain_host(t, iters, 77, th, want);
      for (int v = 0; v < kFmaChains * 2; ++v) {
        EXPECT_EQ(got[static_cast<std::size_t>(th) * kFmaChains * 2 + static_cast<std::size_t>(v)],
                  want[v])
            << "type " << static_cast<int>(t) << " thread " << th << " value " << v;
      }
    }
  }
}

}  // namespace
}  // namespace gpb
