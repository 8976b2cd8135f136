"""Statistics of a latent space: histograms, components, hits, VAE diagnostics, clustering,
projections (t-SNE) and the analysis that combines them."""
