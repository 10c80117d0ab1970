"""Statistical tests shared by the stages: multiple testing, association tables."""

from omics.stats.association import (AssociationTable, TestResult, association_table,
                                     categorical_test, characteristics_table, continuous_test)
from omics.stats.multitest import bh_adjust, significance_stars

__all__ = ["AssociationTable", "TestResult", "association_table", "bh_adjust", "categorical_test",
           "characteristics_table", "continuous_test", "significance_stars"]
