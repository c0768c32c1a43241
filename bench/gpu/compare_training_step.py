#!/usr/bin/env python3
"""ResNet-34 training step on the GPU: ours (chapter 6's kernels) vs PyTorch (cuDNN), same GPU.

    python3 bench/gpu/compare_training_step.py --bench build/gpu/bin/bench_resnet34 \\
        [--batch 128] [--repeats 5] [--out bench/results/gpu-run/training_step.md]

A training step is forward, cross-entropy and backward (gradients only, no optimizer), on
(N, 3, 32, 32) inputs and 10 classes, with the ImageNet stem and with the CIFAR stem. Ours
runs with the FP32 GEMM rung 05 and with the TF32 tensor-core rung 06; PyTorch with cuDNN in
FP32 (TF32 off) and with TF32 on. Both: warm-up passes, then the median of the timed passes,
each ending with a synchronisation so that the time is the GPU's. One difference: our step
copies the logits (N x 10) to the CPU for the loss and the gradient back, PyTorch's stays
on the GPU. Each measurement runs in a fresh process; one that fails is reported on stderr
(exit code or time-out, with the end of its stderr) and marked "failed" in the table, and the
script then exits 1. Prints a Markdown table with images/s and PyTorch's speed over ours.
Needs PyTorch with CUDA and torchvision.
"""
import argparse
import json
import subprocess
import sys
import time


def torch_step(stem, batch, repeats, tf32):
    """images/s of torchvision's ResNet-34 (our CIFAR stem: 3x3 conv, no max-pool) on the GPU."""
    import torch
    import torchvision
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = True
    model = torchvision.models.resnet34(num_classes=10)
    if stem == "cifar":
        model.conv1 = torch.nn.Conv2d(3, 64, 3, stride=1, padding=1, bias=False)
        model.maxpool = torch.nn.Identity()
    model = model.cuda().train()
    images = torch.rand(batch, 3, 32, 32, device="cuda") * 2 - 1
    labels = torch.arange(batch, device="cuda") % 10

    def step():
        model.zero_grad(set_to_none=False)
        torch.nn.functional.cross_entropy(model(images), labels).backward()
        torch.cuda.synchronize()

    for _ in range(3):
        step()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - start)
    median = sorted(seconds)[len(seconds) // 2]
    return {"images_per_second": batch / median, "median_seconds": median, "gpu": torch.cuda.get_device_name(0),
            "torch": torch.__version__, "cudnn": torch.backends.cudnn.version()}


def measure(command, timeout=300):
    """The JSON object on the last line of COMMAND's output; None when it fails, after printing
    why on stderr: the exit code or time-out, and the ends of its stderr and output."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        reason = f"exit code {result.returncode}" if result.returncode else None
        stdout, stderr = result.stdout, result.stderr
    except subprocess.TimeoutExpired as expired:
        reason = f"timed out after {timeout} s"
        stdout, stderr = [x.decode(errors="replace") if isinstance(x, bytes) else (x or "")
                          for x in (expired.stdout, expired.stderr)]
    except OSError as error:
        reason, stdout, stderr = f"could not run it: {error}", "", ""
    if reason is None:
        try:
            return json.loads(stdout.strip().splitlines()[-1])
        except (IndexError, ValueError) as error:
            reason = f"its last line of output is not JSON ({error})"

    def tail(text, lines):
        return "\n".join("  | " + line for line in text.rstrip().splitlines()[-lines:]) or "  (nothing)"

    print(f"FAILED: {' '.join(command)}: {reason}\n  its stderr, last lines:\n{tail(stderr, 30)}\n"
          f"  its output, last lines:\n{tail(stdout, 10)}", file=sys.stderr, flush=True)
    return None


def ours_step(bench, stem, batch, repeats, gemm):
    return measure([bench, "--device", "cuda", "--stem", stem, "--mode", "train", "--batch", str(batch),
                    "--warmup", "2", "--repeats", str(repeats), "--gemm", gemm])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", required=True, help="bench_resnet34 built with CUDA")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", help="also write the table here")
    parser.add_argument("--torch-worker", nargs=2, metavar=("STEM", "TF32"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_worker:
        stem, tf32 = args.torch_worker
        print(json.dumps(torch_step(stem, args.batch, args.repeats, tf32 == "1")))
        return 0

    rows = ["| stem | precision | ours (images/s) | PyTorch cuDNN (images/s) | PyTorch / ours |", "|---|---|---|---|---|"]
    gpu = "the GPU (no PyTorch measurement succeeded)"
    failures = 0
    for stem in ("imagenet", "cifar"):
        for precision, gemm, tf32 in (("FP32", "05_vectorized", "0"), ("TF32", "06_tf32_wmma", "1")):
            ours = ours_step(args.bench, stem, args.batch, args.repeats, gemm)
            theirs = measure([sys.executable, __file__, "--batch", str(args.batch), "--repeats", str(args.repeats),
                              "--bench", args.bench, "--torch-worker", stem, tf32])
            failures += (ours is None) + (theirs is None)
            if theirs:
                gpu = f"{theirs['gpu']}, PyTorch {theirs['torch']}, cuDNN {theirs['cudnn']}"
            ours_text = f"{ours['images_per_second']:.1f}" if ours else "failed"
            theirs_text = f"{theirs['images_per_second']:.1f}" if theirs else "failed"
            ratio = f"{theirs['images_per_second'] / ours['images_per_second']:.2f}" if ours and theirs else "-"
            rows.append(f"| {stem} | {precision} (ours: rung {gemm}) | {ours_text} | {theirs_text} | {ratio} |")
            print(rows[-1], flush=True)
    text = (f"ResNet-34 training step (forward, cross-entropy, backward), batch {args.batch}, 32x32 inputs, "
            f"median of {args.repeats} after warm-up, on {gpu}\n\n" + "\n".join(rows) + "\n")
    print("\n" + text)
    if args.out:
        with open(args.out, "w") as out:
            out.write(text)
    if failures:
        print(f"{failures} of 8 measurements failed (why: above, on stderr)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
