"""A synthetic demo cohort with a known truth, modelled on the soft-tissue-sarcoma study
(Crombé, Lucchesi et al., NPJ Precis Oncol 2024; doi 10.1038/s41698-024-00616-8).

What is planted
---------------
* **Latent imaging radiophenotype** ``IA`` (large, irregular, heterogeneous, often necrotic;
  40 %), ``IB`` (intermediate; 33 %) and ``IC`` (small, round, homogeneous; 27 %). It drives
  tumour size, shape, texture and necrosis in the MRI volumes and the semantic features.
* **Latent transcriptomic group** ``RA`` (60 %) vs ``RB`` (40 %), independent of imaging,
  associated with histotype and grade; RA up-regulates four gene programmes and
  down-regulates two (``DEMO_*`` sets of the GMT, with ``DECOY_*`` sets beside them).
* **Hazard** (Weibull proportional hazards for metastasis-free survival, in months):
  imaging IA and IB vs IC, RNA RA vs RB, an IA × RA interaction (so that the imaging-bad ×
  RNA-bad hybrid is the worst), age per 10 years and grade III vs I–II. The true hazard
  ratios are in ``truth["hazard_ratios"]``; events are about 30 %.
* **Nuisance**: four scanners with their own voxel spacing and intensity gain, a smooth
  multiplicative bias field per volume, two RNA-seq batches with gene-wise shifts, library
  sizes that vary five-fold, a few missing grades and margins.

Sizes: by default small (64 × 64 × 16 voxels, tumours scaled to fit; seconds to build);
``full_size=True`` gives 192 × 192 × 32 volumes with tumours at their clinical size where
they fit. Everything is deterministic by ``seed``; each part (clinical, RNA, images) draws
from its own child seed, so changing ``n_genes`` does not change the clinical table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import ndimage

from omics.data.io import atomic_path, write_table, write_text
from omics.data.validate import InputError

IMAGING_GROUPS = ("IA", "IB", "IC")
IMAGING_SHARE = (0.40, 0.33, 0.27)
RNA_GROUPS = ("RA", "RB")
RNA_SHARE = (0.60, 0.40)
SEQUENCES = ("T1", "T2", "CET1")
HISTOTYPES = ("UPS", "Leiomyosarcoma", "DD/pleomorphic LPS", "M/RC LPS", "Myxofibrosarcoma",
              "Synovial sarcoma", "Other")
# Histotype mix by RNA group (RNA groups are strongly associated with histotype in the study).
HISTOTYPE_MIX = {"RA": (0.42, 0.14, 0.12, 0.03, 0.07, 0.04, 0.18),
                 "RB": (0.15, 0.08, 0.14, 0.22, 0.05, 0.12, 0.24)}
GRADE_III_PROB = {("RA", "IA"): 0.70, ("RA", "IB"): 0.62, ("RA", "IC"): 0.55,
                  ("RB", "IA"): 0.40, ("RB", "IB"): 0.30, ("RB", "IC"): 0.25}
SCANNERS = {  # in-plane spacing, slice thickness (mm), intensity gain, centre
    "S1": (0.75, 4.0, 1.00, "C1"), "S2": (0.94, 5.0, 1.30, "C1"),
    "S3": (1.20, 6.0, 0.80, "C2"), "S4": (1.40, 3.5, 1.10, "C2"),
}
#: True log hazard ratios of the data-generating Cox model.
TRUE_LOG_HR = {
    "imaging_IA": np.log(2.5), "imaging_IB": np.log(1.6), "rna_RA": np.log(1.8),
    "imaging_IA:rna_RA": np.log(1.8), "age_per_10y": np.log(1.15), "grade_III": np.log(1.8),
}
#: Planted programmes: (direction in RA, number of genes, mean log2 fold change RA vs RB).
PROGRAMMES = {
    "DEMO_INFLAMMATORY_RESPONSE": ("up", 60, 1.5), "DEMO_EPITHELIAL_MESENCHYMAL_TRANSITION": ("up", 60, 1.3),
    "DEMO_HYPOXIA": ("up", 40, 1.2), "DEMO_E2F_TARGETS": ("up", 40, 1.1),
    "DEMO_ADIPOGENESIS": ("down", 50, -1.4), "DEMO_MYOGENESIS": ("down", 40, -1.1),
}
N_DECOYS = 20
WEIBULL_SHAPE = 1.2
WEIBULL_SCALE = 0.0005  # baseline hazard scale (per month^shape), tuned for ~30 % events


@dataclass
class DemoCohort:
    """The demo cohort: tables, gene sets and the ground truth.

    Attributes
    ----------
    clinical : DataFrame indexed by ``patient_id`` (see ``docs/workflow-files.md``).
    counts : DataFrame, genes × samples raw counts (patients with RNA-seq only).
    gene_sets : dict of planted (``DEMO_*``) and decoy (``DECOY_*``) gene sets.
    truth_patients : DataFrame of latent groups and the true linear predictor.
    truth_genes : DataFrame of planted genes (programme, direction, log2 fold change).
    truth : dict with ``hazard_ratios``, ``planted_programmes`` and the parameters.
    manifest : DataFrame of image paths (only when written to a folder).
    """

    clinical: pd.DataFrame
    counts: pd.DataFrame
    gene_sets: dict[str, list[str]]
    truth_patients: pd.DataFrame
    truth_genes: pd.DataFrame
    truth: dict
    manifest: pd.DataFrame | None = None
    out: Path | None = None
    _images: dict = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        c = self.clinical
        return (f"DemoCohort({len(c)} patients ({(c.cohort == 'training').sum()} training), "
                f"{self.counts.shape[1]} with RNA-seq × {self.counts.shape[0]} genes, "
                f"{int(c.mfs_event.sum())} MFS events, {len(self.gene_sets)} gene sets"
                + (f", files in {self.out}" if self.out else "") + ")")

    def to_mudata(self):
        """The cohort as a MuData: clinical in ``.obs``, modality ``rna`` (counts)."""
        from omics.data.cohort import build_cohort

        return build_cohort(self.clinical, counts=self.counts.T)


def _exact_groups(rng: np.random.Generator, n: int, labels, shares) -> np.ndarray:
    sizes = np.floor(np.asarray(shares) * n).astype(int)
    sizes[0] += n - sizes.sum()
    return rng.permutation(np.repeat(labels, sizes))


def _clinical(rng: np.random.Generator, n_patients: int, n_test: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = [f"STS{i:03d}" for i in range(1, n_patients + 1)]
    img = _exact_groups(rng, n_patients, IMAGING_GROUPS, IMAGING_SHARE)
    rna = _exact_groups(rng, n_patients, RNA_GROUPS, RNA_SHARE)
    age = np.clip(rng.normal(61, 15, n_patients), 18, 92).round(1)
    size_mean = pd.Series({"IA": 130.0, "IB": 95.0, "IC": 60.0})[img].to_numpy()
    size = np.clip(size_mean * np.exp(rng.normal(0, 0.3, n_patients)), 15, 350).round(0)
    histotype = np.array([rng.choice(HISTOTYPES, p=HISTOTYPE_MIX[r]) for r in rna])
    p3 = np.array([GRADE_III_PROB[(r, i)] for r, i in zip(rna, img)])
    u = rng.random(n_patients)
    grade = np.where(u < p3, "III", np.where(u < p3 + (1 - p3) * 0.65, "II", "I")).astype(object)
    heterogeneity_p = pd.Series({"IA": 0.80, "IB": 0.50, "IC": 0.15})[img].to_numpy()
    necrosis_p = pd.Series({"IA": 0.75, "IB": 0.35, "IC": 0.08})[img].to_numpy()
    enhancement_p = pd.Series({"IA": 0.55, "IB": 0.35, "IC": 0.15})[img].to_numpy()
    t2_het = (rng.random(n_patients) < heterogeneity_p).astype(int)
    necrosis = (rng.random(n_patients) < necrosis_p).astype(int)
    enhancement = (rng.random(n_patients) < enhancement_p).astype(int)
    deep_p = pd.Series({"IA": 0.80, "IB": 0.65, "IC": 0.45})[img].to_numpy()
    # SARCULATOR-like predicted 10-year OS from age, size, grade and histotype.
    hist_risk = pd.Series({"UPS": 0.3, "Leiomyosarcoma": 0.4, "DD/pleomorphic LPS": 0.2, "M/RC LPS": -0.5,
                           "Myxofibrosarcoma": 0.0, "Synovial sarcoma": 0.2, "Other": 0.0})[histotype].to_numpy()
    sarc_lp = (0.025 * (age - 60) + 0.008 * (size - 90) + np.where(grade == "III", 0.9, 0)
               + np.where(grade == "II", 0.4, 0) + hist_risk + rng.normal(0, 0.25, n_patients))
    pros = np.clip(1 / (1 + np.exp(sarc_lp - 0.55)), 0.05, 0.97).round(3)
    scanner = rng.choice(list(SCANNERS), size=n_patients, p=(0.35, 0.30, 0.20, 0.15))
    cohort = np.array(["training"] * n_patients, dtype=object)
    cohort[rng.choice(n_patients, n_test, replace=False)] = "testing"
    clinical = pd.DataFrame({
        "cohort": cohort, "age": age, "sex": rng.choice(["F", "M"], n_patients, p=(0.45, 0.55)),
        "histotype": histotype, "grade": grade, "size_mm": size,
        "depth": np.where(rng.random(n_patients) < deep_p, "deep", "superficial"),
        "site": rng.choice(["lower limb", "upper limb", "trunk wall", "other"], n_patients,
                           p=(0.55, 0.15, 0.20, 0.10)),
        "chemotherapy": rng.choice(["none", "neoadjuvant", "adjuvant"], n_patients, p=(0.45, 0.35, 0.20)),
        "radiotherapy": rng.choice(["none", "neoadjuvant", "adjuvant"], n_patients, p=(0.14, 0.40, 0.46)),
        "margins": rng.choice(["R0", "R1", "R2"], n_patients, p=(0.65, 0.34, 0.01)).astype(object),
        "sarculator_pros": pros,
        "sarculator_group": np.where(pros <= 0.51, "low", np.where(pros <= 0.66, "intermediate", "high")),
        "t2_heterogeneity": t2_het, "necrosis": necrosis, "peritumoral_enhancement": enhancement,
        "semantic_risk": np.where(t2_het + necrosis + enhancement >= 2, "high", "low"),
        "scanner": scanner, "centre": [SCANNERS[s][3] for s in scanner],
    }, index=pd.Index(ids, name="patient_id"))
    truth = pd.DataFrame({"imaging_group": img, "rna_group": rna,
                          "hybrid_bad": ((img == "IA") & (rna == "RA")).astype(int)}, index=clinical.index)
    return clinical, truth


def _survival(rng: np.random.Generator, clinical: pd.DataFrame, truth: pd.DataFrame) -> None:
    """Add ``mfs_time``/``mfs_event`` (in place) and the true linear predictor."""
    b = TRUE_LOG_HR
    img, rna = truth.imaging_group.to_numpy(), truth.rna_group.to_numpy()
    lp = (b["imaging_IA"] * (img == "IA") + b["imaging_IB"] * (img == "IB") + b["rna_RA"] * (rna == "RA")
          + b["imaging_IA:rna_RA"] * ((img == "IA") & (rna == "RA"))
          + b["age_per_10y"] * (clinical.age.to_numpy() - 60) / 10
          + b["grade_III"] * (clinical.grade.to_numpy() == "III"))
    u = rng.random(len(lp))
    event_time = (-np.log(u) / (WEIBULL_SCALE * np.exp(lp))) ** (1 / WEIBULL_SHAPE)
    follow_up = rng.uniform(24, 144, len(lp))             # administrative censoring
    lost = rng.exponential(400, len(lp))                   # loss to follow-up
    censor = np.minimum(follow_up, lost)
    clinical["mfs_time"] = np.maximum(np.minimum(event_time, censor), 0.5).round(2)
    clinical["mfs_event"] = (event_time <= censor).astype(int)
    truth["linear_predictor"] = lp


def _add_missing(rng: np.random.Generator, clinical: pd.DataFrame) -> None:
    n = len(clinical)
    clinical.loc[clinical.index[rng.choice(n, min(3, n), replace=False)], "grade"] = np.nan
    clinical.loc[clinical.index[rng.choice(n, min(4, n), replace=False)], "margins"] = np.nan


def _gene_sets(rng: np.random.Generator, genes: np.ndarray, expressed: np.ndarray):
    """Planted programmes (drawn from reasonably expressed genes) and disjoint decoys."""
    pool = list(rng.permutation(genes[expressed]))
    rows, sets = [], {}
    for name, (direction, size, mean_lfc) in PROGRAMMES.items():
        members = [pool.pop() for _ in range(size)]
        sets[name] = members
        lfc = mean_lfc + rng.normal(0, 0.25, size) * np.sign(mean_lfc)
        rows += [(g, name, direction, round(float(v), 3)) for g, v in zip(members, lfc)]
    planted = pd.DataFrame(rows, columns=["gene", "programme", "direction", "log2fc"])
    rest = list(rng.permutation(np.setdiff1d(genes, planted.gene)))
    largest = max(10, min(80, len(rest) // N_DECOYS))
    for i in range(1, N_DECOYS + 1):
        size = int(rng.integers(min(25, largest - 1), largest))
        sets[f"DECOY_{i:02d}"] = [rest.pop() for _ in range(size)]
    return sets, planted


def _counts(rng: np.random.Generator, clinical: pd.DataFrame, truth: pd.DataFrame, n_rna: int,
            n_genes: int):
    genes = np.array([f"G{i:05d}" for i in range(1, n_genes + 1)])
    rna_ids = np.sort(rng.choice(clinical.index.to_numpy(), n_rna, replace=False))
    log_abundance = rng.normal(0, 1.8, n_genes)            # relative expression, log scale
    expressed = log_abundance > np.quantile(log_abundance, 0.35)
    gene_sets, planted = _gene_sets(rng, genes, expressed)
    lfc = np.zeros((n_rna, n_genes))
    is_ra = (truth.loc[rna_ids, "rna_group"] == "RA").to_numpy()
    gene_pos = pd.Series(np.arange(n_genes), index=genes)
    lfc[np.ix_(is_ra, gene_pos[planted.gene].to_numpy())] = planted.log2fc.to_numpy()
    batch = np.where(rng.random(n_rna) < 0.45, "B2", "B1")
    batch_shift = rng.normal(0, 0.5, n_genes)
    lfc[batch == "B2"] += batch_shift
    lib = np.exp(rng.uniform(np.log(4e6), np.log(2e7), n_rna))
    prop = np.exp(log_abundance)
    prop /= prop.sum()
    mean = lib[:, None] * prop[None, :] * np.exp2(lfc)
    dispersion = np.exp(rng.normal(np.log(0.08), 0.5, n_genes))[None, :]
    # NB via the gamma-Poisson mixture (mean mu, variance mu + phi mu^2).
    counts = rng.poisson(rng.gamma(1 / dispersion, mean * dispersion))
    table = pd.DataFrame(counts.T, index=pd.Index(genes, name="gene"), columns=rna_ids)
    return table, gene_sets, planted, pd.Series(batch, index=rna_ids)


# ---------------------------------------------------------------- images

def _smooth_noise(rng, shape, sigma) -> np.ndarray:
    field_ = ndimage.gaussian_filter(rng.normal(size=shape), sigma)
    field_ -= field_.mean()
    return field_ / (field_.std() + 1e-12)


def _patient_volumes(rng, shape, spacing, diameter_mm, group, necrosis, gain):
    """T1, T2, CE-T1 volumes (z, y, x arrays) and the tumour mask of one patient."""
    nz, ny, nx = shape
    sz, sy, sx = spacing
    zz, yy, xx = np.meshgrid((np.arange(nz) - (nz - 1) / 2) * sz, (np.arange(ny) - (ny - 1) / 2) * sy,
                             (np.arange(nx) - (nx - 1) / 2) * sx, indexing="ij")
    radius = diameter_mm / 2
    elong = {"IA": 1.35, "IB": 1.2, "IC": 1.05}[group]
    r = np.sqrt((xx / (radius * elong)) ** 2 + (yy / radius) ** 2 + (zz / (radius * 0.9)) ** 2)
    irregularity = {"IA": 0.22, "IB": 0.12, "IC": 0.04}[group]
    mask = r < 1 + irregularity * _smooth_noise(rng, shape, (0.8, 3, 3))
    heterogeneity = {"IA": 0.30, "IB": 0.18, "IC": 0.06}[group]
    texture = _smooth_noise(rng, shape, (0.6, 1.5, 1.5))
    core = mask & (r < 0.55) if necrosis else np.zeros(shape, bool)
    rim = mask & (r > 0.75)
    # Muscle, tumour and necrosis signal per sequence. IB tumours are myxoid-like (T1-dark,
    # very T2-bright, moderately enhancing), so each radiophenotype has its own signal.
    tumour_signal = {"IA": {"T1": 360.0, "T2": 720.0, "CET1": 880.0},
                     "IB": {"T1": 270.0, "T2": 1250.0, "CET1": 680.0},
                     "IC": {"T1": 390.0, "T2": 600.0, "CET1": 960.0}}[group]
    tissue = {seq: (muscle, tumour_signal[seq], necrotic)
              for seq, muscle, necrotic in (("T1", 420.0, 330.0), ("T2", 300.0, 1150.0), ("CET1", 500.0, 430.0))}
    # A smooth multiplicative bias field (shared by the sequences of one acquisition).
    bias = np.exp(0.25 * (_smooth_noise(rng, shape, (nz, ny / 2, nx / 2))))
    volumes = {}
    for seq, (muscle, tumour, necrotic) in tissue.items():
        body = muscle * (1 + 0.03 * _smooth_noise(rng, shape, (1, 2, 2)))
        signal = np.where(mask, tumour * (1 + heterogeneity * texture), body)
        if seq == "CET1":
            signal = np.where(rim, signal * 1.12, signal)
        signal = np.where(core, necrotic * (1 + 0.05 * texture), signal)
        noisy = np.abs(signal * gain * bias + rng.normal(0, 12, shape))
        volumes[seq] = np.round(noisy).astype(np.int16)   # scanners store integers
    return volumes, mask.astype(np.uint8)


def _repeat_mask(rng, mask: np.ndarray) -> np.ndarray:
    """A second segmentation: the boundary moved by about one voxel in places."""
    grown = ndimage.binary_dilation(mask, structure=ndimage.generate_binary_structure(3, 1))
    shrunk = ndimage.binary_erosion(mask, structure=ndimage.generate_binary_structure(3, 1))
    choose = _smooth_noise(rng, mask.shape, (1, 3, 3))
    out = np.where(choose > 0.6, grown, np.where(choose < -0.6, shrunk, mask))
    if not out.any():
        out = mask
    return out.astype(np.uint8)


def _write_image(array: np.ndarray, spacing, path: Path) -> None:
    import SimpleITK as sitk

    image = sitk.GetImageFromArray(array)
    image.SetSpacing((spacing[2], spacing[1], spacing[0]))
    with atomic_path(path) as tmp:
        sitk.WriteImage(image, str(tmp), useCompression=True)


def _images(rng, clinical: pd.DataFrame, truth: pd.DataFrame, out: Path, n_repeat: int,
            full_size: bool) -> pd.DataFrame:
    shape = (32, 192, 192) if full_size else (16, 64, 64)
    scale = 1.0 if full_size else 0.30
    repeat_ids = set(rng.choice(clinical.index.to_numpy(), min(n_repeat, len(clinical)), replace=False))
    rows = []
    for pid in clinical.index:
        inplane, thickness, gain, _ = SCANNERS[clinical.at[pid, "scanner"]]
        spacing = (thickness, inplane, inplane)
        fov = min(shape[1] * inplane, shape[0] * thickness)
        diameter = float(np.clip(clinical.at[pid, "size_mm"] * scale, 6 * inplane, 0.7 * fov))
        child = np.random.default_rng(rng.integers(2**63))
        volumes, mask = _patient_volumes(child, shape, spacing, diameter, truth.at[pid, "imaging_group"],
                                         bool(clinical.at[pid, "necrosis"]), gain)
        folder = out / "images" / pid
        for seq, volume in volumes.items():
            _write_image(volume, spacing, folder / f"{seq}.nii.gz")
        _write_image(mask, spacing, folder / "mask.nii.gz")
        repeat = ""
        if pid in repeat_ids:
            _write_image(_repeat_mask(child, mask.astype(bool)), spacing, folder / "mask_repeat.nii.gz")
            repeat = f"images/{pid}/mask_repeat.nii.gz"
        rows += [(pid, seq, f"images/{pid}/{seq}.nii.gz", f"images/{pid}/mask.nii.gz", repeat)
                 for seq in SEQUENCES]
    return pd.DataFrame(rows, columns=["patient_id", "sequence", "image", "mask", "repeat_mask"])


# ---------------------------------------------------------------- public API

def demo_cohort(*, out: str | Path | None = None, n_patients: int = 225, n_test: int = 25,
                n_rna: int = 110, n_genes: int = 5000, n_repeat: int = 30, full_size: bool = False,
                images: bool = True, seed: int = 0) -> DemoCohort:
    """Build the demo cohort (and write it to ``out`` if given).

    Parameters
    ----------
    out
        Folder to write ``clinical.csv``, ``counts.csv`` (genes × samples), ``genesets.gmt``,
        ``manifest.csv`` + ``images/``, ``truth/`` and ``cohort.h5mu``. Without it nothing is
        written and no images are made.
    n_patients, n_test
        Patients in all, and how many of them form the testing cohort (the rest: training).
    n_rna, n_genes
        Patients with RNA-seq, and genes in the count matrix (at least 1,000).
    n_repeat
        Patients with a repeat segmentation (for ICC).
    full_size
        192 × 192 × 32 volumes instead of 64 × 64 × 16.
    images
        Write the MRI volumes and the manifest (only with ``out``).
    seed
        Seed of every random draw; the same seed gives the same cohort.

    Returns
    -------
    DemoCohort

    References
    ----------
    Crombé A, Lucchesi C, et al. Integration of pre-treatment computational radiomics, deep
    radiomics, and transcriptomics enhances soft-tissue sarcoma patient prognosis.
    NPJ Precis Oncol 2024. doi:10.1038/s41698-024-00616-8
    """
    if n_patients < 20:
        raise InputError("the demo cohort needs at least 20 patients")
    if not 0 <= n_test < n_patients:
        raise InputError("n_test must be between 0 and n_patients - 1")
    if not 10 <= n_rna <= n_patients:
        raise InputError("n_rna must be between 10 and n_patients")
    if n_genes < 1000:
        raise InputError("n_genes must be at least 1000 (the planted programmes need room)")
    clin_seed, surv_seed, rna_seed, img_seed, missing_seed = np.random.SeedSequence(seed).spawn(5)
    clinical, truth = _clinical(np.random.default_rng(clin_seed), n_patients, n_test)
    _survival(np.random.default_rng(surv_seed), clinical, truth)
    _add_missing(np.random.default_rng(missing_seed), clinical)
    counts, gene_sets, planted, batch = _counts(np.random.default_rng(rna_seed), clinical, truth,
                                                n_rna, n_genes)
    clinical["has_rna"] = clinical.index.isin(counts.columns).astype(int)
    clinical["rna_batch"] = batch.reindex(clinical.index)
    clinical = clinical[[c for c in clinical.columns if c not in ("mfs_time", "mfs_event")]
                        + ["mfs_time", "mfs_event"]]
    truth_info = {
        "hazard_ratios": {k: float(np.exp(v)) for k, v in TRUE_LOG_HR.items()},
        "log_hazard_ratios": {k: float(v) for k, v in TRUE_LOG_HR.items()},
        "hazard_model": "Weibull PH: h(t) = scale * shape * t^(shape-1) * exp(lp), months; "
                        "age centred at 60; references IC, RB, grade I-II",
        "weibull": {"shape": WEIBULL_SHAPE, "scale": WEIBULL_SCALE},
        "planted_programmes": {k: {"direction": d, "n_genes": n, "mean_log2fc": m}
                               for k, (d, n, m) in PROGRAMMES.items()},
        "decoys": [k for k in gene_sets if k.startswith("DECOY_")],
        "expected_clusters": {"imaging": "IA -> A_hRF (largest)", "rna": "RA -> A_RNA (largest)"},
        "parameters": {"n_patients": n_patients, "n_test": n_test, "n_rna": n_rna, "n_genes": n_genes,
                       "n_repeat": n_repeat, "full_size": full_size, "seed": seed},
    }
    demo = DemoCohort(clinical, counts, gene_sets, truth, planted, truth_info)
    if out is not None:
        write_demo(demo, Path(out), images=images, n_repeat=n_repeat, full_size=full_size,
                   img_seed=img_seed)
    return demo


def write_demo(demo: DemoCohort, out: Path, images: bool, n_repeat: int, full_size: bool,
               img_seed: np.random.SeedSequence) -> None:
    """Write the demo's files into ``out`` (see ``docs/workflow-files.md``)."""
    from omics.data.cohort import write_cohort
    from omics.data.provenance import write_provenance
    from omics.data.readers import write_gmt

    out.mkdir(parents=True, exist_ok=True)
    write_table(demo.clinical, out / "clinical.csv")
    write_table(demo.counts, out / "counts.csv")
    write_gmt(demo.gene_sets, out / "genesets.gmt")
    write_table(demo.truth_patients, out / "truth" / "patients.csv")
    write_table(demo.truth_genes, out / "truth" / "genes.csv", index=False)
    write_text(json.dumps(demo.truth, indent=2) + "\n", out / "truth" / "truth.json")
    if images:
        demo.manifest = _images(np.random.default_rng(img_seed), demo.clinical, demo.truth_patients,
                                out, n_repeat, full_size)
        write_table(demo.manifest, out / "manifest.csv", index=False)
    write_cohort(demo.to_mudata(), out / "cohort.h5mu")
    write_provenance(out, "demo_cohort", demo.truth["parameters"], seed=demo.truth["parameters"]["seed"])
    demo.out = out
