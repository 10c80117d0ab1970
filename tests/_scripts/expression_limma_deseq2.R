# Reference outputs for omics.expression (limma eBayes/topTable, t-tests, DESeq2).
#
# Run from the repository root:
#   Rscript tests/_scripts/expression_limma_deseq2.R
# Needs limma, edgeR and DESeq2 (Debian: r-bioc-limma r-bioc-edger r-bioc-deseq2).
# Input: tests/data/expression/pasilla_counts.csv (a 1,242-gene subset of pasilla: every
# 8th gene with >= 10 reads in total, plus the pasilla gene FBgn0261552) and
# tests/data/expression/pasilla_samples.csv. Outputs are written next to them.
suppressPackageStartupMessages({
  library(limma)
  library(edgeR)
  library(DESeq2)
})

out <- "tests/data/expression"
counts <- as.matrix(read.csv(file.path(out, "pasilla_counts.csv"), row.names = 1,
                             check.names = FALSE))
samples <- read.csv(file.path(out, "pasilla_samples.csv"), row.names = 1)
samples <- samples[colnames(counts), ]
samples$condition <- factor(samples$condition, levels = c("untreated", "treated"))
samples$type <- factor(samples$type, levels = c("paired_end", "single_read"))

write_genes <- function(m, name) {
  m <- as.matrix(m)
  if (is.null(rownames(m))) rownames(m) <- rownames(counts)
  df <- data.frame(gene = rownames(m), m, check.names = FALSE)
  write.csv(df, file.path(out, name), row.names = FALSE, quote = FALSE)
}

# ---- limma: voom -> lmFit -> eBayes -> topTable ------------------------------------
limma_case <- function(E, weights, design, prefix, trend = FALSE) {
  fit <- lmFit(E, design, weights = weights)
  eb <- eBayes(fit, trend = trend)
  write_genes(fit$coefficients, paste0(prefix, "_coefficients.csv"))
  write_genes(fit$stdev.unscaled, paste0(prefix, "_stdev_unscaled.csv"))
  write_genes(cbind(sigma = fit$sigma, df_residual = fit$df.residual, amean = fit$Amean,
                    s2_post = eb$s2.post, df_total = eb$df.total),
              paste0(prefix, "_gene_stats.csv"))
  if (trend) write_genes(cbind(s2_prior = eb$s2.prior), paste0(prefix, "_s2_prior.csv"))
  hyper <- data.frame(coef = colnames(design), s2_prior = median(eb$s2.prior),
                      df_prior = eb$df.prior, var_prior = eb$var.prior)
  write.csv(hyper, file.path(out, paste0(prefix, "_hyper.csv")), row.names = FALSE,
            quote = FALSE)
  for (j in 2:ncol(design)) {
    tt <- topTable(eb, coef = j, number = Inf, sort.by = "none")
    tt <- data.frame(gene = rownames(tt), tt[, c("logFC", "AveExpr", "t", "P.Value",
                                                  "adj.P.Val", "B")])
    write.csv(tt, file.path(out, paste0(prefix, "_toptable_", colnames(design)[j], ".csv")),
              row.names = FALSE, quote = FALSE)
  }
  invisible(eb)
}

dge <- DGEList(counts)
dge <- calcNormFactors(dge)
design1 <- model.matrix(~ condition, samples)
colnames(design1) <- c("Intercept", "treated")
v <- voom(dge, design1)
write_genes(v$E, "pasilla_voom_E.csv")
write_genes(`dimnames<-`(v$weights, dimnames(v$E)), "pasilla_voom_weights.csv")
write.csv(data.frame(sample = rownames(design1), design1), file.path(out, "pasilla_design1.csv"),
          row.names = FALSE, quote = FALSE)
limma_case(v$E, v$weights, design1, "limma_d1")

design2 <- model.matrix(~ condition + type, samples)
colnames(design2) <- c("Intercept", "treated", "single_read")
v2 <- voom(dge, design2)
stopifnot(isTRUE(all.equal(v2$E, v$E)))  # log-CPM does not depend on the design
write_genes(`dimnames<-`(v2$weights, dimnames(v2$E)), "pasilla_voom2_weights.csv")
write.csv(data.frame(sample = rownames(design2), design2), file.path(out, "pasilla_design2.csv"),
          row.names = FALSE, quote = FALSE)
limma_case(v2$E, v2$weights, design2, "limma_d2")
# limma-trend on unweighted log-CPM (prior variance trended on average expression)
limma_case(v$E, NULL, design1, "limma_trend", trend = TRUE)

# Homoscedastic normal data: the prior df is infinite (limma's df.prior = Inf branch).
set.seed(20240611)
ng <- 400
grp <- factor(rep(c("a", "b"), each = 4))
y <- matrix(rnorm(ng * 8), ng, 8, dimnames = list(sprintf("g%03d", 1:ng), sprintf("s%d", 1:8)))
y[1:20, grp == "b"] <- y[1:20, grp == "b"] + 3
design3 <- model.matrix(~ grp)
colnames(design3) <- c("Intercept", "b")
rownames(design3) <- colnames(y)
write_genes(y, "normal_E.csv")
write.csv(data.frame(sample = rownames(design3), design3), file.path(out, "normal_design.csv"),
          row.names = FALSE, quote = FALSE)
limma_case(y, NULL, design3, "limma_inf")

# ---- per-gene t-tests on voom expression (the study's DGE) -------------------------
E <- v$E
treated <- samples$condition == "treated"
tt_student <- t(apply(E, 1, function(g) {
  r <- t.test(g[treated], g[!treated], var.equal = TRUE)
  c(statistic = unname(r$statistic), p_value = r$p.value)
}))
tt_welch <- t(apply(E, 1, function(g) {
  r <- t.test(g[treated], g[!treated], var.equal = FALSE)
  c(statistic = unname(r$statistic), p_value = r$p.value, df = unname(r$parameter))
}))
write_genes(cbind(log2fc = rowMeans(E[, treated]) - rowMeans(E[, !treated]),
                  student_t = tt_student[, "statistic"], student_p = tt_student[, "p_value"],
                  student_padj = p.adjust(tt_student[, "p_value"], "BH"),
                  welch_t = tt_welch[, "statistic"], welch_p = tt_welch[, "p_value"],
                  welch_df = tt_welch[, "df"]),
            "pasilla_ttest.csv")

# ---- DESeq2 --------------------------------------------------------------------------
dds <- DESeqDataSetFromMatrix(counts, samples, design = ~ condition)
dds <- DESeq(dds, quiet = TRUE)
res <- results(dds, contrast = c("condition", "treated", "untreated"))
write_genes(as.matrix(as.data.frame(res)[, c("baseMean", "log2FoldChange", "lfcSE", "stat",
                                             "pvalue", "padj")]),
            "deseq2_results.csv")
write.csv(data.frame(sample = colnames(dds), size_factor = sizeFactors(dds)),
          file.path(out, "deseq2_size_factors.csv"), row.names = FALSE, quote = FALSE)
write_genes(cbind(dispersion = dispersions(dds)), "deseq2_dispersions.csv")

writeLines(c(paste("R", R.version$major, R.version$minor),
             paste("limma", packageVersion("limma")),
             paste("edgeR", packageVersion("edgeR")),
             paste("DESeq2", packageVersion("DESeq2"))),
           file.path(out, "R_versions_limma_deseq2.txt"))
