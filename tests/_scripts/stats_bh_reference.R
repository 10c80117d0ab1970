# Reference for omics.stats.bh_adjust: R's p.adjust(method = "BH") on p-values with ties and NAs.
# Run from the repository root: Rscript tests/_scripts/stats_bh_reference.R
set.seed(42)
p <- c(runif(40)^3, 0.05, 0.05, 0.05, 1, 0, NA, NA)
write.csv(data.frame(p = p, bh = p.adjust(p, method = "BH")), "tests/data/stats/bh_reference.csv",
          row.names = FALSE, na = "")
