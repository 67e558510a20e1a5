import pytest

from tests import factories


@pytest.fixture
def centres(topics):
    by = factories.content_advice_centre(name="Zukunftszentrum Bayern", bundeslaender=["DE-BY"], is_demo=True)
    bebb = factories.content_advice_centre(name="Zukunftszentrum Berlin-Brandenburg",
                                           bundeslaender=["DE-BE", "DE-BB"], topics=[topics["recht"]])
    hds = factories.content_advice_centre(name="Haus der Selbstständigen", kind="hds", bundeslaender=[],
                                          nationwide=True, topics=[topics["sozial"], topics["recht"]])
    return {"by": by, "bebb": bebb, "hds": hds}


def _results(html):
    return html.split('class="finder-results"')[1] if 'class="finder-results"' in html else ""


@pytest.mark.django_db
def test_finder_empty_form(client, centres):
    response = client.get("/beratung-finden/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_plz">Postleitzahl</label>' in html
    assert '<label for="id_bundesland">Bundesland</label>' in html
    assert "finder-results" not in html


@pytest.mark.django_db
def test_finder_by_bundesland(client, centres):
    results = _results(client.get("/beratung-finden/?bundesland=DE-BY").content.decode())
    assert "2 Beratungsstellen für Bayern" in results
    assert "Zukunftszentrum Bayern" in results and "Haus der Selbstständigen" in results
    assert "Berlin-Brandenburg" not in results
    assert "Demodaten" in results
    # the regional centre comes before the nationwide one
    assert results.index("Zukunftszentrum Bayern") < results.index("Haus der Selbstständigen</h3>")


@pytest.mark.django_db
def test_finder_by_plz(client, centres):
    results = _results(client.get("/beratung-finden/?plz=14467").content.decode())
    assert "Beratungsstellen für Brandenburg" in results
    assert "Die Postleitzahl 14467 liegt in Brandenburg." in results
    assert "Zukunftszentrum Berlin-Brandenburg" in results and "Zukunftszentrum Bayern" not in results


@pytest.mark.django_db
def test_plz_wins_over_bundesland(client, centres):
    results = _results(client.get("/beratung-finden/?plz=10115&bundesland=DE-BY").content.decode())
    assert "für Berlin" in results and "Zukunftszentrum Bayern" not in results


@pytest.mark.django_db
def test_finder_topic_filter(client, centres):
    # Bayern's centre has no topics (advises on all); Berlin's only on "Recht"
    results = _results(client.get("/beratung-finden/?bundesland=DE-BE&thema=soziale-absicherung").content.decode())
    assert "Berlin-Brandenburg" not in results and "Haus der Selbstständigen" in results
    results = _results(client.get("/beratung-finden/?bundesland=DE-BY&thema=soziale-absicherung").content.decode())
    assert "Zukunftszentrum Bayern" in results


@pytest.mark.django_db
@pytest.mark.parametrize("plz", ["abcde", "123", "1234567"])
def test_malformed_plz_message_tied_to_field(client, centres, plz):
    response = client.get(f"/beratung-finden/?plz={plz}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bitte geben Sie eine Postleitzahl mit genau fünf Ziffern ein" in html
    assert 'id="id_plz_error"' in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_plz_help id_plz_error"' in html
    assert "finder-results" not in html


@pytest.mark.django_db
def test_unknown_plz_message(client, centres):
    response = client.get("/beratung-finden/?plz=05123")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Die Postleitzahl 05123 kennen wir nicht" in html
    assert 'aria-describedby="id_plz_help id_plz_error"' in html
    assert "finder-results" not in html


@pytest.mark.django_db
def test_finder_constant_queries(client, topics):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(expected):
        client.get("/beratung-finden/?bundesland=DE-BY")  # warm per-process caches
        with CaptureQueriesContext(connection) as ctx:
            html = client.get("/beratung-finden/?bundesland=DE-BY").content.decode()
        assert f"{expected} Beratungsstellen" in html
        return len(ctx.captured_queries)

    for i in range(2):
        factories.content_advice_centre(name=f"Stelle {i}", bundeslaender=["DE-BY", "DE-BW"], topics=[topics["recht"]])
    small = count(2)
    for i in range(2, 12):
        factories.content_advice_centre(name=f"Stelle {i}", bundeslaender=["DE-BY", "DE-BW"], topics=[topics["recht"]])
    assert count(12) == small


@pytest.mark.django_db
def test_finder_topics_fall_back_to_german_once_an_english_locale_exists(client, centres, topics):
    """Editors add an "en" Locale to start translating: until the topic hubs are translated,
    the English finder still offers (and filters by) the German ones."""
    from wagtail.models import Locale

    Locale.objects.get_or_create(language_code="en")
    html = client.get("/en/beratung-finden/").content.decode()
    assert f'value="{topics["recht"].slug}"' in html
    results = _results(client.get(f"/en/beratung-finden/?bundesland=DE-BE&thema={topics['recht'].slug}").content.decode())
    assert "Berlin-Brandenburg" in results
