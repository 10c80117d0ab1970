"""The networks: a 2-D convolutional autoencoder (CAE) and the half-supervised CAE (HSCAE),
and the Cox loss of the HSCAE's risk head.

Architecture (the study names its building blocks but not the layer sizes, which were in its
Supplementary Method M1, not available): ``depth`` blocks of *3 × 3 convolution, stride 2 →
batch normalisation → ReLU* (channels ``base_channels · 2^i``) halve the image ``depth``
times; a linear layer maps the last feature map to the latent vector (the d-RFs, default
1024 as in the study); the decoder mirrors it with a linear layer and 4 × 4 transposed
convolutions (stride 2) back to the input size, ending in a sigmoid (inputs lie in [0, 1]).
Weights use Glorot (Xavier) uniform initialisation, biases zero. The HSCAE adds a linear risk
head on the latent vector, trained with the Cox negative partial log-likelihood.

References
----------
Crombé A, Lucchesi C et al. NPJ Precis Oncol 2024;8. doi:10.1038/s41698-024-00616-8
Ioffe S, Szegedy C. Batch normalization. ICML 2015.
Glorot X, Bengio Y. Understanding the difficulty of training deep feedforward neural networks. AISTATS 2010.
Cox DR. Regression models and life-tables. JRSS B 1972;34:187–220.
Efron B. The efficiency of Cox's likelihood function for censored data. JASA 1977;72:557–565.
Katzman JL et al. DeepSurv. BMC Med Res Methodol 2018;18:24 (Cox loss for networks).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import torch
from torch import nn

MODELS = ("cae", "hscae")
TIES = ("efron", "breslow")


@dataclass(frozen=True)
class Architecture:
    """What is needed to rebuild a network (stored in the model card)."""

    model: str = "cae"
    in_channels: int = 1
    size: int = 128
    latent: int = 1024
    base_channels: int = 16
    depth: int = 4

    def __post_init__(self):
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {self.model!r}")
        if self.size % (2 ** self.depth) or self.size // (2 ** self.depth) < 1:
            raise ValueError(f"slice size {self.size} must be divisible by 2^depth = {2 ** self.depth}; "
                             "change --size or --depth")

    def to_dict(self) -> dict:
        return asdict(self)


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), nn.BatchNorm2d(c_out), nn.ReLU())


def _up_block(c_in: int, c_out: int, last: bool) -> nn.Sequential:
    layers = [nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1)]
    layers += [nn.Sigmoid()] if last else [nn.BatchNorm2d(c_out), nn.ReLU()]
    return nn.Sequential(*layers)


class ConvAutoencoder(nn.Module):
    """CAE (``arch.model == "cae"``) or HSCAE (adds ``risk_head``).

    ``forward(x)`` returns ``(reconstruction, latent, risk)``; ``risk`` is ``None`` for the CAE.
    The last encoder convolution (``encoder[-1][0]``) is the Grad-CAM target layer.
    """

    def __init__(self, arch: Architecture):
        super().__init__()
        self.arch = arch
        widths = [arch.base_channels * 2 ** i for i in range(arch.depth)]
        self.encoder = nn.Sequential(*[_block(c_in, c_out) for c_in, c_out in
                                       zip([arch.in_channels] + widths[:-1], widths)])
        self._grid = (widths[-1], arch.size // 2 ** arch.depth, arch.size // 2 ** arch.depth)
        flat = widths[-1] * self._grid[1] * self._grid[2]
        self.to_latent = nn.Linear(flat, arch.latent)
        self.from_latent = nn.Sequential(nn.Linear(arch.latent, flat), nn.ReLU())
        outs = widths[::-1][1:] + [arch.in_channels]
        self.decoder = nn.Sequential(*[_up_block(c_in, c_out, last=i == len(outs) - 1)
                                       for i, (c_in, c_out) in enumerate(zip(widths[::-1], outs))])
        self.risk_head = nn.Linear(arch.latent, 1) if arch.model == "hscae" else None
        self.apply(_glorot)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.to_latent(self.encoder(x).flatten(1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.from_latent(z).view(-1, *self._grid))

    def forward(self, x: torch.Tensor):
        z = self.encode(x)
        risk = self.risk_head(z).squeeze(1) if self.risk_head is not None else None
        return self.decode(z), z, risk


def _glorot(module: nn.Module) -> None:
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)


def cox_loss(risk: torch.Tensor, time: torch.Tensor, event: torch.Tensor, *, ties: str = "efron") -> torch.Tensor:
    """Cox negative log partial likelihood **per event**: ``−log PL(risk) / d``.

    ``risk`` is the linear predictor (log relative hazard, higher = worse); ``d`` the number of
    events in the batch. Computed by torchsurv's ``neg_partial_log_likelihood`` (Breslow or
    Efron ties) with ``reduction="sum"`` and divided by ``d`` here, so the normalisation is
    explicit (torchsurv's ``mean`` averages over its internal terms). A batch without events
    carries no information and gives 0. Multiplying by ``d`` gives exactly
    ``−loglik`` of ``omics.survival``'s Cox model at the same linear predictor (tested).

    References
    ----------
    Cox 1972; Breslow NE, Biometrics 1974;30:89–99; Efron 1977 (see the module docstring).
    """
    from torchsurv.loss.cox import neg_partial_log_likelihood

    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, got {ties!r}")
    events = event.bool()
    d = int(events.sum())
    if d == 0:
        return risk.sum() * 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # torchsurv warns whenever times are tied
        total = neg_partial_log_likelihood(risk.reshape(-1, 1), events, time.to(risk.dtype),
                                           ties_method=ties, reduction="sum")
    return total / d
