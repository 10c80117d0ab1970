"""Benchmark of the deep-radiomics training (issue 9).

Training throughput (slices per second, augmentation included) and time per CV repeat for
200 slices of 128 × 128 with the study-sized network (latent 1024, 4 stride-2 blocks, 16 base
channels), CAE and HSCAE, on ``--threads`` CPU threads; then the study protocol (2 models ×
100 leave-10 %-out repeats + 2 final models) projected from it for ``--epochs`` epochs per
repeat, serially and over ``--jobs`` parallel Snakemake jobs (one thread each).

    python benchmarks/bench_deep.py --threads 2 --measure-epochs 2 --epochs 30
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def synthetic(n: int, size: int, seed: int = 0):
    from omics.deep import SliceSet

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size] / size
    images, masks = [], []
    for _ in range(n):
        cy, cx, r = rng.uniform(0.4, 0.6), rng.uniform(0.4, 0.6), rng.uniform(0.25, 0.4)
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 < r ** 2
        images.append(np.where(mask, rng.uniform(0.2, 1.0, (size, size)), 0.0))
        masks.append(mask)
    ids = pd.Index([f"B{i:03d}" for i in range(n)])
    slices = SliceSet(np.array(images, np.float32)[:, None], np.array(masks, np.uint8), ids,
                      pd.DataFrame({"tumour_pixels": [m.sum() for m in masks]}, index=ids), ["CET1"])
    survival = pd.DataFrame({"time": rng.exponential(50, n) + 1, "event": rng.random(n) < 0.4}, index=ids)
    return slices, survival


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--measure-epochs", type=int, default=2, help="epochs timed per model")
    parser.add_argument("--epochs", type=int, default=30, help="epochs per repeat assumed for the projection")
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    import torch

    from omics import deep

    torch.set_num_threads(args.threads)
    slices, survival = synthetic(args.patients, args.size)
    rows = []
    for model in ("cae", "hscae"):
        config = deep.TrainConfig(model=model, max_epochs=args.measure_epochs, patience=args.measure_epochs, seed=0)
        start, cpu_start = time.perf_counter(), time.process_time()
        result = deep.cv_repeat(slices, survival=survival if model == "hscae" else None, repeat=0, config=config)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        epochs = len(result.history)
        per_epoch = elapsed / epochs
        n_train = args.patients - len(result.heldout)
        rows.append({"model": model, "epochs_timed": epochs, "seconds_per_epoch": per_epoch,
                     "cpu_s_per_epoch": cpu / epochs, "train_slices_per_s": n_train / per_epoch,
                     "train_slices_per_cpu_s": n_train * epochs / cpu,
                     f"repeat_s_at_{args.epochs}_epochs": per_epoch * args.epochs})
    table = pd.DataFrame(rows)
    per_repeat = table[f"repeat_s_at_{args.epochs}_epochs"]
    # 100 repeats per model plus one final model (all patients, same epochs) per model
    serial = float((per_repeat * (args.repeats + 1.1)).sum())
    print(f"deep training benchmark: {args.patients} slices of {args.size}x{args.size}, "
          f"torch threads {args.threads}, torch {torch.__version__}")
    print(table.round(3).to_string(index=False))
    cpu_serial = float((table["cpu_s_per_epoch"] * args.epochs * (args.repeats + 1.1)).sum())
    print(f"CPU time of the protocol: {cpu_serial / 3600:.2f} CPU-hours (wall on an idle machine ≈ this / cores used)")
    print(f"study protocol (2 models x {args.repeats} repeats + final, {args.epochs} epochs each): "
          f"{serial / 3600:.2f} h serial at {args.threads} threads; "
          f"~{serial / args.jobs / 3600:.2f} h over {args.jobs} jobs if they scale (no shared state)")


if __name__ == "__main__":
    main()
