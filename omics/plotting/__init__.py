"""Figures. Every function here reads result objects or tables; none computes statistics."""
