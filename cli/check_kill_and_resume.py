#!/usr/bin/env python3
"""A training run killed with SIGKILL at any moment resumes to exactly the uninterrupted result,
and a save that fails for lack of space leaves the previous checkpoint intact.

Usage: check_kill_and_resume.py RESNET_BINARY DATA_DIR WORK_DIR [KILLS]

1. An uninterrupted run (a CIFAR ResNet-20 on part of the sample, 2 epochs, a checkpoint
   after every step: --checkpoint-minutes 0) gives the reference metrics.jsonl and
   last/best.safetensors.
2. KILLS runs (default 4) are killed with SIGKILL after a random time (seeded, so the same
   times every run; printed), then resumed with --resume (started afresh when the kill came
   before the first checkpoint), killed again while time allows, and finished. Each must end
   with metrics.jsonl equal to the reference's in every field but the timings, and
   checkpoints equal byte for byte.
3. A resumed run under a file size limit (ulimit -f, as a full disk) must fail when it saves,
   naming the file and saying the previous checkpoint is intact; that checkpoint must be
   unchanged, with no temporary file left beside it.
"""
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time

TIMINGS = ("seconds", "images_per_second")


def train_command(binary, data, run_dir, resume=False):
    command = [binary, "train", "--model", "resnet20", "--stem", "cifar", "--epochs", "2", "--batch-size", "16",
               "--train-images", "96", "--test-images", "32", "--augment", "--seed", "3", "--data", data,
               "--run-dir", run_dir, "--checkpoint-minutes", "0", "--threads", "1"]
    return command + (["--resume"] if resume else [])


def result_of(run_dir):
    """metrics.jsonl without the timings, and the checkpoints' SHA-256."""
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        metrics = [{k: v for k, v in json.loads(line).items() if k not in TIMINGS} for line in f]
    digests = {}
    for name in ("last.safetensors", "best.safetensors"):
        with open(os.path.join(run_dir, name), "rb") as f:
            digests[name] = hashlib.sha256(f.read()).hexdigest()
    return metrics, digests


def run_killed_at(binary, data, run_dir, delays):
    """Runs to the end, killed with SIGKILL after each of `delays` seconds (while still running)."""
    log = []
    for delay in delays + [None]:
        resume = os.path.exists(os.path.join(run_dir, "last.safetensors"))
        process = subprocess.Popen(train_command(binary, data, run_dir, resume), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            log.append(f"killed after {delay:.2f} s")
            continue
        if process.returncode != 0:
            raise RuntimeError(f"the run after {log} failed (exit {process.returncode}):\n{process.stderr.read()}")
        log.append("finished" if delay is None else f"finished before {delay:.2f} s")
        if delay is not None:
            break
    return log


def check_full_disk(binary, data, run_dir, problems):
    """A save under a file size limit fails cleanly and leaves the last checkpoint as it was."""
    last = os.path.join(run_dir, "last.safetensors")
    with open(last, "rb") as f:
        before = f.read()
    limit = 64 * 1024  # metrics.jsonl and the curves fit; a checkpoint (about 3 MB) does not

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    command = train_command(binary, data, run_dir, resume=True)
    command[command.index("--epochs") + 1] = "3"  # one more epoch than the finished run
    run = subprocess.run(command, capture_output=True, text=True, preexec_fn=limit_file_size, timeout=600)
    output = run.stdout + run.stderr
    if run.returncode == 0 or "cannot write" not in output or "is intact" not in output:
        problems.append(f"a save past the file size limit did not fail clearly (exit {run.returncode}):\n{output}")
    with open(last, "rb") as f:
        if f.read() != before:
            problems.append("a failed save changed last.safetensors")
    leftovers = [name for name in os.listdir(run_dir) if ".tmp-" in name]
    if leftovers:
        problems.append(f"a failed save left temporary files: {leftovers}")
    return output.strip().splitlines()[-1] if output.strip() else ""


def main():
    binary, data, work = sys.argv[1:4]
    kills = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    problems = []

    reference_dir = os.path.join(work, "uninterrupted")
    start = time.monotonic()
    run_killed_at(binary, data, reference_dir, [])
    duration = time.monotonic() - start
    reference = result_of(reference_dir)
    print(f"uninterrupted run: {duration:.1f} s, {len(reference[0])} epochs")

    chooser = random.Random(2026)
    for k in range(kills):
        run_dir = os.path.join(work, f"killed_{k}")
        # One to three kills, each at a random moment of a process's life (start-up included).
        delays = [chooser.uniform(0.05, duration) for _ in range(chooser.randint(1, 3))]
        log = run_killed_at(binary, data, run_dir, delays)
        same = result_of(run_dir) == reference
        print(f"run {k}: {', '.join(log)}: {'identical' if same else 'DIFFERENT'}")
        if not same:
            problems.append(f"run {k} ({', '.join(log)}) ended with other metrics or checkpoints:\n"
                            f"{result_of(run_dir)}\nexpected\n{reference}")

    message = check_full_disk(binary, data, reference_dir, problems)
    print(f"save under a {64} KiB file size limit: {message}")

    for problem in problems:
        print("FAIL:", problem)
    print(f"kill and resume checks: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
