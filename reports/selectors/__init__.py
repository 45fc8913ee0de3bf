"""Reads for the dashboards and exports: every figure comes from `figures`."""
