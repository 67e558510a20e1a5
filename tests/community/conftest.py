"""Fixtures of the forum tests (not autouse: the live tests keep the defaults)."""

import pytest


@pytest.fixture
def no_premoderation(settings):
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}


@pytest.fixture
def moderator(db):
    from django.contrib.auth.models import Group

    from community.permissions import MODERATION_GROUP
    from tests.factories import ForumMemberFactory

    user = ForumMemberFactory()
    user.groups.add(Group.objects.get_or_create(name=MODERATION_GROUP)[0])
    return user
