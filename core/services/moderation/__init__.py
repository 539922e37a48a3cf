"""Moderation after publication: members report, moderators decide in the
open, authors appeal once to a different moderator.

Content is published at once. Enough distinct reports hide it pending
review; every decision is a line of a public log that never names who
reported, nor which moderator decided.

One module per idea: ``targets`` (what can be reported), ``items`` (review
items and the reports waiting on a target), ``reports``, ``review_queue``,
``decisions``, ``appeals`` and ``log`` (the public log). The names below are
the API front ends and notifications use.
"""

from __future__ import annotations

from core.services.moderation.appeals import APPEAL_FLOW, MyDecision, appeal, check_appealable, my_decisions
from core.services.moderation.decisions import DecisionResult, decide
from core.services.moderation.log import LOG_PAGE, LogEntry, LogPage, moderation_log
from core.services.moderation.reports import REPORT_FLOW, ReportResult, check_reportable, report
from core.services.moderation.review_queue import (
    QUEUE_PAGE,
    QueueEntry,
    QueuePage,
    queue,
    review_entry,
    review_notice,
)
from core.services.moderation.targets import TargetSummary

__all__ = [
    "APPEAL_FLOW",
    "LOG_PAGE",
    "QUEUE_PAGE",
    "REPORT_FLOW",
    "DecisionResult",
    "LogEntry",
    "LogPage",
    "MyDecision",
    "QueueEntry",
    "QueuePage",
    "ReportResult",
    "TargetSummary",
    "appeal",
    "check_appealable",
    "check_reportable",
    "decide",
    "moderation_log",
    "my_decisions",
    "queue",
    "report",
    "review_entry",
    "review_notice",
]
