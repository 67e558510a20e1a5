"""An editor sees the live preview in the admin's side panel, for every page type.

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


# an article with a heading block, not the one the page-type test opened (its preview state stays behind)
ARTICLE_WITH_HEADING = """
import json
from hds_site.content.models import ArticlePage
pages = [p for p in ArticlePage.objects.order_by("path")[1:] if any(b.block_type == "heading" for b in p.body)]
print(json.dumps([pages[0].pk, pages[0].title]))
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


def test_invalid_blocks_show_the_validation_hint_in_the_panel(live_site, new_context):
    page_id, title = _shell_json(live_site, ARTICLE_WITH_HEADING)
    page = new_context(viewport={"width": 1366, "height": 900}).new_page()
    _login_as_editor(page)
    frame = _open_preview(page, page_id)
    expect(frame.locator("h1").first).to_have_text(title)

    # a block value the form refuses (a heading level that does not exist, as an outdated or tampered
    # form would send; required fields are not checked for drafts): the panel says the preview is out
    # of date and keeps the last good rendering, the server answers without error
    responses = []
    page.on("response", lambda r: responses.append(r.status) if "/edit/preview/" in r.url else None)
    page.locator("select[name$='-value-level']").first.evaluate(
        "el => { el.add(new Option('h7', 'h7')); el.value = 'h7'; el.dispatchEvent(new Event('change', {bubbles: true})); }"
    )
    # and a real keystroke, so the form differs from whatever state the panel last sent
    page.locator("#id_teaser").press("End")
    page.locator("#id_teaser").press_sequentially(" (Entwurf)")
    expect(page.locator(".w-preview--has-errors")).to_have_count(1, timeout=15_000)
    expect(page.locator("#w-preview-error-banner")).to_be_visible()
    expect(page.locator("#w-preview-error-banner")).to_contain_text("Vorschau ist veraltet")
    assert responses and all(status < 500 for status in responses), responses
