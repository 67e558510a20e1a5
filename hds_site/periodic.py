"""Periodic jobs: each app registers its own with the ``hds_periodic_jobs`` hook.

    @hooks.register("hds_periodic_jobs")
    def jobs():
        return [PeriodicJob("expire-signatures", "expire_signatures", every=HOUR)]

``manage.py clock`` runs them (see docs/operations.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    command: str
    every: int
    args: tuple[str, ...] = field(default_factory=tuple)
    first_delay: int = 0
