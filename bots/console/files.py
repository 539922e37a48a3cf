"""Files that come with a reply (/mydata's export), written to disk: the
terminal has no attachments, so it prints where each file went."""

from __future__ import annotations

from pathlib import Path

from core.presentation.cards import Document

__all__ = ["save_document"]


def save_document(directory: Path, document: Document) -> Path:
    """Write ``document`` into ``directory`` under its own name, never over
    an existing file ("possibles-mydata-3-2.json" when the first is there)."""
    name = Path(document.filename).name or "document"  # a plain name, whatever it claims
    stem, suffix = Path(name).stem, Path(name).suffix
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    number = 1
    while True:
        try:
            with path.open("xb") as out:
                out.write(document.content)
            return path.resolve()
        except FileExistsError:
            number += 1
            path = directory / f"{stem}-{number}{suffix}"
