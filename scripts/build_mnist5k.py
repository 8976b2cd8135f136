"""Rebuild resources/mnist_5k.npz from the CSV (784 pixel values then the label per row).

Usage: python scripts/build_mnist5k.py ../shared/data/mnist_5k.csv.gz resources/mnist_5k.npz
"""

import gzip
import sys

import numpy as np

with gzip.open(sys.argv[1]) as f:
    rows = np.loadtxt(f, delimiter=",", dtype=np.int64)
images = rows[:, :784].astype(np.uint8).reshape(-1, 28, 28, 1)
labels = rows[:, 784].astype(np.uint8)
np.savez_compressed(sys.argv[2], images=images, labels=labels)
print(f"{len(images)} images, labels {np.bincount(labels).tolist()}")
