"""Reports are limited per member: at most 5 in 10 minutes (HDS_FORUM_REPORT_RATE_LIMIT), moderators excepted.

One member filed twelve reports in seconds; each is a moderator's task.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from community import services
from community.models import Report
from tests.factories import ForumMemberFactory, forum_thread

pytestmark = pytest.mark.django_db

MESSAGE_DE = "Sie haben in kurzer Zeit schon mehrere Beiträge gemeldet."
MESSAGE_EN = "You have reported several posts in a short time."


@pytest.fixture
def posts(no_premoderation):
    thread = forum_thread()
    for n in range(11):
        services.post_reply(thread=thread, author=ForumMemberFactory(), body=f"Antwort {n}", enforce_limits=False)
    return list(thread.posts.order_by("number"))


def test_the_sixth_report_within_ten_minutes_is_refused_with_a_clear_message(posts):
    reporter = ForumMemberFactory()
    for post in posts[:5]:
        services.report_post(post=post, reporter=reporter, reason="spam")
    with pytest.raises(ValidationError) as exc:
        services.report_post(post=posts[5], reporter=reporter, reason="spam")
    assert exc.value.code == "rate_limited"
    assert MESSAGE_DE in exc.value.messages[0]
    assert Report.objects.filter(reporter=reporter).count() == 5
    # other members may still report
    services.report_post(post=posts[5], reporter=ForumMemberFactory(), reason="spam")


def test_the_window_slides(posts):
    reporter = ForumMemberFactory()
    for post in posts[:5]:
        services.report_post(post=post, reporter=reporter, reason="abuse")
    # the two oldest reports leave the window: two more are allowed, the third is not
    oldest = Report.objects.filter(reporter=reporter).order_by("pk")[:2]
    Report.objects.filter(pk__in=[r.pk for r in oldest]).update(created_at=oldest[0].created_at - timedelta(minutes=11))
    services.report_post(post=posts[5], reporter=reporter, reason="abuse")
    services.report_post(post=posts[6], reporter=reporter, reason="abuse")
    with pytest.raises(ValidationError):
        services.report_post(post=posts[7], reporter=reporter, reason="abuse")


def test_the_limit_is_a_setting(posts, settings):
    settings.HDS_FORUM_REPORT_RATE_LIMIT = {"count": 2, "window": timedelta(hours=1)}
    reporter = ForumMemberFactory()
    services.report_post(post=posts[0], reporter=reporter, reason="spam")
    services.report_post(post=posts[1], reporter=reporter, reason="spam")
    with pytest.raises(ValidationError):
        services.report_post(post=posts[2], reporter=reporter, reason="spam")
    settings.HDS_FORUM_REPORT_RATE_LIMIT = {"count": 0, "window": timedelta(hours=1)}  # 0: off
    services.report_post(post=posts[2], reporter=reporter, reason="spam")


def test_moderators_are_not_limited(posts, moderator):
    for post in posts[:8]:
        services.report_post(post=post, reporter=moderator, reason="spam")
    assert Report.objects.filter(reporter=moderator).count() == 8


@pytest.mark.parametrize("language, message", [("de", MESSAGE_DE), ("en", MESSAGE_EN)])
def test_the_report_form_shows_the_limit_as_a_form_error(client, posts, language, message):
    def url(post):
        with translation.override(language):
            return reverse("community:post_report", args=[post.pk])

    reporter = ForumMemberFactory()
    client.force_login(reporter)
    for post in posts[:5]:
        response = client.post(url(post), {"reason": "spam"})
        assert response.status_code == 302
    response = client.post(url(posts[5]), {"reason": "spam"})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert Report.objects.filter(reporter=reporter).count() == 5
