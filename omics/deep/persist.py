"""Saving and loading trained networks: a state dict plus a JSON model card.

``model.pt`` holds only tensors (the state dict) and is read back with
``torch.load(..., weights_only=True)``, which never unpickles arbitrary objects; the
architecture is rebuilt from ``model.json`` (architecture, input size and channels, training
settings incl. λ and seeds, package versions, the SHA-256 of the sorted training patient IDs).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from omics.data.validate import InputError

CARD_VERSION = 1


def model_card(arch, config, slices, *, epochs: int, final_loss: float, torch_seed: int) -> dict:
    """The JSON-able description of a trained network."""
    from omics.data.provenance import package_versions
    from omics.deep.train import patients_hash

    versions = package_versions()
    for name in ("torch", "monai", "torchsurv"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = "not installed"
    return {
        "card_version": CARD_VERSION,
        "architecture": arch.to_dict(),
        "input": {"channels": list(slices.channels), "size": slices.size,
                  "slices": {k: v for k, v in slices.params.items() if k != "source"}},
        "training": {**config.to_dict(), "epochs": epochs, "final_loss": final_loss, "torch_seed": torch_seed,
                     "n_patients": len(slices.patients), "patients_sha256": patients_hash(slices.patients)},
        "versions": versions,
    }


def save_model(model, out: str | os.PathLike) -> Path:
    """Write ``model.pt`` (state dict) and ``model.json`` (card) into folder ``out``."""
    import torch

    from omics.data.io import atomic_path, write_text

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "model.pt") as tmp:
        torch.save(model.net.state_dict(), tmp)
    write_text(json.dumps(model.card, indent=2, default=str) + "\n", out / "model.json")
    return out


def load_model(path: str | os.PathLike):
    """Load a model saved by :func:`save_model` (folder, or its ``model.pt`` / ``model.json``)."""
    import torch

    from omics.deep.models import Architecture, ConvAutoencoder
    from omics.deep.train import DeepModel

    path = Path(path)
    folder = path if path.is_dir() else path.parent
    card_path, weights = folder / "model.json", folder / "model.pt"
    for p in (card_path, weights):
        if not p.exists():
            raise InputError(f"{p}: missing; a saved model is a folder with model.pt and model.json "
                             "(written by `omics deep train`)")
    try:
        card = json.loads(card_path.read_text())
        arch = Architecture(**card["architecture"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{card_path}: not a model card ({exc})") from exc
    net = ConvAutoencoder(arch)
    net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    net.eval()
    return DeepModel(net, card)
