#!/usr/bin/python3
"""Compares the training and testing errors of programs over seeds: median,
quartiles, the count above 0.4, a two-sided Mann-Whitney U test of the
first program against each other one, and Fisher's exact test of the counts
above 0.4.
Input: result files named <program>_<seed>.txt in DIR, each holding a line
with "training MAE X" / "training error X" and "testing MAE Y" / "testing
error Y" (the numpy port's and neurofuse demo's output). Prints a markdown
table. Needs scipy (Debian python3-scipy, /usr/bin/python3).
Usage: seed_stats.py DIR PROGRAM_A PROGRAM_B [PROGRAM_C ...]
"""
import glob
import os
import re
import sys

import numpy as np
from scipy.stats import fisher_exact, mannwhitneyu

NUM = r"([0-9.]+(?:e[-+]?[0-9]+)?|nan|inf)"


def read(directory, program):
    rows = {}
    for path in sorted(glob.glob(os.path.join(directory, program + "_*.txt"))):
        seed = int(re.search(r"_(\d+)\.txt$", path).group(1))
        text = open(path).read()
        train = re.search(r"training +(?:MAE|error) +" + NUM, text)
        test = re.search(r"testing +(?:MAE|error) +" + NUM, text)
        if train and test:
            rows[seed] = (float(train.group(1)), float(test.group(1)))
    return rows


def main():
    directory, programs = sys.argv[1], sys.argv[2:]
    data = {p: read(directory, p) for p in programs}
    print("| program | seeds | error | median | quartiles (25%, 75%) | mean | > 0.4 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for p in programs:
        for k, name in enumerate(("training", "testing")):
            x = np.array([v[k] for v in data[p].values()])
            if not len(x):
                continue
            q1, med, q3 = np.percentile(x, [25, 50, 75])
            print("| %s | %d | %s | %.4f | %.4f, %.4f | %.4f | %d |"
                  % (p, len(x), name, med, q1, q3, x.mean(), (x > 0.4).sum()))
    print()
    base = programs[0]
    for p in programs[1:]:
        for k, name in enumerate(("training", "testing")):
            a = np.array([v[k] for v in data[base].values()])
            b = np.array([v[k] for v in data[p].values()])
            if len(a) and len(b):
                u, pv = mannwhitneyu(a, b, alternative="two-sided")
                ka, kb = int((a > 0.4).sum()), int((b > 0.4).sum())
                _, pf = fisher_exact([[ka, len(a) - ka], [kb, len(b) - kb]])
                print("- %s error, %s (%d) vs %s (%d): Mann-Whitney U %.1f, two-sided p = %.3g; "
                      "above 0.4 %d vs %d, Fisher's exact p = %.3g"
                      % (name, base, len(a), p, len(b), u, pv, ka, kb, pf))
    print()
    print("Per seed (training / testing):")
    print()
    print("```")
    seeds = sorted(set().union(*[set(d) for d in data.values()]))
    for s in seeds:
        print("seed %3d: " % s + "; ".join(
            "%s %s" % (p, "%.4f / %.4f" % data[p][s] if s in data[p] else "-") for p in programs))
    print("```")


if __name__ == "__main__":
    main()
