"""The public web: initiative pages, share previews, feeds, open data.

Not a chat front end (it sends nothing): a Starlette app built by
``bots.web.app.build_app`` and served by ``bots.web.server.WebServer`` in the
same event loop as the bots (``possibles run``) or alone (``possibles web``).
Each module of routes exposes ``routes() -> list[BaseRoute]``; app.py mounts
them. Importing this package imports nothing heavy.
"""
