"""Deep radiomics (convolutional autoencoders, latent features, CAM maps) — not yet implemented."""
