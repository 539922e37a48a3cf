"""Screening: a word list per language flags new content into the review
queue without hiding it (moderation stays after publication)."""

from __future__ import annotations

from importlib.resources.abc import Traversable

from core.config import CONFIG_DIR
from core.domain.events import ContentFlagged
from core.domain.moderation import ReviewCause, TargetType
from core.domain.text import fold
from core.services.moderation.items import open_item
from core.storage.uow import UnitOfWork

__all__ = ["flagged_words", "screen"]


_WordLists = tuple[frozenset[str], tuple[str, ...]]
#: Word lists already read, by folder (read once per process).
_read: dict[str, _WordLists] = {}


def _word_lists(directory: Traversable) -> _WordLists:
    """(single words, multi-word phrases), folded, from every *.txt there."""
    key = str(directory)
    if key not in _read:
        _read[key] = _read_word_lists(directory)
    return _read[key]


def _read_word_lists(directory: Traversable) -> _WordLists:
    words: set[str] = set()
    phrases: list[str] = []
    lists = [entry for entry in directory.iterdir() if entry.name.endswith(".txt") and entry.is_file()]
    for path in sorted(lists, key=lambda entry: entry.name):
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = fold(line.split("#", 1)[0])
            if not entry:
                continue
            (phrases.append(entry) if " " in entry else words.add(entry))
    return frozenset(words), tuple(phrases)


def flagged_words(*texts: str, directory: Traversable | None = None) -> tuple[str, ...]:
    """The listed words or phrases found in ``texts`` (whole words, folded)."""
    words, phrases = _word_lists(directory or CONFIG_DIR.joinpath("screening"))
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
    existing = open_item(uow, target_type, target_id, ReviewCause.SCREENING)
    assert existing.id is not None
    uow.emit(
        ContentFlagged(
            target_type=TargetType(target_type), target_id=target_id, review_item_id=existing.id, words=found
        )
    )
    return True
