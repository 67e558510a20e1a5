"""Post text is Markdown rendered by markdown-it-py and sanitised by nh3."""

from html.parser import HTMLParser

import pytest

from community.markup import render, sanitize


def elements(html: str) -> list[tuple[str, dict]]:
    """The real elements (tag, attributes) of an HTML string; escaped text is not an element."""
    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collect().feed(html)
    return found


def test_script_tags_are_not_rendered():
    html = render("Hallo <script>alert(1)</script> Welt").html
    assert "<script" not in html


def test_javascript_links_are_stripped():
    html = render("[klick](javascript:alert(1)) und <a href=\"javascript:alert(2)\">x</a> [ok](JaVaScRiPt:alert(3))").html
    hrefs = [attrs.get("href", "") for tag, attrs in elements(html) if tag == "a"]
    assert not any("javascript" in h.lower() for h in hrefs)
    assert "javascript" not in sanitize('<a href="javascript:alert(1)">x</a>')


def test_event_handler_attributes_are_stripped_by_the_sanitiser():
    assert "onerror" not in sanitize('<img src="x" onerror="alert(1)"><p onclick="x()">a</p>')
    assert "onclick" not in sanitize('<p onclick="x()">a</p>')
    rendered = render('![bild](https://example.org/x.png) <img src=x onerror=alert(1)>').html
    assert all(tag != "img" for tag, _attrs in elements(rendered))
    assert all(not any(name.startswith("on") for name in attrs) for _tag, attrs in elements(rendered))
    cleaned = sanitize('<a href="https://example.org" onmouseover="x()">a</a><script>bad()</script>')
    assert "onmouseover" not in cleaned and "<script" not in cleaned and "bad()" not in cleaned


def test_links_get_rel_nofollow_ugc_noopener():
    html = render("Siehe [KSK](https://www.kuenstlersozialkasse.de)").html
    assert 'rel="nofollow ugc noopener"' in html
    assert 'href="https://www.kuenstlersozialkasse.de"' in html


def test_markdown_basics_and_headings_shifted():
    html = render("# Titel\n\n**fett** und *kursiv*\n\n> Zitat\n\n- eins\n- zwei").html
    assert "<h3>Titel</h3>" in html and "<h1>" not in html
    assert "<strong>fett</strong>" in html and "<em>kursiv</em>" in html
    assert "<blockquote>" in html and "<li>eins</li>" in html


@pytest.mark.django_db
def test_mentions_in_code_are_not_links():
    from tests.factories import ForumMemberFactory

    ForumMemberFactory(display_name="Emil")
    rendered = render("`@Emil` im Code, aber @Emil im Text")
    assert rendered.html.count('class="mention"') == 1
    assert len(rendered.mentioned) == 1
