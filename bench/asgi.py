"""ASGI app of the bench server: the product's app plus the bare relay WebSocket route."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from bench.relay import RelayConsumer  # noqa: E402
from hds_site.routing import websocket_urlpatterns  # noqa: E402
from hds_site.startup import freeze_startup_objects  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([path("__bench__/relay/", RelayConsumer.as_asgi()), *websocket_urlpatterns]))
        ),
    }
)

# everything above lives as long as the process: out of the garbage collector's full collections
freeze_startup_objects()
