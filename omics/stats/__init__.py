"""Statistical tests shared by the stages: multiple testing, association tables."""

from omics.stats.multitest import bh_adjust, significance_stars

__all__ = ["bh_adjust", "significance_stars"]
