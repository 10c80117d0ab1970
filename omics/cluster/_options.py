"""Option names of the clustering functions, importable without numpy or scipy (the CLI's
argument choices are built from them at start-up)."""

DISTANCES = ("pearson", "spearman", "euclidean", "manhattan")
SCALINGS = ("none", "center", "center-scale")
LINKAGES = ("average", "complete", "single", "ward", "ward.D", "ward.D2", "mcquitty")
