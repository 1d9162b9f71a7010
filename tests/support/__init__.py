"""Helpers shared by the tests and benchmarks (tests/ is on sys.path under pytest; bench scripts add it)."""
