"""Backend selection: ``settings.HDS_SEARCH_BACKEND`` ("database" or "elasticsearch").

The backend object is built from the settings at call time (and cached per
configuration), so tests and management commands can switch it.
"""

from __future__ import annotations

from django.conf import settings

from search.backends.base import SearchBackend, SearchUnavailable  # noqa: F401

_cache: dict[tuple, SearchBackend] = {}


def get_backend() -> SearchBackend:
    name = getattr(settings, "HDS_SEARCH_BACKEND", "database")
    url = getattr(settings, "ELASTICSEARCH_URL", None)
    index = getattr(settings, "HDS_SEARCH_INDEX", "hds-search")
    key = (name, url, index)
    backend = _cache.get(key)
    if backend is None:
        if name == "elasticsearch":
            from search.backends.elasticsearch import ElasticsearchBackend

            backend = ElasticsearchBackend(url=url, index=index)
        elif name == "database":
            from search.backends.database import DatabaseBackend

            backend = DatabaseBackend()
        else:
            raise ValueError(f"unknown HDS_SEARCH_BACKEND {name!r}")
        _cache[key] = backend
    return backend
