"""Supervised response prediction (ROC/AUC, DeLong, calibration, nomograms) — not yet implemented."""
