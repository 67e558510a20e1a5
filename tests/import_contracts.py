"""A contract type for import-linter that its own types cannot express (see pyproject.toml, `make lint`).

``private_modules``: no app imports another app's private modules, a module any of whose name parts starts
with one underscore (``community._live``, ``campaigns._impl.x``); ``__init__``/``__main__`` are public.
Import-linter's wildcards replace whole name parts only, so ``**._*`` cannot be written as a ``forbidden``
contract. An app is the longest entry of ``apps`` that contains the module; modules outside every entry
belong to their top-level package.
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def is_private(module: str) -> bool:
    return any(
        part.startswith("_") and not (part.startswith("__") and part.endswith("__")) for part in module.split(".")
    )


def owner(module: str, apps: list[str]) -> str:
    inside = [app for app in apps if module == app or module.startswith(app + ".")]
    return max(inside, key=len) if inside else module.split(".")[0]


class PrivateModulesContract(Contract):
    type_name = "private_modules"

    apps = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        apps: list[str] = list(self.apps)  # type: ignore[call-overload]
        broken = []
        for importer in sorted(graph.modules):
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if is_private(imported) and owner(imported, apps) != owner(importer, apps):
                    lines = [d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)]
                    broken.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["broken"]:
            where = ", ".join(f"l.{n}" for n in item["lines"])
            output.print_error(f"{item['importer']} -> {item['imported']} ({where})")
            output.new_line()
