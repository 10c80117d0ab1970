"""On-the-fly "artefactual morphological" augmentation of the input slices, batched.

The study augmented its training slices with "artefactual morphological augmentation
techniques" without details (Supplementary Method M1, not available). Per slice we draw:

* a random affine map: rotation ±15°, isotropic scale ±10 %, shear ±0.1, flips along each
  axis (p = 0.5 each);
* an elastic deformation (p = 0.5): a coarse grid of Gaussian displacements (4 × 4 control
  points, SD ``size / 64`` pixels) upsampled bicubically to a smooth field;
* mild intensity jitter: multiplicative scale ±10 % and gamma 0.8–1.25 (both keep the
  background at 0), then clipping to [0, 1].

The affine and elastic displacements are summed into one dense displacement field and
applied to the whole batch with one bilinear ``grid_sample`` (zero padding = background) —
what MONAI's ``Warp`` layer does. Why not MONAI's transforms: its per-image array transforms
(``RandAffine``, ``Rand2DElastic``, ``RandFlip`` …) were measured at ~35 ms per 64 × 64 slice
on these CPUs — more than the network's training step for a whole batch of 32 — and
``import monai`` alone costs ~4 s of CPU (18 s wall on the shared machine) in every training
process (one per CV repeat), for what is a single ``grid_sample`` call here. The
parameterisation follows MONAI's ``RandAffine`` / ``Rand2DElastic``. Every draw comes from a ``torch.Generator`` seeded
by the caller, so a training run is reproducible.

References
----------
Cardoso MJ et al. MONAI: an open-source framework for deep learning in healthcare. arXiv:2211.02701 (2022).
Simard PY, Steinkraus D, Platt JC. Best practices for convolutional neural networks applied to
visual document analysis. ICDAR 2003 (elastic deformation).
"""

from __future__ import annotations

import math

import numpy as np

ROTATION = math.pi / 12
SCALE = 0.10
SHEAR = 0.10
ELASTIC_PROB = 0.5
ELASTIC_POINTS = 4
INTENSITY_SCALE = 0.10
GAMMA = (0.8, 1.25)


class SliceAugmenter:
    """Seeded batched augmentation of ``(n, channels, size, size)`` arrays in [0, 1]."""

    def __init__(self, size: int, seed: int):
        import torch

        self.torch = torch
        self.size = size
        self.generator = torch.Generator().manual_seed(int(seed))
        centre = (size - 1) / 2
        rows, cols = torch.meshgrid(torch.arange(size, dtype=torch.float32) - centre,
                                    torch.arange(size, dtype=torch.float32) - centre, indexing="ij")
        self.coords = torch.stack([rows, cols])            # (2, H, W), pixel units from the centre

    def _uniform(self, n: int, low: float, high: float):
        return low + (high - low) * self.torch.rand(n, generator=self.generator)

    def displacement(self, n: int):
        """Dense displacement fields ``(n, 2, size, size)`` in pixels (rows, columns)."""
        torch = self.torch
        angle = self._uniform(n, -ROTATION, ROTATION)
        scale = self._uniform(n, 1 - SCALE, 1 + SCALE)
        shear = self._uniform(n, -SHEAR, SHEAR)
        flips = torch.where(torch.rand(n, 2, generator=self.generator) < 0.5, -1.0, 1.0)
        cos, sin = torch.cos(angle), torch.sin(angle)
        rot = torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)
        shear_m = torch.eye(2).repeat(n, 1, 1)
        shear_m[:, 0, 1] = shear
        matrix = rot @ shear_m * scale[:, None, None] * flips[:, :, None]
        # The output pixel p reads the input at p + ddf = A p (about the slice centre).
        mapped = torch.einsum("nij,jhw->nihw", matrix, self.coords)
        ddf = mapped - self.coords[None]
        coarse = torch.randn(n, 2, ELASTIC_POINTS, ELASTIC_POINTS, generator=self.generator) * (self.size / 64)
        coarse *= (torch.rand(n, 1, 1, 1, generator=self.generator) < ELASTIC_PROB)
        ddf += torch.nn.functional.interpolate(coarse, size=(self.size, self.size), mode="bicubic",
                                               align_corners=True)
        return ddf

    def warp(self, x, ddf):
        """Bilinear resampling of ``x`` at ``pixel + ddf`` (zeros outside)."""
        torch = self.torch
        centre = (self.size - 1) / 2
        where = self.coords[None] + ddf + centre                       # absolute pixel positions
        grid = (where / (self.size - 1) * 2 - 1).permute(0, 2, 3, 1).flip(-1)   # (n, H, W, [x, y])
        return torch.nn.functional.grid_sample(x, grid, mode="bilinear", padding_mode="zeros",
                                               align_corners=True)

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """Augment a batch (a new float32 array; the input is untouched)."""
        torch = self.torch
        x = torch.as_tensor(np.asarray(batch, dtype=np.float32))
        n = x.shape[0]
        with torch.no_grad():
            out = self.warp(x, self.displacement(n))
            gain = self._uniform(n, 1 - INTENSITY_SCALE, 1 + INTENSITY_SCALE)[:, None, None, None]
            gamma = torch.exp(self._uniform(n, math.log(GAMMA[0]), math.log(GAMMA[1])))[:, None, None, None]
            out = (out.clamp(0.0, 1.0) ** gamma * gain).clamp(0.0, 1.0)
        return out.numpy()
