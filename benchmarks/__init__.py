"""possibles' benchmark suite: ``python -m benchmarks all [--quick]`` (see __main__)."""
