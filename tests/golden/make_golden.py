#!/usr/bin/env python3
"""Writes the PyTorch reference values ("goldens") that the C++ tests compare against.

Run with Debian's Python, which has python3-torch:

    /usr/bin/python3 tests/golden/make_golden.py           # (re)write tests/golden/
    /usr/bin/python3 tests/golden/make_golden.py --check   # verify the committed files

Conventions (the C++ side relies on them):
  * Inputs are stored as float32. Expected outputs are computed by PyTorch in float64
    from those same float32 values, so the float32 C++ op is measured against the exact
    answer and the float64 C++ op can be held to ~1e-12 (tests/support/tolerances.hpp).
  * Every file is listed in manifest.json with its shape, dtype, SHA-256 and the PyTorch
    call that produced it.
  * Inputs come from torch.Generator seeds, so they are the same on every machine.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import tempfile

import numpy as np
import torch
import torchvision
import torchvision.transforms as T

HERE = os.path.dirname(os.path.abspath(__file__))


class Writer:
    """Saves arrays as .npy under a root folder and records them for the manifest."""

    def __init__(self, root):
        self.root = root
        self.entries = {}

    def array(self, name, value, produced_by):
        value = value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
        path = os.path.join(self.root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        np.save(path, value)
        self.entries[name] = {
            "shape": list(value.shape),
            "dtype": str(value.dtype),
            "produced_by": produced_by,
            "sha256": sha256(path),
        }

    def json(self, name, value, produced_by):
        path = os.path.join(self.root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(value, f, indent=1)
            f.write("\n")
        self.entries[name] = {"produced_by": produced_by, "sha256": sha256(path)}

    def manifest(self):
        manifest = {
            "written_by": "tests/golden/make_golden.py",
            "torch_version": torch.__version__,
            "files": dict(sorted(self.entries.items())),
        }
        with open(os.path.join(self.root, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def float32_input(generator, *shape, scale=1.0, offset=0.0):
    return (torch.randn(*shape, generator=generator, dtype=torch.float64) * scale + offset).float()


def chapter1(out):
    g = torch.Generator().manual_seed(2026_01)

    # Task 1.3: per-channel normalisation, as torchvision.transforms.Normalize does it.
    x = (torch.rand(2, 3, 4, 5, generator=g, dtype=torch.float64)).float()
    mean = torch.tensor([0.4914, 0.4822, 0.4465], dtype=torch.float32)
    std = torch.tensor([0.2470, 0.2435, 0.2616], dtype=torch.float32)
    out.array("ch01/normalize_x.npy", x, "torch.rand(2, 3, 4, 5) in float32")
    out.array("ch01/normalize_mean.npy", mean, "CIFAR-10 channel means")
    out.array("ch01/normalize_std.npy", std, "CIFAR-10 channel standard deviations")
    out.array("ch01/normalize_expected.npy",
              T.Normalize(mean.double().tolist(), std.double().tolist())(x.double()),
              "torchvision.transforms.Normalize(mean, std)(x.double())")

    # Task 1.4: reductions. Values of 1e4 +- 2 make the one-pass variance E[x^2] - E[x]^2
    # lose every digit in float32 and about 8 of 16 in float64 (relative errors of ~1e-8
    # measured), while PyTorch's float64 answer stays within 5e-13 of the exact one, so
    # only the two-pass formula passes both tests. (At 1e6 PyTorch's own float64 error
    # grows to 3e-11 and the golden would no longer be exact enough.)
    x = float32_input(g, 4, 6, 5, scale=2.0, offset=1e4)
    out.array("ch01/reduce_x.npy", x, "randn(4, 6, 5) * 2 + 1e4 in float32")
    for axis in range(3):
        out.array(f"ch01/sum_axis{axis}.npy", x.double().sum(dim=axis), f"x.double().sum(dim={axis})")
        out.array(f"ch01/mean_axis{axis}.npy", x.double().mean(dim=axis), f"x.double().mean(dim={axis})")
        out.array(f"ch01/var_biased_axis{axis}.npy", torch.var(x.double(), dim=axis, unbiased=False),
                  f"torch.var(x.double(), dim={axis}, unbiased=False)")
        out.array(f"ch01/var_unbiased_axis{axis}.npy", torch.var(x.double(), dim=axis, unbiased=True),
                  f"torch.var(x.double(), dim={axis}, unbiased=True)")

    # Task 1.5: matrix product with awkward sizes.
    a = float32_input(g, 7, 13)
    b = float32_input(g, 13, 5)
    out.array("ch01/matmul_a.npy", a, "randn(7, 13) in float32")
    out.array("ch01/matmul_b.npy", b, "randn(13, 5) in float32")
    out.array("ch01/matmul_expected.npy", a.double() @ b.double(), "a.double() @ b.double()")

    # Task 1.6: softmax and log-softmax, ordinary and extreme logits.
    logits = float32_input(g, 4, 10, scale=3.0)
    extreme = torch.tensor([[1000.0, 0.0, -1000.0, 999.0, 5.0],
                            [-1000.0, -1001.0, -1002.0, -1003.0, -1004.0],
                            [88.0, 89.0, 90.0, 91.0, 104.0],
                            [0.0, 0.0, 0.0, 0.0, 0.0]], dtype=torch.float32)
    for name, z in (("logits", logits), ("extreme", extreme)):
        out.array(f"ch01/softmax_{name}.npy", z, f"{name} logits in float32")
        out.array(f"ch01/softmax_{name}_expected.npy", torch.softmax(z.double(), dim=1),
                  "torch.softmax(z.double(), dim=1)")
        out.array(f"ch01/log_softmax_{name}_expected.npy", torch.log_softmax(z.double(), dim=1),
                  "torch.log_softmax(z.double(), dim=1)")

    # Task 1.7: fans and Kaiming standard deviations of every weight shape of torchvision's
    # ResNet-34 (ImageNet head), of its 10-class CIFAR head and of the CIFAR stem, plus a
    # rank-3 weight.
    resnet34 = torchvision.models.resnet34()
    shapes = sorted({tuple(p.shape) for p in resnet34.parameters() if p.dim() >= 2})
    shapes = [list(s) for s in shapes] + [[10, 512], [64, 3, 3, 3], [5, 4, 3]]
    records = []
    gain = torch.nn.init.calculate_gain("relu")
    for shape in shapes:
        fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        records.append({"shape": shape, "fan_in": fan_in, "fan_out": fan_out,
                        "std_fan_in": gain / math.sqrt(fan_in),
                        "std_fan_out": gain / math.sqrt(fan_out)})
    out.json("ch01/kaiming.json", {"relu_gain": gain, "weights": records},
             "torch.nn.init._calculate_fan_in_and_fan_out and calculate_gain('relu')")

    # .npy reading: a Fortran-order file must come back in row-major order.
    out.array("ch01/fortran_order.npy", np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4)),
              "numpy.asfortranarray(arange(24).reshape(2, 3, 4)) as float32")


def write_all(root):
    out = Writer(root)
    chapter1(out)
    out.manifest()
    return out


def check():
    """Regenerates into a temporary folder and compares with the committed files."""
    with open(os.path.join(HERE, "manifest.json")) as f:
        committed = json.load(f)["files"]
    with tempfile.TemporaryDirectory() as tmp:
        fresh = write_all(tmp).entries
        problems = []
        for name in sorted(set(committed) | set(fresh)):
            if name not in fresh:
                problems.append(f"{name}: committed but no longer written by this script")
            elif name not in committed:
                problems.append(f"{name}: written by this script but not committed")
            elif name.endswith(".npy"):
                old = np.load(os.path.join(HERE, name))
                new = np.load(os.path.join(tmp, name))
                # Inputs must be identical; PyTorch's float64 results may differ in the
                # last bits between CPUs (vectorised code paths), nothing more.
                if old.shape != new.shape or old.dtype != new.dtype or \
                        not np.allclose(old, new, rtol=1e-12, atol=1e-14):
                    problems.append(f"{name}: differs from what the script writes now")
            elif fresh[name]["sha256"] != committed[name]["sha256"]:
                with open(os.path.join(HERE, name)) as a, open(os.path.join(tmp, name)) as b:
                    if json.load(a) != json.load(b):
                        problems.append(f"{name}: differs from what the script writes now")
    for problem in problems:
        print("golden out of date:", problem, file=sys.stderr)
    if problems:
        print("regenerate with: /usr/bin/python3 tests/golden/make_golden.py", file=sys.stderr)
        return 1
    print(f"goldens: all {len(committed)} files match what make_golden.py writes")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="verify the committed goldens instead of writing")
    args = parser.parse_args()
    if args.check:
        return check()
    entries = write_all(HERE).entries
    print(f"goldens: wrote {len(entries)} files under {os.path.relpath(HERE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
