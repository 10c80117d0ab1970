"""Tumour masks: validation, physical-distance rings (anisotropic spacing), mid slice."""

import numpy as np
import pytest
import SimpleITK as sitk
from scipy import ndimage

from omics.data.validate import InputError
from omics.imaging.masks import TIE_MM, mid_slice, peritumoral_ring, roi_masks, tumour_with_ring, validate_mask
from omics.imaging.synthetic import sphere_mask, to_image

SPACING = (0.6, 0.8, 1.5)  # x, y, z (mm): anisotropic on all three axes
SHAPE = (36, 70, 90)  # z, y, x
RADIUS = 12.0


def _ball_volume(r):
    return 4.0 / 3.0 * np.pi * r ** 3


@pytest.fixture(scope="module")
def sphere():
    return to_image(sphere_mask(SHAPE, SPACING, RADIUS), SPACING, dtype=np.uint8)


def _count(img):
    return int(sitk.GetArrayViewFromImage(img).sum())


def test_ring_equals_exact_euclidean_dilation(sphere):
    arr = sitk.GetArrayFromImage(sphere)
    # brute-force definition: distance (mm) from each voxel centre to the nearest tumour voxel centre
    dist = ndimage.distance_transform_edt(arr == 0, sampling=SPACING[::-1])
    for d in (2.0, 4.0, 6.0):
        ring = sitk.GetArrayFromImage(peritumoral_ring(sphere, d))
        np.testing.assert_array_equal(ring, (dist > 0) & (dist <= d + TIE_MM))
        combined = sitk.GetArrayFromImage(tumour_with_ring(sphere, d))
        np.testing.assert_array_equal(combined, dist <= d + TIE_MM)


@pytest.mark.parametrize("d", [2.0, 4.0, 6.0])
def test_ring_volume_matches_analytic_value(sphere, d):
    voxel = float(np.prod(SPACING))
    diag = float(np.sqrt(np.sum(np.square(SPACING))))
    tumour = _count(sphere) * voxel
    combined = _count(tumour_with_ring(sphere, d)) * voxel
    ring = _count(peritumoral_ring(sphere, d)) * voxel
    assert ring == pytest.approx(combined - tumour)
    assert tumour == pytest.approx(_ball_volume(RADIUS), rel=0.01)
    # dilating a ball of radius R by d gives a ball of radius R + d: the discrete result lies
    # between the balls of radius R + d − (voxel diagonal) and R + d
    assert _ball_volume(RADIUS + d - diag) * 0.99 <= combined <= _ball_volume(RADIUS + d) * 1.01
    analytic_ring = _ball_volume(RADIUS + d) - _ball_volume(RADIUS)
    assert ring == pytest.approx(analytic_ring, rel=0.15)


def test_roi_masks_names_exclusion_and_clipping(sphere):
    exclude = np.zeros(SHAPE, np.uint8)
    exclude[:, :, :45] = 1  # half the volume is excluded (e.g. bone)
    excl = to_image(exclude, SPACING, dtype=np.uint8)
    rois = roi_masks(sphere, distances_mm=(2, 4.5), exclude=excl)
    assert list(rois) == ["tumour", "peri2mm", "tumour_peri2mm", "peri4.5mm", "tumour_peri4.5mm"]
    ring = sitk.GetArrayFromImage(rois["peri2mm"])
    assert ring[:, :, :45].sum() == 0 and ring[:, :, 45:].sum() > 0
    assert (sitk.GetArrayFromImage(rois["tumour_peri2mm"]) >= sitk.GetArrayFromImage(sphere)).all()
    # a tumour touching the border: the ring stays on the image grid
    edge = np.zeros((10, 20, 20), np.uint8)
    edge[4:6, 0:3, 0:3] = 1
    ring = peritumoral_ring(to_image(edge, (1, 1, 1), dtype=np.uint8), 3.0)
    assert ring.GetSize() == (20, 20, 10) and _count(ring) > 0


def test_validate_mask_errors_name_the_patient():
    img = to_image(np.zeros((4, 8, 8)), (1, 1, 2))
    empty = to_image(np.zeros((4, 8, 8)), (1, 1, 2), dtype=np.uint8)
    with pytest.raises(InputError, match="patient STS007: mask is empty"):
        validate_mask(empty, image=img, patient="STS007")
    two = np.zeros((4, 8, 8), np.uint8)
    two[1, 2:4, 2:4] = 1
    two[2, 5:7, 5:7] = 2
    with pytest.raises(InputError, match="STS008: mask has 2 labels"):
        validate_mask(to_image(two, (1, 1, 2), dtype=np.uint8), image=img, patient="STS008")
    only2 = validate_mask(to_image(two, (1, 1, 2), dtype=np.uint8), image=img, patient="STS008", label=2)
    assert _count(only2) == 4
    shifted = to_image(two, (1, 1, 3), dtype=np.uint8)
    with pytest.raises(InputError, match="STS009: mask geometry does not match"):
        validate_mask(shifted, image=img, patient="STS009", label=1)


def test_mid_slice_middle_and_largest_with_background_removed():
    arr = np.zeros((10, 12, 12), np.uint8)
    arr[2, 4:6, 4:6] = 1          # small first slice
    arr[3:7, 2:10, 2:10] = 1      # big slices 3..6
    arr[7, 5:6, 5:6] = 1          # last slice with tumour → extent 2..7, midpoint 4
    arr[5, 1:11, 1:11] = 1        # largest-area slice
    mask = to_image(arr, (0.5, 0.5, 4.0), dtype=np.uint8)
    values = np.arange(10 * 12 * 12, dtype=float).reshape(10, 12, 12) + 1
    image = to_image(values, (0.5, 0.5, 4.0))
    mid = mid_slice(image, mask, method="middle")
    assert mid.index == 4 and mid.spacing == (0.5, 0.5)
    np.testing.assert_array_equal(mid.image[mid.mask == 0], 0)
    np.testing.assert_array_equal(mid.image[mid.mask == 1], values[4][arr[4] == 1])
    largest = mid_slice(image, mask, method="largest", crop=True, margin=1)
    assert largest.index == 5 and largest.image.shape == (12, 12)
    cropped = mid_slice(image, mask, method="middle", crop=True)
    assert cropped.image.shape == (8, 8) and cropped.mask.all()


def test_overlay_figure_draws_tumour_and_rings(sphere, tmp_path):
    from omics.plotting.imaging import plot_overlay

    image = sitk.Cast(sphere, sitk.sitkFloat32) * 100.0
    rois = roi_masks(sphere, distances_mm=(2.0, 6.0), include_combined=False)
    fig = plot_overlay(image, sphere, rings={k: v for k, v in rois.items() if k != "tumour"})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["tumour", "peri2mm", "peri6mm"]
    assert ax.get_title() == f"slice {(SHAPE[0] - 1) // 2}"
    fig.savefig(tmp_path / "overlay.png")
    assert (tmp_path / "overlay.png").stat().st_size > 1000
