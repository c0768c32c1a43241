#!/usr/bin/env python3
"""Makes the small CIFAR-10 sample committed under data/cifar10-sample/.

    tools/make_cifar10_sample.py FULL_DIR [OUT_DIR]

FULL_DIR is a cifar-10-batches-bin folder of the full set. The sample keeps the first 100
images of each class from data_batch_1.bin (1,000 training images) and the first 20 of
each class from test_batch.bin (200 test images), in their original order, in the same
binary format and folder layout, so the same reader loads either. The choice is
deterministic: rerunning it on the same full set gives the same bytes.
"""
import os
import sys

RECORD = 1 + 3 * 32 * 32  # label byte + planar RGB pixels


def first_per_class(path, per_class):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) % RECORD:
        sys.exit(f"{path}: {len(data)} bytes is not a whole number of {RECORD}-byte records")
    counts = [0] * 10
    kept = []
    for start in range(0, len(data), RECORD):
        label = data[start]
        if counts[label] < per_class:
            counts[label] += 1
            kept.append(data[start:start + RECORD])
    if min(counts) < per_class:
        sys.exit(f"{path}: not enough images of every class for {per_class} per class")
    return b"".join(kept)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    full = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[2] if len(sys.argv) == 3 else os.path.join(here, "..", "data", "cifar10-sample")
    dest = os.path.join(out, "cifar-10-batches-bin")
    os.makedirs(dest, exist_ok=True)
    with open(os.path.join(dest, "data_batch_1.bin"), "wb") as f:
        f.write(first_per_class(os.path.join(full, "data_batch_1.bin"), 100))
    with open(os.path.join(dest, "test_batch.bin"), "wb") as f:
        f.write(first_per_class(os.path.join(full, "test_batch.bin"), 20))
    with open(os.path.join(dest, "batches.meta.txt"), "w") as f:
        f.write("\n".join(["airplane", "automobile", "bird", "cat", "deer",
                           "dog", "frog", "horse", "ship", "truck"]) + "\n\n")
    print(f"wrote 1000 training and 200 test images to {os.path.normpath(dest)}")


if __name__ == "__main__":
    main()
