# Reference outputs of R pamr for omics.expression.pam (tests/test_pam.py).
#
# Run from the repository root:  Rscript tests/_scripts/expression_pamr.R
# Uses the installed pamr package. Where pamr cannot be installed (no CRAN access and no
# Debian package on the development machines), set PAMR_SOURCE to an R file that defines
# pamr.train, pamr.cv and pamr.predict (with their internal helpers nsc, soft.shrink,
# diag.disc, softmax, safe.exp) taken from the pamr sources; the reference CSVs committed
# in tests/data/expression/pamr_*.csv were generated that way from pamr's R code
# (classification branches), see R_versions_pamr.txt.
#
# Input: tests/data/expression/pam_input.csv (45 samples × 300 genes, classes A/B/C) and
# pam_folds.csv (the balanced folds drawn by omics.expression.pam.balanced_folds, seed 3),
# so that pamr.cv and omics use the same folds.
if (requireNamespace("pamr", quietly = TRUE)) {
  suppressPackageStartupMessages(library(pamr))
  origin <- paste("pamr", packageVersion("pamr"))
} else {
  src <- Sys.getenv("PAMR_SOURCE")
  if (src == "") stop("pamr is not installed; set PAMR_SOURCE (see the header)")
  source(src)
  origin <- paste("pamr R functions sourced from", basename(src))
}

out <- "tests/data/expression"
input <- read.csv(file.path(out, "pam_input.csv"), row.names = 1, check.names = FALSE)
y <- factor(input$class)
x <- t(as.matrix(input[, -1]))                       # genes × samples, as pamr wants
fold_table <- read.csv(file.path(out, "pam_folds.csv"))
folds <- lapply(sort(unique(fold_table$fold)),
                function(k) match(fold_table$sample[fold_table$fold == k], colnames(x)))
data <- list(x = x, y = y)

invisible(capture.output(fit <- pamr.train(data)))
invisible(capture.output(cv <- pamr.cv(fit, data, folds = folds)))

write.csv(data.frame(threshold = fit$threshold, nonzero = fit$nonzero,
                     train_error = fit$errors / ncol(x), cv_error = cv$error),
          file.path(out, "pamr_grid.csv"), row.names = FALSE, quote = FALSE)
write.csv(data.frame(gene = rownames(x), fit$centroids, overall = fit$centroid.overall,
                     sd = fit$sd, check.names = FALSE),
          file.path(out, "pamr_centroids.csv"), row.names = FALSE, quote = FALSE)
write.csv(data.frame(offset = unname(fit$offset),
                     setNames(as.list(as.numeric(fit$prior)), paste0("prior_", names(fit$prior)))),
          file.path(out, "pamr_scalars.csv"), row.names = FALSE, quote = FALSE)
k <- 10
thr <- fit$threshold[k]
post <- pamr.predict(fit, x, threshold = thr, type = "posterior")
cen <- pamr.predict(fit, x, threshold = thr, type = "centroid")
cv_prob <- cv$prob[, , k]
colnames(cv_prob) <- paste0("cv_", levels(y))
write.csv(data.frame(sample = colnames(x), post, cv_prob,
                     predicted = pamr.predict(fit, x, threshold = thr, type = "class"),
                     cv_predicted = cv$yhat[, k], check.names = FALSE),
          file.path(out, "pamr_posterior_k10.csv"), row.names = FALSE, quote = FALSE)
write.csv(data.frame(gene = rownames(x), cen, check.names = FALSE),
          file.path(out, "pamr_shrunken_centroids_k10.csv"), row.names = FALSE, quote = FALSE)
writeLines(c(paste("R", R.version$major, R.version$minor), origin, paste("threshold index", k)),
           file.path(out, "R_versions_pamr.txt"))
