#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Side-by-side PyTorch reference on the same GPU, for the GEMM and stream families.

matmul: random normal inputs (never zeros), 10 warm-up products, then 50 products timed one by
one with CUDA events; the median is reported (TFLOP/s = 2*M*N*K / t / 1e12), like gpubench's
headline. Rotates among input sets totalling >= 3x the L2 size so no product runs from cache.

copy / triad (the bar for stream/hbm): dst.copy_(src) (cudaMemcpyAsync device to device) and
torch.add(b, c, alpha=0.4, out=a) (PyTorch's vectorised elementwise kernel) on fp32 arrays of
--array-gib GiB each, far above any L2; GB/s = (2 or 3) * bytes per array / median time / 1e9,
BabelStream's byte model, as gpubench's stream/hbm counts it.
Writes a small JSON file; prints one line per measurement.
"""
import argparse
import json
import statistics
import sys


def timed(torch, fn, iters):
    """Seconds per call: 5 warm-up calls, then `iters` calls timed one by one with CUDA events."""
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) / 1e3)
    return times


def stream_reference(torch, array_gib, iters):
    n = int(array_gib * (1 << 30)) // 4
    gen = torch.Generator(device="cuda").manual_seed(4321)
    a = torch.rand(n, device="cuda", generator=gen) + 0.5  # [0.5, 1.5), as gpubench fills
    b = torch.rand(n, device="cuda", generator=gen) + 0.5
    c = torch.rand(n, device="cuda", generator=gen) + 0.5
    ops = [("copy", 2, lambda: c.copy_(a)),
           ("triad", 3, lambda: torch.add(b, c, alpha=0.4, out=a))]
    out = []
    for name, weight, fn in ops:
        times = timed(torch, fn, iters)
        median = statistics.median(times)
        moved = weight * 4 * n
        if name == "copy":
            assert torch.equal(c, a), "copy_ produced a different array"
        gbps = moved / median / 1e9
        out.append({"op": name, "dtype": "fp32", "elements": n, "bytes_per_op": moved,
                    "median_s": median, "min_s": min(times), "gbps_median": gbps,
                    "gbps_best": moved / min(times) / 1e9})
        print(f"torch {name} fp32 {array_gib:g} GiB/array: {gbps:.1f} GB/s (median of {iters})")
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--shapes", default="bf16:8192,8192,8192;fp32:4096,4096,4096")
    parser.add_argument("--iters", type=int, default=50)
    parser.add_argument("--array-gib", type=float, default=2.0,
                        help="fp32 array size for copy/triad (0 skips them)")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print("torch_reference: PyTorch not installed", file=sys.stderr)
        return 3
    if not torch.cuda.is_available():
        print("torch_reference: no CUDA device", file=sys.stderr)
        return 3
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32 means fp32, as in gpubench's f32 case
    dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}
    props = torch.cuda.get_device_properties(0)
    l2 = getattr(props, "L2_cache_size", 50 << 20)
    results = []
    for spec in args.shapes.split(";"):
        name, dims = spec.split(":")
        m, n, k = (int(x) for x in dims.split(","))
        dt = dtypes[name]
        gen = torch.Generator(device="cuda").manual_seed(1234)
        elem = torch.tensor([], dtype=dt).element_size()
        per_set = (m * k + k * n) * elem
        sets = max(1, min(8, -(-3 * l2 // per_set)))
        ins = [(torch.randn(m, k, device="cuda", dtype=dt, generator=gen),
                torch.randn(k, n, device="cuda", dtype=dt, generator=gen)) for _ in range(sets)]
        out = torch.empty(m, n, device="cuda", dtype=dt)
        for i in range(10):
            a, b = ins[i % sets]
            torch.matmul(a, b, out=out)
        torch.cuda.synchronize()
        times = []
        for i in range(args.iters):
            a, b = ins[i % sets]
            start = torch.cuda.Event(enable_timing=True)
            stop = torch.cuda.Event(enable_timing=True)
            start.record()
            torch.matmul(a, b, out=out)
            stop.record()
            stop.synchronize()
            times.append(start.elapsed_time(stop) / 1e3)
        median = statistics.median(times)
        tflops = 2 * m * n * k / median / 1e12
        results.append({"op": "matmul", "dtype": name, "m": m, "n": n, "k": k, "median_s": median,
                        "min_s": min(times), "tflops_median": tflops,
                        "tflops_best": 2 * m * n * k / min(times) / 1e12, "input_sets": sets})
        print(f"torch.matmul {name} {m}x{n}x{k}: {tflops:.1f} TFLOP/s (median of {args.iters})")
    if args.array_gib > 0:
        results.extend(stream_reference(torch, args.array_gib, args.iters))
    doc = {"tool": "torch", "torch_version": torch.__version__,
           "cuda_version": torch.version.cuda, "device": torch.cuda.get_device_name(0),
           "results": results}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
