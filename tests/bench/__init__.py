"""Tests of the benchmark tooling (never the benchmarks themselves)."""
