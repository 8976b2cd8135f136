"""The latent space: encoding and decoding with caches, the samplers (one declaration each) and
the decoded grids."""
