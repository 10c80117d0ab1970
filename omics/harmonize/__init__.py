"""Batch harmonisation of feature tables: empirical-Bayes ComBat (fit on train, apply to new).

Used for RNA-seq log-expression before clustering and for handcrafted radiomic features.
"""

from omics.harmonize.combat import ComBat, combat
from omics.harmonize.diagnostics import HarmonizationDiagnostics, harmonization_diagnostics

__all__ = ["ComBat", "combat", "HarmonizationDiagnostics", "harmonization_diagnostics"]
