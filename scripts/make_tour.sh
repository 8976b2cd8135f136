#!/usr/bin/env bash
# Reproduce the seeds' experiments on the shipped models with the CLI; writes docs/tour/.
set -euo pipefail
cd "$(dirname "$0")/.."
L=${LATENT_EXPLORER:-.venv/bin/latent-explorer}
out=docs/tour
mkdir -p "$out"
# 1. Where AE, tiny-KL VAE and VAE put the data: radius histograms side by side.
$L compare models/mnist_ae models/mnist_vae_tinykl --sampler normal --grid 6x6 --out "$out/ae_vs_tinykl"
$L compare models/mnist_ae models/mnist_vae --sampler normal --grid 6x6 --out "$out/ae_vs_vae"
# 2. Uniform sampling with a growing limit b against the VAE's data.
for b in 1 2 4 12; do
  $L sample models/mnist_vae --sampler uniform --limit "$b" --grid 4x8 --seed 0 --out "$out/vae_uniform_b$b.png"
done
# 3. All statistics of the three 16-dimensional models.
for m in mnist_ae mnist_vae_tinykl mnist_vae; do
  $L analyze "models/$m" --out "$out/analyze_$m" --tsne-points 2000 --kmeans 2:40:2 > /dev/null
done
