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
import io
import json
import math
import os
import sys
import tempfile

import numpy as np
import torch
import torchvision
import torchvision.transforms as T
from PIL import Image

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

    def file(self, name, data, produced_by):
        """Saves bytes as they are (an image file the C++ side decodes)."""
        path = os.path.join(self.root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        self.entries[name] = {"produced_by": produced_by, "sha256": sha256(path)}

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

    images(out)


def encoded(image, format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def images(out):
    """Image files of the kinds `resnet predict` reads, and the RGB pixels they decode to.

    The JPEGs are decoded by Pillow, which uses the same library as read_image_rgb
    (libjpeg-turbo, default settings), so the pixels must agree exactly. PNG is lossless:
    the expected pixels are the ones written, with alpha dropped (not blended) and 16-bit
    values scaled to 8 bits as the PNG specification says, round(v * 255 / 65535).
    Sizes are odd on purpose: 4:2:0 JPEGs store colour at half resolution.
    """
    generator = np.random.default_rng(2024)
    rgb = generator.integers(0, 256, size=(10, 13, 3), dtype=np.uint8)
    rgb[:, :7] = np.linspace(0, 255, 7 * 3, dtype=np.uint8).reshape(7, 3)  # a smooth part too
    jpeg = encoded(Image.fromarray(rgb), "JPEG", quality=90)
    out.file("ch01/image_rgb.jpg", jpeg, "PIL.Image.fromarray(10x13 RGB).save(JPEG, quality=90)")
    out.array("ch01/image_rgb_jpg_expected.npy", np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB")),
              "PIL.Image.open(image_rgb.jpg).convert('RGB') (libjpeg-turbo)")

    out.file("ch01/image_cmyk.jpg", encoded(Image.fromarray(rgb).convert("CMYK"), "JPEG", quality=90),
             "PIL.Image.fromarray(10x13 RGB).convert('CMYK').save(JPEG): refused, with a message")

    grey = generator.integers(0, 256, size=(7, 9), dtype=np.uint8)
    jpeg = encoded(Image.fromarray(grey), "JPEG", quality=95)
    out.file("ch01/image_grey.jpg", jpeg, "PIL.Image.fromarray(7x9 L).save(JPEG, quality=95)")
    out.array("ch01/image_grey_jpg_expected.npy", np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB")),
              "PIL.Image.open(image_grey.jpg).convert('RGB') (libjpeg-turbo)")

    rgba = generator.integers(0, 256, size=(5, 6, 4), dtype=np.uint8)
    out.file("ch01/image_rgba.png", encoded(Image.fromarray(rgba, "RGBA"), "PNG"), "PIL RGBA 5x6 saved as PNG")
    out.array("ch01/image_rgba_png_expected.npy", rgba[:, :, :3], "the RGBA pixels written, alpha dropped")

    palette = generator.integers(0, 256, size=(4 * 3,), dtype=np.uint8)
    indices = generator.integers(0, 4, size=(3, 5), dtype=np.uint8)
    image = Image.fromarray(indices, "P")
    image.putpalette(palette.tolist())
    out.file("ch01/image_palette.png", encoded(image, "PNG", transparency=2),
             "PIL P 3x5 image, 4 palette colours, colour 2 transparent (tRNS), saved as PNG")
    out.array("ch01/image_palette_png_expected.npy", palette.reshape(4, 3)[indices],
              "the palette colour of every pixel, transparency ignored")

    grey16 = generator.integers(0, 65536, size=(4, 3), dtype=np.uint16)
    grey16[0, :] = [0, 65535, 32896]
    out.file("ch01/image_grey16.png", encoded(Image.fromarray(grey16.astype(np.int32), "I").convert("I;16"), "PNG"),
             "PIL I;16 4x3 image saved as a 16-bit grey PNG")
    expected = np.floor(grey16.astype(np.float64) * 255 / 65535 + 0.5).astype(np.uint8)
    out.array("ch01/image_grey16_png_expected.npy", np.repeat(expected[:, :, None], 3, axis=2),
              "round(v * 255 / 65535) in every channel")


# ---------------------------------------------------------------------------- chapter 2
#
# Inputs of chapter 2 are not stored: both sides compute them from a seed with the same
# integer hash (SplitMix64), so even ResNet-34's 512x512x3x3 weights cost nothing to ship.
# tests/support/hash_inputs.hpp is the C++ twin of hash_uniform() below. Value i of a
# tensor is u_i * scale rounded to float32, with u_i uniform in [-1, 1).

GAMMA = np.uint64(0x9E3779B97F4A7C15)


def hash_uniform(seed, count):
    """u_i in [-1, 1), i = 0 .. count-1: SplitMix64 of seed + (i + 1) * GAMMA, top 53 bits."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + np.arange(1, count + 1, dtype=np.uint64) * GAMMA
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53 * 2.0 - 1.0


def hash_tensor(seed, shape, scale=1.0):
    """A float32 tensor from the hash, as the C++ side builds it (the golden's input)."""
    count = int(np.prod(shape))
    return torch.from_numpy((hash_uniform(seed, count) * scale).astype(np.float32).reshape(shape))


def sample_indices(seed, size, count=200):
    """Sorted flat indices at which a large result is compared (all of them when small)."""
    if size <= count:
        return np.arange(size, dtype=np.int64)
    return np.sort(np.random.RandomState(seed).choice(size, count, replace=False)).astype(np.int64)


def conv_case(out, name, x_shape, w_shape, stride, padding, bias, seed, full):
    """Conv2d forward and backward in float64 from float32 hash inputs."""
    fan_in = w_shape[1] * w_shape[2] * w_shape[3]
    spec = {"name": name, "x_shape": list(x_shape), "w_shape": list(w_shape), "stride": stride,
            "padding": padding, "bias": bias, "x_seed": seed, "w_seed": seed + 1,
            "w_scale": 1.0 / math.sqrt(fan_in), "b_seed": seed + 2, "dy_seed": seed + 3,
            "full": full}
    x = hash_tensor(spec["x_seed"], x_shape).double().requires_grad_()
    w = hash_tensor(spec["w_seed"], w_shape, spec["w_scale"]).double().requires_grad_()
    b = hash_tensor(spec["b_seed"], (w_shape[0],)).double().requires_grad_() if bias else None
    y = torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding)
    dy = hash_tensor(spec["dy_seed"], tuple(y.shape)).double()
    y.backward(dy)
    spec["y_shape"] = list(y.shape)
    results = {"y": y.detach(), "dx": x.grad, "dweight": w.grad}
    if bias:
        results["dbias"] = b.grad
    for key, value in results.items():
        flat = value.detach().reshape(-1).numpy()
        where = np.arange(flat.size, dtype=np.int64) if full else sample_indices(seed + 10 + len(key), flat.size)
        out.array(f"ch02/conv/{name}_{key}_index.npy", where, f"flat indices of {key} compared")
        out.array(f"ch02/conv/{name}_{key}.npy", flat[where],
                  f"torch conv2d in float64, {key} at those indices")
    return spec


def chapter2(out):
    convs = []
    # Small configurations, every value compared: odd sizes, stride 2, 1x1, 7x7, bias or not.
    small = [("small_3x3", (2, 3, 7, 7), (4, 3, 3, 3), 1, 1, False),
             ("small_3x3_bias", (2, 3, 7, 7), (4, 3, 3, 3), 1, 1, True),
             ("odd_stride2_bias", (3, 5, 9, 11), (6, 5, 3, 3), 2, 1, True),
             ("projection_1x1", (2, 4, 8, 8), (8, 4, 1, 1), 2, 0, False),
             ("stem_7x7_odd", (2, 3, 15, 13), (4, 3, 7, 7), 2, 3, False),
             ("kernel_equals_input", (1, 2, 5, 5), (3, 2, 5, 5), 1, 0, True),
             ("nonsquare_3x5", (2, 3, 8, 9), (4, 3, 3, 5), 1, 1, True),
             ("nonsquare_5x2_stride2", (2, 3, 9, 8), (4, 3, 5, 2), 2, 2, False),
             ("one_by_one_padded", (2, 3, 5, 5), (4, 3, 1, 1), 1, 1, True),
             ("stride_larger_than_kernel", (2, 3, 9, 9), (4, 3, 2, 2), 3, 0, False)]
    # Every distinct convolution of ResNet-34 at batch 2: with the ImageNet stem on 224x224
    # images (7x7/2 conv and a 3x3/2 max-pool: layer1 sees 56x56, layer4 7x7) and with the
    # CIFAR stem on 32x32 images (3x3/1 conv, no pool: layer1 sees 32x32, layer4 4x4).
    # Values compared at 200 sampled positions.
    resnet = []
    for stem, size, first in (("imagenet", 56, ("stem", (2, 3, 224, 224), (64, 3, 7, 7), 2, 3)),
                              ("cifar", 32, ("stem", (2, 3, 32, 32), (64, 3, 3, 3), 1, 1))):
        resnet.append((f"{stem}_{first[0]}",) + first[1:])
        channels = [64, 128, 256, 512]
        for stage, c in enumerate(channels):
            h = size >> stage
            if stage == 0:
                resnet.append((f"{stem}_layer1", (2, 64, h, h), (64, 64, 3, 3), 1, 1))
                continue
            previous = channels[stage - 1]
            resnet.append((f"{stem}_layer{stage + 1}_first", (2, previous, 2 * h, 2 * h), (c, previous, 3, 3), 2, 1))
            resnet.append((f"{stem}_layer{stage + 1}_downsample", (2, previous, 2 * h, 2 * h), (c, previous, 1, 1), 2, 0))
            resnet.append((f"{stem}_layer{stage + 1}", (2, c, h, h), (c, c, 3, 3), 1, 1))
    seed = 100
    for name, x_shape, w_shape, stride, padding, bias in small:
        convs.append(conv_case(out, name, x_shape, w_shape, stride, padding, bias, seed, True))
        seed += 20
    for name, x_shape, w_shape, stride, padding in resnet:
        convs.append(conv_case(out, name, x_shape, w_shape, stride, padding, False, seed, False))
        seed += 20
    out.json("ch02/conv_cases.json", {"cases": convs},
             "the convolution cases: shapes, seeds and scales of the hashed inputs")

    # Linear: a small layer and ResNet's CIFAR head (512 features, 10 classes).
    linears = []
    for name, n, c, k in (("small", 3, 7, 5), ("cifar_head", 4, 512, 10)):
        spec = {"name": name, "x_shape": [n, c], "w_shape": [k, c], "x_seed": seed, "w_seed": seed + 1,
                "w_scale": 1.0 / math.sqrt(c), "b_seed": seed + 2, "dy_seed": seed + 3}
        x = hash_tensor(spec["x_seed"], (n, c)).double().requires_grad_()
        w = hash_tensor(spec["w_seed"], (k, c), spec["w_scale"]).double().requires_grad_()
        b = hash_tensor(spec["b_seed"], (k,)).double().requires_grad_()
        y = torch.nn.functional.linear(x, w, b)
        y.backward(hash_tensor(spec["dy_seed"], (n, k)).double())
        for key, value in (("y", y.detach()), ("dx", x.grad), ("dweight", w.grad), ("dbias", b.grad)):
            out.array(f"ch02/linear/{name}_{key}.npy", value.numpy(), f"torch linear in float64: {key}")
        linears.append(spec)
        seed += 20
    out.json("ch02/linear_cases.json", {"cases": linears}, "the linear cases")

    # ReLU on values rounded to quarters, so that some inputs are exactly 0 (gradient 0 there).
    x = (torch.round(hash_tensor(seed, (2, 3, 4, 5)) * 4) / 4).double().requires_grad_()
    y = torch.relu(x)
    y.backward(hash_tensor(seed + 1, (2, 3, 4, 5)).double())
    out.array("ch02/relu/x.npy", x.detach().float(), "hash values rounded to quarters, float32")
    out.array("ch02/relu/dy.npy", hash_tensor(seed + 1, (2, 3, 4, 5)), "upstream gradient, float32")
    out.array("ch02/relu/y.npy", y.detach().numpy(), "torch.relu in float64")
    out.array("ch02/relu/dx.npy", x.grad.numpy(), "its gradient")
    seed += 20

    # Cross-entropy: ordinary logits and extreme ones.
    for name, logits, labels in (("ordinary", hash_tensor(seed, (6, 10), 3.0), [3, 0, 9, 3, 5, 1]),
                                 ("extreme", torch.tensor([[1000.0, 0.0, -1000.0, 999.0, 5.0],
                                                           [-1000.0, -1001.0, -1002.0, -1003.0, -1004.0],
                                                           [0.0, 0.0, 0.0, 0.0, 0.0]]), [2, 4, 0])):
        z = logits.double().requires_grad_()
        target = torch.tensor(labels, dtype=torch.int64)
        loss = torch.nn.functional.cross_entropy(z, target)
        loss.backward()
        out.array(f"ch02/cross_entropy/{name}_logits.npy", logits.float(), "logits, float32")
        out.array(f"ch02/cross_entropy/{name}_labels.npy", target.numpy(), "labels, int64")
        out.array(f"ch02/cross_entropy/{name}_loss.npy", loss.detach().reshape(1).numpy(),
                  "torch.nn.functional.cross_entropy in float64 (mean)")
        out.array(f"ch02/cross_entropy/{name}_dlogits.npy", z.grad.numpy(), "its gradient for dloss = 1")
    seed += 20

    # Max-pool: ResNet's 3x3/2/1 stem pool, a 2x2/2 pool, and a case full of ties.
    pools = []
    for name, shape, kernel, stride, padding, ties in (("stem_pool", (2, 64, 16, 16), 3, 2, 1, False),
                                                       ("odd", (2, 3, 9, 9), 3, 2, 1, False),
                                                       ("two_by_two", (2, 2, 6, 6), 2, 2, 0, False),
                                                       ("ties", (2, 2, 8, 8), 3, 2, 1, True)):
        spec = {"name": name, "x_shape": list(shape), "kernel": kernel, "stride": stride,
                "padding": padding, "x_seed": seed, "dy_seed": seed + 1, "ties": ties}
        x = hash_tensor(seed, shape)
        if ties:  # values in {-1, -0.5, 0, 0.5, 1}: most windows hold several equal maxima
            x = torch.round(x * 2) / 2
            out.array(f"ch02/max_pool/{name}_x.npy", x, "hash values rounded to halves, float32")
        x = x.double().requires_grad_()
        y = torch.nn.functional.max_pool2d(x, kernel, stride, padding)
        y.backward(hash_tensor(seed + 1, tuple(y.shape)).double())
        out.array(f"ch02/max_pool/{name}_y.npy", y.detach().numpy(), "torch max_pool2d in float64")
        out.array(f"ch02/max_pool/{name}_dx.npy", x.grad.numpy(), "its gradient")
        pools.append(spec)
        seed += 20
    out.json("ch02/max_pool_cases.json", {"cases": pools}, "the max-pool cases")

    # Global average pooling: ResNet's head at 4x4 (CIFAR stem) and 1x1 (ImageNet stem on 32x32).
    averages = []
    for name, shape in (("cifar_head", (2, 512, 4, 4)), ("one_by_one", (2, 512, 1, 1)), ("odd", (3, 5, 7, 7))):
        spec = {"name": name, "x_shape": list(shape), "x_seed": seed, "dy_seed": seed + 1}
        x = hash_tensor(seed, shape).double().requires_grad_()
        y = torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1)
        y.backward(hash_tensor(seed + 1, tuple(y.shape)).double())
        out.array(f"ch02/avg_pool/{name}_y.npy", y.detach().numpy(), "adaptive_avg_pool2d(x, 1) flattened, float64")
        out.array(f"ch02/avg_pool/{name}_dx.npy", x.grad.numpy(), "its gradient")
        averages.append(spec)
        seed += 20
    out.json("ch02/avg_pool_cases.json", {"cases": averages}, "the global average pooling cases")


# ---------------------------------------------------------------------------- chapters 3 and 4


def state_listing(module):
    """[name, shape, dtype] of every state-dict entry, in PyTorch's order."""
    return [[name, list(t.shape), str(t.dtype).replace("torch.", "")] for name, t in module.state_dict().items()]


def hash_parameters(module, seed):
    """Sets every parameter from the hash, in named_parameters() order (the C++ test does the
    same): convolution and linear weights scaled by 1/sqrt(fan_in), batch-norm weights and
    biases by 0.5. Returns the scales used."""
    scales = []
    with torch.no_grad():
        for i, (name, p) in enumerate(module.named_parameters()):
            scale = 1.0 / math.sqrt(p[0].numel()) if p.dim() > 1 else 0.5
            p.copy_(hash_tensor(seed + i, tuple(p.shape), scale).double())
            scales.append(scale)
    return scales


def chapter3(out):
    # Batch norm: three training steps on different batches (running statistics after each),
    # the last step's gradients, then eval mode on a fourth batch.
    seed = 3000
    bn = torch.nn.BatchNorm2d(3).double()
    with torch.no_grad():
        bn.weight.copy_(hash_tensor(seed, (3,), 0.5).double() + 1.0)
        bn.bias.copy_(hash_tensor(seed + 1, (3,), 0.5).double())
    out.array("ch03/bn/gamma.npy", bn.weight.detach().float(), "gamma = 1 + hash(3000) * 0.5, float32")
    out.array("ch03/bn/beta.npy", bn.bias.detach().float(), "beta = hash(3001) * 0.5, float32")
    bn.weight.data = bn.weight.data.float().double()  # exactly the float32 values the C++ side reads
    bn.bias.data = bn.bias.data.float().double()
    bn.train()
    for step in range(3):
        x = (hash_tensor(seed + 10 + step, (4, 3, 5, 5), 2.0) + 0.5).double().requires_grad_()
        out.array(f"ch03/bn/x_step{step}.npy", x.detach().float(), "a training batch, float32")
        y = bn(x)
        out.array(f"ch03/bn/running_mean_step{step}.npy", bn.running_mean.clone(), "running_mean after this step")
        out.array(f"ch03/bn/running_var_step{step}.npy", bn.running_var.clone(), "running_var after this step")
    dy = hash_tensor(seed + 20, (4, 3, 5, 5)).double()
    y.backward(dy)
    out.array("ch03/bn/dy.npy", dy.float(), "upstream gradient of the last step, float32")
    out.array("ch03/bn/y_train.npy", y.detach(), "output of the last training step, float64")
    out.array("ch03/bn/dx_train.npy", x.grad, "its dx")
    out.array("ch03/bn/dgamma_train.npy", bn.weight.grad.clone(), "its dgamma")
    out.array("ch03/bn/dbeta_train.npy", bn.bias.grad.clone(), "its dbeta")
    bn.weight.grad = None
    bn.bias.grad = None
    bn.eval()
    x = (hash_tensor(seed + 30, (2, 3, 5, 5), 2.0) + 0.5).double().requires_grad_()
    y = bn(x)
    y.backward(dy[:2])
    out.array("ch03/bn/x_eval.npy", x.detach().float(), "an evaluation batch, float32")
    out.array("ch03/bn/y_eval.npy", y.detach(), "eval-mode output with the running statistics")
    out.array("ch03/bn/dx_eval.npy", x.grad, "its dx (statistics are constants in eval mode)")
    out.array("ch03/bn/dgamma_eval.npy", bn.weight.grad.clone(), "its dgamma")
    out.array("ch03/bn/dbeta_eval.npy", bn.bias.grad.clone(), "its dbeta")

    # The state-dict names, shapes and dtypes of the modules of chapter 3.
    modules = {
        "conv2d": torch.nn.Conv2d(3, 8, 3, padding=1, bias=False),
        "conv2d_bias": torch.nn.Conv2d(3, 8, 3, padding=1, bias=True),
        "batchnorm2d": torch.nn.BatchNorm2d(8),
        "linear": torch.nn.Linear(8, 10),
        "sequential": torch.nn.Sequential(torch.nn.Conv2d(3, 8, 1, stride=2, bias=False), torch.nn.BatchNorm2d(8)),
    }
    out.json("ch03/state_dicts.json", {name: state_listing(m) for name, m in modules.items()},
             "state_dict() names, shapes and dtypes of torch.nn modules")


def chapter4(out):
    """torchvision's blocks with non-trivial weights: their state dicts are saved as .npy
    files under torchvision's names, and the C++ test loads them with load_state_dict, so the
    weights really are copied from the torch modules. Then a training-mode forward and
    backward (outputs, every gradient, the running statistics after it) and an eval-mode
    forward on another batch."""
    from torchvision.models.resnet import BasicBlock, Bottleneck
    cases = []
    seed = 4000
    for name, kind, inplanes, planes, stride in (("basic_identity", "basic", 8, 8, 1),
                                                 ("basic_projection", "basic", 8, 16, 2),
                                                 ("bottleneck_identity", "bottleneck", 16, 4, 1),
                                                 ("bottleneck_projection", "bottleneck", 8, 4, 2)):
        block_type = BasicBlock if kind == "basic" else Bottleneck

        def make():
            downsample = None
            if stride != 1 or inplanes != planes * block_type.expansion:  # as torchvision's _make_layer
                downsample = torch.nn.Sequential(
                    torch.nn.Conv2d(inplanes, planes * block_type.expansion, 1, stride=stride, bias=False),
                    torch.nn.BatchNorm2d(planes * block_type.expansion))
            return block_type(inplanes, planes, stride, downsample)

        block = make()
        listing = state_listing(block)  # float32, as built
        # Non-trivial weights and running statistics, then saved in float32 as the state.
        hash_parameters(block, seed)
        with torch.no_grad():
            for i, (buffer_name, buffer) in enumerate(block.named_buffers()):
                if buffer_name.endswith("running_mean"):
                    buffer.copy_(hash_tensor(seed + 50 + i, tuple(buffer.shape), 0.2))
                elif buffer_name.endswith("running_var"):
                    buffer.copy_(hash_tensor(seed + 50 + i, tuple(buffer.shape), 0.3) + 1.0)
        for entry, value in block.state_dict().items():
            out.array(f"ch04/{name}/state.{entry}.npy", value.clone(), f"torchvision {block_type.__name__} state: {entry}")
        block = block.double().train()
        x = hash_tensor(seed + 100, (2, inplanes, 6, 6)).double().requires_grad_()
        y = block(x)
        dy = hash_tensor(seed + 101, tuple(y.shape)).double()
        y.backward(dy)
        out.array(f"ch04/{name}/y.npy", y.detach(), f"torchvision {block_type.__name__}, training mode, float64")
        out.array(f"ch04/{name}/dx.npy", x.grad, "its dx")
        for parameter_name, p in block.named_parameters():
            out.array(f"ch04/{name}/d.{parameter_name}.npy", p.grad, f"gradient of {parameter_name}")
        for buffer_name, b in block.named_buffers():
            if not buffer_name.endswith("num_batches_tracked"):
                out.array(f"ch04/{name}/after.{buffer_name}.npy", b.clone(), f"{buffer_name} after the training step")
        block.eval()
        with torch.no_grad():
            y_eval = block(hash_tensor(seed + 102, (2, inplanes, 6, 6)).double())
        out.array(f"ch04/{name}/y_eval.npy", y_eval, "eval-mode output on another batch (running statistics)")
        cases.append({"name": name, "kind": kind, "in_channels": inplanes, "planes": planes, "stride": stride,
                      "x_seed": seed + 100, "dy_seed": seed + 101, "x_eval_seed": seed + 102,
                      "x_shape": [2, inplanes, 6, 6], "y_shape": list(y.shape), "state_dict": listing})
        seed += 200
    out.json("ch04/block_cases.json", {"cases": cases},
             "the block cases: configuration, hash seeds of the inputs, and torchvision's state-dict listing")


# ---------------------------------------------------------------------------- chapter 5


def cifar_stem(model):
    """torchvision's ResNet with the CIFAR stem: 3x3 stride-1 convolution, no max-pool."""
    model.conv1 = torch.nn.Conv2d(3, model.conv1.out_channels, 3, stride=1, padding=1, bias=False)
    model.maxpool = torch.nn.Identity()
    return model


def forward_record(model, input_shape):
    """[name, output shape, multiply-accumulates] of every leaf module in the order its
    forward hook fires (a module used twice, like a block's ReLU, is listed twice).
    MACs: convolution N K P Q C R S / groups; linear N K C; everything else 0."""
    records = []

    def hook(name):
        def record(module, inputs, output):
            macs = 0
            if isinstance(module, torch.nn.Conv2d):
                kh, kw = module.kernel_size
                macs = output.numel() * module.in_channels // module.groups * kh * kw
            elif isinstance(module, torch.nn.Linear):
                macs = output.numel() * module.in_features
            records.append([name, list(output.shape), macs])
        return record

    for name, module in model.named_modules():
        if len(list(module.children())) == 0 and not isinstance(module, torch.nn.Identity):
            module.register_forward_hook(hook(name))
    with torch.no_grad():
        model.eval()(torch.zeros(input_shape))
    return records


def chapter5(out):
    """State-dict listings of torchvision's ResNets (our names and shapes must be the same),
    parameter counts, and the per-layer output shapes and multiply-accumulates that the
    model summary must reproduce."""
    from torchvision.models import resnet18, resnet34, resnet50, resnet101, resnet152
    models = {
        "resnet18": lambda: resnet18(),
        "resnet34": lambda: resnet34(),
        "resnet50": lambda: resnet50(),
        "resnet101": lambda: resnet101(),
        "resnet152": lambda: resnet152(),
        "resnet34_cifar10": lambda: cifar_stem(resnet34(num_classes=10)),
        "resnet50_cifar10": lambda: cifar_stem(resnet50(num_classes=10)),
    }
    listings, counts = {}, {}
    for name, make in models.items():
        torch.manual_seed(0)
        model = make()
        listings[name] = state_listing(model)
        counts[name] = sum(p.numel() for p in model.parameters())
    out.json("ch05/state_dicts.json", {"state_dicts": listings, "parameter_counts": counts},
             "torchvision ResNets: state_dict() names, shapes and dtypes; parameter counts")
    torch.manual_seed(0)
    records = {
        "resnet34_224": forward_record(resnet34(), (1, 3, 224, 224)),
        "resnet34_cifar10_32": forward_record(cifar_stem(resnet34(num_classes=10)), (2, 3, 32, 32)),
        "resnet50_32": forward_record(resnet50(num_classes=10), (1, 3, 32, 32)),
    }
    out.json("ch05/forward_records.json", records,
             "forward hooks on torchvision ResNets: [leaf module, output shape, multiply-accumulates]")
    dropout_case(out)


def dropout_case(out):
    """torch.nn.functional.dropout's convention (inverted: kept values times 1 / (1 - p)), and
    the forward and backward pass of dropout for a given mask, through autograd."""
    p = 0.3
    torch.manual_seed(0)
    probe = torch.nn.functional.dropout(torch.ones(10000, dtype=torch.float64), p=p, training=True)
    kept = probe[probe != 0]
    assert torch.allclose(kept, torch.full_like(kept, 1.0 / (1.0 - p))), "PyTorch's dropout is not inverted?"
    assert abs((probe == 0).double().mean().item() - p) < 0.02, "PyTorch drops about p of the values"
    assert torch.equal(torch.nn.functional.dropout(probe, p=p, training=False), probe), "identity in eval mode"
    x = hash_tensor(5100, (6, 10)).double().requires_grad_()
    keep = torch.from_numpy(((hash_uniform(5101, 60) + 1.0) / 2.0 >= p).astype(np.float64).reshape(6, 10))
    y = x * keep / (1.0 - p)  # what F.dropout computes for this mask
    dy = hash_tensor(5102, (6, 10)).double()
    y.backward(dy)
    out.array("ch05/dropout/x.npy", x.detach().float(), "input = hash(5100), float32")
    out.array("ch05/dropout/keep.npy", keep, "the mask: (hash(5101) + 1) / 2 >= 0.3, 1 = kept")
    out.array("ch05/dropout/dy.npy", dy.float(), "upstream gradient = hash(5102), float32")
    out.array("ch05/dropout/y.npy", y.detach(), "x * keep / (1 - 0.3), F.dropout's convention, float64")
    out.array("ch05/dropout/dx.npy", x.grad, "its gradient through autograd, float64")


# ---------------------------------------------------------------------------- chapter 7


OPTIMIZER_SHAPES = [(4, 3), (5,), (2, 2, 3, 3)]
OPTIMIZER_STEPS = 5


def optimizer_case(out, name, make, seed):
    """Parameters and per-step gradients from the hash; after each torch step, the
    parameters (float64), which the C++ optimizer must reproduce."""
    params = [torch.nn.Parameter(hash_tensor(seed + i, shape).double()) for i, shape in enumerate(OPTIMIZER_SHAPES)]
    optimizer = make(params)
    for step in range(OPTIMIZER_STEPS):
        for i, p in enumerate(params):
            p.grad = hash_tensor(seed + 100 * (step + 1) + i, tuple(p.shape)).double()
        optimizer.step()
        for i, p in enumerate(params):
            out.array(f"ch07/optimizers/{name}/step{step}_param{i}.npy", p.detach().clone(),
                      f"{name}: parameter {i} after step {step + 1}")


def chapter7(out):
    O = torch.optim
    cases = {
        "sgd": (lambda p: O.SGD(p, lr=0.1), {"kind": "sgd", "lr": 0.1}),
        "sgd_momentum": (lambda p: O.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-4),
                         {"kind": "sgd", "lr": 0.05, "momentum": 0.9, "weight_decay": 1e-4}),
        "sgd_dampening": (lambda p: O.SGD(p, lr=0.05, momentum=0.8, dampening=0.3),
                          {"kind": "sgd", "lr": 0.05, "momentum": 0.8, "dampening": 0.3}),
        "sgd_nesterov": (lambda p: O.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4),
                         {"kind": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 5e-4}),
        "adam": (lambda p: O.Adam(p), {"kind": "adam"}),
        "adam_weight_decay": (lambda p: O.Adam(p, lr=1e-2, weight_decay=1e-2),
                              {"kind": "adam", "lr": 1e-2, "weight_decay": 1e-2}),
        "adamw": (lambda p: O.AdamW(p, lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=1e-2),
                  {"kind": "adamw", "lr": 1e-2, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 1e-2}),
    }
    listing = {}
    for index, (name, (make, settings)) in enumerate(cases.items()):
        seed = 7000 + 1000 * index
        optimizer_case(out, name, make, seed)
        listing[name] = dict(settings, seed=seed)
    out.json("ch07/optimizers.json", {"shapes": OPTIMIZER_SHAPES, "steps": OPTIMIZER_STEPS, "cases": listing},
             "optimizer cases: torch.optim settings and hash seeds (parameter i: seed + i; gradient of "
             "parameter i at step s (from 1): seed + 100 s + i)")

    # Learning rates (and one-cycle's momentum) before each optimizer step.
    def record(make_optimizer, make_scheduler, steps, momentum_key=None):
        optimizer = make_optimizer([torch.nn.Parameter(torch.zeros(1))])
        scheduler = make_scheduler(optimizer)
        rates, momenta = [], []
        for _ in range(steps):
            group = optimizer.param_groups[0]
            rates.append(group["lr"])
            if momentum_key == "betas":
                momenta.append(group["betas"][0])
            elif momentum_key == "momentum":
                momenta.append(group["momentum"])
            optimizer.step()
            scheduler.step()
        return {"lr": rates, "momentum": momenta}

    S = O.lr_scheduler
    schedules = {
        "step": dict(record(lambda p: O.SGD(p, lr=0.1), lambda o: S.StepLR(o, step_size=3, gamma=0.5), 12),
                     settings={"kind": "step", "base_rate": 0.1, "step_size": 3, "gamma": 0.5}),
        "cosine": dict(record(lambda p: O.SGD(p, lr=0.1), lambda o: S.CosineAnnealingLR(o, T_max=20, eta_min=1e-4), 21),
                       settings={"kind": "cosine", "base_rate": 0.1, "total_steps": 20, "min_rate": 1e-4}),
        "one_cycle_adam": dict(record(lambda p: O.Adam(p), lambda o: S.OneCycleLR(o, max_lr=0.01, total_steps=25), 25,
                                      "betas"),
                               settings={"kind": "one-cycle", "base_rate": 0.01, "total_steps": 25}),
        "one_cycle_sgd": dict(record(lambda p: O.SGD(p, lr=0.1, momentum=0.9),
                                     lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=40, pct_start=0.25,
                                                            div_factor=10, final_div_factor=100), 40, "momentum"),
                              settings={"kind": "one-cycle", "base_rate": 0.1, "total_steps": 40, "pct_start": 0.25,
                                        "div_factor": 10, "final_div_factor": 100}),
    }
    out.json("ch07/schedules.json", schedules,
             "torch.optim.lr_scheduler: the learning rate (and one-cycle's momentum or beta1) before each step")


def write_all(root):
    out = Writer(root)
    chapter1(out)
    chapter2(out)
    chapter3(out)
    chapter4(out)
    chapter5(out)
    chapter7(out)
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
