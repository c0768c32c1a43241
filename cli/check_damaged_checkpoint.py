#!/usr/bin/env python3
"""`resnet evaluate` refuses a checkpoint damaged after it was saved, and notes one without checksums.

Usage: check_damaged_checkpoint.py RESNET_BINARY CHECKPOINT DATA_DIR WORK_DIR

1. One flipped bit in the last tensor's bytes: the command fails, naming the file, the
   tensor and the checksum (without the checksum it would load a different model silently).
2. The same file with its checksums taken out of the header, as other tools write it: the
   command runs, with a one-line note that damage cannot be detected.
"""
import json
import os
import shutil
import struct
import subprocess
import sys


def run(binary, checkpoint, data):
    result = subprocess.run([binary, "evaluate", "--checkpoint", checkpoint, "--data", data],
                            capture_output=True, text=True, timeout=600)
    return result.returncode, result.stdout + result.stderr


def main():
    binary, checkpoint, data, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    problems = []

    damaged = os.path.join(work, "damaged.safetensors")
    shutil.copyfile(checkpoint, damaged)
    with open(damaged, "r+b") as f:
        f.seek(-3, os.SEEK_END)
        byte = f.read(1)[0]
        f.seek(-3, os.SEEK_END)
        f.write(bytes([byte ^ 0x10]))
    code, output = run(binary, damaged, data)
    if code == 0 or damaged not in output or "does not match its checksum" not in output:
        problems.append(f"a flipped bit was not refused by its checksum (exit {code}):\n{output}")

    plain = os.path.join(work, "plain.safetensors")
    with open(checkpoint, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    header["__metadata__"] = {k: v for k, v in header["__metadata__"].items() if not k.startswith("crc32:")}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(plain, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + blob[8 + length:])
    code, output = run(binary, plain, data)
    if code != 0 or "carries no checksums" not in output or "accuracy" not in output:
        problems.append(f"a file without checksums did not load with a note (exit {code}):\n{output}")

    for problem in problems:
        print("FAIL:", problem)
    print(f"damaged checkpoint checks: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
