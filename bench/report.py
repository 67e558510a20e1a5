"""``python -m bench.report``: the results in bench/results/*.json as a Markdown table (for the README)."""

import json
import sys

from bench.__main__ import BENCHMARKS
from bench.harness import RESULTS_DIR


def main() -> int:
    rows = []
    machine = None
    for name in BENCHMARKS:
        path = RESULTS_DIR / f"{name}.json"
        if not path.exists():
            rows.append([name, "not run", "", "", "", ""])
            continue
        data = json.loads(path.read_text())
        machine = machine or data.get("machine")
        if "error" in data:
            rows.append([name, "ERROR", data["error"][:80], "", "", ""])
            continue
        size = "quick" if data.get("quick") else "full"
        for r in data.get("summary", []):
            rows.append([f"{r[0]} ({size})", *[("" if c is None else str(c)) for c in r[1:]]])
    print("| benchmark | measure | ours | baseline | ratio | target |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(c.replace("|", "/") for c in r) + " |")
    if machine:
        v = machine.get("versions", {})
        print(f"\nMachine: {machine.get('cores')} cores ({machine.get('cpu')}), {machine.get('memory_mb')} MB, "
              f"Python {machine.get('python')}, PostgreSQL {machine.get('postgresql')}, Redis {machine.get('redis')}, "
              + ", ".join(f"{k} {x}" for k, x in v.items()) + f"; {machine.get('date')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
