"""The German text pipeline shared by index and queries."""

from search import text


def test_fold_umlauts_sharp_s_and_digraphs():
    assert text.fold("Straße") == text.fold("Strasse") == "strasse"
    assert text.fold("Gründerzuschuss") == text.fold("Gruenderzuschuss") == text.fold("GRÜNDERZUSCHUSS")
    assert text.fold("Café") == "cafe"
    # "ue" stays after q or a vowel (as in Snowball): Quelle, Bauer
    assert text.fold("Quelle") == "quelle"
    assert text.fold("Bauer") == "bauer"


def test_stemming_inflections():
    assert text.analyze("Selbstständige") == text.analyze("selbstständig") == text.analyze("Selbststaendigen")
    assert text.analyze("Honorare") == text.analyze("Honorar")
    assert text.analyze("Rentenbeiträge") == text.analyze("Rentenbeitrag")


def test_stop_words_are_dropped_from_queries():
    assert text.query_terms("Wie hoch ist mein Rentenbeitrag als Selbstständige?") == [
        "hoch",
        "rentenbeitrag",
        "selbststandige",
    ]


def test_highlight_marks_inflected_matches_and_cuts_around_the_first():
    body = "Einleitung. " * 40 + "Hier geht es um Honorare für Selbstständige."
    snippet = text.highlight(body, "Honorar selbstständig", size=120)
    assert snippet.startswith("… ")
    assert f"{text.MARK_START}Honorare{text.MARK_END}" in snippet
    assert f"{text.MARK_START}Selbstständige{text.MARK_END}" in snippet


def test_render_snippet_escapes_everything_but_marks():
    marked = text.highlight('<script>alert("x")</script> Honorar & <b>mehr</b>', "Honorar")
    html = text.render_snippet(marked)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>Honorar</mark>" in html
    assert "&amp;" in html


def test_marker_characters_in_source_text_cannot_fake_highlights():
    html = text.render_snippet(text.highlight(f"{text.MARK_START}evil{text.MARK_END} text", "text"))
    assert "<mark>evil</mark>" not in html
    assert text.plain_text(f"a{text.MARK_START}b") == "ab"
