"""Error pages a person can meet by opening a URL: 405 (and the decorator for POST-only views).

Django answers a method a view does not accept with an empty 405 body, so a person who
opens a form's target URL (a bookmark, a link in a mail, the address bar) saw a blank
page. ``MethodNotAllowedPageMiddleware`` gives every such empty 405 the site's page
(``405.html``, in the visitor's language) and keeps the ``Allow`` header.

POST-only views that belong to a page say so with ``@post_only(redirect_to=...)``: a
GET or HEAD is sent to that page instead of meeting an error at all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.template.loader import render_to_string


def method_not_allowed(request: HttpRequest, allowed: list[str]) -> HttpResponse:
    """The 405 page, with its ``Allow`` header."""
    response = HttpResponse(render_to_string("405.html", request=request), status=405)
    response["Allow"] = ", ".join(allowed)
    return response


def post_only(*, redirect_to: Callable[..., str] | str):
    """Accept POST; send GET/HEAD to ``redirect_to`` (a URL name or a callable of the view's arguments)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in ("GET", "HEAD"):
                target = redirect_to(request, *args, **kwargs) if callable(redirect_to) else resolve_url(redirect_to)
                return HttpResponseRedirect(target)
            if request.method != "POST":
                return method_not_allowed(request, ["POST"])
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class MethodNotAllowedPageMiddleware:
    """An empty 405 answer becomes the site's 405 page (a body the views chose is kept)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.method != "HEAD"
            and not getattr(response, "streaming", False)
            and not response.content
        ):
            page = method_not_allowed(request, [])
            if response.has_header("Allow"):
                page["Allow"] = response["Allow"]
            else:
                del page["Allow"]
            return page
        return response
