"""Statistics of a latent space: histograms, components, hits, VAE diagnostics, clustering,
2-D maps (t-SNE, UMAP, PCA: maps.py) and the analysis that combines them."""
