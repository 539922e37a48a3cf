"""Plain domain rules: no I/O, no framework, nothing of the project outside core.domain and core.errors."""
