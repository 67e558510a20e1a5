"""The admin's live preview: framable by the admin's own origin, and only the preview is.

Wagtail renders a preview by running a dummy request for the page's public URL
through the whole middleware stack inside its preview view; the headers that
reach the browser are those of that nested response (hds_site/security.py).
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from hds_site.content.services import ensure_editorial_setup
from tests.factories import UserFactory
from tests.security.test_headers import parse_csp

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(home):
    ensure_editorial_setup()
    user = UserFactory(email="redaktion@example.com", display_name="Redakteurin", is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktion"))
    return user


def _preview(client, page, data):
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk])
    posted = client.post(url, data)
    assert posted.status_code == 200, posted.content[:500]
    return posted.json(), client.get(url + "?in_preview_panel=true")


def test_the_side_panel_preview_may_be_framed_by_the_admin(client, editor, article_index):
    client.force_login(editor)
    state, response = _preview(
        client, article_index, nested_form_data({"title": "Ratgeber (Entwurf)", "slug": "ratgeber", "intro": rich_text("")})
    )
    assert state == {"is_valid": True, "is_available": True}
    assert response.status_code == 200
    assert "<h1>Ratgeber (Entwurf)</h1>" in response.content.decode()
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = parse_csp(response["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'self'"]
    # the page keeps its public policy: a preview shows what the public page may run
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert response["Content-Security-Policy"].count("frame-ancestors") == 1


def test_the_public_page_stays_unframeable(client, editor, article_index):
    for visitor in (None, editor):  # anonymous (page cache) and logged in
        if visitor:
            client.force_login(visitor)
        for _ in range(2):  # a cache miss, then a hit
            response = client.get(article_index.url)
            assert response.status_code == 200
            assert response["X-Frame-Options"] == "DENY"
            assert parse_csp(response["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


def test_admin_views_other_than_the_preview_stay_unframeable(client, editor, article_index):
    client.force_login(editor)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[article_index.pk]))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert parse_csp(response["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


def test_a_preview_with_invalid_blocks_shows_the_error_not_a_500(client, editor, article):
    client.force_login(editor)
    data = nested_form_data(
        {
            "title": article.title,
            "slug": article.slug,
            "kind": "ratgeber",
            "teaser": "Kurz",
            "body": streamfield([("heading", {"heading_text": "Abschnitt", "level": "h7"})]),
        }
    )
    state, response = _preview(client, article, data)
    assert state["is_valid"] is False
    assert response.status_code == 200
    html = response.content.decode()
    assert "Abschnitt" not in html  # the invalid draft is not rendered, Wagtail's error page is
    assert 'class="preview-error__title"' in html
    assert parse_csp(response["Content-Security-Policy"])["frame-ancestors"] == ["'self'"]  # visible in the panel
