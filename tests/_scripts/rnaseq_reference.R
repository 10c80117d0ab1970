#!/usr/bin/env Rscript
# Reference outputs for omics.rnaseq and omics.harmonize (tests/test_rnaseq*.py, test_harmonize*.py).
# Run from the repository root:
#   Rscript tests/_scripts/rnaseq_reference.R /path/to/inmoose/data/pasilla/pasilla_gene_counts.tsv
# (pasilla ships in the InMoose source distribution:
#  pip download --no-deps --no-binary :all: --no-build-isolation inmoose)
# Versions used: see tests/data/rnaseq/R_versions.txt (written below).
# Everything is written genes x samples as R has it; the Python tests transpose.
suppressPackageStartupMessages({library(limma); library(edgeR); library(sva)})
args <- commandArgs(trailingOnly = TRUE)
rna <- "tests/data/rnaseq"; har <- "tests/data/harmonize"
dir.create(rna, showWarnings = FALSE, recursive = TRUE)
dir.create(har, showWarnings = FALSE, recursive = TRUE)
wcsv <- function(x, path) write.csv(x, path, quote = TRUE)
writeLines(c(R.version.string, paste("limma", packageVersion("limma")),
             paste("edgeR", packageVersion("edgeR")), paste("sva", packageVersion("sva"))),
           file.path(rna, "R_versions.txt"))

## ---- pasilla subset: 7 samples x 2000 genes -----------------------------------------
if (length(args) >= 1) {
  full <- as.matrix(read.delim(args[1], row.names = 1))
  set.seed(2024)
  genes <- sort(sample(rownames(full), 2000))
  sub <- full[genes, ]
  wcsv(sub, file.path(rna, "pasilla_counts.csv"))
}
counts <- as.matrix(read.csv(file.path(rna, "pasilla_counts.csv"), row.names = 1, check.names = FALSE))
samples <- data.frame(
  condition = factor(ifelse(grepl("^treated", colnames(counts)), "treated", "untreated"),
                     levels = c("untreated", "treated")),
  type = factor(c("single", "single", "paired", "paired", "single", "paired", "paired"),
                levels = c("single", "paired")),
  row.names = colnames(counts))
wcsv(samples, file.path(rna, "pasilla_samples.csv"))
design <- model.matrix(~ condition + type, data = samples)
wcsv(design, file.path(rna, "pasilla_design.csv"))

# filterByExpr: by group, by design, no group
keep_group <- filterByExpr(counts, group = samples$condition)
keep_design <- filterByExpr(counts, design = design)
keep_none <- suppressMessages(filterByExpr(counts))
wcsv(data.frame(group = keep_group, design = keep_design, none = keep_none),
     file.path(rna, "pasilla_filter.csv"))

# TMM on the filtered counts, library sizes recomputed (keep.lib.sizes = FALSE)
y <- DGEList(counts)
y <- y[keep_group, , keep.lib.sizes = FALSE]
y <- calcNormFactors(y, method = "TMM")
uq <- calcNormFactors(counts, method = "upperquartile")
tmm_unfiltered <- calcNormFactors(counts, method = "TMM")
wcsv(data.frame(lib_size = y$samples$lib.size, tmm = y$samples$norm.factors,
                tmm_unfiltered = tmm_unfiltered, upperquartile = uq,
                row.names = colnames(counts)), file.path(rna, "pasilla_normfactors.csv"))

# voom with design and TMM library sizes
v <- voom(y, design)
wcsv(v$E, file.path(rna, "pasilla_voom_E.csv"))
wcsv(v$weights, file.path(rna, "pasilla_voom_weights.csv"))
# voom without design on all 2000 genes (includes all-zero genes), default lib sizes
v0 <- voom(counts)
wcsv(v0$E, file.path(rna, "pasilla_voom0_E.csv"))
wcsv(v0$weights, file.path(rna, "pasilla_voom0_weights.csv"))

# weighted lmFit on the voom output
fit <- lmFit(v, design)
wcsv(fit$coefficients, file.path(rna, "pasilla_lmfit_coef.csv"))
wcsv(fit$stdev.unscaled, file.path(rna, "pasilla_lmfit_stdev.csv"))
wcsv(data.frame(sigma = fit$sigma, df_residual = fit$df.residual, amean = fit$Amean,
                row.names = rownames(fit)), file.path(rna, "pasilla_lmfit_gene.csv"))
fit_u <- lmFit(v$E, design)
wcsv(fit_u$coefficients, file.path(rna, "pasilla_lmfit_unweighted_coef.csv"))
wcsv(data.frame(sigma = fit_u$sigma, row.names = rownames(fit_u)),
     file.path(rna, "pasilla_lmfit_unweighted_sigma.csv"))
wcsv(fit_u$cov.coefficients, file.path(rna, "pasilla_lmfit_unweighted_cov.csv"))

## ---- simulated NB counts with a batch effect: 24 samples x 300 genes --------------------
set.seed(11)
n_genes <- 300; batch <- factor(rep(c("b1", "b2", "b3"), each = 8))
group <- factor(rep(rep(c("ctrl", "case"), each = 4), 3), levels = c("ctrl", "case"))
age <- round(runif(24, 30, 80))
base <- exp(rnorm(n_genes, 4, 1.5))
de <- ifelse(runif(n_genes) < 0.1, exp(rnorm(n_genes, 0, 1)), 1)
bmean <- cbind(1, exp(rnorm(n_genes, 0, 0.4)), exp(rnorm(n_genes, 0.3, 0.4)))
bdisp <- c(0.1, 0.2, 0.05)
lib <- runif(24, 0.6, 1.4)
sim <- sapply(1:24, function(j) {
  b <- as.integer(batch[j]); mu <- base * lib[j] * bmean[, b] * ifelse(group[j] == "case", de, 1)
  rnbinom(n_genes, mu = mu, size = 1 / bdisp[b])
})
dimnames(sim) <- list(sprintf("g%03d", 1:n_genes), sprintf("s%02d", 1:24))
sim[1:3, batch == "b2"] <- 0     # genes with zero counts in one batch (kept as is)
wcsv(sim, file.path(har, "sim_counts.csv"))
wcsv(data.frame(batch = batch, group = group, age = age, row.names = colnames(sim)),
     file.path(har, "sim_samples.csv"))
logcpm <- cpm(sim, log = TRUE, prior.count = 1)
wcsv(logcpm, file.path(har, "sim_logcpm.csv"))
# run on the values as written (15 significant digits), exactly what the tests read
logcpm <- as.matrix(read.csv(file.path(har, "sim_logcpm.csv"), row.names = 1, check.names = FALSE))
mod <- model.matrix(~ group)
mod2 <- model.matrix(~ group + age)
run <- function(...) { out <- NULL; invisible(capture.output(suppressMessages(out <- ComBat(...)))); out }
wcsv(run(logcpm, batch), file.path(har, "combat_param.csv"))
wcsv(run(logcpm, batch, mod = mod), file.path(har, "combat_param_mod.csv"))
wcsv(run(logcpm, batch, mod = mod2), file.path(har, "combat_param_mod2.csv"))
wcsv(run(logcpm, batch, par.prior = FALSE), file.path(har, "combat_nonparam.csv"))
wcsv(run(logcpm, batch, mod = mod, par.prior = FALSE), file.path(har, "combat_nonparam_mod.csv"))
wcsv(run(logcpm, batch, mean.only = TRUE), file.path(har, "combat_meanonly.csv"))
wcsv(run(logcpm, batch, mean.only = TRUE, par.prior = FALSE), file.path(har, "combat_meanonly_nonparam.csv"))
wcsv(run(logcpm, batch, ref.batch = "b2"), file.path(har, "combat_ref_b2.csv"))
wcsv(run(logcpm, batch, mod = mod, ref.batch = "b1"), file.path(har, "combat_ref_b1_mod.csv"))

# ComBat-seq (no shrinkage, as the default): null model and with the biological group
runseq <- function(...) { out <- NULL; invisible(capture.output(suppressMessages(out <- ComBat_seq(...)))); out }
wcsv(runseq(sim, batch = batch), file.path(har, "combatseq_null.csv"))
wcsv(runseq(sim, batch = batch, group = group), file.path(har, "combatseq_group.csv"))


## ---- R lowess on a small set with ties and outliers (voom's smoother) -----------------
set.seed(3)
x <- round(rexp(300), 2); y <- sin(x) + rnorm(300, sd = 0.3); y[1:8] <- y[1:8] + 4
l1 <- lowess(x, y, f = 0.5)
l2 <- lowess(x[1:25], y[1:25])
l3 <- lowess(x, y, f = 0.3, iter = 0, delta = 0)
write.csv(data.frame(x = x, y = y), file.path(rna, "lowess_input.csv"), row.names = FALSE)
write.csv(data.frame(x1 = l1$x, y1 = l1$y, x3 = l3$x, y3 = l3$y), file.path(rna, "lowess_output.csv"), row.names = FALSE)
write.csv(data.frame(x = l2$x, y = l2$y), file.path(rna, "lowess_output_small.csv"), row.names = FALSE)
cat("done\n")
