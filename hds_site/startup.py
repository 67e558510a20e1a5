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

    ``HDS_GC_FREEZE=0`` turns it off. The test suite runs with it, as servers
    do (it was switched off there for a while on the suspicion of a CI hang
    that turned out to be a swallowed cancellation: hds_site/channel_layer.py).
    """
    if os.environ.get("HDS_GC_FREEZE", "1") == "0":
        return
    gc.collect()
    gc.freeze()
