"""Benchmarks of microgpt-tui's NumPy GPT against PyTorch eager and the scalar engine.

`python -m bench` measures speed (Markdown to stdout and bench/RESULTS.md, JSON to
bench/results/latest.json); `python -m bench quality` trains the makemore preset and reports its
validation loss against wall time. Not part of the test run; a smoke test keeps it working.
"""
