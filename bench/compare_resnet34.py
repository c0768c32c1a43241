#!/usr/bin/env python3
"""ResNet-34 training step and inference on CIFAR-10-shaped batches: ours vs PyTorch.

    /usr/bin/python3 bench/compare_resnet34.py [--batch 128] [--repeats 5] [--cifar-train-repeats 3]
                                              [--out bench/results/resnet34.md]

Four measurements, each for ours and for PyTorch: a training step (forward, cross-entropy,
backward: gradients only, no optimizer) with the ImageNet stem and with the CIFAR stem, and
inference (eval mode, forward only, no graph) with both stems, on (N, 3, 32, 32) inputs and
10 classes. Every measurement runs in a fresh process (ours: bench_resnet34; PyTorch: this
script with --torch-worker), so that each reports its own peak resident memory (VmHWM)
untouched by the others. Both sides use the same method: one warm-up pass, then the median
of the timed passes, with PyTorch given as many intra-op threads as ours uses.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_matmul import ROOT, cpu_model  # noqa: E402

MEASUREMENTS = [("imagenet", "train"), ("cifar", "train"), ("imagenet", "inference"), ("cifar", "inference")]


def status_mib(field):
    """A line of /proc/self/status in MiB (VmHWM: the peak resident memory; VmRSS: the current)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return float(line.split()[1]) / 1024.0
    return -1.0


def torch_worker(args):
    """One measurement of PyTorch, in this (fresh) process: prints one JSON line like bench_resnet34."""
    import torch
    import torchvision

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = torchvision.models.resnet34(num_classes=args.classes)
    if args.stem == "cifar":  # as tests/golden/make_golden.py: 3x3 stride-1 stem, no max-pool
        model.conv1 = torch.nn.Conv2d(3, 64, 3, stride=1, padding=1, bias=False)
        model.maxpool = torch.nn.Identity()
    images = torch.rand(args.batch, 3, 32, 32) * 2 - 1
    labels = torch.arange(args.batch) % args.classes
    if args.mode == "inference":
        model.eval()
    rss_before = status_mib("VmRSS")

    def step():
        if args.mode == "inference":
            with torch.no_grad():
                model(images)
            return
        model.zero_grad(set_to_none=False)
        loss = torch.nn.functional.cross_entropy(model(images), labels)
        loss.backward()

    for _ in range(args.warmup):
        step()
    seconds = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - start)
    median = sorted(seconds)[len(seconds) // 2]
    print(json.dumps({"stem": args.stem, "mode": args.mode, "batch": args.batch, "seconds": seconds,
                      "median_seconds": median, "images_per_second": args.batch / median,
                      "rss_before_mib": rss_before, "peak_rss_mib": status_mib("VmHWM"),
                      "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "mkldnn": torch.backends.mkldnn.is_available()}))


def fma_peak():
    """This machine's float32 peak, estimated: logical CPUs x SIMD lanes x 2 FMA units x 2 FLOPs
    (a fused multiply-add) x clock. Lanes: 16 with AVX-512, 8 with AVX2 + FMA, else 4. The clock
    is /proc/cpuinfo's "cpu MHz", the VM's nominal one (a core may boost above it, and a
    logical CPU may be a hyperthread sharing its core's units, both of which this ignores).
    Returns (GFLOP/s, a sentence saying how it was found)."""
    flags, mhz = set(), None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
                elif line.startswith("cpu MHz") and mhz is None:
                    mhz = float(line.split(":", 1)[1])
    except OSError:
        pass
    if mhz is None:
        return None, "no clock in /proc/cpuinfo, so no peak"
    lanes, isa = (16, "AVX-512") if "avx512f" in flags else (8, "AVX2+FMA") if {"avx2", "fma"} <= flags else (4, "SSE")
    peak = os.cpu_count() * lanes * 2 * 2 * mhz / 1000
    return peak, (f"{os.cpu_count()} logical CPUs x {lanes} lanes ({isa}) x 2 FMA units x 2 FLOPs x "
                  f"{mhz / 1000:.2f} GHz (/proc/cpuinfo's cpu MHz) = {peak:.0f} GFLOP/s, an estimate")


def run_json(command):
    output = subprocess.run(command, check=True, text=True, stdout=subprocess.PIPE).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default=os.path.join(ROOT, "build", "release", "bin", "bench_resnet34"))
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5, help="timed passes per measurement")
    parser.add_argument("--cifar-train-repeats", type=int, default=3,
                        help="timed passes for the CIFAR-stem training step (the slow one)")
    parser.add_argument("--threads", type=int, default=None,
                        help="PyTorch's intra-op threads (default: as many as bench_resnet34 uses)")
    parser.add_argument("--kernels", default="packed", choices=["packed", "reference"],
                        help="our CPU layers' code: the library's kernels or the chapters' reference")
    parser.add_argument("--cpu-gemm", default="packed", choices=["packed", "openblas"],
                        help="the reference's matrix products: our packed GEMM or OpenBLAS")
    parser.add_argument("--only", default=None, help="comma-separated stem:mode pairs, e.g. cifar:train")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "resnet34.md"))
    parser.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stem", default="cifar", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="train", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_worker:
        torch_worker(args)
        return
    if not os.path.exists(args.bench):
        sys.exit(f"{args.bench} not found: cmake --build --preset release --target bench_resnet34")
    measurements = MEASUREMENTS
    if args.only:
        measurements = [tuple(pair.split(":")) for pair in args.only.split(",")]

    started = time.time()
    rows = []
    for stem, mode in measurements:
        repeats = args.cifar_train_repeats if (stem, mode) == ("cifar", "train") else args.repeats
        common = ["--stem", stem, "--mode", mode, "--batch", str(args.batch), "--classes", str(args.classes),
                  "--warmup", str(args.warmup), "--repeats", str(repeats)]
        ours = run_json([args.bench, "--kernels", args.kernels, "--cpu-gemm", args.cpu_gemm] + common)
        threads = args.threads or ours["omp_threads"]
        theirs = run_json([sys.executable, os.path.abspath(__file__), "--torch-worker", "--threads", str(threads)] + common)
        rows.append((stem, mode, repeats, ours, theirs))
        print(f"{stem} {mode}: ours {ours['images_per_second']:.1f} images/s, "
              f"PyTorch {theirs['images_per_second']:.1f} images/s", file=sys.stderr)

    ours0, theirs0 = rows[0][3], rows[0][4]
    peak, peak_note = fma_peak()
    command = " ".join(["/usr/bin/python3 bench/compare_resnet34.py", f"--batch {args.batch}",
                        f"--repeats {args.repeats}", f"--cifar-train-repeats {args.cifar_train_repeats}",
                        f"--kernels {args.kernels}", f"--cpu-gemm {args.cpu_gemm}"]
                       + ([f"--only {args.only}"] if args.only else []))
    lines = [
        f"# ResNet-34 training step and inference, batch {args.batch} of (3, 32, 32) images, {args.classes} classes",
        "",
        f"- Machine: {cpu_model()}, {os.cpu_count()} logical CPUs",
        f"- Ours: `--kernels {ours0.get('kernels', 'reference')}`; other float products by `{ours0['gemm']}`; {ours0['blas_config']}; {ours0['omp_threads']} OpenMP threads, {ours0['blas_threads']} OpenBLAS threads; "
        f"`resnet::keep_freed_memory()` applied: {ours0.get('keeps_freed_memory', False)}",
        f"- PyTorch {theirs0['torch']} with {theirs0['threads']} intra-op threads "
        f"(its CPU convolution uses oneDNN/mkldnn: {theirs0['mkldnn']}); torchvision's resnet34",
        f"- Date: {datetime.date.today().isoformat()}; the whole comparison took {time.time() - started:.0f} s",
        f"- Command: `{command}`",
        "- Training step: zero_grad, forward, cross-entropy, backward (gradients only, no optimizer), "
        "training mode (batch statistics). Inference: eval mode, forward only (PyTorch under no_grad).",
        f"- Method: every measurement in a fresh process; {args.warmup} warm-up pass, then the median of the timed "
        "passes (all listed). The machine is a shared VM and noisy: expect a few percent between runs.",
        "- Peak memory: the process's VmHWM (peak resident set) at the end; \"before\" is the resident set once the "
        "model and the batch exist (PyTorch's includes the Python interpreter and libtorch).",
        "- Ratio: our images/s / PyTorch's (above 1 = we are faster; the goal is 1.5).",
        "- GFLOP/s: the pass's counted FLOPs (2 per multiply-accumulate of the convolutions and the linear layer, "
        "from the model summary; a training step counts 3 forward passes: forward, dx, dW) over its median time, "
        "the same count for both; in brackets, the fraction of the peak.",
        f"- Peak: {peak_note}",
        "",
        "| measurement | timed passes | ours images/s | PyTorch images/s | ratio | ours GFLOP/s | PyTorch GFLOP/s "
        "| ours s/pass (all) | PyTorch s/pass (all) | ours peak MiB (before) | PyTorch peak MiB (before) |",
        "|---|--:|--:|--:|--:|--:|--:|---|---|--:|--:|",
    ]

    def gflops(result, flops):
        rate = flops / result["median_seconds"] / 1e9 if result["median_seconds"] > 0 else 0.0
        return f"{rate:.0f}" + (f" ({rate / peak:.0%})" if peak else "")
    for stem, mode, repeats, ours, theirs in rows:
        name = f"{'training step' if mode == 'train' else 'inference'}, {stem} stem"
        lines.append(
            f"| {name} | {repeats} | {ours['images_per_second']:.1f} | {theirs['images_per_second']:.1f} | "
            f"{ours['images_per_second'] / theirs['images_per_second']:.2f} | "
            f"{gflops(ours, ours['flops_per_pass'])} | {gflops(theirs, ours['flops_per_pass'])} | "
            f"{' '.join(f'{s:.2f}' for s in ours['seconds'])} | {' '.join(f'{s:.2f}' for s in theirs['seconds'])} | "
            f"{ours['peak_rss_mib']:.0f} ({ours['rss_before_mib']:.0f}) | "
            f"{theirs['peak_rss_mib']:.0f} ({theirs['rss_before_mib']:.0f}) |")
    table = "\n".join(lines) + "\n"
    print(table)

    # The results file keeps a hand-written worklog below the generated table: replace the
    # table (everything above the marker) and keep the rest.
    marker = "<!-- worklog: written by hand, kept by compare_resnet34.py -->"
    worklog = ""
    if os.path.exists(args.out):
        with open(args.out) as f:
            previous = f.read()
        if marker in previous:
            worklog = previous[previous.index(marker):]
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(table + ("\n" + worklog if worklog else ""))


if __name__ == "__main__":
    main()
