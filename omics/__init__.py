"""omics — radiogenomic multi-omics analysis in one reproducible Python package.

Stages live in sub-packages (``omics.data``, ``omics.imaging``, ``omics.rnaseq``,
``omics.harmonize``, ``omics.cluster``, ``omics.stats``, ``omics.survival``,
``omics.expression``, ``omics.plotting``, ``omics.report``); each has a Python API,
an ``omics`` CLI subcommand and a Snakemake rule.
"""

__version__ = "0.1.0"
