"""Whatever a member types as "why" (and as the addressee's response) opens in the editors' Wagtail admin.

Issue 12, point 6: a single line break made ``/cms/pages/<id>/edit/`` answer 500
(Draftail: "Unmatched tags: expected br, got p"). Each input goes through the real
service, the real workflow approval, and the real Wagtail admin edit view.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns import services
from campaigns.models import CampaignPage
from campaigns.text import clean_text, plain_text_to_rich_text

pytestmark = pytest.mark.django_db

INPUTS = {
    "single_line_break": "Erste Zeile\nzweite Zeile",
    "paragraphs": "Absatz eins.\n\nAbsatz zwei.\n\n\n\nAbsatz drei.",
    "crlf": "Zeile eins\r\nZeile zwei\r\n\r\nNeuer Absatz\rmit CR",
    "markdown": "# Überschrift\n\n* Punkt **fett**\n* [Link](https://example.com)\n\n> Zitat\n\n```\ncode\n```",
    "html": "<p>Absatz</p><script>alert(1)</script><b>fett<br>weiter</b><img src=x onerror=alert(1)>",
    "stray_tags": "</p></div><p><br><br/></br><ul><li>offen",
    "entities": "&amp; &lt;p&gt; &#x3C;br&#x3E; & < > \" '",
    "emoji": "Faire Honorare 💶👩‍💻🇩🇪\nZWJ: 👨‍👩‍👧‍👦 und Kombinierende: é",
    "long": ("Sehr langer Text ohne Umbruch. " * 200 + "\n") * 2 + "x" * 3000,
    "nul_and_controls": "Vor\x00NUL\x01\x08\x0b\x0c\x1b[31mfarbig\x7f und\u2028Zeilentrenner\u2029Absatztrenner",
    "whitespace_lines": "Eins\n   \n\t\nZwei\n \u00a0 \nDrei  ",
    "only_whitespace_paragraphs": "\n\n\nText\n\n\n",
    "lone_surrogate": "Kaputt \ud83d Ende",
}


def test_the_inputs_cover_ten_thousand_characters():
    assert len(INPUTS["long"]) >= 10_000


@pytest.mark.parametrize("key", sorted(INPUTS))
def test_conversion_escapes_everything_and_uses_closed_line_breaks(key):
    html = plain_text_to_rich_text(INPUTS[key])
    assert html.startswith("<p>") and html.endswith("</p>")
    assert "<br>" not in html and "<script" not in html and "<img" not in html and "<b>" not in html
    assert "\x00" not in html and "\r" not in html and "\n" not in html
    # the only tags are ours
    import re

    assert set(re.findall(r"<(/?[a-z]+/?)", html)) <= {"p", "/p", "br/"}


def test_paragraphs_come_from_blank_lines_and_line_breaks_stay_inside():
    assert plain_text_to_rich_text("a\nb\n\nc") == "<p>a<br/>b</p><p>c</p>"
    assert plain_text_to_rich_text("a\r\nb\r\n\r\nc") == "<p>a<br/>b</p><p>c</p>"
    assert plain_text_to_rich_text("<b>x</b> & y") == "<p>&lt;b&gt;x&lt;/b&gt; &amp; y</p>"
    assert plain_text_to_rich_text("  \n\n ") == ""
    assert clean_text("a\x00b\r\nc") == "ab\nc"


@pytest.fixture
def proposer(db):
    from tests.factories import UserFactory

    return UserFactory(email="vorschlag@example.com", display_name="Vera Vorschlag")


def _approve(page: CampaignPage, editor) -> CampaignPage:
    task_state = page.current_workflow_task_state
    task_state.task.specific.on_action(task_state, editor, "approve")
    return CampaignPage.objects.get(pk=page.pk)


@pytest.mark.parametrize("key", sorted(INPUTS))
def test_each_input_becomes_a_campaign_the_editor_can_open(client, index, editor, proposer, key):
    text = INPUTS[key]
    page = services.propose_campaign(
        proposer=proposer, title=f"Vorschlag {key} \x00\n<b>", demands="Eine Forderung\r\n<i>zweite</i>\x00",
        addressee="Bund\x00", why=text, goal=500,
    )
    page = _approve(page, editor)
    assert page.live, "the approval published the proposal"
    assert "\x00" not in page.title and "\n" not in page.title
    client.force_login(editor)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200, response.content.decode()[:3000]
    # the text the member typed is in the editor as text (escaped in the contentstate JSON), never as markup
    public = client.get(page.url)
    assert public.status_code == 200
    html = public.content.decode()
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html


def test_a_line_break_from_the_real_form_opens_in_the_admin(client, index, editor, proposer):
    """The exact report: a browser posts the textarea with CRLF line breaks."""
    client.force_login(proposer)
    response = client.post(reverse("campaigns:propose"), {
        "title": "Mit Zeilenumbruch", "demands": "Eine", "addressee": "Bund", "goal": "100",
        "why": "Erste Zeile\r\nzweite Zeile",
    })
    assert response.status_code == 200
    page = _approve(CampaignPage.objects.get(title="Mit Zeilenumbruch"), editor)
    client.force_login(editor)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).status_code == 200


def test_a_nul_in_the_form_is_a_clear_error_not_a_500(client, index, proposer):
    client.force_login(proposer)
    response = client.post(reverse("campaigns:propose"), {
        "title": "NUL", "demands": "Eine", "addressee": "Bund", "goal": "100", "why": "a\x00b",
    })
    assert response.status_code == 400
    assert not CampaignPage.objects.filter(title="NUL").exists()


@pytest.mark.parametrize("key", ["single_line_break", "html", "emoji", "nul_and_controls"])
def test_the_addressees_response_opens_in_the_admin(client, campaign, organiser, editor, key):
    services.publish_response(campaign=campaign, actor=organiser, response=INPUTS[key])
    client.force_login(editor)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[campaign.pk])).status_code == 200
