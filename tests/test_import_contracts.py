"""The import contracts of `make lint` (pyproject.toml): the custom one on private modules, and the real tree."""

import tomllib
from pathlib import Path

import grimp
import pytest

from tests.import_contracts import PrivateModulesContract

ROOT = Path(__file__).resolve().parent.parent
APPS = ["hds_site", "hds_site.content", "hds_site.accounts", "community", "campaigns", "search"]


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=3, line_contents="import x")
    return graph


def _check(graph: grimp.ImportGraph):
    # built without Contract.__init__: its option validation walks dir(cls), and under pytest a zope.interface
    # descriptor pulled in by Twisted (`__provides__`) raises there; lint-imports itself validates the options
    contract = PrivateModulesContract.__new__(PrivateModulesContract)
    contract.name, contract.apps = "private", APPS
    return contract.check(graph, verbose=False)


@pytest.mark.parametrize(
    "importer, imported",
    [
        ("campaigns.views", "community._live"),
        ("community.services", "hds_site._clock"),
        ("hds_site.content.models", "hds_site.accounts._gdpr"),  # two apps inside the project package
        ("search.documents", "campaigns._impl.rows"),
    ],
)
def test_an_import_of_another_apps_private_module_breaks_the_contract(importer, imported):
    check = _check(_graph((importer, imported)))
    assert not check.kept
    assert check.metadata["broken"] == [{"importer": importer, "imported": imported, "lines": [3]}]


@pytest.mark.parametrize(
    "importer, imported",
    [
        ("community.services", "community._live"),  # an app's own private module
        ("hds_site.content.models", "hds_site.content._query"),
        ("campaigns.views", "community.services"),  # public
        ("bench.__main__", "hds_site.realtime"),
        ("campaigns.apps", "community.__init__"),
    ],
)
def test_public_modules_and_an_apps_own_private_modules_keep_it(importer, imported):
    assert _check(_graph((importer, imported))).kept


def test_the_contracts_cover_every_app_and_the_directions_of_the_house():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = {c["type"]: c for c in config["contracts"]}
    assert contracts["layers"]["layers"] == ["campaigns", "community", "hds_site"]
    assert contracts["protected"]["protected_modules"] == ["search"]
    assert set(contracts["protected"]["allowed_importers"]) == {"search", "hds_site.urls"}
    assert contracts["private_modules"]["apps"] == APPS
    assert set(config["root_packages"]) == {"hds_site", "community", "campaigns", "search"}


def test_the_tree_keeps_the_private_module_contract_today():
    graph = grimp.build_graph("hds_site", "community", "campaigns", "search", cache_dir=None)
    check = _check(graph)
    assert check.kept, check.metadata["broken"]
