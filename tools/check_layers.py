#!/usr/bin/env python3
"""The framework's layers, and a check that no file includes a layer above its own.

    tools/check_layers.py          exit 1 when a header or a lib/src file includes upward
    tools/check_layers.py --map    print the layers and what each may include

The layers, from the bottom (docs/architecture.md explains each):

    base        error, shape, random numbers, threads, exercise stubs, memory tuning,
                initialisation, the gradient checker, the build's configuration
    ops         CPU ops on xt::xtensor: forward and backward free functions (chapters 1-2),
                and the CPU kernels under them (cpu/: our packed GEMM)
    cuda        kernels, launches and device memory (chapter 6)
    tensor      the Tensor handle: CPU or GPU values
    device      the ops on the GPU, on Tensors (the layers' GPU passes)
    nn          modules: parameters, layers, Sequential, state dicts
    models      residual blocks and the ResNet stack
    optim       optimizers and schedules
    data        CIFAR-10 and batches
    io          files: npy, safetensors, checkpoints, images
    viz         plots and image grids (written atomically through io)
    train       the training run: steps, epochs, evaluation, the Trainer
    cli         the `resnet` command (cli/)

A layer may include its own layer and the layers its ALLOWED entry lists, and nothing
else: in particular never a layer above it. CI runs this check. docs/architecture.md is the
map in prose.
"""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
INCLUDE = os.path.join(ROOT, "lib", "include")
SOURCES = os.path.join(ROOT, "lib", "src")

# What each layer may include besides itself. Every layer below it is listed explicitly,
# so that siblings (optim, data, io) stay independent of each other.
ALLOWED = {
    "base": [],
    "ops": ["base"],
    "cuda": ["base", "ops"],  # the kernels share the ops' window shapes
    "tensor": ["base", "cuda"],
    "device": ["base", "ops", "cuda", "tensor"],
    "nn": ["base", "ops", "cuda", "tensor", "device"],
    "models": ["base", "ops", "cuda", "tensor", "device", "nn"],
    "optim": ["base", "cuda", "tensor", "device", "nn"],  # optimizer state follows its parameters to the GPU
    "data": ["base", "tensor"],
    "io": ["base", "tensor", "nn"],
    "viz": ["base", "io"],
    "train": ["base", "ops", "cuda", "tensor", "device", "nn", "models", "optim", "data", "io", "viz"],
}

# A header's layer, from its path under lib/include/resnet/ (the first match wins).
HEADER_LAYERS = [
    (r"^tensor\.hpp$", "tensor"),
    (r"^(error|shape|random|threads|exercise|malloc_tuning|init|gradcheck|config)\.hpp$", "base"),
    (r"^viz/", "viz"),
    (r"^chapter2_gradient_checks\.hpp$", "ops"),
    (r"^ops/", "ops"),
    (r"^cpu/", "ops"),
    (r"^cuda/", "cuda"),
    (r"^device/", "device"),
    (r"^nn/(blocks|resnet)\.hpp$", "models"),
    (r"^nn/", "nn"),
    (r"^optim/", "optim"),
    (r"^data/", "data"),
    (r"^io/", "io"),
    (r"^train/", "train"),
]

# A lib/src file's layer, from its folder (its own header's layer otherwise).
SOURCE_LAYERS = [
    (r"^cuda/", "cuda"),
    (r"^ops/", "ops"),
    (r"^cpu/", "ops"),
    (r"^device/", "device"),
    (r"^nn/(blocks|resnet)\.cpp$", "models"),
    (r"^nn/", "nn"),
    (r"^optim/", "optim"),
    (r"^data/", "data"),
    (r"^io/", "io"),
    (r"^train/", "train"),
    (r"^viz/", "viz"),
    (r"^chapter2_gradient_checks\.cpp$", "ops"),
    (r"^tensor\.cpp$", "tensor"),
    (r"^[^/]+\.cpp$", "base"),
]

INCLUDE_LINE = re.compile(r'^\s*#\s*include\s+"resnet/(?P<path>[^"]+)"', re.M)


def layer_of(relative, table):
    for pattern, layer in table:
        if re.search(pattern, relative):
            return layer
    return None


def files(folder, suffixes):
    for directory, _, names in os.walk(folder):
        for name in sorted(names):
            if name.endswith(suffixes):
                path = os.path.join(directory, name)
                yield path, os.path.relpath(path, folder).replace(os.sep, "/")


def problems_of(path, layer, shown):
    found = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for match in INCLUDE_LINE.finditer(text):
        target = layer_of(match["path"], HEADER_LAYERS)
        line = text.count("\n", 0, match.start()) + 1
        if target is None:
            found.append(f"{shown}:{line}: includes resnet/{match['path']}, which no layer claims "
                         "(add it to tools/check_layers.py)")
        elif target != layer and target not in ALLOWED[layer]:
            found.append(f"{shown}:{line}: the {layer} layer includes resnet/{match['path']} of the {target} layer, "
                         f"which it may not ({layer} may include: {', '.join(ALLOWED[layer]) or 'nothing else'})")
    return found


def check():
    problems = []
    count = 0
    for path, relative in files(os.path.join(INCLUDE, "resnet"), (".hpp",)):
        layer = layer_of(relative, HEADER_LAYERS)
        shown = f"lib/include/resnet/{relative}"
        if layer is None:
            problems.append(f"{shown}: belongs to no layer (add it to tools/check_layers.py)")
            continue
        problems += problems_of(path, layer, shown)
        count += 1
    for path, relative in files(SOURCES, (".cpp", ".cu", ".hpp")):
        layer = layer_of(relative, SOURCE_LAYERS)
        problems += problems_of(path, layer, f"lib/src/{relative}")
        count += 1
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"layers: {len(problems)} includes go upward or sideways (the map: tools/check_layers.py --map)",
              file=sys.stderr)
        return 1
    print(f"layers: {count} files of lib/ include only their own layer and the layers below")
    return 0


def main():
    if "--map" in sys.argv:
        for layer, allowed in ALLOWED.items():
            print(f"{layer:8} may include {', '.join(allowed) or '(nothing else)'}")
        return 0
    return check()


if __name__ == "__main__":
    sys.exit(main())
