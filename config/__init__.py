"""possibles' shipped defaults, as package data: possibles.toml, areas/*.csv,
screening/*.txt. This package holds no code; it is a package so that the
defaults travel inside the wheel and are read with importlib.resources
(``core.config.CONFIG_DIR``) whether possibles runs from a checkout, an
editable install or a plain ``pip install``."""
