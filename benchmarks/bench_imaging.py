"""Imaging benchmark: N4 time per volume and handcrafted-extraction throughput
(patients per minute) with 1 and 2 worker processes on a demo-like cohort.

Run from the repository root::

    .venv/bin/python benchmarks/bench_imaging.py [--n-patients 8] [--preset study]

The cohort comes from ``omics.data.demo_cohort`` (64 × 64 × 16 volumes, three sequences,
anisotropic spacing) when it is available, otherwise from the phantom generator
(``omics.imaging.synthetic``). Each patient is preprocessed (resample to 1 × 1 × 4 mm, N4,
histogram matching) once; extraction is then timed on the preprocessed images, tumour ROI,
three sequences, first segmentation only. The anchor is serial pyradiomics (1 job); the
ratio printed is the speed-up with 2 jobs.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from omics.imaging import extract_cohort, load_preset, read_patient_images
from omics.imaging.io import read_image
from omics.imaging.preprocess import PreprocessConfig, build_references, n4_correct, preprocess_files, resample


def make_cohort(out: Path, n_patients: int) -> tuple[Path, str]:
    try:
        from omics.data import demo_cohort

        demo_cohort(out=out, n_patients=max(n_patients, 20), n_test=2, n_rna=10, n_genes=1000, n_repeat=0,
                    seed=0)
        source = "omics.data.demo_cohort (64 × 64 × 16 volumes)"
    except (ImportError, AttributeError):
        from omics.imaging.synthetic import make_phantom_cohort

        make_phantom_cohort(out, n_per_group=(n_patients + 1) // 2, n_repeat=0, seed=0,
                            shape_zyx=(16, 64, 64), spacing_xyz=(0.94, 0.94, 5.0))
        source = "omics.imaging.synthetic phantoms (64 × 64 × 16 volumes)"
    return out / "manifest.csv", source


def time_n4(patients, shrink_factor: int) -> list[float]:
    times = []
    for patient in patients:
        for path in patient.images.values():
            image = resample(read_image(path), spacing=(1.0, 1.0, 4.0))
            t0 = time.perf_counter()
            n4_correct(image, shrink_factor=shrink_factor)
            times.append(time.perf_counter() - t0)
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-patients", type=int, default=8)
    parser.add_argument("--preset", default="study")
    parser.add_argument("--shrink-factor", type=int, default=4)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        manifest, source = make_cohort(tmp / "cohort", args.n_patients)
        patients = read_patient_images(manifest)[: args.n_patients]
        size = read_image(patients[0].images["CET1"]).GetSize()
        n4 = time_n4(patients, args.shrink_factor)
        refs = build_references(patients)
        config = PreprocessConfig(n4_shrink_factor=args.shrink_factor)
        pre = tmp / "pre"
        rows = [preprocess_files(p, pre, config=config, references=refs)[0] for p in patients]
        import pandas as pd

        pd.concat(rows).to_csv(pre / "manifest.csv", index=False)
        prepared = read_patient_images(pre / "manifest.csv")
        for p in prepared:
            p.repeat_mask = None
        preset = load_preset(args.preset)
        voxels = [int(sitk.GetArrayViewFromImage(read_image(p.mask)).sum()) for p in prepared]
        results = {}
        for jobs in (1, 2):
            t0 = time.perf_counter()
            res = extract_cohort(prepared, preset=preset, n_jobs=jobs, progress=False, repeat=False)
            elapsed = time.perf_counter() - t0
            assert res.failures.empty, res.failures
            results[jobs] = (elapsed, res.features.shape)
    print(f"machine: {platform.node()} ({platform.processor() or platform.machine()}), "
          f"{__import__('os').cpu_count()} CPUs; cohort: {source}; {len(patients)} patients, volume {size}")
    print(f"N4 (shrink factor {args.shrink_factor}) per volume after resampling to 1x1x4 mm: "
          f"mean {np.mean(n4):.2f} s, median {np.median(n4):.2f} s, n = {len(n4)}")
    print(f"tumour size after preprocessing: median {int(np.median(voxels))} voxels")
    for jobs, (elapsed, shape) in results.items():
        print(f"extraction, preset {preset.name}, {jobs} job(s): {elapsed:.1f} s for {shape[0]} patients × "
              f"{shape[1]} features = {60 * shape[0] / elapsed:.2f} patients/minute")
    print(f"speed-up 2 jobs vs 1 job (anchor: serial pyradiomics): {results[1][0] / results[2][0]:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
