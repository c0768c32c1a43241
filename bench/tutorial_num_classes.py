#!/usr/bin/env python3
"""What the tutorial's `num_classes=1000` costs on CIFAR-10, measured with PyTorch.

    nice -n 15 /usr/bin/python3 bench/tutorial_num_classes.py [--train-images N]
        [--epochs E] [--seeds 0 1] [--data data/cifar-10-batches-bin] [--probe-steps K]

The original tutorial's `ResNet` keeps torchvision's default `num_classes=1000` while it
trains on CIFAR-10's 10 classes, so 990 of its logits never have a label. This script
builds the tutorial's network as it describes it (a basic-block ResNet-34: `ResidualBlock`
with two 3x3 convolutions and batch norm and its own `self.shortcut`; a `ResNet` with the
ImageNet stem, 7x7 convolution with stride 2 and 3x3 max-pool with stride 2; stages
[3, 4, 6, 3] built by `_make_layer`; `AdaptiveAvgPool2d` and a linear layer), PyTorch's
default initialisation, and trains it twice per seed with the tutorial's recipe (Adam lr
1e-3, batch 128, shuffled, images normalised with mean 0.5 and standard deviation 0.5):
once with 10 outputs and once with 1000. Both runs of a seed start from the same weights
(every tensor before the linear layer, and the linear layer's first 10 weight rows, are
equal; its 10 biases are drawn from the same distribution but differ) and see the same
batches in the same order; the only other difference is the 990 extra outputs.

First it shows that the tutorial's classes, as written, cannot be built: `_make_layer` and
`fc` read `block.expansion`, which `ResidualBlock` does not define. The runs then use the
same classes with the one missing line, `expansion = 1`, added.

It prints, for each run: the training loss at the first steps and averaged over the
epoch, the test loss and accuracy on the full test set, how many test predictions fall on
one of the 990 classes that have no images, and the softmax mass those classes keep.

CPU only, one thread (torch.set_num_threads(1)), so that it can run beside other work.
"""
import argparse
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- The tutorial's classes, as it describes them -------------------------------------

class ResidualBlock(nn.Module):
    """Two 3x3 convolutions with batch norm; the block builds its own shortcut."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + self.shortcut(x)
        return F.relu(out)


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000):
        super().__init__()
        self.in_channels = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0], stride=1)
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, planes, blocks, stride):
        layers = [block(self.in_channels, planes, stride)]
        self.in_channels = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.in_channels, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


class ResidualBlockWithExpansion(ResidualBlock):
    """The tutorial's block with the one line it lacks."""
    expansion = 1


# ---- Data -----------------------------------------------------------------------------

def load_batches(directory, names):
    """Official CIFAR-10 binary layout: 1 label byte, then 1024 R, 1024 G, 1024 B bytes."""
    records = np.concatenate([np.fromfile(os.path.join(directory, n), dtype=np.uint8).reshape(-1, 3073)
                              for n in names])
    labels = torch.from_numpy(records[:, 0].astype(np.int64))
    images = torch.from_numpy(records[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32))
    images = (images / 255.0 - 0.5) / 0.5  # transforms.Normalize((0.5,)*3, (0.5,)*3)
    return images, labels


# ---- One run ---------------------------------------------------------------------------

def evaluate(model, images, labels, num_classes, batch_size=500):
    model.eval()
    total_loss, correct, on_unused, unused_mass = 0.0, 0, 0, 0.0
    with torch.no_grad():
        for start in range(0, len(labels), batch_size):
            x, y = images[start:start + batch_size], labels[start:start + batch_size]
            logits = model(x)
            total_loss += F.cross_entropy(logits, y, reduction="sum").item()
            predicted = logits.argmax(dim=1)  # the tutorial's torch.max(outputs, 1)
            correct += (predicted == y).sum().item()
            if num_classes > 10:
                on_unused += (predicted >= 10).sum().item()
                unused_mass += F.softmax(logits, dim=1)[:, 10:].sum().item()
    model.train()
    n = len(labels)
    return {"test_loss": total_loss / n, "test_accuracy": correct / n,
            "predictions_on_unused": on_unused, "unused_softmax_mass": unused_mass / n}


def run(num_classes, seed, train, test, epochs, probe_steps, batch_size=128):
    torch.manual_seed(seed)
    model = ResNet(ResidualBlockWithExpansion, [3, 4, 6, 3], num_classes=num_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.Generator().manual_seed(1000 + seed)  # the same batches for both widths
    images, labels = train
    first_losses, epoch_losses = [], []
    start = time.time()
    for epoch in range(epochs):
        permutation = torch.randperm(len(labels), generator=order)
        running, count = 0.0, 0
        for step, begin in enumerate(range(0, len(labels), batch_size)):
            index = permutation[begin:begin + batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images[index]), labels[index])
            loss.backward()
            optimizer.step()
            running += loss.item() * len(index)
            count += len(index)
            if epoch == 0 and step < probe_steps:
                first_losses.append(loss.item())
        epoch_losses.append(running / count)
    seconds = time.time() - start
    result = evaluate(model, *test, num_classes)
    result.update({"num_classes": num_classes, "seed": seed, "first_losses": first_losses,
                   "train_loss": epoch_losses, "train_seconds": seconds})
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="data/cifar-10-batches-bin")
    parser.add_argument("--train-images", type=int, default=10000,
                        help="the first N images of data_batch_1..5 (default 10000)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--probe-steps", type=int, default=10, help="how many first-step losses to print")
    parser.add_argument("--time-steps", type=int, default=0,
                        help="only time this many training steps of each width, then stop")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread")

    # 1. The tutorial's classes as written.
    try:
        ResNet(ResidualBlock, [3, 4, 6, 3])
        print("ResNet(ResidualBlock, [3, 4, 6, 3]) built (unexpected)")
    except AttributeError as error:
        print(f"ResNet(ResidualBlock, [3, 4, 6, 3]) -> AttributeError: {error}")

    # 2. The runs.
    names = [f"data_batch_{i}.bin" for i in range(1, 6)]
    train_images, train_labels = load_batches(args.data, names)
    train = (train_images[:args.train_images].contiguous(), train_labels[:args.train_images].contiguous())
    test = load_batches(args.data, ["test_batch.bin"])
    print(f"training images {len(train[1])}, test images {len(test[1])}, epochs {args.epochs}, "
          f"batch 128, Adam lr 1e-3")
    print(f"ln 10 = {math.log(10):.4f}, ln 1000 = {math.log(1000):.4f}")

    if args.time_steps:
        for num_classes in (10, 1000):
            torch.manual_seed(0)
            model = ResNet(ResidualBlockWithExpansion, [3, 4, 6, 3], num_classes=num_classes)
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
            start = time.time()
            for step in range(args.time_steps):
                x, y = train[0][step * 128:(step + 1) * 128], train[1][step * 128:(step + 1) * 128]
                optimizer.zero_grad()
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                optimizer.step()
            elapsed = time.time() - start
            print(f"num_classes {num_classes}: {args.time_steps} steps in {elapsed:.1f} s, "
                  f"{args.time_steps * 128 / elapsed:.1f} images/s")
        return

    results = []
    for seed in args.seeds:
        for num_classes in (10, 1000):
            r = run(num_classes, seed, train, test, args.epochs, args.probe_steps)
            results.append(r)
            print(f"seed {seed} num_classes {num_classes}: first losses "
                  + " ".join(f"{v:.3f}" for v in r["first_losses"]))
            print(f"  train loss per epoch " + " ".join(f"{v:.4f}" for v in r["train_loss"])
                  + f"; test loss {r['test_loss']:.4f}, test accuracy {100 * r['test_accuracy']:.2f}%; "
                  f"test predictions on the 990 unused classes {r['predictions_on_unused']}; "
                  f"mean softmax mass on them {r['unused_softmax_mass']:.2e}; "
                  f"training {r['train_seconds']:.0f} s", flush=True)

    print("\n| seed | outputs | loss, step 1 | mean loss, steps 1-10 | train loss (epoch mean) | "
          "test loss | test accuracy | test predictions on unused classes |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in results:
        unused = str(r["predictions_on_unused"]) if r["num_classes"] > 10 else "-"
        print(f"| {r['seed']} | {r['num_classes']} | {r['first_losses'][0]:.3f} | "
              f"{sum(r['first_losses'][:10]) / len(r['first_losses'][:10]):.3f} | "
              f"{r['train_loss'][-1]:.4f} | {r['test_loss']:.4f} | {100 * r['test_accuracy']:.2f}% | {unused} |")
    by_seed = {}
    for r in results:
        by_seed.setdefault(r["seed"], {})[r["num_classes"]] = r
    for seed, pair in by_seed.items():
        if 10 in pair and 1000 in pair:
            print(f"seed {seed}: accuracy 1000 - 10 = "
                  f"{100 * (pair[1000]['test_accuracy'] - pair[10]['test_accuracy']):+.2f} points, "
                  f"test loss 1000 - 10 = {pair[1000]['test_loss'] - pair[10]['test_loss']:+.4f}")


if __name__ == "__main__":
    main()
