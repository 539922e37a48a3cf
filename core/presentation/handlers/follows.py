"""/follow, /unfollow, /follows and /digest.

Buttons: ``fo:<letter>:<key>`` and ``uf:<letter>:<key>`` with the letters
i (initiative id), a (area id), t (topic key). From an initiative's card the
answer is the card again, edited in place; from the /follows list (payloads
ending in ":l") the list again. ``dg:f:<frequency>`` and ``dg:t:<HHMM>`` set
the digest.
"""

from __future__ import annotations

from core.domain.supports import FollowTarget
from core.errors import InvalidInput, StaleAction
from core.presentation.cards import Action, ActionStyle, Card, CardKind, Reply
from core.presentation.commands import CommandSpec, PressHandler, TextHandler, read_only
from core.presentation.context import Context
from core.presentation.handlers.initiatives import show_initiative
from core.presentation.parameters import Kind, Parameter
from core.presentation.payloads import build, int_arg
from core.services import follows, members
from core.services.follows import FollowResult

__all__ = ["follows_card"]

_LETTERS = {"i": FollowTarget.INITIATIVE, "a": FollowTarget.AREA, "t": FollowTarget.TOPIC}
_FROM_LIST = "l"


def _what(ctx: Context, target_type: str, key: str, label: str | None) -> str:
    if target_type == FollowTarget.TOPIC.value:
        return ctx.t("follows.what.topic", topic=ctx.t(f"topic.{key}"))
    if target_type == FollowTarget.AREA.value:
        return ctx.t("follows.what.area", area=label or f"#{key}")
    if label is None:
        return ctx.t("follows.what.initiative_unlisted", id=int(key))
    return ctx.t("follows.what.initiative", id=int(key), title=label)


def _answer(ctx: Context, result: FollowResult, *, following: bool) -> Reply:
    if following:
        key = "follows.done" if result.changed else "follows.already"
    else:
        key = "follows.undone" if result.changed else "follows.not_following"
    kind = CardKind.SUCCESS if result.changed else CardKind.INFO
    return Reply(
        [Card(lines=(ctx.t(key, what=_what(ctx, result.target_type, result.key, result.label)),), kind=kind)]
    )


def _target(initiative: int | None, area: int | None, topic: str | None) -> tuple[FollowTarget, str]:
    """Exactly one of the three: "12", "area Lyon", "topic mobility"."""
    given = [
        (kind, str(value))
        for kind, value in (
            (FollowTarget.INITIATIVE, initiative),
            (FollowTarget.AREA, area),
            (FollowTarget.TOPIC, topic),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise InvalidInput("error.follows_usage")
    return given[0]


def follow_command(ctx: Context, initiative: int | None, area: int | None, topic: str | None) -> Reply:
    target, key = _target(initiative, area, topic)
    result = follows.follow(ctx.uow, ctx.member.id, target.value, key, ctx.settings)
    return _answer(ctx, result, following=True)


def unfollow_command(ctx: Context, initiative: int | None, area: int | None, topic: str | None) -> Reply:
    target, key = _target(initiative, area, topic)
    result = follows.unfollow(ctx.uow, ctx.member.id, target.value, key, ctx.settings)
    return _answer(ctx, result, following=False)


def follows_card(ctx: Context) -> Card:
    items = follows.list_follows(ctx.uow, ctx.member.id)
    lines = [f"• {_what(ctx, item.target_type, item.key, item.label)}" for item in items]
    actions = []
    # Button rows are limited on every platform; in a group, the list is read
    # by everyone and its Unfollow buttons are the speaker's own: none.
    for n, item in enumerate(items[:24] if not ctx.shared else ()):
        letter = item.target_type[0]
        actions.append(
            Action(
                f"🔕 {_what(ctx, item.target_type, item.key, item.label)}"[:60],
                build("uf", letter, item.key, _FROM_LIST),
                row=n // 2,
            )
        )
    if not lines:
        lines.append(ctx.t("follows.none"))
    return Card(title=ctx.t("follows.title"), lines=tuple(lines), actions=tuple(actions), ref="follows")


@read_only
def follows_command(ctx: Context) -> Reply:
    return Reply([follows_card(ctx)])


def _pressed(ctx: Context, args: list[str], *, following: bool) -> Reply:
    target = _LETTERS.get(args[0]) if args else None
    if target is None or len(args) < 2:
        raise StaleAction()
    key = str(int_arg(args, 1)) if target is not FollowTarget.TOPIC else args[1]
    service = follows.follow if following else follows.unfollow
    result = service(ctx.uow, ctx.member.id, target.value, key, ctx.settings)
    if args[2:3] == [_FROM_LIST]:
        return Reply([follows_card(ctx)], edit=True)
    if target is FollowTarget.INITIATIVE and result.readable and not ctx.shared:
        return show_initiative(ctx, int(result.key), edit=True)
    return _answer(ctx, result, following=following)


def follow_pressed(ctx: Context, args: list[str]) -> Reply:
    return _pressed(ctx, args, following=True)


def unfollow_pressed(ctx: Context, args: list[str]) -> Reply:
    return _pressed(ctx, args, following=False)


# --- digests -----------------------------------------------------------------

_TIME_PRESETS = ("08:00", "12:00", "18:00", "21:00")


def _digest_card(ctx: Context, frequency: str, time: str, *, changed: bool = False) -> Card:
    t = ctx.t
    if frequency == "off":
        line = t("digest.off")
    else:
        line = t(f"digest.{frequency}", time=time, zone=ctx.member.time_zone)
    actions = [
        Action(
            t(f"digest.button.{f}"),
            build("dg", "f", f),
            ActionStyle.PRIMARY if f == frequency else ActionStyle.SECONDARY,
            row=0,
        )
        for f in members.DIGEST_FREQUENCIES
    ]
    if frequency != "off":
        actions.extend(
            Action(p, build("dg", "t", p.replace(":", "")), row=1) for p in _TIME_PRESETS if p != time
        )
    return Card(
        title=t("digest.title"),
        lines=(line, t("digest.hint")),
        actions=tuple(actions),
        kind=CardKind.SUCCESS if changed else CardKind.INFO,
        ref="digest",
    )


def digest_command(ctx: Context, frequency: str | None, time: str | None) -> Reply:
    if frequency is None and time is None:
        chosen, at = members.set_digest(ctx.uow, ctx.member.id)
        return Reply([_digest_card(ctx, chosen, at)])
    if time is not None and not any(c.isdigit() for c in time):
        raise InvalidInput("error.digest_frequency", choices="|".join(members.DIGEST_FREQUENCIES))
    if time is not None and (frequency is not None or len(time.split()) != 1):
        raise InvalidInput("error.digest_time", time=time[:10])
    if time is not None:
        chosen, at = members.set_digest(ctx.uow, ctx.member.id, time=time)
    else:
        chosen, at = members.set_digest(ctx.uow, ctx.member.id, frequency=frequency)
    return Reply([_digest_card(ctx, chosen, at, changed=True)])


def digest_pressed(ctx: Context, args: list[str]) -> Reply:
    if len(args) != 2 or args[0] not in ("f", "t"):
        raise StaleAction()
    if args[0] == "f":
        frequency, time = members.set_digest(ctx.uow, ctx.member.id, frequency=args[1])
    else:
        raw = args[1]
        if len(raw) != 4 or not raw.isascii() or not raw.isdigit():
            raise StaleAction()
        frequency, time = members.set_digest(ctx.uow, ctx.member.id, time=f"{raw[:2]}:{raw[2:]}")
    return Reply([_digest_card(ctx, frequency, time, changed=True)], edit=True)


def _follow_parameters() -> tuple[Parameter, ...]:
    return (
        Parameter("initiative", Kind.INITIATIVE, required=False, keyword=True),
        Parameter(
            "area", Kind.AREA, required=False, keyword=True, positional=False, aliases=("zone", "lieu")
        ),
        Parameter("topic", Kind.TOPIC, required=False, keyword=True, positional=False),
    )


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("follow", follow_command, _follow_parameters(), order=40),
    CommandSpec("unfollow", unfollow_command, _follow_parameters(), order=41),
    CommandSpec("follows", follows_command, order=42),
    CommandSpec(
        "digest",
        digest_command,
        (
            Parameter("frequency", Kind.CHOICE, required=False, choices=members.DIGEST_FREQUENCIES),
            Parameter(
                "time", Kind.TEXT, required=False, keyword=True, aliases=("at", "a", "à"), one_word=True
            ),
        ),
        order=43,
    ),
)
PRESSES: dict[str, PressHandler] = {"fo": follow_pressed, "uf": unfollow_pressed, "dg": digest_pressed}
FLOWS: dict[str, TextHandler] = {}
