# Reference outputs of R stats for omics.stats.association's parity tests.
#   Rscript tests/_scripts/survival_association.R   (after survival_reference.R)
# Reads tests/data/survival/synthetic.csv, writes tests/data/survival/ref_association.csv
dir <- "tests/data/survival"
syn <- read.csv(file.path(dir, "synthetic.csv"), stringsAsFactors = FALSE, encoding = "UTF-8")
syn$grade_bin <- ifelse(syn$grade == "III", "III", ifelse(is.na(syn$grade), NA, "I/II"))
rows <- list()
add <- function(g, v, test, stat, df, p) {
  rows[[length(rows) + 1]] <<- data.frame(grouping = g, variable = v, test = test,
                                          statistic = stat, df = df, p = p)
}
for (g in c("hrf", "rna")) for (v in c("histotype", "grade", "grade_bin")) {
  ok <- !is.na(syn[[v]])
  t <- suppressWarnings(chisq.test(table(syn[[v]][ok], syn[[g]][ok])))
  add(g, v, "chisq", unname(t$statistic), unname(t$parameter), t$p.value)
}
f <- fisher.test(table(syn$grade_bin, syn$rna))
add("rna", "grade_bin", "fisher", NA, NA, f$p.value)
t <- t.test(size_mm ~ rna, data = syn)
add("rna", "size_mm", "welch", unname(t$statistic), unname(t$parameter), t$p.value)
t <- t.test(age ~ rna, data = syn)
add("rna", "age", "welch", unname(t$statistic), unname(t$parameter), t$p.value)
w <- wilcox.test(size_mm ~ rna, data = syn, exact = FALSE, correct = TRUE)
add("rna", "size_mm", "wilcox", unname(w$statistic), NA, w$p.value)
k <- kruskal.test(size_mm ~ hrf, data = syn)
add("hrf", "size_mm", "kruskal", unname(k$statistic), unname(k$parameter), k$p.value)
a <- summary(aov(age ~ hrf, data = syn))[[1]]
add("hrf", "age", "anova", a[1, "F value"], a[1, "Df"], a[1, "Pr(>F)"])
for (g in c("A_hRF", "B_hRF", "C_hRF")) {
  s <- shapiro.test(syn$size_mm[syn$hrf == g])
  add(g, "size_mm", "shapiro", unname(s$statistic), NA, s$p.value)
  s <- shapiro.test(syn$age[syn$hrf == g])
  add(g, "age", "shapiro", unname(s$statistic), NA, s$p.value)
}
write.csv(do.call(rbind, rows), file.path(dir, "ref_association.csv"), row.names = FALSE)
cat("done\n")
