"""Benchmarks (`python -m bench`, `make bench`). Timings are printed and kept in results.json;
tests never assert on wall-clock time."""
