# Reference outputs of R pROC for omics.predict.roc (DeLong AUC, variance, covariance, CI,
# paired and unpaired roc.test). Run from the repository root:
#   Rscript tests/_scripts/predict_proc_reference.R
# Writes tests/data/predict/delong_data.csv (inputs) and delong_reference.csv (outputs).
suppressPackageStartupMessages(library(pROC))
set.seed(20261130)
out_dir <- "tests/data/predict"

make <- function(name, n, shift, ties = NULL, direction = "<") {
  y <- rbinom(n, 1, 0.45)
  y[1:2] <- c(0, 1)
  s1 <- rnorm(n) + shift * y
  s2 <- 0.6 * s1 + rnorm(n, sd = 0.8) + 0.5 * shift * y
  if (!is.null(ties)) { s1 <- round(s1 * ties) / ties; s2 <- round(s2 * ties) / ties }
  if (direction == ">") { s1 <- -s1; s2 <- -s2 }
  data.frame(dataset = name, direction = direction, y = y, s1 = s1, s2 = s2)
}
data <- rbind(
  make("continuous", 60, 1.0),
  make("ties", 80, 0.8, ties = 1),        # integer-rounded scores: many ties
  make("heavy_ties", 25, 1.2, ties = 0.5), # very few distinct values
  make("reversed", 70, 0.9, direction = ">"),
  make("large", 400, 0.5, ties = 10),
  make("unpairedA", 50, 1.1),
  make("unpairedB", 90, 0.4, ties = 4)
)
# ordinal probabilities in [0, 1] for a test of the probability scale
data$s1 <- signif(data$s1, 12); data$s2 <- signif(data$s2, 12)
write.csv(data, file.path(out_dir, "delong_data.csv"), row.names = FALSE)

rows <- list()
add <- function(ds, q, v) rows[[length(rows) + 1]] <<- data.frame(dataset = ds, quantity = q, value = v)
for (ds in unique(data$dataset)) {
  d <- data[data$dataset == ds, ]
  dir <- d$direction[1]
  r1 <- roc(d$y, d$s1, direction = dir, levels = c(0, 1), quiet = TRUE)
  r2 <- roc(d$y, d$s2, direction = dir, levels = c(0, 1), quiet = TRUE)
  ci1 <- ci.auc(r1, method = "delong")
  add(ds, "auc1", as.numeric(auc(r1))); add(ds, "auc2", as.numeric(auc(r2)))
  add(ds, "var1", var(r1, method = "delong")); add(ds, "var2", var(r2, method = "delong"))
  add(ds, "cov12", cov(r1, r2, method = "delong"))
  add(ds, "ci1_lower", ci1[1]); add(ds, "ci1_upper", ci1[3])
  t <- roc.test(r1, r2, method = "delong", paired = TRUE)
  add(ds, "paired_z", as.numeric(t$statistic)); add(ds, "paired_p", t$p.value)
}
a <- data[data$dataset == "unpairedA", ]; b <- data[data$dataset == "unpairedB", ]
ra <- roc(a$y, a$s1, direction = "<", levels = c(0, 1), quiet = TRUE)
rb <- roc(b$y, b$s1, direction = "<", levels = c(0, 1), quiet = TRUE)
t <- roc.test(ra, rb, method = "delong", paired = FALSE)
add("unpairedA_vs_B", "unpaired_z", as.numeric(t$statistic))
add("unpairedA_vs_B", "unpaired_p", t$p.value)
res <- do.call(rbind, rows)
res$value <- sprintf("%.17g", res$value)
write.csv(res, file.path(out_dir, "delong_reference.csv"), row.names = FALSE, quote = FALSE)
cat("pROC", as.character(packageVersion("pROC")), "\n")
