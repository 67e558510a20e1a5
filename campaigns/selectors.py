"""Reads shared by pages, the dashboard, the API and the consumer (constant query counts)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMinute
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from .models import AuditLogEntry, CampaignCounterShard, CampaignIndexPage, CampaignPage, MilestoneReached, Signature


def _bundesland_names() -> list[tuple[str, str]]:
    from hds_site.content.plz import BUNDESLAENDER

    return list(BUNDESLAENDER)


def campaign_index() -> CampaignIndexPage | None:
    return CampaignIndexPage.objects.live().order_by("path").first()


def signature_count(campaign_id: int) -> int:
    return CampaignCounterShard.objects.filter(campaign_id=campaign_id).aggregate(total=Coalesce(Sum("count"), 0))["total"]


def signature_total():
    """The committed signature count of the campaign in the outer query (``.annotate(total=signature_total())``)."""
    return Coalesce(
        Subquery(
            CampaignCounterShard.objects.filter(campaign_id=OuterRef("pk"))
            .values("campaign_id")
            .annotate(total=Sum("count"))
            .values("total")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def campaigns_with_counts():
    return CampaignPage.objects.live().public().annotate(signatures_total=signature_total())


def campaign_cards(index: CampaignIndexPage, *, phase: str | None = None, successful: bool = False) -> list[CampaignPage]:
    qs = campaigns_with_counts().child_of(index)
    if phase:
        qs = qs.filter(phase=phase)
    if successful:
        from django.db.models import F

        qs = qs.filter(signatures_total__gte=F("goal"))
    cards = list(qs.order_by("-first_published_at"))
    for card in cards:
        card.signature_count = card.signatures_total
    return cards


def live_stats(campaign_id: int) -> dict:
    page = CampaignPage.objects.filter(pk=campaign_id).values("goal").first() or {"goal": 0}
    count = signature_count(campaign_id)
    goal = page["goal"] or 0
    percent = min(100, int(count * 100 / goal)) if goal else 0
    return {"count": count, "goal": goal, "percent": percent}


def bundesland_rows(campaign_id: int) -> list[dict]:
    """Confirmed signatures per Land (plus abroad/unknown), with a bar width for the chart."""
    counts = dict(
        Signature.objects.filter(campaign_id=campaign_id, status=Signature.Status.CONFIRMED)
        .values_list("bundesland")
        .annotate(n=Count("id"))
        .values_list("bundesland", "n")
    )
    abroad = (
        Signature.objects.filter(campaign_id=campaign_id, status=Signature.Status.CONFIRMED)
        .exclude(country="DE")
        .count()
    )
    rows = [{"code": code, "name": name, "count": counts.get(code, 0)} for code, name in _bundesland_names()]
    unknown = counts.get("", 0) - abroad
    rows.append({"code": "XX", "name": _("Ausland"), "count": abroad})
    if unknown > 0:
        rows.append({"code": "", "name": _("nicht zuzuordnen"), "count": unknown})
    top = max((row["count"] for row in rows), default=0) or 1
    for index, row in enumerate(rows):
        row["width"] = round(row["count"] * 100 / top, 1)
        row["y"] = index * 22
        row["text_y"] = index * 22 + 15
    return rows


def share_links(page: CampaignPage, url: str) -> list[dict]:
    text = f"{page.title} – {_('Jetzt unterschreiben')}: {url}"
    return [
        {"label": _("E-Mail"), "href": f"mailto:?subject={quote(page.title)}&body={quote(text)}"},
        {"label": "WhatsApp", "href": f"https://wa.me/?text={quote(text)}"},
        {"label": "Mastodon", "href": f"https://mastodonshare.com/?text={quote(text)}"},
        {"label": "LinkedIn", "href": f"https://www.linkedin.com/sharing/share-offsite/?url={quote(url, safe='')}"},
    ]


def embed_code(page: CampaignPage, embed_url: str) -> str:
    """The ``<iframe>`` snippet people paste into their own sites, as text.

    Every value is escaped for a double-quoted attribute (``"``, ``'``, ``<``,
    ``>``, ``&``) and line breaks are folded, so nothing in a title or URL can
    end the attribute or the tag on the page where the code is pasted. The
    template escapes this text once more as textarea content.
    """
    title = escape(" ".join(str(page.title).split()))
    src = escape("".join(embed_url.split()))
    # an f-string: plain text (not marked safe), so the template escapes it again for the textarea
    return f'<iframe src="{src}" title="{title}" width="320" height="220" loading="lazy"></iframe>'



def source_thread_url(page: CampaignPage, user) -> str | None:
    """The forum thread the campaign came from, linked only for those who may read it (its URL holds the
    title's slug); otherwise nothing of it is shown."""
    if page.source_thread_id is None:
        return None
    from community.models import Thread
    from community.permissions import can_view_thread

    thread = Thread.objects.select_related("category").filter(pk=page.source_thread_id).first()
    if thread is None or not can_view_thread(user, thread):
        return None
    return thread.get_absolute_url()


def public_names(campaign_id: int, limit: int = 20) -> list[Mapping[str, object]]:
    return list(
        Signature.objects.filter(campaign_id=campaign_id, status=Signature.Status.CONFIRMED, show_name=True)
        .exclude(name="")
        .order_by("-confirmed_at")
        .values("name", "confirmed_at")[:limit]
    )


def campaign_page_context(page: CampaignPage, request) -> dict:
    from django.conf import settings

    from hds_site import realtime

    url = request.build_absolute_uri(page.url) if page.url else settings.SITE_URL
    count = page.signature_count
    rows = bundesland_rows(page.pk)
    return {
        "count": count,
        "percent": page.progress_percent(count),
        "bundesland_rows": rows,
        "chart_height": len(rows) * 22,
        "public_names": public_names(page.pk),
        "updates": list(page.updates.all()[:10]),
        "share_links": share_links(page, url),
        "absolute_url": url,
        "embed_url": url.rstrip("/") + "/embed/",
        "embed_code": embed_code(page, url.rstrip("/") + "/embed/"),
        "source_thread_url": source_thread_url(page, getattr(request, "user", None)),
        "last_seq": realtime.last_seq(page.group_name),
        "milestones_reached": list(page.milestones_reached.order_by("percent").values_list("percent", flat=True)),
    }


# --- dashboard -------------------------------------------------------------------


def signatures_per_day(campaign_id: int, days: int = 30) -> list[dict]:
    since = timezone.now() - timedelta(days=days)
    rows = (
        Signature.objects.filter(campaign_id=campaign_id, status=Signature.Status.CONFIRMED, confirmed_at__gte=since)
        .annotate(day=TruncDate("confirmed_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    return [{"day": row["day"], "count": row["n"]} for row in rows]


def status_counts(campaign_id: int) -> dict[str, int]:
    rows = Signature.objects.filter(campaign_id=campaign_id).values_list("status").annotate(n=Count("id"))
    counts = {status: 0 for status in Signature.Status.values}
    counts.update(dict(rows))
    return counts


def bursts(campaign_id: int, **options) -> dict:
    """New signatures per time bucket over the last ``hours``; buckets far above the median are flagged."""
    return bursts_by_campaign([campaign_id], **options)[campaign_id]


def bursts_by_campaign(
    campaign_ids, *, hours: int = 48, bucket_minutes: int = 10, factor: float = 3.0, floor: int = 10
) -> dict[int, dict]:
    """``bursts()`` for several campaigns in three queries, whatever their number and size.

    Signatures are counted per campaign and minute in SQL and folded into
    buckets here (at most ``hours * 60`` rows per campaign); a bucket is
    flagged when it holds at least ``max(floor, median * factor)``. Only the
    flagged buckets are looked at address by address: the most frequent IP
    hashes and email domains, each counted in SQL.
    """
    campaign_ids = list(campaign_ids)
    now = timezone.now()
    since = now - timedelta(hours=hours)
    size = bucket_minutes * 60
    first = int(since.timestamp()) // size
    total_buckets = hours * 60 // bucket_minutes

    def bucket_of(minute: datetime) -> int:
        # a minute starts on a whole minute of epoch time (time zones differ by whole minutes), so its bucket
        # is that of every signature in it
        return int(minute.timestamp()) // size

    recent = Signature.objects.filter(campaign_id__in=campaign_ids, created_at__gte=since).annotate(
        minute=TruncMinute("created_at")
    )
    per_bucket: dict[int, Counter] = {campaign_id: Counter() for campaign_id in campaign_ids}
    for campaign_id, minute, n in recent.values_list("campaign_id", "minute").annotate(n=Count("id")).order_by():
        per_bucket[campaign_id][bucket_of(minute)] += n

    result: dict[int, dict[str, Any]] = {}
    for campaign_id, buckets in per_bucket.items():
        counts = [buckets.get(first + i, 0) for i in range(total_buckets + 1)]
        median = statistics.median(counts)
        threshold = max(floor, median * factor)
        flagged = []
        for key in sorted(key for key, n in buckets.items() if n >= threshold):
            start = datetime.fromtimestamp(key * size, tz=timezone.get_current_timezone())
            flagged.append({"start": start, "end": start + timedelta(seconds=size), "count": buckets[key],
                            "top_ip_hashes": Counter(), "top_domains": Counter()})
        result[campaign_id] = {"median": median, "threshold": threshold, "bucket_minutes": bucket_minutes,
                               "flagged": flagged}

    # the top addresses, counted in SQL for the flagged buckets only
    by_window = {(campaign_id, bucket_of(item["start"])): item
                 for campaign_id, summary in result.items() for item in summary["flagged"]}
    if by_window:
        in_windows = Q()
        for (campaign_id, _), item in by_window.items():
            in_windows |= Q(campaign_id=campaign_id, created_at__gte=item["start"], created_at__lt=item["end"])
        flagged_rows = recent.filter(in_windows)
        for field, top in (("ip_hash", "top_ip_hashes"), ("email_domain", "top_domains")):
            rows = flagged_rows.exclude(**{field: ""}).values_list("campaign_id", "minute", field).annotate(n=Count("id"))
            for campaign_id, minute, value, n in rows.order_by():
                by_window[(campaign_id, bucket_of(minute))][top][value] += n
    for item in by_window.values():
        item["top_ip_hashes"] = item["top_ip_hashes"].most_common(3)
        item["top_domains"] = item["top_domains"].most_common(3)
    return result


def invalidation_queryset(campaign: CampaignPage, *, since=None, until=None, ip_hash: str = "", domain: str = ""):
    """Signatures matching the moderator's filter (None when no filter is given: never 'all')."""
    if not (since or until or ip_hash or domain):
        return None
    qs = Signature.objects.filter(campaign=campaign, status__in=[Signature.Status.PENDING, Signature.Status.CONFIRMED])
    if since:
        qs = qs.filter(created_at__gte=since)
    if until:
        qs = qs.filter(created_at__lt=until)
    if ip_hash:
        qs = qs.filter(ip_hash=ip_hash)
    if domain:
        qs = qs.filter(email_domain=domain.lower())
    return qs


def invalidation_preview(campaign: CampaignPage, **filters) -> dict | None:
    qs = invalidation_queryset(campaign, **filters)
    if qs is None:
        return None
    counts = dict(qs.values_list("status").annotate(n=Count("id")))
    sample = list(qs.order_by("-created_at").values("created_at", "email_domain", "ip_hash", "status", "postcode_region")[:20])
    return {
        "confirmed": counts.get(Signature.Status.CONFIRMED, 0),
        "pending": counts.get(Signature.Status.PENDING, 0),
        "total": sum(counts.values()),
        "sample": sample,
    }


def dashboard(campaign: CampaignPage) -> dict:
    from hds_site import realtime

    # read first: what the page shows is at least this far, later events arrive over the socket
    last_seq = realtime.last_seq(campaign.group_name)
    statuses = status_counts(campaign.pk)
    rows = bundesland_rows(campaign.pk)
    started = statuses["confirmed"] + statuses["pending"] + statuses["withdrawn"]
    confirmed_ever = statuses["confirmed"] + statuses["withdrawn"]
    return {
        "count": campaign.signature_count,
        "percent": campaign.progress_percent(),
        "statuses": statuses,
        "confirmation_rate": round(confirmed_ever * 100 / started) if started else None,
        "per_day": signatures_per_day(campaign.pk),
        "bundesland_rows": rows,
        "chart_height": len(rows) * 22,
        "milestones": list(MilestoneReached.objects.filter(campaign=campaign).order_by("percent")),
        "audit_log": list(AuditLogEntry.objects.filter(campaign=campaign).select_related("actor")[:20]),
        "updates": list(campaign.updates.select_related("author")[:10]),
        "last_seq": last_seq,
    }


#: How many place names the hand-over shows for a postcode that serves several.
EXPORT_MAX_PLACES = 3


def place_label(places: list[str], max_places: int = EXPORT_MAX_PLACES) -> str:
    """One readable "Ort" for the places a postcode serves.

    One place: its name. Several (rural postcodes serve up to a few dozen
    villages): "Körner / Mühlhausen", and beyond ``max_places`` the first ones
    in German alphabetical order followed by "u. a." (and others).
    """
    if len(places) <= max_places:
        return " / ".join(places)
    return _("%(places)s u. a.") % {"places": " / ".join(places[:max_places])}


def export_rows(campaign: CampaignPage):
    """Hand-over rows: name, postcode, town ("Ort"). Never an email address.

    The town comes from the PLZ (``places_for_plz``); signers outside Germany
    get their country instead. Where no town is known (a postcode newer than
    the shipped data, or an anonymised signature that kept only its region),
    the Bundesland stands in.
    """
    from hds_site.content.plz import places_for_plz

    from .forms import COUNTRY_CHOICES

    names = dict(_bundesland_names())
    countries = {code: str(label) for code, label in COUNTRY_CHOICES}
    countries["ZZ"] = _("Ausland")
    towns: dict[str, str] = {}
    rows = (
        Signature.objects.filter(campaign=campaign, status=Signature.Status.CONFIRMED)
        .order_by("confirmed_at", "pk")
        .values_list("name", "postcode", "postcode_region", "bundesland", "country")
    )
    for name, postcode, region, bundesland, country in rows.iterator(chunk_size=2000):
        if country != "DE":
            place = countries.get(country) or _("Ausland")
        else:
            if postcode not in towns:
                towns[postcode] = place_label(places_for_plz(postcode)) if postcode else ""
            place = towns[postcode] or names.get(bundesland, "")
        yield (name or _("(anonymisiert)"), postcode or (f"{region}xxx" if region else ""), place)


# --- signer's own data ------------------------------------------------------------


def signatures_for_email(email_normalized: str) -> list[Signature]:
    return list(
        Signature.objects.filter(email_normalized=email_normalized).select_related("campaign").order_by("-created_at")
    )


# --- API ---------------------------------------------------------------------------


def api_campaigns() -> list[CampaignPage]:
    return list(campaigns_with_counts().order_by("-first_published_at"))


def api_campaign_dict(page: CampaignPage, request, *, detail: bool = False) -> dict:
    count = getattr(page, "signatures_total", None)
    if count is None:
        count = page.signature_count
    data = {
        "slug": page.slug,
        "title": page.title,
        "url": request.build_absolute_uri(page.url) if page.url else None,
        "status": page.status,
        "goal": page.goal,
        "signatures": count,
        "deadline": page.deadline.isoformat() if page.deadline else None,
    }
    if detail:
        data["addressee"] = page.addressee
        data["counts_by_bundesland"] = {
            (row["code"] or "unknown"): row["count"] for row in bundesland_rows(page.pk)
        }
    return data


def bundesland_counts_bulk(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    result: dict[int, dict[str, int]] = {cid: {} for cid in campaign_ids}
    rows = (
        Signature.objects.filter(campaign_id__in=campaign_ids, status=Signature.Status.CONFIRMED)
        .values_list("campaign_id", "bundesland", "country")
        .annotate(n=Count("id"))
    )
    for cid, code, country, n in rows:
        key = code or ("XX" if country != "DE" else "unknown")
        result[cid][key] = result[cid].get(key, 0) + n
    return result


def open_campaigns_q() -> Q:
    return Q(live=True, phase=CampaignPage.Phase.OPEN)


def campaign_for_signing(page_id: int) -> CampaignPage | None:
    """The live campaign the sign form posts to, by id: one query, only the columns signing needs (whether it
    is open, where it sits in the tree, whether it or an ancestor has a view restriction). Rendering the page
    needs the whole row: fetch it again."""
    from django.db.models import Exists, F, OuterRef
    from django.db.models.functions import Left
    from wagtail.models import Page, PageViewRestriction

    # a restriction on the page or an ancestor: the restricted page's path is a prefix of this page's path
    restricted = PageViewRestriction.objects.filter(
        page__depth__lte=OuterRef("depth"), page__path=Left(OuterRef("path"), F("page__depth") * Page.steplen)
    )
    return (
        CampaignPage.objects.live()
        .filter(pk=page_id)
        .only("id", "path", "depth", "live", "alias_of_id", "phase", "deadline", "title", "url_path", "locale_id")
        .annotate(has_view_restrictions=Exists(restricted))
        .first()
    )


def view_restrictions_pass(page, request) -> bool:
    """Whether the request may see ``page`` under its (and its ancestors') view restrictions, as Wagtail's
    routing checks them; the sign URL bypasses that routing, so it asks here. No query when
    ``campaign_for_signing`` found no restriction (the usual case), two otherwise."""
    if getattr(page, "has_view_restrictions", True) is False:
        return True
    return all(restriction.accept_request(request) for restriction in page.get_view_restrictions())
