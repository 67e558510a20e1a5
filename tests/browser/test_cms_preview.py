"""An editor sees the live preview in the admin's side panel, for every page type.

(A draft with an invalid block is covered over HTTP in tests/content/test_preview.py: the
panel's own "out of date" banner depends on Wagtail's auto-update timing and was flaky here.)

The preview iframe loads ``/cms/pages/<id>/edit/preview/``; the page inside is
rendered by a nested request through the whole middleware stack, whose headers
(CSP frame-ancestors, X-Frame-Options) decide whether Chromium shows it or a
broken-page icon (hds_site/security.py).
"""

import json
import os

from playwright.sync_api import expect

EDITOR = "redaktion@example.org"

# one page of each type from the seeded site: {"app.Model": [id, title]}
PAGES_BY_TYPE = """
import json
from wagtail.models import get_page_models
found = {}
for model in get_page_models():
    page = model.objects.exact_type(model).order_by("path").first() if model._meta.label != "wagtailcore.Page" else None
    if page is not None:
        found[model._meta.label] = [page.pk, page.title]
print(json.dumps(found))
"""


def _shell_json(live_site, code):
    output = live_site.manage("shell", "--no-imports", "-c", code).stdout
    return json.loads(output.strip().splitlines()[-1])


def _pages_by_type(live_site) -> dict:
    return _shell_json(live_site, PAGES_BY_TYPE)


def _login_as_editor(page):
    from django.conf import settings

    page.goto("/cms/login/")
    page.locator("input[name=username]").fill(EDITOR)
    page.locator("input[name=password]").fill(os.environ.get("HDS_DEMO_PASSWORD", settings.HDS_DEMO_PASSWORD))
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/cms/")


def _open_preview(page, page_id):
    page.goto(f"/cms/pages/{page_id}/edit/")
    toggle = page.locator('[data-side-panel-toggle="preview"]')
    # Wagtail remembers an open panel from the previous edit view; a click would close it again
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    # while Wagtail reloads the preview, a hidden "proxy" iframe loads next to the shown one
    return page.frame_locator("iframe.w-preview__iframe:not(.w-preview__proxy)")


def test_every_page_type_is_previewed_in_the_side_panel(live_site, new_context):
    from wagtail.models import get_page_models

    pages = _pages_by_type(live_site)
    page_types = {model._meta.label for model in get_page_models()} - {"wagtailcore.Page"}
    missing = page_types - set(pages)
    assert not missing, f"seed_demo has no page of type(s) {sorted(missing)}: the preview test cannot cover them"

    page = new_context(viewport={"width": 1366, "height": 900}).new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    _login_as_editor(page)
    for label, (page_id, title) in sorted(pages.items()):
        errors.clear()
        frame = _open_preview(page, page_id)
        heading = frame.locator("h1").first
        expect(heading, f"preview of {label} #{page_id}").to_have_text(title, timeout=15_000)
        expect(heading).to_be_visible(timeout=15_000)
        blocked = [e for e in errors if "frame-ancestors" in e or "Content Security Policy" in e]
        assert not blocked, f"{label}: {blocked}"
