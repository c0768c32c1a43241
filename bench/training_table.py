#!/usr/bin/env python3
"""Prints a training run's metrics.jsonl (written by `resnet train`) as a Markdown table.

    bench/training_table.py RUN_DIR/metrics.jsonl

One row per epoch: losses and accuracies, the epoch's training wall time (evaluation not
included) and throughput, and the learning rate at its last step; then the totals.
"""
import argparse
import json


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("metrics", help="a metrics.jsonl file")
    args = parser.parse_args()
    with open(args.metrics) as f:
        epochs = [json.loads(line) for line in f if line.strip()]
    print("| epoch | train loss | train acc | test loss | test acc | training time | images/s | lr |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|")
    for e in epochs:
        minutes, seconds = divmod(round(e["seconds"]), 60)
        print(f"| {e['epoch']} | {e['train_loss']:.4f} | {100 * e['train_accuracy']:.1f}% | {e['test_loss']:.4f} | "
              f"{100 * e['test_accuracy']:.2f}% | {minutes}:{seconds:02d} | {e['images_per_second']:.1f} | "
              f"{e['learning_rate']:.3g} |")
    total = sum(e["seconds"] for e in epochs)
    best = max(epochs, key=lambda e: e["test_accuracy"])
    print(f"\nTraining time {total / 60:.1f} min over {len(epochs)} epochs; best test accuracy "
          f"{100 * best['test_accuracy']:.2f}% after epoch {best['epoch']}.")


if __name__ == "__main__":
    main()
