#!/usr/bin/env python3
"""Paired comparison with a reference optimizer, seed by seed (same training subset and initialisation), from the
runs' result.json (finished runs only: an interrupted run's seed is left out until it is resumed to its end).

usage: docs/study/paired.py RUNS_DIR LABEL...   (LABEL as in compare --optimizers; the first one is the reference)
Prints a Markdown table: per-seed differences in final test accuracy (percentage points) to the reference, their
mean and sample standard deviation, the 95 % confidence interval of the mean difference (Student's t over the
seeds), the two-sided p-value of the exact paired permutation (sign-flip) test, and how many seeds gained.
"""
import glob
import itertools
import json
import math
import os
import statistics
import sys

# two-sided 95 % quantiles of Student's t, t(0.975; df), df = 1..30
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def folder(label):
    return label.replace(":", "_").replace("=", "")


def accuracies(runs, label):
    acc = {}
    for f in glob.glob(os.path.join(runs, folder(label) + "-seed*", "result.json")):
        seed = int(os.path.basename(os.path.dirname(f)).rsplit("-seed", 1)[1])
        result = json.load(open(f))
        if len(result["epochs"]) < result["config"]["epochs"]:
            continue  # an interrupted run, still to be resumed
        acc[seed] = 100 * result["finalTestAccuracy"]
    return acc


def permutation_p(d):
    """Exact two-sided p-value of the sign-flip test of mean(d) = 0 (all 2^n sign patterns)."""
    observed = abs(sum(d)) - 1e-12
    hits = sum(1 for signs in itertools.product((1, -1), repeat=len(d))
               if abs(sum(s * x for s, x in zip(signs, d))) >= observed)
    return hits / 2 ** len(d)


def main():
    runs, labels = sys.argv[1], sys.argv[2:]
    ref = accuracies(runs, labels[0])
    print()
    print("| optimizer − %s | seeds | Δ accuracy per seed (pp) | mean Δ ± std (pp) | 95 %% interval (pp) "
          "| permutation p | seeds better |" % labels[0])
    print("|---|---|---|---|---|---|---|")
    for label in labels[1:]:
        acc = accuracies(runs, label)
        seeds = sorted(set(acc) & set(ref))
        d = [acc[s] - ref[s] for s in seeds]
        if not d:
            continue
        mean = statistics.mean(d)
        std = statistics.stdev(d) if len(d) > 1 else float("nan")
        if 1 < len(d) <= len(T975) + 1:
            half = T975[len(d) - 2] * std / math.sqrt(len(d))
            interval = "[%+.2f, %+.2f]" % (mean - half, mean + half)
        else:
            interval = "n/a"
        print("| %s | %d | %s | %+.2f ± %.2f | %s | %.3f | %d of %d |" % (
            label, len(d), ", ".join("%+.2f" % x for x in d), mean, std, interval, permutation_p(d),
            sum(x > 0 for x in d), len(d)))


if __name__ == "__main__":
    main()
