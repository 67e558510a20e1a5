"""The interface every search backend implements, and the value types it speaks.

A backend stores ``IndexDocument``s and answers ``SearchRequest``s. It knows
nothing about Django models: ``search.documents`` turns objects into documents
(with their visibility metadata) and ``search.permissions`` turns a user into a
``Viewer``. The permission filter is applied by the backend inside the query
(never after fetching), so counts, facets and pages only ever contain what the
viewer may open.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field

# document types, in the order the facet lists them
DOC_TYPES = ("article", "page", "thread", "post", "campaign", "group")

# audiences
PUBLIC = "public"
MEMBERS = "members"
STAFF = "staff"


def group_audience(group_id: int) -> str:
    return f"group:{group_id}"


class SearchUnavailable(Exception):
    """The backend cannot be reached or answered with an error."""


@dataclass(frozen=True)
class IndexDocument:
    """One searchable thing.

    ``audience`` says who may open it: ``public`` (everyone), ``members``
    (signed-in users), ``group:<id>`` (members of that interest group) or
    ``staff`` (editors). ``moderation_only`` marks hidden or not yet approved
    forum content that only moderators may open. Drafts, campaigns in review
    and deleted posts are never documents at all.
    """

    key: str  # "<type>:<id>", e.g. "post:12", unique in the index
    doc_type: str
    object_id: int
    title: str
    body: str
    url: str
    date: dt.datetime | None = None
    topic_ids: tuple[int, ...] = ()
    audience: str = PUBLIC
    moderation_only: bool = False
    language: str = ""
    suggest: bool = True  # offer the title in suggestions as you type


@dataclass(frozen=True)
class Viewer:
    """What a person may see, derived from their role (see search.permissions)."""

    audiences: frozenset[str] = frozenset({PUBLIC})
    all_audiences: bool = False  # moderators: every group
    moderation: bool = False  # moderators: hidden and unapproved content
    label: str = "anonymous"


@dataclass
class SearchRequest:
    text: str
    viewer: Viewer
    doc_types: tuple[str, ...] = ()
    topic_ids: tuple[int, ...] = ()
    page: int = 1
    per_page: int = 10
    operator: str = "and"  # "and": every term; "or": any term


@dataclass
class Hit:
    key: str
    doc_type: str
    object_id: int
    title: str
    snippet: str  # plain text with MARK_START/MARK_END markers (see search.text)
    url: str
    date: dt.datetime | None
    topic_ids: tuple[int, ...] = ()
    score: float = 0.0
    moderation_only: bool = False


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    # disjunctive facets: type counts ignore the type filter, topic counts ignore the topic filter
    type_counts: dict[str, int] = field(default_factory=dict)
    topic_counts: dict[int, int] = field(default_factory=dict)


@dataclass
class Suggestion:
    title: str
    url: str
    doc_type: str


class SearchBackend(ABC):
    name = "base"

    @abstractmethod
    def index(self, documents: Iterable[IndexDocument]) -> None:
        """Add or replace documents (by key)."""

    @abstractmethod
    def delete(self, keys: Iterable[str]) -> None:
        """Remove documents by key; unknown keys are ignored."""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResults: ...

    @abstractmethod
    def suggest(self, text: str, viewer: Viewer, *, limit: int = 8) -> list[Suggestion]: ...

    @abstractmethod
    def rebuild(self, documents: Iterable[IndexDocument]) -> int:
        """Replace the whole index with ``documents``; returns how many were indexed."""

    @abstractmethod
    def stored_keys(self, prefix: str) -> set[str]:
        """Keys currently indexed that start with ``prefix`` (used to find orphans)."""

    @abstractmethod
    def fetch(self, keys: Iterable[str]) -> dict[str, IndexDocument]:
        """The stored documents for ``keys`` (missing keys are left out)."""

    def vocabulary(self, viewer: Viewer, *, limit: int = 2000) -> list[str]:
        """Title words the viewer may see, for "did you mean" on no results."""
        return []
