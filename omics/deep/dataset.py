"""A PyTorch ``Dataset`` view of a :class:`~omics.deep.slices.SliceSet`."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from omics.deep.slices import SliceSet


class SliceDataset(Dataset):
    """Items ``(image, index)`` or ``(image, index, time, event)`` as tensors.

    Parameters
    ----------
    slices
        The slice cache.
    survival
        Optional patients × (time, event) table; adds time and event to every item.
    transform
        Optional callable applied to each ``(channels, size, size)`` array (e.g. one
        :class:`~omics.deep.augment.SliceAugmenter` call on a batch of one).
    """

    def __init__(self, slices: SliceSet, survival=None, transform=None):
        self.slices = slices
        self.transform = transform
        self.surv = None
        if survival is not None:
            table = survival.set_axis(survival.index.astype(str)).loc[slices.patients]
            self.surv = table.iloc[:, :2].to_numpy(float)

    def __len__(self) -> int:
        return len(self.slices.patients)

    def __getitem__(self, i: int):
        image = self.slices.images[i]
        if self.transform is not None:
            image = np.asarray(self.transform(image[None]))[0]
        item = (torch.as_tensor(image), i)
        if self.surv is not None:
            item += (torch.tensor(self.surv[i, 0]), torch.tensor(self.surv[i, 1]))
        return item
