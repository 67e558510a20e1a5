"""Audit rows that nobody changes or deletes: the forum's moderation log, the campaigns' audit log.

Services write them with ``objects.create()``; after that a row is never saved again and never deleted,
by anyone, superusers included:

* ``AppendOnlyModel`` (a mixin before ``models.Model``): ``save()`` of an existing row and ``delete()``
  raise ``AuditRowLocked`` (a ``PermissionDenied``: a view that tried answers 403, not 500), and so does
  ``delete()`` on a queryset of these rows.
* ``ViewOnlyPermissionPolicy``: the Wagtail admin may list and inspect them (with the ``view`` permission,
  or as a superuser) and offers no add, edit, copy or delete, not even to superusers.

The one rewrite that stays possible is the one privacy needs: when an account, a thread or a post is
deleted, Django's ``on_delete=SET_NULL`` empties the row's reference to it with a single queryset
``UPDATE`` (the deletion collector), which neither ``save()`` nor ``delete()`` takes part in; deleting a
campaign deletes its audit rows with it (``CASCADE``, the collector's own delete).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from wagtail.permission_policies import ModelPermissionPolicy


class AuditRowLocked(PermissionDenied):
    """An audit row was to be changed or deleted."""


class AppendOnlyQuerySet(models.QuerySet):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditRowLocked(f"{self.model._meta.label} rows cannot be deleted")


class AppendOnlyModel:
    """Mixin for audit models: created once, never saved again, never deleted."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:  # type: ignore[attr-defined]  # a models.Model, as this mixin requires
            raise AuditRowLocked(f"{type(self).__name__} rows cannot be changed")
        super().save(*args, **kwargs)  # type: ignore[misc]

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditRowLocked(f"{type(self).__name__} rows cannot be deleted")


class ViewOnlyPermissionPolicy(ModelPermissionPolicy):
    """``view`` as Django's permissions say (superusers included); every other action: nobody."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions: Any) -> Any:
        if "view" not in actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(["view"])
