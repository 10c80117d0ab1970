"""Fetch the pyradiomics 3.0.1 test data (real cases brain1/2, breast1, lung1/2 and the
baseline feature CSVs) from the source distribution on PyPI into .cache/pyradiomics-data/.

The installed wheel does not contain them. Needs PyPI once (the tests then run offline):

    .venv/bin/python tests/_scripts/imaging_fetch_pyradiomics_data.py [--dest DIR]

Equivalent shell lines (what `make test-data` runs):

    .venv/bin/pip download --no-deps --no-binary :all: --no-build-isolation pyradiomics==3.0.1 -d .cache/pyradiomics-sdist
    mkdir -p .cache/pyradiomics-data
    tar xzf .cache/pyradiomics-sdist/pyradiomics-3.0.1.tar.gz -C .cache/pyradiomics-data --strip-components=2 pyradiomics-3.0.1/data

(`--no-build-isolation`: pip prepares the sdist's metadata, and pyradiomics' setup.py imports
numpy, which an isolated build environment lacks.)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VERSION = "3.0.1"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", default=str(REPO / ".cache" / "pyradiomics-data"))
    parser.add_argument("--sdist-dir", default=str(REPO / ".cache" / "pyradiomics-sdist"))
    args = parser.parse_args(argv)
    dest, sdist_dir = Path(args.dest), Path(args.sdist_dir)
    if (dest / "baseline" / "baseline_glcm.csv").is_file():
        print(f"pyradiomics test data already in {dest}")
        return 0
    archive = sdist_dir / f"pyradiomics-{VERSION}.tar.gz"
    if not archive.is_file():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                        "--no-build-isolation", f"pyradiomics=={VERSION}", "-d", str(sdist_dir)], check=True)
    prefix = f"pyradiomics-{VERSION}/data/"
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if member.name.startswith(prefix) and member.isfile():
                target = dest / member.name[len(prefix):]
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(target, "wb") as out:
                    out.write(src.read())
    print(f"pyradiomics test data written to {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
