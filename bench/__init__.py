"""Benchmarks. Run all with ``make bench`` (or ``python -m bench NAME``); figures in docs/performance.md."""
