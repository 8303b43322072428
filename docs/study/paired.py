#!/usr/bin/env python3
"""Paired comparison with SGD, seed by seed (same training subset and initialisation), from the runs' result.json.

usage: docs/study/paired.py RUNS_DIR LABEL...   (LABEL as in compare --optimizers; the first one is the reference)
Prints a Markdown table: per-seed differences in final test accuracy (percentage points) to the reference,
their mean and sample standard deviation, and how many seeds gained.
"""
import glob
import json
import os
import statistics
import sys


def folder(label):
    return label.replace(":", "_").replace("=", "")


def accuracies(runs, label):
    acc = {}
    for f in glob.glob(os.path.join(runs, folder(label) + "-seed*", "result.json")):
        seed = int(os.path.basename(os.path.dirname(f)).rsplit("-seed", 1)[1])
        acc[seed] = 100 * json.load(open(f))["finalTestAccuracy"]
    return acc


def main():
    runs, labels = sys.argv[1], sys.argv[2:]
    ref = accuracies(runs, labels[0])
    print("| optimizer | Δ accuracy per seed (pp) | mean Δ ± std (pp) | seeds better than %s |" % labels[0])
    print("|---|---|---|---|")
    for label in labels[1:]:
        acc = accuracies(runs, label)
        seeds = sorted(set(acc) & set(ref))
        d = [acc[s] - ref[s] for s in seeds]
        std = statistics.stdev(d) if len(d) > 1 else 0.0
        print("| %s | %s | %+.2f ± %.2f | %d of %d |" % (label, ", ".join("%+.2f" % x for x in d),
                                                       statistics.mean(d), std, sum(x > 0 for x in d), len(d)))


if __name__ == "__main__":
    main()
