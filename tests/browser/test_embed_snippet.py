"""The embed code, copied from the campaign page and pasted into someone else's page, runs no script.

Issue 12, point 2: the ``<iframe>`` snippet wrote the title raw into
``title="…"``; the textarea's escaping protected our page, not the one where the
code is pasted. Campaigns with hostile titles are made in the live site's
database; for each, a real Chromium opens the campaign page, reads the snippet
as a person copies it (the textarea's value), pastes it into a blank page
(``about:blank`` + ``set_content``) and checks: no dialog fires, exactly one
``<iframe>`` with exactly the five attributes we write, and its title is the
campaign's title as text.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser

TITLES = {
    "embed-quote": 'Embed" onload="alert(document.domain)" x="',
    "embed-apos": "Embed' onload='alert(document.domain)' x='",
    "embed-lt": 'Embed"><script>alert(document.domain)</script><img src=x onerror="alert(1)"><i x="',
    "embed-amp": 'Embed &quot; onload=&quot;alert(1)&quot; &amp; " onfocus="alert(2)" autofocus x="',
    "embed-newline": 'Embed\n" onload="alert(document.domain)"\r\nx="',
}


@pytest.fixture(scope="module")
def campaigns(live_site):
    code = f"""
import json
from campaigns.models import CampaignIndexPage, CampaignPage
from campaigns import services
index = CampaignIndexPage.objects.live().first()
urls = {{}}
for slug, title in json.loads({json.dumps(json.dumps(TITLES))}).items():
    page = CampaignPage.objects.filter(slug=slug).first()
    if page is None:
        page = CampaignPage(title=title, slug=slug, goal=100, demands="<ul><li>Eine</li></ul>", addressee="Bund", live=True)
        index.add_child(instance=page)
        services.ensure_shards(page.pk)
        page.save_revision().publish()
    urls[slug] = CampaignPage.objects.get(pk=page.pk).url
print(json.dumps(urls))
"""
    result = live_site.manage("shell", "-c", code)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("slug", sorted(TITLES))
def test_pasted_snippet_runs_no_script_and_adds_no_attribute(page, live_site, campaigns, slug):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    response = page.goto(campaigns[slug])
    assert response is not None and response.status == 200
    snippet = page.locator("#embed-code").input_value()
    assert snippet.startswith("<iframe ") and snippet.endswith("></iframe>"), snippet
    assert "\n" not in snippet and "\r" not in snippet

    # the pasting site: a blank page whose body is the snippet and nothing else
    page.goto("about:blank")
    page.set_content(f"<!DOCTYPE html><html><head><title>Fremde Seite</title></head><body>{snippet}</body></html>")
    page.wait_for_timeout(300)  # an onload/onfocus handler would have fired by now
    found = page.evaluate(
        """() => Array.from(document.body.querySelectorAll('*')).map(el => ({
            tag: el.tagName.toLowerCase(),
            attrs: Array.from(el.attributes).map(a => a.name).sort(),
            title: el.getAttribute('title'),
            src: el.getAttribute('src'),
        }))"""
    )
    assert dialogs == [], f"script ran on the pasting page: {dialogs}"
    assert [el["tag"] for el in found] == ["iframe"], found
    iframe = found[0]
    assert iframe["attrs"] == ["height", "loading", "src", "title", "width"], iframe
    assert iframe["title"] == " ".join(TITLES[slug].split())
    assert iframe["src"] == f"{live_site.url}{campaigns[slug]}embed/"
