import pytest

from hds_site.content.plz import BUNDESLAENDER, BUNDESLAND_NAMES, bundesland_for_plz, is_valid_plz


@pytest.mark.parametrize(
    "plz, code",
    [
        ("10115", "DE-BE"),  # Berlin-Mitte
        ("80331", "DE-BY"),  # München
        ("20095", "DE-HH"),  # Hamburg
        ("01067", "DE-SN"),  # Dresden
        ("99084", "DE-TH"),  # Erfurt
        ("14195", "DE-BE"),  # Berlin-Dahlem (14xxx is mostly Brandenburg)
        ("14467", "DE-BB"),  # Potsdam
        ("28195", "DE-HB"),  # Bremen
        ("27568", "DE-HB"),  # Bremerhaven
        ("66111", "DE-SL"),  # Saarbrücken
        ("55116", "DE-RP"),  # Mainz
        ("65183", "DE-HE"),  # Wiesbaden
        ("70173", "DE-BW"),  # Stuttgart
        ("30159", "DE-NI"),  # Hannover
        ("40213", "DE-NW"),  # Düsseldorf
        ("24103", "DE-SH"),  # Kiel
        ("19053", "DE-MV"),  # Schwerin
        ("39104", "DE-ST"),  # Magdeburg
        ("04600", "DE-TH"),  # Altenburg (04xxx is mostly Saxony)
        ("63739", "DE-BY"),  # Aschaffenburg (63xxx is mostly Hesse)
        (" D-80331 ", "DE-BY"),  # tolerated input noise
    ],
)
def test_plz_spot_checks(plz, code):
    assert bundesland_for_plz(plz) == code


@pytest.mark.parametrize("plz", ["abcde", "", None, "1234", "123456", "8O331"])
def test_malformed_plz_maps_to_none(plz):
    assert bundesland_for_plz(plz) is None
    assert not is_valid_plz(plz)


@pytest.mark.parametrize("plz", ["00000", "05123", "43210", "62000"])
def test_unassigned_regions_map_to_none(plz):
    assert is_valid_plz(plz)
    assert bundesland_for_plz(plz) is None


def test_sixteen_laender_and_each_reachable():
    assert len(BUNDESLAENDER) == 16 == len(BUNDESLAND_NAMES)
    reached = {bundesland_for_plz(f"{n:05d}") for n in range(0, 100000, 7)}
    assert set(BUNDESLAND_NAMES) <= reached


# --- places (plz_orte.json.gz, OpenStreetMap / ODbL) -------------------------------


def test_places_for_plz_one_place():
    from hds_site.content.plz import places_for_plz

    assert places_for_plz("80331") == ["München"]
    assert places_for_plz("20095") == ["Hamburg"]
    assert places_for_plz(" D-01067 ") == ["Dresden"]  # same input tolerance as the Bundesland lookup


def test_places_for_plz_several_places_in_german_order():
    from hds_site.content.plz import places_for_plz

    places = places_for_plz("99955")
    assert places[:3] == ["Bad Tennstedt", "Ballhausen", "Blankenburg"] and len(places) == 10
    assert places_for_plz("17459") == ["Koserow", "Loddin", "Ückeritz", "Zempin"]
    assert places_for_plz("22929").count("Hamfelde") == 1  # duplicates in the source dropped


@pytest.mark.parametrize("plz", ["abcde", "", None, "1234", "00000", "05123"])
def test_places_for_unknown_or_malformed_plz_is_empty(plz):
    from hds_site.content.plz import places_for_plz

    assert places_for_plz(plz) == []


def test_places_data_file_is_complete_and_attributed():
    import gzip
    import json

    from hds_site.content.plz import PLACES_FILE, places_for_plz

    document = json.load(gzip.open(PLACES_FILE, "rt", encoding="utf-8"))
    assert document["license"] == "ODbL-1.0" and "OpenStreetMap" in document["attribution"]
    assert len(document["places"]) == 8168
    assert (PLACES_FILE.parent / "LICENSE-plz_orte.md").exists()
    # a returned list is a copy: callers cannot change the cached data
    places_for_plz("80331").append("Nirgendwo")
    assert places_for_plz("80331") == ["München"]


def test_places_build_script_is_deterministic(tmp_path):
    """The shipped file is what the documented command makes from the source (round trip)."""
    import gzip
    import importlib.util
    import json

    from hds_site.content.plz import PLACES_FILE

    spec = importlib.util.spec_from_file_location("build_plz_orte", PLACES_FILE.parent / "build_plz_orte.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = json.load(gzip.open(PLACES_FILE, "rt", encoding="utf-8"))["places"]
    source = tmp_path / "plz.full.json"
    source.write_text(json.dumps({"99955": shipped["99955"], "80331": ["München", " München "]}), encoding="utf-8")
    out_a, out_b = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    module.build(source, out_a)
    module.build(source, out_b)
    assert out_a.read_bytes() == out_b.read_bytes()  # no timestamp in the gzip header
    assert json.load(gzip.open(out_a, "rt", encoding="utf-8"))["places"] == {"80331": ["München"], "99955": shipped["99955"]}
