"""Notifications: reacts to the core's events.

It reads the outbox in order, works out who must hear of each event, writes
one delivery row per recipient with a unique key, builds digests on a
schedule, and drains the deliveries through the senders that front ends plug
in (the Sender port in ``notifications.ports``), within each platform's limits.
It never imports a front end.
"""
