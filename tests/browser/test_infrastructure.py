"""The browser-test infrastructure itself: live Daphne process, mail files, axe-core."""

import json
import urllib.request

import pytest

from tests.browser.conftest import assert_no_axe_violations, axe_violations, mail_text

pytestmark = pytest.mark.browser


def test_live_site_is_healthy_and_ready(live_site):
    with urllib.request.urlopen(f"{live_site.url}/healthz", timeout=5) as response:
        assert json.load(response) == {"status": "ok"}
    with urllib.request.urlopen(f"{live_site.url}/readyz", timeout=10) as response:
        body = json.load(response)
    assert body["status"] == "ok", body
    assert body["checks"] == {"database": "ok", "channel_layer": "ok"}


def test_mails_sent_by_the_site_can_be_read(live_site):
    live_site.manage("sendtestemail", "probe@example.org")
    mails = live_site.wait_for_mail("probe@example.org")
    assert len(mails) == 1
    assert "probe@example.org" in mails[0]["To"]
    assert mails[0]["Subject"].startswith("Test email from")
    assert "it was successful" in mail_text(mails[0])


@pytest.fixture
def blank_page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_axe_helper_reports_violations(blank_page):
    page = blank_page
    page.set_content('<html lang="de"><head><title>t</title></head><body><main><h1>t</h1><img src="x.png"></main></body></html>')
    violations = axe_violations(page)
    assert [v["id"] for v in violations] == ["image-alt"]
    with pytest.raises(AssertionError, match="image-alt"):
        assert_no_axe_violations(page)


def test_axe_helper_passes_a_clean_page(blank_page):
    page = blank_page
    page.set_content(
        '<html lang="de"><head><title>t</title></head><body><main><h1>t</h1>'
        '<img src="x.png" alt="Logo"></main></body></html>'
    )
    assert_no_axe_violations(page)
