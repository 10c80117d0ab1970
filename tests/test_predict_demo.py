"""The demo response cohort: determinism, files, and the planted image signal in the 2 mm ring."""

import pandas as pd
import SimpleITK as sitk

from omics.data import demo_response_cohort
from omics.imaging import peritumoral_ring, read_patient_images


def test_demo_is_deterministic_by_seed():
    a, b = demo_response_cohort(seed=3), demo_response_cohort(seed=3)
    pd.testing.assert_frame_equal(a.features, b.features)
    pd.testing.assert_frame_equal(a.clinical, b.clinical)
    assert not demo_response_cohort(seed=4).features.equals(a.features)
    assert list(a.clinical.centre.value_counts()[["Lyon", "Nantes", "Paris"]]) == [69, 45, 62]
    assert all(isinstance(i, str) for i in a.clinical.index)


def test_demo_images_carry_response_in_the_ring(tmp_path):
    demo = demo_response_cohort(out=tmp_path, sizes=(14, 10, 14), n_repeat=3, seed=0)
    patients = read_patient_images(tmp_path / "manifest.csv")
    assert len(patients) == 38 and sum(p.repeat_mask is not None for p in patients) == 3
    rows = []
    for p in patients:
        image = sitk.GetArrayFromImage(sitk.ReadImage(str(p.images["CET1"])))
        mask = sitk.ReadImage(str(p.mask))
        ring = sitk.GetArrayFromImage(peritumoral_ring(mask, 2.0)).astype(bool)
        rows.append({"patient": p.patient_id, "ring": image[ring].mean()})
    ring = pd.DataFrame(rows).set_index("patient")["ring"]
    c = demo.clinical.loc[ring.index]
    # within each technique, good responders have a brighter 2 mm ring (planted enhancement)
    for tech, part in c.groupby("fat_suppression"):
        r = ring.loc[part.index]
        assert r[part.response == 1].mean() > r[part.response == 0].mean(), tech
    # and the technique scales intensities (the batch effect ComBat must remove)
    assert ring[c.fat_suppression == "dixon"].mean() > 1.15 * ring[c.fat_suppression == "fatsat"].mean()
    assert (tmp_path / "truth" / "truth.json").is_file()
