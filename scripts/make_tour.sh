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
# 4. Moving through latent space: reconstructions, a traversal, seed 002's 3 -> 8 arithmetic.
$L reconstruct models/mnist_ae models/mnist_vae --dataset mnist-5k --count 10 --seed 1 --out "$out/moving/reconstruct.png"
$L sample models/mnist_vae --sampler traverse --dims 0,1,2,3 --steps 9 --dataset mnist-5k --gif --out "$out/moving/traverse.png"
$L sample models/mnist_vae --sampler attribute --attribute 3 --to 8 --bases 1500,1501,1502 --steps 7 --alpha 0:1.5 --dataset mnist-5k --gif --out "$out/moving/attribute_3_to_8.png"
# 5. The map of the VAE's means.
$L map models/mnist_vae --method umap --points 5000 --out "$out/map_umap_vae" > /dev/null
# 6. Measured sample quality: normal decodes of the three 16-dimensional models, and seed
#    000's uniform limit series in numbers.
mkdir -p "$out/quality_normal"
$L quality models/mnist_vae models/mnist_ae --sampler normal --out "$out/quality_normal" > "$out/quality_normal/table.txt"
$L quality models/mnist_vae_tinykl --sampler normal --out "$out/quality_tinykl" > /dev/null
$L quality models/mnist_vae models/mnist_ae --sampler uniform --sweep limit=0.5:8:0.5 --out "$out/quality_uniform" > /dev/null
