"""Button payloads: ``v1:<verb>:<arg>...``, compact and explicit.

Telegram's callback_data is at most 64 bytes, Discord's custom_id at most 100
characters: every payload is checked against the smaller limit when built.
A payload is never trusted: the core authorises each press again.
"""

from __future__ import annotations

from core.errors import StaleAction
from core.presentation.parameters import ID_MAX, PAGE_MAX

__all__ = ["MAX_PAYLOAD_BYTES", "VERSION", "build", "int_arg", "page_arg", "parse"]

VERSION = "v1"
MAX_PAYLOAD_BYTES = 64


def build(verb: str, *args: object) -> str:
    parts = [VERSION, verb, *(str(a) for a in args)]
    if any(":" in p or not p for p in parts):
        raise ValueError(f"payload part empty or with ':' in {parts!r}")
    payload = ":".join(parts)
    if len(payload.encode()) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"payload over {MAX_PAYLOAD_BYTES} bytes: {payload!r}")
    return payload


def parse(payload: str) -> tuple[str, list[str]]:
    """(verb, args) of a payload; StaleAction when it is not one of ours."""
    if len(payload.encode()) > MAX_PAYLOAD_BYTES:
        raise StaleAction()
    parts = payload.split(":")
    # build() never makes an empty part: one is forged ("v1:pg:new::0").
    if len(parts) < 2 or parts[0] != VERSION or not all(parts[1:]):
        raise StaleAction()
    return parts[1], parts[2:]


def int_arg(args: list[str], index: int = 0) -> int:
    """A number argument of a payload (an id, an index, 0 for none), in ASCII
    digits and at most an id's size; StaleAction otherwise."""
    try:
        raw = args[index]
    except IndexError as exc:
        raise StaleAction() from exc
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(ID_MAX)):
        raise StaleAction()
    return int(raw)


def page_arg(args: list[str], index: int) -> int:
    """A page index (from 0) of a payload, at most one past PAGE_MAX: past the
    end of any list (which says so), never a database overflow."""
    raw = args[index] if index < len(args) else ""
    if raw.isascii() and raw.isdigit() and len(raw) > len(str(PAGE_MAX)):
        return PAGE_MAX + 1
    return min(int_arg(args, index), PAGE_MAX + 1)
