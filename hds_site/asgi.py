"""One ASGI application for HTTP and WebSocket, served by Daphne."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hds_site.settings.dev")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from hds_site.realtime import ChannelLayerGuard  # noqa: E402
from hds_site.request_limits import RequestLimitsMiddleware, install_in_daphne  # noqa: E402
from hds_site.routing import websocket_urlpatterns  # noqa: E402
from hds_site.startup import freeze_startup_objects  # noqa: E402

# RequestLimitsMiddleware: a path + query above 8 KiB answers 414, header fields above 8 KiB each / 16 KiB in all
# answer 431 (hds_site/request_limits.py)
application = RequestLimitsMiddleware(ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # ChannelLayerGuard: a Redis outage closes sockets with 4503 (the client resumes later), logged once
        "websocket": ChannelLayerGuard(AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))),
    }
))
# served by Daphne: what Twisted's parser refuses (a line above 16 KiB, …) gets 414/431 too, not a dropped connection
install_in_daphne()

# everything above lives as long as the process: out of the garbage collector's full collections
freeze_startup_objects()
