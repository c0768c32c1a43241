#!/usr/bin/env python3
"""Matrix multiply: ours (naive loop and BLAS) against torch.matmul, same machine, same run.

    /usr/bin/python3 bench/compare_matmul.py [--bench build/release/bin/bench_matmul]
                                            [--sizes 128,256,512,1024] [--out bench/results/matmul.md]

Runs bench_matmul (which prints JSON lines), times torch.matmul on float32 matrices of the
same sizes with the same method (one warm-up, then the best of N runs), and writes a
Markdown table with the ratios and the machine it ran on.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def torch_blas():
    """Which BLAS this PyTorch build multiplies matrices with, from its build settings."""
    config = torch.__config__.show()
    info = next((part.split("=", 1)[1] for part in config.replace(",", " ").split()
                 if part.startswith("BLAS_INFO=")), "unknown")
    if info == "generic":
        return "BLAS_INFO=generic: the system libblas, which Debian points at OpenBLAS"
    return f"BLAS_INFO={info}"


def best_seconds(work, repeats):
    work()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default=os.path.join(ROOT, "build", "release", "bin", "bench_matmul"))
    parser.add_argument("--sizes", default="128,256,512,1024")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "matmul.md"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    if not os.path.exists(args.bench):
        sys.exit(f"{args.bench} not found: cmake --build --preset release --target bench_matmul")
    output = subprocess.run([args.bench, "--sizes", args.sizes, "--repeats", str(args.repeats)],
                            check=True, text=True, stdout=subprocess.PIPE).stdout
    ours = {(r["implementation"], r["n"]): r["seconds"] for r in map(json.loads, output.splitlines())}

    torch_seconds = {}
    for n in sizes:
        g = torch.Generator().manual_seed(1)
        a = torch.rand(n, n, generator=g) * 2 - 1
        b = torch.rand(n, n, generator=g) * 2 - 1
        torch_seconds[n] = best_seconds(lambda: torch.matmul(a, b), args.repeats)

    def gflops(n, seconds):
        return 2.0 * n ** 3 / seconds * 1e-9

    lines = [
        "# Matrix multiply: ours vs PyTorch (float32, n x n)",
        "",
        f"- Machine: {cpu_model()}, {os.cpu_count()} logical CPUs; {platform.system()} {platform.release()}",
        f"- PyTorch {torch.__version__} ({torch_blas()}); ours: matmul_blas, OpenBLAS through xtensor-blas,"
        " and matmul_naive, the loop of task 1.5",
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Command: `/usr/bin/python3 bench/compare_matmul.py --sizes {args.sizes} --repeats {args.repeats}`",
        "- Method: one warm-up call, then the best of the timed calls, for every entry.",
        "- Ratio: our time divided by PyTorch's (1.00 = as fast; above 1 = slower).",
        "",
        "| n | naive GFLOP/s | our BLAS GFLOP/s | PyTorch GFLOP/s | naive / PyTorch | our BLAS / PyTorch |",
        "|--:|--:|--:|--:|--:|--:|",
    ]
    for n in sizes:
        blas = ours[("ours_blas", n)]
        naive = ours.get(("ours_naive", n))
        pt = torch_seconds[n]
        naive_cells = (f"{gflops(n, naive):.1f}", f"{naive / pt:.2f}") if naive else ("-", "-")
        lines.append(f"| {n} | {naive_cells[0]} | {gflops(n, blas):.1f} | {gflops(n, pt):.1f} | "
                     f"{naive_cells[1]} | {blas / pt:.2f} |")
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)
    print(f"written to {os.path.relpath(args.out, ROOT)}")


if __name__ == "__main__":
    main()
