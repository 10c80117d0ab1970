"""A synthetic osteosarcoma response cohort with a known truth, modelled on S0 and S1.

Modelled on Bouhamama et al., Radiol Imaging Cancer 2022 (S0: three centres, ComBat on the
fat-suppression technique) and Zheng et al. (S1: peritumoral rings, clinical nomogram).

What is planted
---------------
* **Centres** Lyon / Nantes / Paris with S0's sizes (69 / 45 / 62) and a **fat-suppression
  technique** (``dixon`` vs ``fatsat``) in every centre. The technique shifts every
  radiomic feature (by 1–2.5 SD) and rescales it (log-scale SD 0.25): a batch effect.
* **Response** (``response`` = 1: good responder, < 10 % viable tumour) from a logistic
  model: a centre × technique baseline (retrospective confounding: in Lyon good responders
  were mostly imaged with Dixon, in Paris mostly with fat saturation, in Nantes neither),
  higher ALP and a pathological fracture lower the odds, metastasis at diagnosis slightly.
  True odds ratios in ``truth["odds_ratios"]``.
* **Radiomic signal** partly inside the tumour (5 of 20 ``tumour`` features, 0.45 SD between
  classes) and partly in the 2 mm peritumoral ring (4 of 20 ``peri2mm`` features, 0.4 SD);
  weak in the 4 mm ring (2 features, 0.2 SD), none in the 6 mm ring (ROI names as
  ``omics.imaging.roi_masks``). Features of one ROI are
  correlated through shared latent factors.
* **The S0 lesson**: trained on Lyon without harmonisation, a model learns the technique
  (confounded with response there) and fails in Paris (where the confounding is reversed);
  with ComBat on the technique it uses the within-technique signal and generalises.
* **Images** (optional): one small CE-T1 FS volume per patient (10 × 40 × 40 voxels,
  1 × 1 × 3 mm) whose tumour intensity and 2 mm-ring enhancement carry the patient's tumour
  and ring signal, scaled by the technique; a repeat segmentation for ``n_repeat`` patients.

Everything is deterministic by ``seed``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from omics.data.io import write_table, write_text

CENTRES = ("Lyon", "Nantes", "Paris")
CENTRE_SIZES = (69, 45, 62)
TECHNIQUES = ("dixon", "fatsat")
#: P(good response) by centre and technique: the retrospective confounding of the demo.
GOOD_RATE = {("Lyon", "dixon"): 0.85, ("Lyon", "fatsat"): 0.35, ("Nantes", "dixon"): 0.6,
             ("Nantes", "fatsat"): 0.6, ("Paris", "dixon"): 0.35, ("Paris", "fatsat"): 0.85}
#: True log odds ratios for good response (per log(ALP/200), fracture yes, metastasis yes).
LOG_OR = {"log_alp": np.log(0.35), "pathological_fracture": np.log(0.30), "metastasis": np.log(0.7)}
#: ROI → (number of features, number carrying signal, class difference in SD).
ROIS = {"tumour": (20, 5, 0.45), "peri2mm": (20, 4, 0.4), "peri4mm": (20, 2, 0.2), "peri6mm": (20, 0, 0.0)}
SEQUENCE = "CET1"
SITES = ("femur", "tibia", "humerus", "other")


@dataclass
class DemoResponseCohort:
    """The demo response cohort.

    Attributes
    ----------
    clinical : DataFrame indexed by ``patient_id``: ``centre``, ``fat_suppression``,
        ``response`` (1 = good responder), ``age``, ``sex``, ``site``, ``alp``, ``ldh``,
        ``pathological_fracture``, ``metastasis``.
    features : DataFrame, patients × radiomic features ``CET1__<roi>__f<NN>``.
    truth_patients : DataFrame of the per-patient latent values.
    truth : dict of the generating parameters (odds ratios, signal features, lesson).
    """

    clinical: pd.DataFrame
    features: pd.DataFrame
    truth_patients: pd.DataFrame
    truth: dict
    manifest: pd.DataFrame | None = None
    out: Path | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        c = self.clinical
        return (f"DemoResponseCohort({len(c)} patients, {self.features.shape[1]} features, "
                f"centres {dict(c['centre'].value_counts().reindex(CENTRES))}, "
                f"good responders {int(c['response'].sum())})")


def _clinical(rng, sizes) -> pd.DataFrame:
    rows = []
    k = 0
    for centre, n in zip(CENTRES, sizes):
        tech = np.array(["dixon"] * (n // 2) + ["fatsat"] * (n - n // 2))
        rng.shuffle(tech)
        for t in tech:
            k += 1
            rows.append({"patient_id": f"OS{k:03d}", "centre": centre, "fat_suppression": t})
    clin = pd.DataFrame(rows).set_index("patient_id")
    n = len(clin)
    clin["age"] = np.round(np.clip(rng.lognormal(np.log(17), 0.45, n), 5, 71), 1)
    clin["sex"] = np.where(rng.random(n) < 0.6, "male", "female")
    clin["site"] = rng.choice(SITES, n, p=(0.58, 0.2, 0.1, 0.12))
    clin["alp"] = np.round(rng.lognormal(np.log(200), 0.6, n), 0)
    clin["ldh"] = np.round(rng.lognormal(np.log(210), 0.3, n), 0)
    clin["pathological_fracture"] = (rng.random(n) < 0.25).astype(int)
    clin["metastasis"] = (rng.random(n) < 0.15).astype(int)
    base = np.array([GOOD_RATE[(c, t)] for c, t in zip(clin["centre"], clin["fat_suppression"])])
    lp = (np.log(base / (1 - base)) + LOG_OR["log_alp"] * np.log(clin["alp"] / 200)
          + LOG_OR["pathological_fracture"] * clin["pathological_fracture"] + LOG_OR["metastasis"] * clin["metastasis"])
    clin["response"] = (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int)
    clin.attrs["linear_predictor"] = lp
    return clin


def _features(rng, clin: pd.DataFrame):
    n = len(clin)
    y = clin["response"].to_numpy()
    dixon = (clin["fat_suppression"] == "dixon").to_numpy()
    blocks, signal_cols, latent = [], [], {}
    for roi, (n_feat, n_signal, effect) in ROIS.items():
        factors = rng.normal(size=(n, 4))
        loadings = rng.normal(0, 0.6, size=(4, n_feat))
        values = factors @ loadings + rng.normal(size=(n, n_feat))
        values /= values.std(axis=0)
        roi_signal = (y - y.mean()) * effect
        values[:, :n_signal] += roi_signal[:, None] * np.where(rng.random(n_signal) < 0.5, -1, 1)
        latent[roi] = (y - y.mean()) * (effect > 0) + 0.7 * rng.normal(size=n)   # drives the images
        shift = rng.uniform(1.5, 3.0, n_feat) * np.where(rng.random(n_feat) < 0.5, -1, 1)
        scale = np.exp(rng.normal(0, 0.25, n_feat))
        values = np.where(dixon[:, None], values * scale + shift, values)
        location, spread = rng.uniform(1, 100, n_feat), rng.uniform(0.5, 20, n_feat)
        names = [f"{SEQUENCE}__{roi}__f{j + 1:02d}" for j in range(n_feat)]
        blocks.append(pd.DataFrame(values * spread + location, index=clin.index, columns=names))
        signal_cols += names[:n_signal]
    return pd.concat(blocks, axis=1).round(6), signal_cols, latent


def _volume(rng, shape, spacing, radius_mm, tumour_level, ring_level, gain):
    from omics.data.demo import _smooth_noise
    nz, ny, nx = shape
    zz, yy, xx = np.meshgrid(*((np.arange(s) - (s - 1) / 2) * sp for s, sp in zip(shape, spacing)), indexing="ij")
    r = np.sqrt(xx ** 2 + yy ** 2 + (zz * 0.8) ** 2) / radius_mm
    mask = r < 1 + 0.08 * _smooth_noise(rng, shape, (0.8, 2, 2))
    from scipy import ndimage
    dist = ndimage.distance_transform_edt(~mask, sampling=spacing)
    ring = (dist > 0) & (dist <= 2.0)
    texture = _smooth_noise(rng, shape, (0.6, 1.2, 1.2))
    muscle = 400 * (1 + 0.03 * _smooth_noise(rng, shape, (1, 2, 2)))
    signal = np.where(mask, 800 * (1 + 0.12 * tumour_level) * (1 + 0.15 * texture), muscle)
    signal = np.where(ring, muscle * (1 + 0.35 + 0.25 * ring_level), signal)
    noisy = np.abs(signal * gain + rng.normal(0, 10, shape))
    return np.round(noisy).astype(np.int16), mask.astype(np.uint8)


def _images(rng, clin, latent, out: Path, n_repeat: int, shape=(10, 40, 40)) -> pd.DataFrame:
    from omics.data.demo import _repeat_mask, _write_image
    spacing = (3.0, 1.0, 1.0)
    repeat_ids = set(rng.choice(clin.index.to_numpy(), min(n_repeat, len(clin)), replace=False))
    rows = []
    for i, pid in enumerate(clin.index):
        child = np.random.default_rng(rng.integers(2 ** 63))
        gain = 1.3 if clin.at[pid, "fat_suppression"] == "dixon" else 1.0
        volume, mask = _volume(child, shape, spacing, child.uniform(7, 11), latent["tumour"][i],
                               latent["peri2mm"][i], gain)
        folder = out / "images" / pid
        _write_image(volume, spacing, folder / f"{SEQUENCE}.nii.gz")
        _write_image(mask, spacing, folder / "mask.nii.gz")
        repeat = ""
        if pid in repeat_ids:
            _write_image(_repeat_mask(child, mask.astype(bool)), spacing, folder / "mask_repeat.nii.gz")
            repeat = f"images/{pid}/mask_repeat.nii.gz"
        rows.append((pid, SEQUENCE, f"images/{pid}/{SEQUENCE}.nii.gz", f"images/{pid}/mask.nii.gz", repeat))
    return pd.DataFrame(rows, columns=["patient_id", "sequence", "image", "mask", "repeat_mask"])


def demo_response_cohort(*, out: str | Path | None = None, seed: int = 0, sizes=CENTRE_SIZES,
                         images: bool = True, n_repeat: int = 20) -> DemoResponseCohort:
    """Build the demo response cohort (and write it to ``out`` if given).

    Parameters
    ----------
    out
        Folder for ``clinical.csv``, ``features.csv``, ``truth/`` and (with ``images``)
        ``manifest.csv`` + ``images/``. Without it nothing is written.
    seed
        Seed of every random draw.
    sizes
        Patients in Lyon, Nantes and Paris (S0: 69, 45, 62).
    images
        Write one small MRI volume and mask per patient (only with ``out``).
    n_repeat
        Patients with a repeat segmentation (ICC).

    Returns
    -------
    DemoResponseCohort

    References
    ----------
    Bouhamama A, Leporq B, et al. (2022). Prediction of histologic neoadjuvant chemotherapy
    response in osteosarcoma using pretherapeutic MRI radiomics. Radiol Imaging Cancer 4(5),
    e210107.
    Zheng T et al. MRI-based intratumoral and peritumoral radiomics predicting neoadjuvant
    chemotherapy response in osteosarcoma.
    """
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) != 3 or min(sizes) < 8:
        raise ValueError("sizes: give three centre sizes of at least 8 patients each")
    clin_seed, feat_seed, img_seed = np.random.SeedSequence(seed).spawn(3)
    clinical = _clinical(np.random.default_rng(clin_seed), sizes)
    lp = clinical.attrs.pop("linear_predictor")
    features, signal_cols, latent = _features(np.random.default_rng(feat_seed), clinical)
    truth_patients = pd.DataFrame({"linear_predictor": lp, "tumour_signal": latent["tumour"],
                                   "ring2mm_signal": latent["peri2mm"]}, index=clinical.index)
    truth = {
        "outcome": "response = 1: good responder (< 10 % viable tumour cells)",
        "odds_ratios": {k: float(np.exp(v)) for k, v in LOG_OR.items()},
        "good_rate_by_centre_technique": {f"{c}/{t}": r for (c, t), r in GOOD_RATE.items()},
        "signal_features": signal_cols,
        "roi_signal": {roi: {"n_features": n, "n_signal": s, "effect_sd": e} for roi, (n, s, e) in ROIS.items()},
        "batch": "fat_suppression (dixon shifts every feature by 1-2.5 SD and rescales it)",
        "lesson": "train on Lyon, test on Paris: without ComBat the model learns the technique "
                  "(confounded with response in Lyon, reversed in Paris) and fails; with ComBat on "
                  "fat_suppression it generalises",
        "parameters": {"sizes": list(sizes), "seed": seed, "images": images, "n_repeat": n_repeat},
    }
    demo = DemoResponseCohort(clinical, features, truth_patients, truth)
    if out is not None:
        out = Path(out)
        write_table(clinical, out / "clinical.csv")
        write_table(features, out / "features.csv")
        write_table(truth_patients, out / "truth" / "patients.csv")
        write_text(json.dumps(truth, indent=2) + "\n", out / "truth" / "truth.json")
        if images:
            demo.manifest = _images(np.random.default_rng(img_seed), clinical, latent, out, n_repeat)
            write_table(demo.manifest, out / "manifest.csv", index=False)
        demo.out = out
    return demo
