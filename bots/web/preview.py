"""The share preview of an initiative: a 1200×630 PNG (the size Facebook, X,
Telegram, Discord and Mastodon show as a large card) with its title, its
area and its progress bar, drawn with Pillow at ``/i/{id}/preview.png``."""

from __future__ import annotations

import functools
import io
import logging
import textwrap

from PIL import Image, ImageDraw, ImageFont
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bots.web.params import path_id
from bots.web.state import web_state
from bots.web.templating import translator
from core.errors import NotFound
from core.presentation.i18n import Translator
from core.services import public_pages
from core.services.initiatives import InitiativeView

__all__ = ["HEIGHT", "WIDTH", "draw_preview", "routes"]

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
_INK, _MUTED, _PAPER = (26, 26, 26), (74, 74, 74), (255, 255, 255)
_ACCENT, _TRACK = (29, 78, 216), (219, 226, 239)
_MARGIN = 72
#: Past this many lines the title ends with an ellipsis.
_TITLE_LINES = 4


_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


#: Fonts with the accents of French, looked up in the system's font folders
#: (Debian's fonts-dejavu-core); Pillow's own font lacks "É".
_FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf")


@functools.cache
def _font(size: int) -> _Font:
    for name in _FONTS:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    log.warning("no font with accents found (install fonts-dejavu-core): previews use Pillow's own")
    return ImageFont.load_default(size=size)


def _wrapped(draw: ImageDraw.ImageDraw, text: str, font: _Font) -> list[str]:
    """``text`` in lines that fit the card's width, at most _TITLE_LINES."""
    width = WIDTH - 2 * _MARGIN
    for columns in range(60, 10, -2):
        lines = textwrap.wrap(text, columns, break_long_words=True)
        if all(draw.textlength(line, font=font) <= width for line in lines):
            break
    if len(lines) > _TITLE_LINES:
        lines = lines[:_TITLE_LINES]
        lines[-1] = lines[-1].rstrip()[:-1] + "…"
    return lines


def draw_preview(view: InitiativeView, t: Translator) -> bytes:
    """The PNG of ``view``'s share card, its words in ``t``'s language."""
    image = Image.new("RGB", (WIDTH, HEIGHT), _PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 14), fill=_ACCENT)
    small, title_font, big = _font(30), _font(58), _font(34)
    y = _MARGIN
    draw.text((_MARGIN, y), f"{t('web.site.name')} · {view.area_name}", font=small, fill=_MUTED)
    y += 60
    for line in _wrapped(draw, view.title, title_font):
        draw.text((_MARGIN, y), line, font=title_font, fill=_INK)
        y += 70
    status = t(f"status.{view.status}")
    bar_top = HEIGHT - _MARGIN - 36
    draw.text(
        (_MARGIN, bar_top - 64),
        f"{t('web.initiative.progress', count=view.supporters, goal=view.goal)} · {status}",
        font=big,
        fill=_INK,
    )
    right = WIDTH - _MARGIN
    draw.rounded_rectangle((_MARGIN, bar_top, right, bar_top + 36), radius=18, fill=_TRACK)
    share = min(1.0, view.supporters / view.goal) if view.goal else 1.0
    if share > 0:
        filled = _MARGIN + max(36, round((right - _MARGIN) * share))
        draw.rounded_rectangle((_MARGIN, bar_top, filled, bar_top + 36), radius=18, fill=_ACCENT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _render(request: Request, initiative_id: int) -> bytes:
    view = public_pages.initiative_card(web_state(request).runtime.uow(), initiative_id)
    return draw_preview(view, translator(request))


async def preview(request: Request) -> Response:
    initiative_id = path_id(request)
    try:
        png = await run_in_threadpool(_render, request, initiative_id)
    except NotFound as error:  # unknown, hidden or removed: no card
        raise HTTPException(404) from error
    headers = {"Cache-Control": "public, max-age=300", "Vary": "Accept-Language"}
    return Response(png, media_type="image/png", headers=headers)


def routes() -> list[BaseRoute]:
    """The preview image's route, for bots.web.app."""
    return [Route("/i/{id}/preview.png", preview, name="preview")]
