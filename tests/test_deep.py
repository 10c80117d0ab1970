"""Deep radiomics (omics.deep): Cox loss parity, reconstruction, reproducibility, persistence,
groups and Grad-CAM, on small synthetic slices (CPU, one thread)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import torch  # noqa: E402  (the `deep` extra)

from omics import deep  # noqa: E402
from omics.survival._efron import _Data, _evaluate, tie_groups  # noqa: E402

torch.set_num_threads(1)

SIZE = 32
SMALL = dict(latent=32, base_channels=8, depth=2, batch_size=16, learning_rate=5e-3)
#: Pixels (rows, columns) of the planted risk region in the synthetic slices.
REGION = (slice(6, 14), slice(6, 14))


def numpy_loglik(lp, time, event, ties):
    """log partial likelihood of omics.survival's Cox engine at a fixed linear predictor."""
    order = np.argsort(time, kind="stable")
    t, e, x = time[order], event[order], lp[order]
    start, end = tie_groups(t[None])
    data = _Data(x[None, :, None], e[None], np.ones((1, len(t))), start, end, efron=ties == "efron")
    return float(_evaluate(data, np.ones((1, 1)), need_info=False)[0][0])


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_loss_equals_the_partial_likelihood(ties):
    rng = np.random.default_rng(4)
    for _ in range(3):
        n = 40
        time = rng.integers(1, 12, n).astype(float)        # many tied times
        event = (rng.random(n) < 0.6).astype(float)
        lp = rng.normal(0, 1.5, n)
        loss = deep.cox_loss(torch.tensor(lp), torch.tensor(time), torch.tensor(event), ties=ties)
        # cox_loss is per event: times the number of events it is -log PL
        assert float(loss) * event.sum() == pytest.approx(-numpy_loglik(lp, time, event, ties), rel=1e-6)
    efron = deep.cox_loss(torch.tensor(lp), torch.tensor(time), torch.tensor(event), ties="efron")
    breslow = deep.cox_loss(torch.tensor(lp), torch.tensor(time), torch.tensor(event), ties="breslow")
    assert float(efron) != pytest.approx(float(breslow))   # the ties matter on these data


def test_cox_loss_without_events_is_zero():
    risk = torch.randn(5, requires_grad=True)
    loss = deep.cox_loss(risk, torch.arange(1.0, 6.0), torch.zeros(5))
    assert float(loss.detach()) == 0.0
    loss.backward()                                        # differentiable, no NaN
    assert torch.all(risk.grad == 0)


def synthetic_slices(n=48, seed=0, jitter=0.0):
    """Discs of varying radius (and centre, ± ``jitter`` pixels); half carry a bright blob in
    REGION that drives the hazard."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:SIZE, :SIZE]
    images, masks = [], []
    blob = np.arange(n) % 2
    for i in range(n):
        r = rng.uniform(11, 14) - jitter
        cy, cx = 15.5 + rng.uniform(-jitter, jitter, 2)
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 < r ** 2
        img = 0.35 + 0.1 * rng.random((SIZE, SIZE)) + 0.15 * (1 - np.hypot(yy - cy, xx - cx) / 16)
        if blob[i]:
            img[REGION] = 0.95
        images.append(np.where(mask, np.clip(img, 0, 1), 0))
        masks.append(mask)
    ids = pd.Index([f"P{i:03d}" for i in range(n)], name="patient_id")
    meta = pd.DataFrame({"tumour_pixels": [m.sum() for m in masks]}, index=ids)
    slices = deep.SliceSet(np.array(images, np.float32)[:, None], np.array(masks, np.uint8), ids, meta, ["CET1"])
    time = rng.exponential(1 / (0.05 * np.exp(1.6 * blob)))
    event = (rng.random(n) < 0.85).astype(int)
    survival = pd.DataFrame({"time": np.maximum(time, 0.1).round(2), "event": event}, index=ids)
    return slices, survival, blob


@pytest.fixture(scope="module")
def synthetic():
    return synthetic_slices()


def test_heldout_reconstruction_beats_the_mean_image():
    slices, _, _ = synthetic_slices(seed=1, jitter=5.0)
    config = deep.TrainConfig(model="cae", max_epochs=25, patience=25, augment=False, holdout=0.25, seed=3, **SMALL)
    result = deep.cv_repeat(slices, repeat=0, config=config)
    held = slices.subset(result.heldout)
    train = slices.subset([p for p in slices.patients if p not in set(result.heldout)])
    mean_image_mse = float(((held.images - train.images.mean(0)) ** 2).mean())
    best = result.history.set_index("epoch").loc[result.best_epoch, "heldout_mse"]
    assert best < 0.5 * mean_image_mse, (best, mean_image_mse)
    assert result.heldout_mse.mean() == pytest.approx(best, rel=1e-5)
    assert len(result.heldout) == 12


def test_same_seed_same_latents_other_seed_differs(synthetic, tmp_path):
    slices, survival, _ = synthetic
    config = deep.TrainConfig(model="hscae", **SMALL, seed=5)
    a = deep.train_final(slices, survival=survival, epochs=2, config=config)
    b = deep.train_final(slices, survival=survival, epochs=2, config=config)
    c = deep.train_final(slices, survival=survival, epochs=2, config=deep.TrainConfig(model="hscae", **SMALL, seed=6))
    za, zb, zc = a.encode(slices), b.encode(slices), c.encode(slices)
    pd.testing.assert_frame_equal(za, zb)
    assert not np.allclose(za.to_numpy(), zc.to_numpy())
    # save -> load (weights_only) gives the same latents; the card says what was trained
    deep.save_model(a, tmp_path / "m")
    loaded = deep.load_model(tmp_path / "m")
    pd.testing.assert_frame_equal(loaded.encode(slices), za)
    paths = c.write(tmp_path / "c")            # the model's own write = save_model
    assert {p.name for p in paths.values()} == {"model.pt", "model.json"}
    pd.testing.assert_frame_equal(deep.load_model(tmp_path / "c").encode(slices), zc)
    card = loaded.card
    assert card["architecture"]["model"] == "hscae" and card["training"]["cox_weight"] == 0.01
    assert card["training"]["patients_sha256"] == deep.train.patients_hash(slices.patients)
    assert "torch" in card["versions"]


def test_cv_repeat_is_independent_of_other_repeats(synthetic):
    slices, survival, _ = synthetic
    config = deep.TrainConfig(model="hscae", max_epochs=2, patience=2, **SMALL, seed=9)
    first = deep.cv_repeat(slices, survival=survival, repeat=2, config=config)
    again = deep.cv_repeat(slices, survival=survival, repeat=2, config=config)   # e.g. another process / job
    other = deep.cv_repeat(slices, survival=survival, repeat=3, config=config)
    pd.testing.assert_frame_equal(first.history, again.history)
    assert first.heldout == again.heldout and first.heldout != other.heldout
    assert {"heldout_cindex", "heldout_cox"} <= set(first.history.columns)
    round_trip = deep.RepeatResult.from_json(first.to_json())
    assert round_trip.best_epoch == first.best_epoch and round_trip.heldout == first.heldout
    assert deep.select_epochs([first, other]) >= 1


def test_cam_mass_sits_in_the_risk_region(synthetic):
    slices, _, blob = synthetic
    # risk carried by the planted region only: carriers fail early, the others late
    rng = np.random.default_rng(0)
    survival = pd.DataFrame({"time": np.where(blob == 1, rng.uniform(1, 5, blob.size), rng.uniform(10, 20, blob.size)),
                             "event": 1}, index=slices.patients)
    config = deep.TrainConfig(model="hscae", cox_weight=1.0, augment=False, seed=3, **SMALL)
    model = deep.train_final(slices, survival=survival, epochs=20, config=config)
    risk = model.net.risk_head(model.net.encode(torch.as_tensor(slices.images))).detach().numpy()[:, 0]
    assert risk[blob == 1].mean() > risk[blob == 0].mean()       # the head learnt the blob
    carriers = slices.subset(slices.patients[blob == 1])
    region = np.zeros((SIZE, SIZE), bool)
    region[REGION] = True
    cams = deep.cam_maps(model, carriers)                       # HiResCAM of the risk output
    inside = cams.maps[:, region].mean()
    outside = cams.maps[:, ~region & (carriers.masks[0] > 0)].mean()
    assert inside > 1.5 * outside, (inside, outside)
    assert cams.maps.min() >= 0 and cams.maps.max() <= 1
    assert (cams.mass_inside(region) > region.sum() / (carriers.masks[0] > 0).sum()).mean() > 0.5
    gradcam = deep.cam_maps(model, carriers, method="gradcam")  # MONAI's Grad-CAM runs too
    assert gradcam.maps.shape == cams.maps.shape


def test_groups_cluster_training_and_assign_testing():
    rng = np.random.default_rng(1)
    n = 30
    truth = np.array(["x"] * 18 + ["y"] * 12)
    centre = {"x": rng.normal(size=20), "y": rng.normal(size=20)}
    features = pd.DataFrame([centre[t] + rng.normal(0, 0.3, 20) for t in truth],
                            index=[f"S{i}" for i in range(n)], columns=[f"cae_{j:04d}" for j in range(20)])
    cohort = pd.Series(["training"] * 24 + ["testing"] * 6, index=features.index)
    groups = deep.deep_groups(features, cohort, name="CAE")
    labels = groups.labels
    assert set(labels.group) == {"A_CAE", "B_CAE"}
    # A = the larger training cluster; training from the tree, testing by nearest centroid
    training = labels[labels.cohort == "training"]
    assert training.group.value_counts().idxmax() == "A_CAE"
    assert (labels.source == np.where(cohort == "training", "clustered", "assigned")).all()
    testing = labels.index[labels.cohort == "testing"]
    expected = np.where(truth[24:] == truth[0], "A_CAE", "B_CAE")
    assert (labels.loc[testing, "group"].to_numpy() == expected).all()
    nearest = groups.distances.loc[testing].idxmin(axis=1)
    assert (nearest == labels.loc[testing, "group"]).all()


def test_augmentation_is_seeded_and_keeps_range(synthetic):
    slices, _, _ = synthetic
    a = deep.SliceAugmenter(SIZE, seed=1)(slices.images[:8])
    b = deep.SliceAugmenter(SIZE, seed=1)(slices.images[:8])
    c = deep.SliceAugmenter(SIZE, seed=2)(slices.images[:8])
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() <= 1 and a.shape == slices.images[:8].shape
    assert not np.array_equal(a, slices.images[:8])
    # the batched warp is MONAI's Warp layer (bilinear, zero padding) on the same displacement
    from monai.networks.blocks import Warp

    augmenter = deep.SliceAugmenter(SIZE, seed=3)
    x = torch.as_tensor(slices.images[:4])
    ddf = augmenter.displacement(4)
    with pytest.warns(UserWarning):                 # MONAI: "using PyTorch native grid_sample"
        reference = Warp(mode="bilinear", padding_mode="zeros")(x, ddf)
    torch.testing.assert_close(augmenter.warp(x, ddf), reference, atol=1e-5, rtol=0)


def test_choose_grouping_keeps_the_prognostic_grouping(tmp_path):
    from omics.cli import main

    rng = np.random.default_rng(11)
    n = 160
    good = rng.choice(["A_HSCAE", "B_HSCAE"], n)
    noise = rng.choice(["A_CAE", "B_CAE"], n)
    rna = rng.choice(["A_RNA", "B_RNA"], n)
    age = rng.normal(60, 10, n)
    lp = 1.2 * (good == "A_HSCAE") + 0.8 * (rna == "A_RNA") + 0.02 * (age - 60)
    time = rng.exponential(1 / (0.02 * np.exp(lp)))
    censor = rng.uniform(20, 120, n)
    data = pd.DataFrame({"hscae": good, "cae": noise, "rna": rna, "age": age,
                         "mfs_time": np.minimum(time, censor).round(2), "mfs_event": (time <= censor).astype(int)},
                        index=pd.Index([f"S{i:03d}" for i in range(n)], name="patient_id"))
    choice = deep.choose_grouping(data, ["cae", "hscae"], time="mfs_time", event="mfs_event", covariates=["age"],
                                  rna="rna", n_boot=30, seed=1)
    assert choice.chosen == "hscae" and choice.retained
    assert not choice.aic.set_index("grouping").loc["cae", "kept_by_stepwise"]
    est = choice.cindex.set_index("model")["c_index"]
    assert est["hscae + RNA"] > est["RNA"] and est["hscae + RNA"] > est["cae"]
    assert len(choice.comparisons) == 4
    # the CLI writes the same choice
    data.to_csv(tmp_path / "clinical.csv")
    assert main(["deep", "choose", "--clinical", str(tmp_path / "clinical.csv"), "--groupings", "cae,hscae",
                 "--covariates", "age", "--rna", "rna", "--n-boot", "30", "--seed", "1", "--out",
                 str(tmp_path / "choice")]) == 0
    written = pd.read_csv(tmp_path / "choice" / "choice.csv")
    assert written.chosen[0] == "hscae"
    # user column names with spaces and brackets are quoted in the formulas, same choice
    odd = data.rename(columns={"hscae": "HSCAE groups (CE-T1)", "cae": "CAE groups", "rna": "RNA group"})
    renamed = deep.choose_grouping(odd, ["CAE groups", "HSCAE groups (CE-T1)"], time="mfs_time", event="mfs_event",
                                   covariates=["age"], rna="RNA group", n_boot=30, seed=1)
    assert renamed.chosen == "HSCAE groups (CE-T1)" and renamed.retained
    assert renamed.aic["aic"].tolist() == choice.aic["aic"].tolist()


def test_cli_start_up_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys, omics, omics.deep, omics.cli; omics.cli.build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'monai', 'torchsurv')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_slice_dataset_items(synthetic):
    slices, survival, _ = synthetic
    data = deep.SliceDataset(slices, survival)
    image, index, time, event = data[3]
    assert len(data) == len(slices.patients) and index == 3
    torch.testing.assert_close(image, torch.as_tensor(slices.images[3]))
    assert float(time) == survival.iloc[3, 0] and float(event) == survival.iloc[3, 1]
    batch = next(iter(torch.utils.data.DataLoader(deep.SliceDataset(slices), batch_size=5)))
    assert batch[0].shape == (5, 1, SIZE, SIZE)


def test_cae_cam_explains_the_group_direction(synthetic):
    from omics.data import InputError

    slices, _, blob = synthetic
    model = deep.train_final(slices, epochs=3, config=deep.TrainConfig(model="cae", augment=False, seed=1, **SMALL))
    cohort = pd.Series("training", index=slices.patients)
    groups = deep.deep_groups(model.encode(slices), cohort)
    with pytest.raises(InputError, match="centroid"):
        deep.cam_maps(model, slices)                       # a CAE has no risk output
    cams = deep.cam_maps(model, slices, classifier=groups.classifier)
    assert cams.maps.shape == (len(slices.patients), SIZE, SIZE) and "group direction" in cams.target
    assert 0 <= cams.maps.min() and cams.maps.max() <= 1 and cams.maps.max() > 0
