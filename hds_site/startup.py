"""What a server process does once its application is loaded."""

from __future__ import annotations

import gc
import os


def freeze_startup_objects() -> None:
    """Keep what the process built at startup out of the garbage collector's full collections.

    Django, Wagtail, the apps, their models and URL patterns are about 240,000
    objects that live as long as the process. A full (generation 2) collection
    traverses all of them: 135–160 ms on the bench machine, during which the
    event loop serves no request and no WebSocket — a fan-out round that met
    one delivered to every client 140 ms late (bench/fanout.py, p99 30 → 164 ms
    at 100 clients). ``gc.freeze()`` (Python 3.7+) moves them to a permanent
    generation that collections skip; objects made later are collected as
    before. One collection first, so that startup garbage is not frozen.

    ``HDS_GC_FREEZE=0`` turns it off. The test suite does (tests/conftest.py):
    it imports this module to drive the application in-process, with a new
    event loop for every ``async_to_sync`` call, where the freeze changes when
    the garbage of earlier loops is finalized.
    """
    if os.environ.get("HDS_GC_FREEZE", "1") == "0":
        return
    gc.collect()
    gc.freeze()
