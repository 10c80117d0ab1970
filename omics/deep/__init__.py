"""Deep radiomics: mid-slice inputs, convolutional autoencoders (CAE) and the half-supervised
CAE (HSCAE, a Cox risk head), the study's repeated leave-10 %-out CV training protocol, latent
features (d-RFs) and their groups, Grad-CAM maps and model persistence.

Typical use::

    from omics import deep
    slices = deep.extract_slices("cohort/manifest.csv", size=128)
    train = slices.subset(training_ids)
    config = deep.TrainConfig(model="hscae", seed=1)
    repeats = [deep.cv_repeat(train, survival=survival, repeat=r, config=config) for r in range(100)]
    model = deep.train_final(train, survival=survival, epochs=deep.select_epochs(repeats), config=config)
    features = model.encode(slices)
    groups = deep.deep_groups(features, clinical["cohort"], name="HSCAE")

torch and MONAI are imported on first use of a name that needs them (PEP 562), so
``import omics`` and ``omics --help`` stay light. See ``docs/deep.md``.
"""

from __future__ import annotations

from omics._lazy import lazy_exports

_EXPORTS = {
    "SliceSet": "slices", "extract_slices": "slices", "read_slices": "slices", "patient_slice": "slices",
    "Architecture": "models", "ConvAutoencoder": "models", "cox_loss": "models",
    "SliceAugmenter": "augment",
    "TrainConfig": "train", "RepeatResult": "train", "DeepModel": "train", "cv_repeat": "train",
    "select_epochs": "train", "training_set": "train", "train_final": "train", "encode": "train", "read_repeats": "train",
    "reconstruction_mse": "train", "reconstruction_qc": "train", "qc_summary": "train",
    "ReconstructionQC": "train", "CVRepeats": "train",
    "MSE_CRITERION": "train",
    "save_model": "persist", "load_model": "persist",
    "DeepGroups": "groups", "deep_groups": "groups", "latent_anndata": "groups",
    "CamResult": "cam", "cam_maps": "cam", "group_classifier": "cam",
    "SliceDataset": "dataset",
    "GroupingChoice": "choose", "choose_grouping": "choose",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())
