"""Benchmark helpers behind scripts/gen-bench-book and scripts/bench.

They live in a package with .py files so that `ruff check scripts` lints them;
the two commands are thin wrappers.
"""
