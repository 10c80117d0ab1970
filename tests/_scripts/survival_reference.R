# Reference outputs of R survival for omics.survival's parity tests.
#
# Run from the repository root (needs R with the survival package):
#   Rscript tests/_scripts/survival_reference.R
# Inputs:  tests/data/survival/lung.csv, gbsg2.csv, written from lifelines 0.30.3 with
#   from lifelines.datasets import load_lung, load_gbsg2
#   l = load_lung(); l["sex"] = l["sex"].map({1: "male", 2: "female"})
#   l.insert(0, "patient_id", [f"L{i:03d}" for i in range(len(l))]); l.to_csv(".../lung.csv", index=False)
#   g = load_gbsg2(); g.insert(0, "patient_id", [f"G{i:03d}" for i in range(len(g))]); g.to_csv(".../gbsg2.csv", index=False)
# Writes:  tests/data/survival/synthetic.csv (a demo-like cohort simulated here, seed 2024)
#          tests/data/survival/ref_*.csv
suppressPackageStartupMessages(library(survival))
options(digits = 15)
dir <- "tests/data/survival"
cat("survival", as.character(packageVersion("survival")), "\n")

## ---------------------------------------------------------------- demo-like data
set.seed(2024)
n <- 110
hrf <- sample(c("A_hRF", "B_hRF", "C_hRF"), n, replace = TRUE, prob = c(.35, .35, .30))
rna <- sample(c("A_RNA", "B_RNA"), n, replace = TRUE, prob = c(.6, .4))
age <- round(rnorm(n, 60, 15))
grade <- sample(c("I", "II", "III"), n, replace = TRUE, prob = c(.15, .35, .5))
histotype <- sample(c("UPS", "Leiomyosarcoma", "M/RC LPS", "Other"), n, replace = TRUE,
                    prob = c(.35, .2, .15, .3))
size_mm <- round(rlnorm(n, log(90), 0.5))
lp <- 0.6 * (hrf == "A_hRF") + 1.0 * (hrf == "B_hRF") + 0.8 * (rna == "A_RNA") +
      0.02 * (age - 60) + 0.6 * (grade == "III")
t_event <- rexp(n, 0.008 * exp(lp))
t_cens <- runif(n, 12, 150)
mfs_time <- pmax(1, round(pmin(t_event, t_cens)))       # whole months: many ties
mfs_event <- as.integer(t_event <= t_cens)
grade[c(5, 17)] <- NA
hybrid_binary <- ifelse(hrf == "A_hRF" & rna == "A_RNA", "A_hRF×A_RNA", "Others")
syn <- data.frame(patient_id = sprintf("S%03d", 1:n), hrf, rna, hybrid_binary, age, grade,
                  histotype, size_mm, mfs_time, mfs_event, stringsAsFactors = FALSE)
write.csv(syn, file.path(dir, "synthetic.csv"), row.names = FALSE, fileEncoding = "UTF-8")

lung <- read.csv(file.path(dir, "lung.csv"), stringsAsFactors = FALSE)
gbsg <- read.csv(file.path(dir, "gbsg2.csv"), stringsAsFactors = FALSE)
syn <- read.csv(file.path(dir, "synthetic.csv"), stringsAsFactors = FALSE, encoding = "UTF-8")

fac <- function(x, ref) relevel(factor(x), ref = ref)
syn$hrf <- fac(syn$hrf, "C_hRF")
syn$rna <- fac(syn$rna, "B_RNA")
syn$hybrid_binary <- fac(syn$hybrid_binary, "Others")
syn$histotype <- fac(syn$histotype, "M/RC LPS")
syn$grade <- factor(syn$grade)
lung$sex <- factor(lung$sex)          # reference "female" (first sorted)
gbsg$tgrade <- factor(gbsg$tgrade)    # reference "I"
gbsg$horTh <- factor(gbsg$horTh)
gbsg$menostat <- factor(gbsg$menostat)

sets <- list(
  lung = list(data = lung, time = "time", event = "status", models = c(
    m1 = "age + sex + ph.ecog",
    m2 = "sex + ph.karno + wt.loss",
    m3 = "age * sex")),
  gbsg2 = list(data = gbsg, time = "time", event = "cens", models = c(
    m1 = "horTh + age + menostat + tsize + tgrade + pnodes + progrec + estrec",
    m2 = "horTh * tgrade")),
  synthetic = list(data = syn, time = "mfs_time", event = "mfs_event", models = c(
    hrf = "hrf", rna = "rna", combined = "rna + hrf", interaction = "rna * hrf",
    hybrid = "hybrid_binary", multi = "hrf + age + histotype + grade + size_mm"))
)

coef_rows <- list(); fit_rows <- list(); zph_rows <- list(); conc_rows <- list()
for (ds in names(sets)) {
  s <- sets[[ds]]
  for (m in names(s$models)) {
    f <- as.formula(sprintf("Surv(%s, %s) ~ %s", s$time, s$event, s$models[[m]]))
    fit <- coxph(f, data = s$data, ties = "efron")
    sm <- summary(fit)
    cf <- sm$coefficients
    coef_rows[[length(coef_rows) + 1]] <- data.frame(
      dataset = ds, model = m, term = rownames(cf), coef = cf[, "coef"],
      se = cf[, "se(coef)"], z = cf[, "z"], p = cf[, "Pr(>|z|)"])
    fit_rows[[length(fit_rows) + 1]] <- data.frame(
      dataset = ds, model = m, formula = s$models[[m]], n = fit$n, nevent = fit$nevent,
      loglik0 = fit$loglik[1], loglik = fit$loglik[2],
      lr = sm$logtest["test"], lr_df = sm$logtest["df"], lr_p = sm$logtest["pvalue"],
      wald = fit$wald.test, wald_p = pchisq(fit$wald.test, sum(!is.na(coef(fit))), lower.tail = FALSE),
      score = fit$score, score_p = pchisq(fit$score, sum(!is.na(coef(fit))), lower.tail = FALSE),
      concordance = sm$concordance[1], aic = AIC(fit), n_dropped = length(fit$na.action))
    z <- cox.zph(fit, transform = "km")
    zph_rows[[length(zph_rows) + 1]] <- data.frame(
      dataset = ds, model = m, term = rownames(z$table), chisq = z$table[, "chisq"],
      df = z$table[, "df"], p = z$table[, "p"])
    cc <- concordance(fit)
    conc_rows[[length(conc_rows) + 1]] <- data.frame(
      dataset = ds, score = paste0("lp_", m), concordant = cc$count["concordant"],
      discordant = cc$count["discordant"], tied.x = cc$count["tied.x"],
      tied.y = cc$count["tied.y"], C = cc$concordance)
  }
}
write.csv(do.call(rbind, coef_rows), file.path(dir, "ref_cox_coef.csv"), row.names = FALSE)
write.csv(do.call(rbind, fit_rows), file.path(dir, "ref_cox_fit.csv"), row.names = FALSE)
write.csv(do.call(rbind, zph_rows), file.path(dir, "ref_cox_zph.csv"), row.names = FALSE)

## concordance of raw scores (with many ties in the score and in time)
raw <- list(lung = list(d = lung, t = "time", e = "status", x = c("ph.ecog", "age", "ph.karno")),
            gbsg2 = list(d = gbsg, t = "time", e = "cens", x = c("pnodes", "tsize")),
            synthetic = list(d = syn, t = "mfs_time", e = "mfs_event", x = c("size_mm", "age")))
for (ds in names(raw)) {
  r <- raw[[ds]]
  for (x in r$x) {
    cc <- concordance(as.formula(sprintf("Surv(%s, %s) ~ %s", r$t, r$e, x)), data = r$d,
                      reverse = TRUE)
    conc_rows[[length(conc_rows) + 1]] <- data.frame(
      dataset = ds, score = x, concordant = cc$count["concordant"],
      discordant = cc$count["discordant"], tied.x = cc$count["tied.x"],
      tied.y = cc$count["tied.y"], C = cc$concordance)
  }
}
write.csv(do.call(rbind, conc_rows), file.path(dir, "ref_concordance.csv"), row.names = FALSE)

## concordance of two models on the same patients: IJ variance matrix (compareC-like test)
pairs_out <- list()
cmp_sets <- list(
  lung = list(d = na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog")]), t = "time", e = "status",
              a = "age + sex + ph.ecog", b = "age"),
  synthetic = list(d = syn, t = "mfs_time", e = "mfs_event", a = "rna + hrf", b = "rna"))
for (ds in names(cmp_sets)) {
  s <- cmp_sets[[ds]]
  fa <- coxph(as.formula(sprintf("Surv(%s, %s) ~ %s", s$t, s$e, s$a)), data = s$d)
  fb <- coxph(as.formula(sprintf("Surv(%s, %s) ~ %s", s$t, s$e, s$b)), data = s$d)
  cc <- concordance(fa, fb)
  pairs_out[[length(pairs_out) + 1]] <- data.frame(
    dataset = ds, model_a = s$a, model_b = s$b, c_a = cc$concordance[1], c_b = cc$concordance[2],
    var_a = cc$var[1, 1], var_b = cc$var[2, 2], cov_ab = cc$var[1, 2])
}
write.csv(do.call(rbind, pairs_out), file.path(dir, "ref_concordance_pair.csv"), row.names = FALSE)

## ---------------------------------------------------------------- KM and log-rank
km_sets <- list(lung = list(d = lung, t = "time", e = "status", g = "sex", times = c(180, 365, 730)),
                gbsg2 = list(d = gbsg, t = "time", e = "cens", g = "tgrade", times = c(730, 1825)),
                synthetic = list(d = syn, t = "mfs_time", e = "mfs_event", g = "hrf", times = c(24, 60)))
sf_rows <- list(); sum_rows <- list(); med_rows <- list(); sd_rows <- list()
for (ds in names(km_sets)) {
  k <- km_sets[[ds]]
  f <- as.formula(sprintf("Surv(%s, %s) ~ %s", k$t, k$e, k$g))
  for (ct in c("log", "log-log", "plain")) {
    fit <- survfit(f, data = k$d, conf.type = ct)
    sm <- summary(fit, censored = TRUE)
    sf_rows[[length(sf_rows) + 1]] <- data.frame(
      dataset = ds, conf_type = ct, group = sub("^[^=]*=", "", as.character(sm$strata)),
      time = sm$time, n_risk = sm$n.risk, n_event = sm$n.event, n_censor = sm$n.censor,
      surv = sm$surv, std_err = sm$std.err, lower = sm$lower, upper = sm$upper)
    st <- summary(fit, times = k$times)
    sum_rows[[length(sum_rows) + 1]] <- data.frame(
      dataset = ds, conf_type = ct, group = sub("^[^=]*=", "", as.character(st$strata)),
      time = st$time, n_risk = st$n.risk, surv = st$surv, std_err = st$std.err,
      lower = st$lower, upper = st$upper)
    tb <- summary(fit)$table
    med_rows[[length(med_rows) + 1]] <- data.frame(
      dataset = ds, conf_type = ct, group = sub("^[^=]*=", "", rownames(tb)),
      n = tb[, "records"], events = tb[, "events"], median = tb[, "median"],
      lower = tb[, "0.95LCL"], upper = tb[, "0.95UCL"])
  }
  sd <- survdiff(f, data = k$d)
  sd_rows[[length(sd_rows) + 1]] <- data.frame(
    dataset = ds, group = sub("^[^=]*=", "", names(sd$n)), n = as.numeric(sd$n),
    observed = sd$obs, expected = sd$exp, chisq = sd$chisq, df = length(sd$n) - 1,
    p = pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE))
}
write.csv(do.call(rbind, sf_rows), file.path(dir, "ref_survfit.csv"), row.names = FALSE)
write.csv(do.call(rbind, sum_rows), file.path(dir, "ref_survfit_times.csv"), row.names = FALSE)
write.csv(do.call(rbind, med_rows), file.path(dir, "ref_survfit_median.csv"), row.names = FALSE)
write.csv(do.call(rbind, sd_rows), file.path(dir, "ref_survdiff.csv"), row.names = FALSE)

## ---------------------------------------------------------------- backward stepwise AIC
full <- coxph(Surv(time, cens) ~ horTh + age + menostat + tsize + tgrade + pnodes + progrec + estrec,
              data = gbsg)
st <- step(full, direction = "backward", trace = 0)
path <- st$anova
write.csv(data.frame(step = path$Step, aic = path$AIC,
                     final = paste(attr(terms(st), "term.labels"), collapse = " + ")),
          file.path(dir, "ref_step.csv"), row.names = FALSE)
cat("done\n")
