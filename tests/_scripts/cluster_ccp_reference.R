#!/usr/bin/env Rscript
# Reference outputs of R ConsensusClusterPlus for tests/test_cluster_parity.py.
#
# Run from the repository root:  Rscript tests/_scripts/cluster_ccp_reference.R
# Writes tests/data/cluster/<case>/: data.csv (patients x features, as given to Python),
# subsamples.csv (the 1-based patient positions CCP drew in each resample, replayed by
# re-seeding exactly as CCP does), consensus_k<K>.csv, classes.csv (CCP consensusClass),
# stats.csv (area and delta area from CCP's own CDF(), PAC from the empirical CDF as in
# Senbabaoglu 2014), cdf.csv (hist-based CDF as CCP draws it), icl_cluster.csv and
# icl_item.csv (CCP calcICL), params.csv.
suppressPackageStartupMessages(library(ConsensusClusterPlus))
pdf(NULL)

out_root <- file.path("tests", "data", "cluster")

# CCP's internal CDF() with its areas and deltas returned (the function body is CCP's own,
# executed unchanged, with one extra statement at the end).
ccp_cdf <- ConsensusClusterPlus:::CDF
body(ccp_cdf) <- as.call(c(as.list(body(ccp_cdf)), quote(list(area = areaK, delta = deltaK))))

make_data <- function(n_per, n_features, shift, noise, seed) {
  set.seed(seed)
  k <- length(n_per)
  centres <- matrix(rnorm(k * n_features, sd = shift), nrow = k)
  groups <- rep(seq_len(k), n_per)
  x <- centres[groups, ] + matrix(rnorm(sum(n_per) * n_features, sd = noise), ncol = n_features)
  ids <- sprintf("P%03d", seq_len(sum(n_per)))
  perm <- sample(length(ids))            # rows not ordered by group
  x <- x[perm, ]
  rownames(x) <- ids
  colnames(x) <- sprintf("f%02d", seq_len(n_features))
  list(x = x, truth = groups[perm])
}

run_case <- function(name, data, maxK, reps, pItem, distance, innerLinkage, finalLinkage,
                     scale, seed) {
  dir <- file.path(out_root, name)
  dir.create(dir, showWarnings = FALSE, recursive = TRUE)
  x <- data$x
  write.csv(data.frame(patient_id = rownames(x), x, check.names = FALSE), file.path(dir, "data.csv"),
            row.names = FALSE)
  write.csv(data.frame(patient_id = rownames(x), truth = data$truth), file.path(dir, "truth.csv"),
            row.names = FALSE)
  xs <- if (scale == "center-scale") scale(x) else x
  d <- t(xs)                             # CCP: items are columns
  res <- suppressMessages(ConsensusClusterPlus(d, maxK = maxK, reps = reps, pItem = pItem,
    pFeature = 1, clusterAlg = "hc", innerLinkage = innerLinkage, finalLinkage = finalLinkage,
    distance = distance, seed = seed, plot = NULL))
  # the subsamples CCP drew: ccRun's only random draws are sampleCols' sample() calls
  set.seed(seed)
  n <- ncol(d)
  subs <- t(sapply(seq_len(reps), function(i) sort(sample(n, floor(n * pItem), replace = FALSE))))
  write.csv(subs, file.path(dir, "subsamples.csv"), row.names = FALSE)
  classes <- data.frame(patient_id = colnames(d))
  cdf_rows <- list()
  pac <- c()
  for (k in 2:maxK) {
    cm <- res[[k]]$consensusMatrix
    dimnames(cm) <- list(colnames(d), colnames(d))
    full <- matrix(sprintf("%.17g", cm), nrow = nrow(cm), dimnames = dimnames(cm))
    write.csv(full, file.path(dir, sprintf("consensus_k%d.csv", k)), quote = FALSE)
    classes[[sprintf("k%d", k)]] <- unname(res[[k]]$consensusClass)
    v <- cm[lower.tri(cm)]
    h <- hist(v, plot = FALSE, breaks = seq(0, 1, by = 1 / 100))
    cdf_rows[[k - 1]] <- cumsum(h$counts) / sum(h$counts)
    fn <- ecdf(v)
    pac <- c(pac, fn(0.9) - fn(0.1))
  }
  write.csv(classes, file.path(dir, "classes.csv"), row.names = FALSE)
  cdf <- do.call(rbind, cdf_rows)
  colnames(cdf) <- sprintf("%.2f", seq(0.01, 1, by = 0.01))
  write.csv(data.frame(k = 2:maxK, cdf, check.names = FALSE), file.path(dir, "cdf.csv"), row.names = FALSE)
  ml <- lapply(seq_len(maxK), function(k) if (k == 1) NULL else res[[k]]$ml)
  areas <- ccp_cdf(ml)
  write.csv(data.frame(k = 2:maxK, area = sprintf("%.17g", areas$area),
                       delta = sprintf("%.17g", areas$delta), pac = sprintf("%.17g", pac)),
            file.path(dir, "stats.csv"), row.names = FALSE, quote = FALSE)
  icl <- calcICL(res)
  write.csv(icl$clusterConsensus, file.path(dir, "icl_cluster.csv"), row.names = FALSE)
  write.csv(icl$itemConsensus, file.path(dir, "icl_item.csv"), row.names = FALSE)
  write.csv(data.frame(parameter = c("maxK", "reps", "pItem", "distance", "innerLinkage",
                                     "finalLinkage", "scale", "seed", "ConsensusClusterPlus", "R"),
                       value = c(maxK, reps, pItem, distance, innerLinkage, finalLinkage, scale, seed,
                                 as.character(packageVersion("ConsensusClusterPlus")),
                                 R.version.string)),
            file.path(dir, "params.csv"), row.names = FALSE)
}

# 1. three separable groups (unequal sizes), CCP defaults otherwise: Pearson, average/average
run_case("pearson_average", make_data(c(20, 16, 12), 30, shift = 1.0, noise = 1.0, seed = 11),
         maxK = 5, reps = 80, pItem = 0.8, distance = "pearson", innerLinkage = "average",
         finalLinkage = "average", scale = "none", seed = 123)
# 2. the seed study's settings: centre-scaled features, 40 % left out, Pearson/average
run_case("study_settings", make_data(c(18, 14, 10), 25, shift = 1.2, noise = 1.0, seed = 22),
         maxK = 6, reps = 60, pItem = 0.6, distance = "pearson", innerLinkage = "average",
         finalLinkage = "average", scale = "center-scale", seed = 7)
# 3. other options: Euclidean distance, complete inner linkage, average final linkage
run_case("euclidean_complete", make_data(c(15, 15, 10), 20, shift = 1.5, noise = 1.0, seed = 33),
         maxK = 4, reps = 50, pItem = 0.7, distance = "euclidean", innerLinkage = "complete",
         finalLinkage = "average", scale = "none", seed = 99)
# 4. overlapping groups: consensus far from 0/1, so the CDF, areas and PAC are non-trivial
run_case("overlapping", make_data(c(20, 20), 120, shift = 0.2, noise = 1.0, seed = 44),
         maxK = 5, reps = 100, pItem = 0.8, distance = "spearman", innerLinkage = "average",
         finalLinkage = "complete", scale = "none", seed = 5)
cat("reference outputs written to", out_root, "\n")

# Plain hierarchical clustering (R hclust + cutree) of case 1, for every linkage offered.
x <- as.matrix(read.csv(file.path(out_root, "pearson_average", "data.csv"), row.names = 1))
hc_out <- data.frame(patient_id = rownames(x))
dists <- list(pearson = as.dist(1 - cor(t(x))), euclidean = dist(x), manhattan = dist(x, "manhattan"),
              spearman = as.dist(1 - cor(t(x), method = "spearman")))
for (dn in names(dists)) {
  for (method in c("average", "complete", "single", "ward.D", "ward.D2", "mcquitty")) {
    tree <- hclust(dists[[dn]], method = method)
    for (k in 2:5) hc_out[[sprintf("%s_%s_k%d", dn, method, k)]] <- cutree(tree, k)
  }
}
write.csv(hc_out, file.path(out_root, "hclust_reference.csv"), row.names = FALSE)

# Chi-squared test of two groupings (stats::chisq.test, default Yates correction for 2 x 2).
set.seed(3)
g1 <- sample(c("A", "B", "C"), 60, replace = TRUE)
g2 <- ifelse(g1 == "A", sample(c("A", "B"), 60, TRUE, prob = c(0.8, 0.2)), sample(c("A", "B"), 60, TRUE))
g3 <- sample(c("A", "B"), 60, replace = TRUE)
tests <- list(three_by_two = chisq.test(table(g1, g2)), two_by_two = chisq.test(table(g2, g3)))
write.csv(data.frame(patient_id = sprintf("S%02d", 1:60), g1 = g1, g2 = g2, g3 = g3),
          file.path(out_root, "chisq_labels.csv"), row.names = FALSE)
write.csv(data.frame(test = names(tests),
                     statistic = sprintf("%.17g", sapply(tests, function(t) unname(t$statistic))),
                     df = sapply(tests, function(t) unname(t$parameter)),
                     p_value = sprintf("%.17g", sapply(tests, function(t) t$p.value))),
          file.path(out_root, "chisq_reference.csv"), row.names = FALSE, quote = FALSE)
