"""Evaluation: gold sets, scorers and benchmarks."""
