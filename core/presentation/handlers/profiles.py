"""/profile (a member's public card) and /me (one's own, with one's settings
and the buttons that change them); a badge's card.

Buttons: ``pf:<id>`` opens a profile, ``mx:d`` / ``mx:q`` open the digest
and quiet-hours cards from /me, ``lb:<0|1>`` shows or hides oneself on the
leaderboards and profiles, ``bg`` lists every badge with one's level.
"""

from __future__ import annotations

from dataclasses import replace

from core.domain.badges import EarnedBadge
from core.domain.deliveries import format_quiet
from core.errors import StaleAction
from core.presentation.cards import Action, Card, Field, Reply
from core.presentation.commands import CommandSpec, PressHandler, TextHandler, read_only
from core.presentation.context import Context
from core.presentation.handlers.common import member_label
from core.presentation.handlers.follows import digest_command
from core.presentation.handlers.notifications import quiet_command
from core.presentation.parameters import Kind, Parameter
from core.presentation.payloads import build, int_arg
from core.services import badges, profiles, standing
from core.services.profiles import Profile

__all__ = ["badge_card", "badge_line", "profile_card"]


def badge_line(ctx: Context, earned: EarnedBadge) -> str | None:
    """One line naming a badge and its level (None: no longer configured)."""
    rule = ctx.settings.badge_book().get(earned.badge)
    if rule is None:
        return None
    name = rule.name_in(ctx.language)
    if rule.top == 1:
        return ctx.t("badges.line_single", badge=name)
    return ctx.t("badges.line", badge=name, level=earned.level)


def badge_card(ctx: Context, badge: str, level: int) -> Card | None:
    """A badge's card: its name, description, the level and what comes next
    (None when the badge is no longer configured)."""
    t = ctx.t
    rule = ctx.settings.badge_book().get(badge)
    if rule is None or not 1 <= level <= rule.top:
        return None
    lines = [rule.description_in(ctx.language)]
    if rule.top == 1:
        lines.append(t("badges.card.single"))
    else:
        lines.append(t("badges.card.level", level=level, top=rule.top, threshold=rule.threshold(level)))
        if level < rule.top:
            lines.append(t("badges.card.next", threshold=rule.threshold(level + 1)))
    return Card(
        title=t("badges.card.title", badge=rule.name_in(ctx.language)),
        lines=tuple(lines),
        ref=f"badge:{badge}:{level}",
    )


def _rank(ctx: Context, rank: int | None) -> str:
    if rank is None:
        return ctx.t("profiles.no_rank")
    return ctx.t("profiles.rank_first") if rank == 1 else ctx.t("profiles.rank", rank=rank)


def profile_card(ctx: Context, p: Profile) -> Card:
    """The card of a profile as its reader may see it."""
    t = ctx.t
    title = t("profiles.title", name=member_label(t, p.name, p.member_id))
    if not p.shown:
        # A former member (/forget) chose nothing to hide: they are gone.
        hidden = t("profiles.forgotten") if p.forgotten else t("profiles.hidden", name=t.member_name(p.name))
        return Card(title=title, lines=(hidden,), ref=f"profile:{p.member_id}")
    own = p.member_id == ctx.member.id
    lines: list[str] = []
    if own and not ctx.shared:
        lines.append(t(f"standing.rung.{p.rung.value}"))
    if p.hidden:
        lines.append(t("profiles.hidden_self") if own else t("profiles.hidden_but_shown"))
    shown_badges = [line for line in (badge_line(ctx, b) for b in p.badges) if line]
    lines.extend(shown_badges or [t("badges.none")])
    fields = [
        t.field(t("profiles.field.rung"), t(f"profiles.rung.{p.rung.value}")),
        t.field(t("standing.points"), str(p.points)),
    ]
    if p.area_name is not None:
        fields.append(t.field(t("profiles.field.rank", area=p.area_name), _rank(ctx, p.rank)))
    fields += [
        t.field(t("profiles.field.proposed"), str(p.proposed)),
        t.field(t("profiles.field.achieved"), str(p.achieved)),
    ]
    if p.responses:
        fields.append(t.field(t("profiles.field.responses"), str(p.responses)))
    return Card(title=title, lines=tuple(lines), fields=tuple(fields), ref=f"profile:{p.member_id}")


def _profile(ctx: Context, member_id: int) -> Reply:
    found = profiles.profile(ctx.uow, member_id, ctx.reader_id, ctx.member.roles)
    if member_id == ctx.member.id and not ctx.shared:
        return _me_reply(ctx, found)
    return Reply([profile_card(ctx, found)])


@read_only
def profile_command(ctx: Context, member: int) -> Reply:
    return _profile(ctx, member)


@read_only
def profile_pressed(ctx: Context, args: list[str]) -> Reply:
    return _profile(ctx, int_arg(args))


def _me_reply(ctx: Context, p: Profile) -> Reply:
    """One's profile with one's settings and the buttons that change them
    (in a group: the public card only)."""
    card = profile_card(ctx, p)
    if p.settings is None or ctx.shared:
        return Reply([card])
    settings, actions = _settings(ctx, p)
    return Reply(
        [
            replace(
                card,
                fields=card.fields + settings,
                actions=actions,
                ref="me",
            )
        ]
    )


def _settings(ctx: Context, p: Profile) -> tuple[tuple[Field, ...], tuple[Action, ...]]:
    t = ctx.t
    mine = p.settings
    assert mine is not None
    digest = (
        t("profiles.digest.off")
        if mine.digest_frequency == "off"
        else t(f"profiles.digest.{mine.digest_frequency}", time=mine.digest_time)
    )
    quiet = format_quiet(mine.quiet_start, mine.quiet_end) or t("profiles.quiet_off")
    return (
        (
            t.field(t("standing.language"), mine.language),
            t.field(t("standing.time_zone"), mine.time_zone),
            t.field(t("profiles.field.digest"), digest),
            t.field(t("profiles.field.quiet"), quiet),
            t.field(t("profiles.field.listed"), t("profiles.unlisted") if p.hidden else t("profiles.listed")),
        ),
        (
            Action(t("profiles.button.language"), build("lg"), row=0),
            Action(t("profiles.button.digest"), build("mx", "d"), row=0),
            Action(t("profiles.button.quiet"), build("mx", "q"), row=0),
            Action(t("standing.opt_in"), build("lb", 0), row=1)
            if p.hidden
            else Action(t("standing.opt_out"), build("lb", 1), row=1),
            Action(t("profiles.button.badges"), build("bg"), row=1),
        ),
    )


@read_only
def me(ctx: Context) -> Reply:
    """/me: one's own profile and settings."""
    return _me_reply(ctx, profiles.profile(ctx.uow, ctx.member.id, ctx.reader_id, ctx.member.roles))


@read_only
def badges_pressed(ctx: Context, args: list[str]) -> Reply:
    """From /me: every badge there is, one's level and how far the next is."""
    t = ctx.t
    book = ctx.settings.badge_book()
    lines = []
    for held in badges.standings(ctx.uow, ctx.member.id):
        rule = book.get(held.badge)
        if rule is None:
            continue
        name = rule.name_in(ctx.language)
        if held.level >= rule.top:
            lines.append(t("badges.mine.top", badge=name, level=held.level, top=rule.top))
        elif held.level == 0:
            lines.append(t("badges.mine.first", badge=name, threshold=rule.threshold(1), value=held.value))
        else:
            lines.append(
                t(
                    "badges.mine.next",
                    badge=name,
                    level=held.level,
                    top=rule.top,
                    threshold=rule.threshold(held.level + 1),
                    value=held.value,
                )
            )
    if not lines:
        lines.append(t("badges.mine.none"))
    return Reply([Card(title=t("badges.mine.title"), lines=tuple(lines), ref="badges")])


def setting_pressed(ctx: Context, args: list[str]) -> Reply:
    """From /me: the card that changes one setting."""
    if args == ["d"]:
        return digest_command(ctx, None, None)
    if args == ["q"]:
        return quiet_command(ctx, None)
    raise StaleAction()


def opt_out_pressed(ctx: Context, args: list[str]) -> Reply:
    standing.set_opt_out(ctx.uow, ctx.member.id, bool(int_arg(args)))
    reply = me(ctx)
    reply.edit = True
    return reply


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("profile", profile_command, (Parameter("member", Kind.MEMBER),), order=62),
    CommandSpec("me", me, order=61),
)
PRESSES: dict[str, PressHandler] = {
    "pf": profile_pressed,
    "mx": setting_pressed,
    "lb": opt_out_pressed,
    "bg": badges_pressed,
}
FLOWS: dict[str, TextHandler] = {}
