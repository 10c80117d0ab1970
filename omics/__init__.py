"""omics — radiogenomic multi-omics analysis in one reproducible Python package.

Stages live in sub-packages (``omics.data``, ``omics.imaging``, ``omics.rnaseq``,
``omics.harmonize``, ``omics.cluster``, ``omics.stats``, ``omics.survival``,
``omics.expression``, ``omics.plotting``, ``omics.report``); each has a Python API,
an ``omics`` CLI subcommand and a Snakemake rule. ``omics.tl`` and ``omics.pl`` are the
scanpy-style face over them for AnnData/MuData (``obs``/``obsp``/``layers``/``varm``/``uns``).
Importing omics changes nothing in the caller's session (no backend, no global options).
"""

__version__ = "0.1.0"
