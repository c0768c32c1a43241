#!/usr/bin/env python3
"""Conv2d forward + backward at every distinct ResNet-34 convolution: ours vs PyTorch.

    /usr/bin/python3 bench/compare_conv2d.py [--batch 128] [--stem both] [--repeats 3]
                                            [--out bench/results/conv2d.md]

Runs bench_conv2d (our im2col + GEMM convolution, which prints JSON lines), then times
torch.nn.functional.conv2d and its backward (dx and dweight, as ours computes) on the same
shapes in the same process run, with the same method (one warm-up, the best of N timed
runs), and writes a Markdown table of times, GFLOP/s and the ratio ours / PyTorch.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_matmul import ROOT, cpu_model, torch_blas  # noqa: E402


def best_seconds(work, repeats):
    work()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def time_torch(shape, batch, repeats):
    g = torch.Generator().manual_seed(1)
    x = (torch.rand(batch, shape["C"], shape["H"], shape["H"], generator=g) * 2 - 1).requires_grad_()
    w = ((torch.rand(shape["K"], shape["C"], shape["R"], shape["R"], generator=g) * 2 - 1) * 0.05).requires_grad_()
    y = torch.nn.functional.conv2d(x, w, None, shape["stride"], shape["padding"])
    dy = torch.rand_like(y) * 2 - 1

    def forward():
        with torch.no_grad():
            torch.nn.functional.conv2d(x, w, None, shape["stride"], shape["padding"])

    def backward():
        # The backward pass alone, on a graph built once: dx and dweight, as ours computes.
        torch.autograd.grad(y, (x, w), dy, retain_graph=True)

    return best_seconds(forward, repeats), best_seconds(backward, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default=os.path.join(ROOT, "build", "release", "bin", "bench_conv2d"))
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--stem", default="both", choices=["imagenet", "cifar", "both"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="PyTorch's intra-op threads")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "conv2d.md"))
    args = parser.parse_args()
    if not os.path.exists(args.bench):
        sys.exit(f"{args.bench} not found: cmake --build --preset release --target bench_conv2d")
    torch.set_num_threads(args.threads)

    started = time.time()
    output = subprocess.run([args.bench, "--batch", str(args.batch), "--stem", args.stem,
                             "--repeats", str(args.repeats)], check=True, text=True,
                            stdout=subprocess.PIPE).stdout
    ours = [json.loads(line) for line in output.splitlines()]
    rows = []
    totals = {"ours_f": 0.0, "ours_b": 0.0, "torch_f": 0.0, "torch_b": 0.0}
    for shape in ours:
        torch_f, torch_b = time_torch(shape, args.batch, args.repeats)
        totals["ours_f"] += shape["forward_seconds"]
        totals["ours_b"] += shape["backward_seconds"]
        totals["torch_f"] += torch_f
        totals["torch_b"] += torch_b
        rows.append((shape, torch_f, torch_b))
        print(f"{shape['name']}: ours {shape['forward_seconds']:.3f}+{shape['backward_seconds']:.3f} s, "
              f"PyTorch {torch_f:.3f}+{torch_b:.3f} s", file=sys.stderr)

    lines = [
        f"# conv2d forward and backward at every distinct ResNet-34 convolution, batch {args.batch}",
        "",
        f"- Machine: {cpu_model()}, {os.cpu_count()} logical CPUs",
        f"- Ours: im2col + GEMM (`conv2d_forward` / `conv2d_backward`), OpenBLAS through cblas, OpenMP im2col",
        f"- PyTorch {torch.__version__} with {torch.get_num_threads()} threads "
        f"(its CPU convolution uses oneDNN/mkldnn: {torch.backends.mkldnn.is_available()}; {torch_blas()})",
        f"- Date: {datetime.date.today().isoformat()}; the whole comparison took {time.time() - started:.0f} s",
        f"- Command: `/usr/bin/python3 bench/compare_conv2d.py --batch {args.batch} --stem {args.stem} --repeats {args.repeats}`",
        "- Method: one warm-up, then the best of the timed runs. Backward = dx and dweight (no bias); "
        "PyTorch's backward is `torch.autograd.grad` on a graph built once (retain_graph).",
        "- Ours, where the forward time goes: im2col alone and the matrix product alone (the rest is "
        "the copy of x kept for the backward pass and the copy of the product into the (N, K, P, Q) batch).",
        "- GFLOP/s: 2 flops per multiply-add; the backward pass does twice the forward's work.",
        "- Ratio: our time / PyTorch's (above 1 = we are slower).",
        "",
        "| convolution | x | weight | ours fwd ms | PyTorch fwd ms | fwd ratio | ours bwd ms | PyTorch bwd ms | bwd ratio "
        "| ours fwd / bwd GFLOP/s | PyTorch fwd / bwd GFLOP/s | ours im2col ms | ours fwd GEMM ms (GFLOP/s) |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for shape, torch_f, torch_b in rows:
        x = f"({args.batch}, {shape['C']}, {shape['H']}, {shape['H']})"
        w = f"({shape['K']}, {shape['C']}, {shape['R']}, {shape['R']})/{shape['stride']}"
        lines.append(
            f"| {shape['name']} | {x} | {w} | {shape['forward_seconds'] * 1e3:.1f} | {torch_f * 1e3:.1f} | "
            f"{shape['forward_seconds'] / torch_f:.2f} | {shape['backward_seconds'] * 1e3:.1f} | {torch_b * 1e3:.1f} | "
            f"{shape['backward_seconds'] / torch_b:.2f} | "
            f"{shape['forward_flops'] / shape['forward_seconds'] * 1e-9:.0f} / {shape['backward_flops'] / shape['backward_seconds'] * 1e-9:.0f} | "
            f"{shape['forward_flops'] / torch_f * 1e-9:.0f} / {shape['backward_flops'] / torch_b * 1e-9:.0f} | "
            f"{shape['im2col_seconds'] * 1e3:.1f} | {shape['forward_gemm_seconds'] * 1e3:.1f} "
            f"({shape['forward_flops'] / shape['forward_gemm_seconds'] * 1e-9:.0f}) |")
    lines += ["",
              f"Sum over the shapes above (each distinct shape once): ours {totals['ours_f']:.2f} s forward + "
              f"{totals['ours_b']:.2f} s backward, PyTorch {totals['torch_f']:.2f} s + {totals['torch_b']:.2f} s; "
              f"ratio {(totals['ours_f'] + totals['ours_b']) / (totals['torch_f'] + totals['torch_b']):.2f}."]
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
