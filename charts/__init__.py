"""Altair chart builders: each takes a tidy, aggregated frame and returns a chart."""
