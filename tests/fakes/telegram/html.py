"""Telegram's HTML, parsed the way tdlib parses it: the text people see and its
entities, or the error Telegram gives."""

from __future__ import annotations

from typing import Any

# ---------------------------------------------------------------- HTML, the way tdlib parses it


class EntityParseError(ValueError):
    """The text after "can't parse entities: "."""


_ALLOWED_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji"}
    | {"span", "pre", "code", "blockquote"}
)
_SIMPLE_TAGS = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _is_space(c: str) -> bool:
    return c in " \t\r\n\v\f\0"


def _decode_entity(s: str, i: int) -> tuple[int, int]:
    """(code point, index after) for the entity at s[i] == "&", or (0, i) if it is not one."""
    n, j, res = len(s), i + 1, 0
    if j < n and s[j] == "#":
        j += 1
        if j < n and s[j] == "x":
            j += 1
            while j < n and s[j] in "0123456789abcdefABCDEF":
                res = res * 16 + int(s[j], 16)
                j += 1
        else:
            while j < n and s[j] in "0123456789":
                res = res * 10 + int(s[j])
                j += 1
        if res == 0 or res >= 0x10FFFF or j - i >= 10:
            return 0, i
    else:
        while j < n and s[j].isascii() and s[j].isalpha():
            j += 1
        res = {"lt": 60, "gt": 62, "amp": 38, "quot": 34}.get(s[i + 1 : j], 0)
        if not res:
            return 0, i
    if j < n and s[j] == ";":
        j += 1
    return res, j


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Visible text and entities of a parse_mode=HTML text; raises EntityParseError like Telegram."""
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, str, int, int, bool]] = []  # tag, argument, utf16 offset, len(out), expandable
    u16, i, n = 0, 0, len(source)

    def at(k: int) -> str:
        return source[k] if k < n else "\0"

    def byte(k: int) -> int:
        return len(source[:k].encode("utf-8", "surrogatepass"))

    while i < n:
        c = source[i]
        if c == "&":
            code, j = _decode_entity(source, i)
            if code:
                out.append(chr(code))
                u16 += 2 if code > 0xFFFF else 1
                i = j
                continue
        if c != "<":
            out.append(c)
            u16 += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != "/":
            while not _is_space(at(i)) and at(i) != ">":
                i += 1
            if i >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {byte(begin)}")
            tag = source[begin + 1 : i].lower()
            if tag not in _ALLOWED_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {byte(begin)}')
            argument, expandable = "", False
            while at(i) != ">":
                while i < n and _is_space(at(i)):
                    i += 1
                if at(i) == ">":
                    break
                name_begin = i
                while not _is_space(at(i)) and at(i) not in "=>":
                    i += 1
                name = source[name_begin:i]
                if not name:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {byte(begin)}'
                    )
                while i < n and _is_space(at(i)):
                    i += 1
                if at(i) != "=":
                    if tag == "blockquote" and name.lower() == "expandable":
                        expandable = True
                        continue
                    raise EntityParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {byte(begin)}'
                    )
                i += 1
                while i < n and _is_space(at(i)):
                    i += 1
                if i >= n:
                    raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {byte(begin)}')
                if at(i) not in "'\"":
                    token_begin = i
                    while at(i).isascii() and (at(i).isalnum() or at(i) in ".-"):
                        i += 1
                    value = source[token_begin:i].lower()
                    if not _is_space(at(i)) and at(i) != ">":
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {byte(token_begin)}"
                        )
                else:
                    quote, chars = source[i], []
                    i += 1
                    while i < n and source[i] != quote:
                        if source[i] == "&":
                            code, j = _decode_entity(source, i)
                            if code:
                                chars.append(chr(code))
                                i = j
                                continue
                        chars.append(source[i])
                        i += 1
                    i += 1 if i < n else 0
                    value = "".join(chars)
                if i >= n:
                    raise EntityParseError(f"Unclosed start tag at byte offset {byte(begin)}")
                if (tag, name) in (("a", "href"), ("tg-emoji", "emoji-id")):
                    argument = value
                elif tag == "code" and name == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and name == "class" and value.startswith("tg-"):
                    argument = value[3:]
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {byte(begin)}'
                )
            stack.append((tag, argument, u16, len(out), expandable))
            i += 1
            continue
        # an end tag
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {byte(begin)}")
        while not _is_space(at(i)) and at(i) != ">":
            i += 1
        end_tag = source[begin + 2 : i].lower()
        while i < n and _is_space(at(i)):
            i += 1
        if at(i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {byte(begin)}")
        tag, argument, start, out_index, expandable = stack.pop()
        if end_tag and end_tag != tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {byte(begin)}, expected "</{tag}>", found "</{end_tag}>"'
            )
        i += 1
        if u16 <= start:
            continue
        entity: dict[str, Any] = {"offset": start, "length": u16 - start}
        last = entities[-1] if entities else None
        same_span = last is not None and (last["offset"], last["length"]) == (start, u16 - start)
        if tag in _SIMPLE_TAGS or tag == "span":
            entity["type"] = _SIMPLE_TAGS.get(tag, "spoiler")
        elif tag == "tg-emoji":
            if not argument.isdigit() or int(argument) == 0:
                raise EntityParseError("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=argument)
        elif tag == "a":
            url = argument or "".join(out[out_index:])
            if not url.strip():
                continue
            entity.update(type="text_link", url=url)
        elif tag == "pre" and last is not None and same_span and last["type"] == "code" and last.get("_lang"):
            last.update(type="pre", language=last.pop("_lang"))
            continue
        elif tag == "pre":
            entity["type"] = "pre"
        elif tag == "code" and last is not None and same_span and last["type"] == "pre" and argument:
            last["language"] = argument
            continue
        elif tag == "code":
            entity.update(type="code", _lang=argument)
        else:
            entity["type"] = "expandable_blockquote" if expandable else "blockquote"
        entities.append(entity)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    text = "".join(out)
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    for entity in entities:
        entity.pop("_lang", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return text, entities


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips leading and trailing white space and moves the entities with it."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(0, entity["offset"] - shift)
        end = min(total, entity["offset"] + entity["length"] - shift)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept
