"""Figures and reports: matplotlib plots, the dot layer for large scatter plots, reports."""
