"""Button payloads: ``v1:<verb>:<arg>...``, compact and explicit.

Telegram's callback_data is at most 64 bytes, Discord's custom_id at most 100
characters: every payload is checked against the smaller limit when built.
A payload is never trusted: the core authorises each press again.
"""

from __future__ import annotations

from core.errors import StaleAction

__all__ = ["MAX_PAYLOAD_BYTES", "VERSION", "build", "parse"]

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
    if len(parts) < 2 or parts[0] != VERSION or not parts[1]:
        raise StaleAction()
    return parts[1], parts[2:]


def int_arg(args: list[str], index: int = 0) -> int:
    """An integer argument of a payload; StaleAction when absent or malformed."""
    try:
        value = int(args[index])
    except (IndexError, ValueError) as exc:
        raise StaleAction() from exc
    if value < 0 or value > 2**62:
        raise StaleAction()
    return value
