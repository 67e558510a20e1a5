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
