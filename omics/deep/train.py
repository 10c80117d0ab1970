"""Training protocol of the deep models: repeated leave-10 %-out CV, then one final model.

The study trained its CAE and HSCAE with "a leave-10%-out cross-validation technique on a
randomly selected subset of 200 patients (Training cohort), repeating the process 100 times"
and does not say how 100 models became one d-RF vector per patient. Here:

1. **CV repeats** (:func:`cv_repeat`; independent, one per process / Snakemake job): repeat
   ``r`` draws 10 % of the training patients as held-out, trains on the rest with
   augmentation and **early stopping on the held-out loss** (patience ``patience``), and
   records, per epoch, the training loss, the held-out reconstruction MSE and, for the HSCAE,
   the held-out Cox loss and Harrell's C of the risk head. Each repeat's seed is child ``r``
   of ``SeedSequence(seed)``, so repeat ``r`` gives the same result alone, in any order, or in
   parallel.
2. **Epoch count** (:func:`select_epochs`): the median over repeats of the epoch with the
   lowest held-out loss.
3. **One final model** (:func:`train_final`) trained on the whole training cohort for that
   many epochs produces the d-RFs of every patient (training and testing).

Why one final model: the latent axes of independently trained autoencoders are arbitrary
(any rotation or permutation of the latent space reconstructs equally well), so averaging
latent vectors of 100 models mixes unrelated coordinates and is not meaningful; and
concatenating them would give 102,400 features. The repeated CV is what it is good for:
choosing the training length without touching the testing cohort, and showing that
reconstruction quality on unseen slices is close to the training quality (the study's QC).

HSCAE loss = MSE + λ · Cox, where Cox is the negative log partial likelihood per event
(:func:`~omics.deep.models.cox_loss`) computed within each mini-batch (the DeepSurv
approximation: risk sets restricted to the batch). Default λ = 0.01: with inputs in [0, 1]
the MSE of a trained CAE is of the order 1e-3 to 1e-2 while the per-event Cox loss is of the
order log(batch size) ≈ 3, so λ = 0.01 makes the prognostic term comparable to — not
dominating — reconstruction ("half" supervised); larger λ trades reconstruction for risk
discrimination (check the QC table and the held-out C-index when changing it).

Reproducibility: ``torch.use_deterministic_algorithms(True)``; model initialisation,
batch order and augmentation draw from generators seeded per repeat; on the same device and
library versions the same seed gives identical weights and latents.

References
----------
Crombé A, Lucchesi C et al. NPJ Precis Oncol 2024;8. doi:10.1038/s41698-024-00616-8
Kingma DP, Ba J. Adam: a method for stochastic optimization. ICLR 2015.
Katzman JL et al. DeepSurv. BMC Med Res Methodol 2018;18:24.
Harrell FE et al. Stat Med 1996;15:361–387.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from omics._result import Result
from omics.data.validate import InputError
from omics.deep.slices import SliceSet

#: The study's QC: reconstruction MSE "below 1 %". Our slices lie in [0, 1], so 1 % of the
#: squared intensity range is an MSE of 0.01 (an RMS error of 10 % of the range).
MSE_CRITERION = 0.01


@dataclass(frozen=True)
class TrainConfig:
    """Training settings (stored in the model card).

    Attributes
    ----------
    model : {"cae", "hscae"}
    latent : latent size = number of d-RFs (study: 1024).
    base_channels, depth : first conv width and number of stride-2 blocks.
    max_epochs : upper bound of training epochs in CV repeats.
    patience : early stopping: epochs without held-out improvement before stopping.
    batch_size : slices per batch (HSCAE risk sets live within a batch, so not too small).
    learning_rate, weight_decay : Adam settings.
    cox_weight : λ of the HSCAE loss MSE + λ · Cox (see the module docstring).
    ties : Cox ties, ``efron`` or ``breslow``.
    holdout : share of training patients held out per CV repeat (study: 10 %).
    augment : apply the augmentation (:mod:`omics.deep.augment`).
    stop_on : held-out criterion of early stopping and epoch selection: ``mse``
        (reconstruction; default) or ``loss`` (MSE + λ · Cox for the HSCAE). The held-out Cox
        loss of ~20 patients with a handful of events jumps between epochs (on the demo, 1.0 →
        3.5 from one epoch to the next while the MSE fell steadily), which makes it a poor clock
        for stopping; its C-index is still recorded per epoch.
    seed : master seed (repeat r uses child r of ``SeedSequence(seed)``).
    device : ``auto`` (CUDA if available, else CPU), ``cpu`` or ``cuda``.
    """

    model: str = "cae"
    latent: int = 1024
    base_channels: int = 16
    depth: int = 4
    max_epochs: int = 100
    patience: int = 10
    batch_size: int = 16
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    cox_weight: float = 0.01
    ties: str = "efron"
    holdout: float = 0.1
    augment: bool = True
    stop_on: str = "mse"
    seed: int = 0
    device: str = "auto"

    def to_dict(self) -> dict:
        return asdict(self)


def resolve_device(device: str):
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in ("cpu", "cuda"):
        raise InputError(f"device must be auto, cpu or cuda, got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("device cuda requested but no GPU is available; use --device auto or cpu")
    return torch.device(device)


def _architecture(config: TrainConfig, slices: SliceSet):
    from omics.deep.models import Architecture

    return Architecture(model=config.model, in_channels=len(slices.channels), size=slices.size,
                        latent=config.latent, base_channels=config.base_channels, depth=config.depth)


def survival_arrays(slices: SliceSet, survival: pd.DataFrame | None, config: TrainConfig):
    """Time and event arrays aligned on the slices (HSCAE only), validated."""
    if config.model != "hscae":
        return None
    if survival is None:
        raise InputError("the HSCAE needs survival data (time and event per training patient)")
    missing = slices.patients.difference(survival.index.astype(str))
    if len(missing):
        raise InputError(f"survival data: no time/event for {len(missing)} training patient(s): "
                         f"{', '.join(missing[:5])}")
    table = survival.set_axis(survival.index.astype(str)).loc[slices.patients]
    time = pd.to_numeric(table.iloc[:, 0], errors="coerce").to_numpy(float)
    event = pd.to_numeric(table.iloc[:, 1], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(time) | ~np.isfinite(event) | (time <= 0) | ~np.isin(event, (0, 1))
    if bad.any():
        raise InputError(f"survival data: patient(s) {', '.join(slices.patients[bad][:5])} have a missing "
                         "or non-positive time or an event that is not 0/1; fix or drop them")
    if event.sum() == 0:
        raise InputError("survival data: no event among the training patients; the HSCAE cannot learn risk")
    return time, event


def _seeds(seed: int, repeat: int) -> tuple[int, int, np.random.Generator]:
    """Torch seed, augmentation seed and split generator of one repeat (repeat -1 = final model)."""
    root = np.random.SeedSequence(seed)
    child = root.spawn(repeat + 1)[repeat] if repeat >= 0 else np.random.SeedSequence([seed, 2 ** 31 - 1])
    torch_seed, aug_seed = (int(v) for v in child.generate_state(2, dtype=np.uint32))
    return torch_seed, aug_seed, np.random.default_rng(child)


def _setup_torch():
    # cuBLAS needs a fixed workspace for deterministic results on a GPU (read at CUDA start-up).
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    import torch

    torch.use_deterministic_algorithms(True)
    return torch


class _Trainer:
    """Holds one network, its optimiser and the data of one training run."""

    def __init__(self, slices: SliceSet, surv, config: TrainConfig, torch_seed: int, aug_seed: int):
        torch = _setup_torch()
        from omics.deep.augment import SliceAugmenter
        from omics.deep.models import ConvAutoencoder

        self.torch, self.config = torch, config
        self.device = resolve_device(config.device)
        torch.manual_seed(torch_seed)
        self.net = ConvAutoencoder(_architecture(config, slices)).to(self.device)
        self.optimiser = torch.optim.Adam(self.net.parameters(), lr=config.learning_rate,
                                          weight_decay=config.weight_decay)
        self.generator = torch.Generator().manual_seed(torch_seed)
        self.augment = SliceAugmenter(slices.size, aug_seed) if config.augment else None
        self.surv = surv

    def _loss(self, x, idx, surv):
        from omics.deep.models import cox_loss

        recon, _, risk = self.net(x)
        mse = self.torch.mean((recon - x) ** 2)
        if risk is None:
            return mse, mse, None
        t = self.torch.as_tensor(surv[0][idx], device=self.device)
        e = self.torch.as_tensor(surv[1][idx], device=self.device)
        cox = cox_loss(risk, t, e, ties=self.config.ties)
        return mse + self.config.cox_weight * cox, mse, cox

    def epoch(self, images: np.ndarray, rows: np.ndarray) -> float:
        """One pass over ``rows`` of ``images`` in seeded random batches; mean training loss."""
        torch = self.torch
        self.net.train()
        order = rows[torch.randperm(len(rows), generator=self.generator).numpy()]
        total, n = 0.0, 0
        for start in range(0, len(order), self.config.batch_size):
            idx = order[start:start + self.config.batch_size]
            if len(idx) < 2:          # batch norm needs two slices
                continue
            batch = images[idx]
            if self.augment is not None:
                batch = self.augment(batch)
            x = torch.as_tensor(batch, device=self.device)
            loss, _, _ = self._loss(x, idx, self.surv)
            self.optimiser.zero_grad()
            loss.backward()
            self.optimiser.step()
            total += float(loss.detach()) * len(idx)
            n += len(idx)
        return total / max(n, 1)

    def evaluate(self, images: np.ndarray, rows: np.ndarray) -> dict:
        """Held-out metrics on ``rows`` (no augmentation, batch norm in inference mode)."""
        from omics.deep.models import cox_loss
        from omics.survival import harrell_c

        torch = self.torch
        self.net.eval()
        with torch.no_grad():
            x = torch.as_tensor(images[rows], device=self.device)
            recon, _, risk = self.net(x)
            per_patient = ((recon - x) ** 2).flatten(1).mean(1).cpu().numpy()
        out = {"mse": float(per_patient.mean()), "per_patient_mse": per_patient}
        loss = out["mse"]
        if risk is not None:
            t, e = self.surv[0][rows], self.surv[1][rows]
            cox = float(cox_loss(risk, torch.as_tensor(t), torch.as_tensor(e), ties=self.config.ties))
            out["cox"] = cox
            out["cindex"] = float(harrell_c(t, e, risk.cpu().numpy().astype(float)).c_index) if e.sum() else np.nan
            loss += self.config.cox_weight * cox
        out["loss"] = loss
        return out


@dataclass(repr=False)
class RepeatResult(Result):
    """One CV repeat: held-out patients, learning curves and the best epoch.

    ``to_frame()`` is the learning curves (one row per epoch), ``summary`` the best epoch's
    held-out numbers, ``write(out)`` writes ``repeat_<R>.json`` (read back by :func:`read_repeats`).
    """

    repeat: int
    seed: int
    heldout: list[str]
    history: pd.DataFrame
    best_epoch: int
    heldout_mse: pd.Series
    config: dict = field(default_factory=dict)

    @property
    def summary(self) -> pd.DataFrame:
        best = self.history.loc[self.history.epoch == self.best_epoch].iloc[0]
        row = {"repeat": self.repeat, "best_epoch": self.best_epoch, "heldout_mse": best["heldout_mse"],
               "heldout_loss": best["heldout_loss"]}
        if "heldout_cindex" in best:
            row["heldout_cindex"] = best["heldout_cindex"]
        return pd.DataFrame([row])

    def to_frame(self) -> pd.DataFrame:
        return self.history.assign(repeat=self.repeat)

    def to_json(self) -> str:
        return json.dumps({"repeat": self.repeat, "seed": self.seed, "heldout": self.heldout,
                           "best_epoch": self.best_epoch, "config": self.config,
                           "history": self.history.to_dict(orient="list"),
                           "heldout_mse": self.heldout_mse.to_dict()}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "RepeatResult":
        d = json.loads(text)
        return cls(d["repeat"], d["seed"], d["heldout"], pd.DataFrame(d["history"]), d["best_epoch"],
                   pd.Series(d["heldout_mse"], name="mse", dtype=float), d.get("config", {}))

    def write(self, out_dir: str | os.PathLike) -> dict:
        """Write ``out_dir/repeat_<R>.json``; a path ending in ``.json`` is taken as the file itself."""
        from omics.data.io import write_text

        path = Path(out_dir)
        if path.suffix != ".json":
            path = path / f"repeat_{self.repeat}.json"
        return {"repeat": write_text(self.to_json() + "\n", path)}

    def _short(self) -> str:
        s = self.summary.iloc[0]
        extra = f", held-out C {s['heldout_cindex']:.3f}" if "heldout_cindex" in s else ""
        return (f"repeat {self.repeat}, {len(self.heldout)} held out, best epoch {self.best_epoch}, "
                f"held-out MSE {s['heldout_mse']:.4g}{extra}")


def read_repeats(paths: Sequence[str | os.PathLike]) -> list[RepeatResult]:
    """Read CV repeat results written by :meth:`RepeatResult.write`."""
    out = []
    for p in paths:
        try:
            out.append(RepeatResult.from_json(Path(p).read_text()))
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(f"{p}: not a CV repeat result ({exc}); re-run `omics deep train --repeat`") from exc
    return sorted(out, key=lambda r: r.repeat)


def cv_repeat(slices: SliceSet, *, survival: pd.DataFrame | None = None, repeat: int = 0,
              config: TrainConfig = TrainConfig(), progress: bool = False) -> RepeatResult:
    """Run CV repeat ``repeat`` on the training slices (see the module docstring).

    Parameters
    ----------
    slices
        Training-cohort slices.
    survival
        HSCAE only: patients × (time, event), first two columns, indexed by patient ID.
    repeat
        Repeat number (0-based); selects the seed and the held-out patients.
    config
        Training settings.

    Returns
    -------
    RepeatResult
    """
    from tqdm.auto import tqdm

    if repeat < 0:
        raise InputError(f"repeat must be >= 0, got {repeat}")
    if config.stop_on not in ("mse", "loss"):
        raise InputError(f"stop_on must be 'mse' or 'loss', got {config.stop_on!r}")
    surv = survival_arrays(slices, survival, config)
    torch_seed, aug_seed, rng = _seeds(config.seed, repeat)
    n = len(slices.patients)
    n_out = max(1, int(round(config.holdout * n)))
    if n - n_out < 2:
        raise InputError(f"{n} training patients are too few for a leave-{config.holdout:.0%}-out repeat")
    perm = rng.permutation(n)
    held, train = np.sort(perm[:n_out]), np.sort(perm[n_out:])
    trainer = _Trainer(slices, surv, config, torch_seed, aug_seed)
    rows, best, best_state, since = [], (np.inf, 0), None, 0
    for epoch in tqdm(range(1, config.max_epochs + 1), desc=f"{config.model} repeat {repeat}", disable=not progress):
        train_loss = trainer.epoch(slices.images, train)
        ev = trainer.evaluate(slices.images, held)
        row = {"epoch": epoch, "train_loss": train_loss, "heldout_loss": ev["loss"], "heldout_mse": ev["mse"]}
        if "cox" in ev:
            row.update(heldout_cox=ev["cox"], heldout_cindex=ev["cindex"])
        rows.append(row)
        criterion = ev["loss"] if config.stop_on == "loss" else ev["mse"]
        if criterion < best[0]:
            best, best_mse, since = (criterion, epoch), ev["per_patient_mse"], 0
        else:
            since += 1
            if since >= config.patience:
                break
    heldout_ids = [slices.patients[i] for i in held]
    return RepeatResult(repeat, config.seed, heldout_ids, pd.DataFrame(rows), best[1],
                        pd.Series(best_mse, index=heldout_ids, name="mse"), config.to_dict())


def training_set(slices: SliceSet, clinical: pd.DataFrame, *, cohort_column: str = "cohort",
                 training: str = "training", survival: Sequence[str] | None = None,
                 source: str = "clinical table", min_patients: int = 4) -> tuple[SliceSet, pd.DataFrame | None]:
    """The training cohort's slices and (for the HSCAE) its survival columns.

    Keeps the patients of ``slices`` whose ``clinical[cohort_column]`` equals ``training``
    (compared as text), refusing fewer than ``min_patients``; ``survival`` names the
    ``(time, event)`` columns to return (``None``: no survival table, as for the CAE).
    """
    needed = [cohort_column] + list(survival or [])
    missing = [c for c in needed if c not in clinical.columns]
    if missing:
        raise InputError(f"{source}: no column(s) {', '.join(missing)}")
    cohort = clinical[cohort_column].astype(str)
    ids = [p for p in slices.patients if cohort.get(p) == training]
    if len(ids) < min_patients:
        raise InputError(f"{source}: only {len(ids)} patient(s) with slices have {cohort_column} = "
                         f"{training!r}; the deep models need a training cohort")
    return slices.subset(ids), (clinical[list(survival)] if survival else None)


def select_epochs(repeats: Sequence[RepeatResult]) -> int:
    """Epochs of the final model: the median best epoch over the CV repeats (rounded up)."""
    if not repeats:
        raise InputError("no CV repeat result given; run `omics deep train --repeat R` first")
    return int(np.ceil(np.median([r.best_epoch for r in repeats])))


@dataclass(repr=False)
class DeepModel:
    """A trained network with its model card (see :mod:`omics.deep.persist`)."""

    net: object
    card: dict

    @property
    def model(self) -> str:
        return self.card["architecture"]["model"]

    def encode(self, slices: SliceSet, *, batch_size: int = 64) -> pd.DataFrame:
        """Latent vectors (d-RFs): patients × ``<model>_0001 …``."""
        return encode(self, slices, batch_size=batch_size)

    def reconstruct(self, slices: SliceSet) -> np.ndarray:
        """Reconstructed slices (same shape as ``slices.images``), inference mode."""
        torch = _setup_torch()
        self.net.eval()
        with torch.no_grad():
            return self.net(torch.as_tensor(slices.images))[0].numpy()

    def write(self, out_dir: str | os.PathLike) -> dict:
        """Write ``model.pt`` and ``model.json`` (the card) under ``out_dir`` (:func:`~omics.deep.save_model`)."""
        from omics.deep.persist import save_model

        out = save_model(self, out_dir)
        return {"weights": out / "model.pt", "card": out / "model.json"}

    def __repr__(self) -> str:
        a = self.card["architecture"]
        return (f"DeepModel({a['model']}, {a['in_channels']}×{a['size']}×{a['size']} → {a['latent']} d-RFs, "
                f"{self.card['training']['epochs']} epochs on {self.card['training']['n_patients']} patients)")


def patients_hash(patients: Sequence[str]) -> str:
    import hashlib

    return hashlib.sha256("\n".join(sorted(map(str, patients))).encode()).hexdigest()


def train_final(slices: SliceSet, *, survival: pd.DataFrame | None = None, epochs: int,
                config: TrainConfig = TrainConfig(), progress: bool = False) -> DeepModel:
    """Train the final model on all training slices for ``epochs`` epochs (no held-out set)."""
    from tqdm.auto import tqdm

    from omics.deep.persist import model_card

    if epochs < 1:
        raise InputError(f"epochs must be >= 1, got {epochs}")
    surv = survival_arrays(slices, survival, config)
    torch_seed, aug_seed, _ = _seeds(config.seed, -1)
    trainer = _Trainer(slices, surv, config, torch_seed, aug_seed)
    rows = np.arange(len(slices.patients))
    losses = [trainer.epoch(slices.images, rows)
              for _ in tqdm(range(epochs), desc=f"{config.model} final", disable=not progress)]
    trainer.net.eval()
    card = model_card(trainer.net.arch, config, slices, epochs=epochs, final_loss=losses[-1],
                      torch_seed=torch_seed)
    return DeepModel(trainer.net.cpu(), card)


def encode(model: DeepModel, slices: SliceSet, *, batch_size: int = 64) -> pd.DataFrame:
    """Latent vectors of ``slices`` under ``model`` (inference mode), patients × d-RFs."""
    torch = _setup_torch()
    arch = model.card["architecture"]
    if len(slices.channels) != arch["in_channels"] or slices.size != arch["size"]:
        raise InputError(f"slices are {len(slices.channels)}×{slices.size}×{slices.size} but the model expects "
                         f"{arch['in_channels']}×{arch['size']}×{arch['size']}; rebuild the slices with the "
                         "model's settings (see its model card)")
    net = model.net
    net.eval()
    chunks = []
    with torch.no_grad():
        for start in range(0, len(slices.patients), batch_size):
            chunks.append(net.encode(torch.as_tensor(slices.images[start:start + batch_size])).numpy())
    columns = [f"{arch['model']}_{i + 1:04d}" for i in range(arch["latent"])]
    return pd.DataFrame(np.concatenate(chunks).astype(float), index=slices.patients.rename("patient_id"),
                        columns=columns)


def reconstruction_mse(model: DeepModel, slices: SliceSet, *, batch_size: int = 64) -> pd.DataFrame:
    """Per patient: reconstruction MSE over the slice and inside the tumour ([0, 1] units)."""
    torch = _setup_torch()
    net = model.net
    net.eval()
    full, tumour = [], []
    with torch.no_grad():
        for start in range(0, len(slices.patients), batch_size):
            x = torch.as_tensor(slices.images[start:start + batch_size])
            err = ((net(x)[0] - x) ** 2).numpy()
            m = slices.masks[start:start + batch_size][:, None].astype(bool)
            full.append(err.reshape(len(err), -1).mean(1))
            tumour.append(np.array([e[np.broadcast_to(k, e.shape)].mean() for e, k in zip(err, m)]))
    return pd.DataFrame({"mse": np.concatenate(full), "mse_tumour": np.concatenate(tumour)},
                        index=slices.patients.rename("patient_id"))


@dataclass(repr=False)
class ReconstructionQC(Result):
    """Reconstruction MSE per patient (the study's ST1), from :func:`reconstruction_qc`.

    ``to_frame()`` is the per-patient table (``patient_id, mse, mse_tumour, cohort,
    below_criterion``), ``summary`` the per-cohort numbers (:func:`qc_summary`), and
    ``write(out, prefix=..., suffix=...)`` writes ``<prefix>reconstruction_qc<suffix>.csv``
    and ``<prefix>reconstruction_summary<suffix>.csv`` as ``omics deep train/extract`` do.
    """

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    @property
    def summary(self) -> pd.DataFrame:
        return qc_summary(self.table)

    def write(self, out_dir: str | os.PathLike, *, prefix: str = "", suffix: str = "") -> dict:
        from omics.data.io import write_table

        out = Path(out_dir)
        return {"table": write_table(self.table, out / f"{prefix}reconstruction_qc{suffix}.csv", index=False),
                "summary": write_table(self.summary, out / f"{prefix}reconstruction_summary{suffix}.csv",
                                       index=False)}

    def _short(self) -> str:
        s = qc_summary(self.table)
        return "; ".join(f"{r.cohort}: {r.patients} patients, median MSE {r.median_mse:.3g}" for r in s.itertuples())


@dataclass(repr=False)
class CVRepeats(Result):
    """The CV repeats of one model, together: learning curves, per-repeat summary, epochs.

    ``to_frame()`` is every repeat's learning curve (column ``repeat``), ``summary`` one row
    per repeat, ``epochs`` the final model's epochs (:func:`select_epochs`), ``write(out)``
    writes ``cv_repeats.csv`` as ``omics deep train`` does.
    """

    repeats: list

    def to_frame(self) -> pd.DataFrame:
        return pd.concat([r.to_frame() for r in self.repeats], ignore_index=True)

    @property
    def summary(self) -> pd.DataFrame:
        return pd.concat([r.summary for r in self.repeats], ignore_index=True)

    @property
    def epochs(self) -> int:
        return select_epochs(self.repeats)

    def write(self, out_dir: str | os.PathLike) -> dict:
        from omics.data.io import write_table

        return {"summary": write_table(self.summary, Path(out_dir) / "cv_repeats.csv", index=False)}

    def _short(self) -> str:
        return f"{len(self.repeats)} repeats, final epochs {self.epochs}" if self.repeats else "no repeat"


def reconstruction_qc(model: DeepModel, slices: SliceSet, cohort: pd.Series,
                      *, repeats: Sequence[RepeatResult] = ()) -> ReconstructionQC:
    """The study's ST1: reconstruction MSE per patient with its cohort, plus CV held-out rows.

    Rows: every patient under the final model (``cohort`` = training / testing / …) and, for
    each patient held out at least once in the CV, ``heldout`` with its mean held-out MSE.
    ``below_criterion`` applies the study's "< 1 %" (:data:`MSE_CRITERION` on [0, 1] slices).
    """
    per = reconstruction_mse(model, slices)
    per["cohort"] = cohort.reindex(per.index).fillna("unknown").astype(str).to_numpy()
    table = per.reset_index()
    if repeats:
        held = pd.concat([r.heldout_mse for r in repeats]).groupby(level=0).mean()
        table = pd.DataFrame({
            "patient_id": np.concatenate([table["patient_id"].to_numpy(object), held.index.to_numpy(object)]),
            "mse": np.concatenate([table["mse"].to_numpy(float), held.to_numpy(float)]),
            "mse_tumour": np.concatenate([table["mse_tumour"].to_numpy(float), np.full(len(held), np.nan)]),
            "cohort": np.concatenate([table["cohort"].to_numpy(object), np.full(len(held), "heldout", object)])})
    table["below_criterion"] = table["mse"] < MSE_CRITERION
    return ReconstructionQC(table)


def qc_summary(qc: pd.DataFrame | ReconstructionQC) -> pd.DataFrame:
    """Mean, median and maximum MSE per cohort and the share below the criterion."""
    if isinstance(qc, ReconstructionQC):
        qc = qc.table
    g = qc.groupby("cohort")
    return pd.DataFrame({"patients": g.size(), "mean_mse": g["mse"].mean(), "median_mse": g["mse"].median(),
                         "max_mse": g["mse"].max(), "share_below_1pct": g["below_criterion"].mean(),
                         "criterion": MSE_CRITERION}).reset_index()
