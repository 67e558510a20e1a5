"""A server process freezes what it built at startup (hds_site/startup.py), so full collections stay short."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

PROBE = """
import gc, os, time
os.environ["DJANGO_SETTINGS_MODULE"] = "hds_site.settings.test"
import hds_site.asgi
frozen = gc.get_freeze_count()

class Cycle:
    pass

def garbage():
    a, b = Cycle(), Cycle()
    a.other, b.other = b, a

gc.disable()  # no automatic collection in between: the one below finds all of them
for _ in range(1000):
    garbage()
collected = gc.collect()
print(frozen, collected)
"""


def test_loading_the_asgi_application_freezes_the_startup_objects_and_later_garbage_is_still_collected():
    env = {k: v for k, v in os.environ.items() if k != "HDS_GC_FREEZE"}  # the default, whatever the caller set
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=BASE_DIR, capture_output=True, text=True, timeout=120,
                            check=True, env=env)
    frozen, collected = (int(n) for n in result.stdout.split()[-2:])
    assert frozen > 50_000  # Django, Wagtail, the apps: out of every full collection
    assert collected >= 2000  # cycles made after startup are collected as before


def test_the_freeze_can_be_turned_off():
    env = {**os.environ, "HDS_GC_FREEZE": "0"}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=BASE_DIR, capture_output=True, text=True, timeout=120,
                            check=True, env=env)
    assert result.stdout.split()[-2] == "0"
