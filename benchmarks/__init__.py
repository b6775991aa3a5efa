"""Benchmarks: ``python -m benchmarks [NAME] [ARGS...]`` runs ``benchmarks/bench_*.py``.

Each ``bench_<name>.py`` module has ``main(argv) -> int`` and prints a Markdown table.
Shared timing helpers are in `benchmarks.common`.
"""
