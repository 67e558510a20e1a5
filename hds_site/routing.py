"""WebSocket routes of every app, gathered in one list for asgi.py.

Each app that speaks WebSocket has a ``routing.py`` with ``websocket_urlpatterns``.
"""

from importlib import import_module

from django.apps import apps

websocket_urlpatterns = []
for _config in apps.get_app_configs():
    try:
        _module = import_module(f"{_config.name}.routing")
    except ModuleNotFoundError as exc:
        if exc.name != f"{_config.name}.routing":
            raise
        continue
    if _module.__name__ != __name__:
        websocket_urlpatterns += getattr(_module, "websocket_urlpatterns", [])
