"""Screening: a word list per language flags new content into the review
queue without hiding it (moderation stays after publication)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from core.config import CONFIG_DIR
from core.domain.events import ContentFlagged
from core.domain.moderation import ReviewCause, ReviewItem
from core.domain.text import fold
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["flagged_words", "screen"]


@lru_cache(maxsize=4)
def _word_lists(directory: Path) -> tuple[frozenset[str], tuple[str, ...]]:
    """(single words, multi-word phrases), folded, from every *.txt there."""
    words: set[str] = set()
    phrases: list[str] = []
    for path in sorted(directory.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = fold(line.split("#", 1)[0])
            if not entry:
                continue
            (phrases.append(entry) if " " in entry else words.add(entry))
    return frozenset(words), tuple(phrases)


def flagged_words(*texts: str, directory: Path | None = None) -> tuple[str, ...]:
    """The listed words or phrases found in ``texts`` (whole words, folded)."""
    words, phrases = _word_lists(directory or CONFIG_DIR / "screening")
    found: list[str] = []
    for text in texts:
        folded = fold(text)
        tokens = set(folded.split())
        found.extend(sorted(tokens & words))
        padded = f" {folded} "
        found.extend(p for p in phrases if f" {p} " in padded)
    return tuple(dict.fromkeys(found))


def screen(uow: UnitOfWork, target_type: str, target_id: int, *texts: str) -> bool:
    """Inside an open unit of work: flag the content if it uses a listed word.
    Returns True when flagged. The content stays visible."""
    found = flagged_words(*texts)
    if not found:
        return False
    r = tables.review_items.c
    existing = uow.session.scalars(
        select(ReviewItem).where(
            r.target_type == target_type,
            r.target_id == target_id,
            r.cause == ReviewCause.SCREENING.value,
            r.closed_at.is_(None),
        )
    ).first()
    if existing is None:
        existing = ReviewItem(
            target_type=target_type,
            target_id=target_id,
            cause=ReviewCause.SCREENING.value,
            opened_at=uow.now(),
        )
        uow.session.add(existing)
        uow.session.flush()
    assert existing.id is not None
    uow.emit(
        ContentFlagged(target_type=target_type, target_id=target_id, review_item_id=existing.id, words=found)
    )
    return True
