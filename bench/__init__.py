"""Benchmarks: each script runs alone; ``bench/run.py`` runs them all and writes RESULTS.md."""
