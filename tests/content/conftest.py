import datetime

import pytest

from tests import factories


@pytest.fixture
def home(db):
    return factories.content_home()


@pytest.fixture
def topics(home):
    return {
        "sozial": factories.content_topic(title="Soziale Absicherung", slug="soziale-absicherung", home=home),
        "recht": factories.content_topic(title="Recht & Verträge", slug="recht-vertraege", home=home),
    }


@pytest.fixture
def article_index(home):
    return factories.content_article_index(home=home)


@pytest.fixture
def article(article_index, topics):
    return factories.content_article(
        title="Künstlersozialkasse erklärt",
        slug="kuenstlersozialkasse",
        index=article_index,
        topics=[topics["sozial"]],
        author_name="Redaktion",
        publication_date=datetime.date(2026, 3, 1),
        last_reviewed=datetime.date(2026, 10, 1),
        body=[
            {"type": "heading", "value": {"heading_text": "Wer wird aufgenommen?", "level": "h2"}},
            {"type": "paragraph", "value": "<p>Künstlerinnen und Publizisten.</p>"},
            {"type": "info_box", "value": {"variant": "tip", "title": "Tipp", "text": "<p>Früh beantragen.</p>"}},
            {"type": "faq", "value": {"title": "Häufige Fragen", "items": [
                {"question": "Kostet der Antrag etwas?", "answer": "<p>Nein.</p>"}]}},
            {"type": "quote", "value": {"text": "Gut so.", "attribution": "Lena"}},
        ],
    )
