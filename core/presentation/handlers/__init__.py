"""Handlers of the command catalog, one module per feature. Each declares
``COMMANDS`` (with typed parameters), ``PRESSES`` and ``FLOWS``;
core.presentation.catalog.build_catalog assembles them."""
