"""The 16 German Länder as (ISO 3166-2 code, name): one list for the whole site,
shipped by the content app (hds_site.content.plz)."""

from hds_site.content.plz import BUNDESLAENDER

__all__ = ["BUNDESLAENDER"]
