"""Post text: Markdown (markdown-it-py, CommonMark, raw HTML off) sanitised by nh3.

Mentions (``@Anzeigename``) are resolved against member profiles and turned
into links to the member's profile page; headings are shifted down two levels
so a post never competes with the page's own h1/h2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import nh3
from django.urls import NoReverseMatch, reverse
from markdown_it import MarkdownIt
from markdown_it.token import Token

MAX_MENTIONS = 20

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "class"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

_md = MarkdownIt("commonmark", {"html": False})

# "@" not preceded by a word character: up to four words, each starting with a letter/digit
_CANDIDATE = re.compile(r"(?<![\w@])@([^\W_][\w.\-]*(?: [^\W_][\w.\-]*){0,3})", re.UNICODE)


def sanitize(html: str) -> str:
    """Allow-list sanitising of rendered HTML; every link gets rel="nofollow ugc noopener"."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def mention_candidates(text: str) -> set[str]:
    """Every string that could be a display name mentioned in ``text`` (lower-cased)."""
    found: set[str] = set()
    for match in _CANDIDATE.finditer(text or ""):
        words = match.group(1).split(" ")
        for n in range(1, len(words) + 1):
            name = " ".join(words[:n])
            found.add(name.casefold())
            found.add(name.rstrip(".-").casefold())
    found.discard("")
    return found


def resolve_mentions(text: str) -> dict:
    """Map casefolded display name -> Profile for members mentioned in ``text``."""
    from django.db.models import Q

    from hds_site.accounts.models import Profile

    candidates = sorted(mention_candidates(text))[: MAX_MENTIONS * 8]
    if not candidates:
        return {}
    query = Q()
    for name in candidates:
        query |= Q(display_name__iexact=name)
    profiles = Profile.objects.select_related("user").filter(query, user__is_active=True)
    return {p.display_name.casefold(): p for p in profiles if p.display_name.casefold() in candidates}


@dataclass
class Rendered:
    html: str
    mentioned: list = field(default_factory=list)  # users, in order of first mention


def _profile_url(display_name: str) -> str:
    try:
        return reverse("accounts:member_profile", kwargs={"display_name": display_name})
    except NoReverseMatch:
        return "#"


def _split_mentions(token: Token, pattern: re.Pattern, profiles: dict, seen: list) -> list[Token]:
    out: list[Token] = []
    text = token.content
    pos = 0
    for match in pattern.finditer(text):
        profile = profiles[match.group(1).casefold()]
        if match.start() > pos:
            t = Token("text", "", 0)
            t.content = text[pos:match.start()]
            out.append(t)
        link_open = Token("link_open", "a", 1)
        link_open.attrs = {"href": _profile_url(profile.display_name), "class": "mention"}
        label = Token("text", "", 0)
        label.content = "@" + profile.display_name
        out.extend([link_open, label, Token("link_close", "a", -1)])
        if profile.user not in seen:
            seen.append(profile.user)
        pos = match.end()
    if pos < len(text):
        t = Token("text", "", 0)
        t.content = text[pos:]
        out.append(t)
    return out


def render(text: str, *, mentions: bool = True) -> Rendered:
    tokens = _md.parse(text or "")
    profiles = resolve_mentions(text) if mentions else {}
    seen: list = []
    pattern = None
    if profiles:
        names = sorted(profiles, key=len, reverse=True)
        pattern = re.compile(
            r"(?<![\w@])@(" + "|".join(re.escape(n) for n in names) + r")(?![\w])", re.IGNORECASE | re.UNICODE
        )
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
        if token.type != "inline" or not token.children or pattern is None:
            continue
        children: list[Token] = []
        link_depth = 0
        for child in token.children:
            if child.type == "link_open":
                link_depth += 1
            elif child.type == "link_close":
                link_depth -= 1
            if child.type == "text" and link_depth == 0 and "@" in child.content:
                children.extend(_split_mentions(child, pattern, profiles, seen))
            else:
                children.append(child)
        token.children = children
    html = _md.renderer.render(tokens, _md.options, {})
    return Rendered(html=sanitize(html), mentioned=seen[:MAX_MENTIONS])
