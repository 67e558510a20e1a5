"""Shared pieces of the hostile-input tests: hypothesis settings and input strategies.

The settings are bounded and deterministic (``derandomize=True``: the same
examples on every run, no example database written into the tree), so the
files run in well under a minute. ``HDS_HYPOTHESIS_EXAMPLES`` raises the
example count for a longer local hunt (``derandomize`` stays on unless
``HDS_HYPOTHESIS_RANDOM=1``).
"""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("HDS_HYPOTHESIS_EXAMPLES", "0") or 0)


def hostile_settings(max_examples: int = 60):
    return settings(
        max_examples=EXAMPLES or max_examples,
        derandomize=os.environ.get("HDS_HYPOTHESIS_RANDOM") != "1",
        database=None,
        deadline=None,
        # pytest-django's db/settings fixtures are function-scoped on purpose: the
        # examples of one test share its database, which is what a real site does too
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large],
        print_blob=True,
        # shrinking a failure through a view can take minutes: off unless asked for (HDS_HYPOTHESIS_SHRINK=1)
        phases=list(Phase) if os.environ.get("HDS_HYPOTHESIS_SHRINK") == "1" else [
            Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
        report_multiple_bugs=False,
    )


# --- text ------------------------------------------------------------------------

#: the usual suspects, always among the examples
UNICODE_EDGES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",  # RTL override
    "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",  # Hebrew, Arabic
    "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA",  # zalgo
    "e\u0301" * 50,  # combining marks
    "\U0001f469\u200d\U0001f4bb\U0001f1e9\U0001f1ea\U0001f44d\U0001f3fd",  # ZWJ emoji, flag, skin tone
    "\ufeffBOM",
    "\u200b\u200c\u200d",  # zero-width
    "\r\n\t\x0b\x0c",
    "\x7f\x1b[31m",  # DEL, ANSI escape
    "\uffff\ufffe",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{ 7*7 }}{% debug %}",
    "%00%2e%2e%2f",
    "../../etc/passwd",
    "A" * 300,
]

hostile_text = st.one_of(
    st.sampled_from(UNICODE_EDGES),
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=60),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Mn", "Zs", "So"]), max_size=40),
)

huge_text = st.integers(min_value=20_000, max_value=60_000).map(lambda n: "Ä" * n)

#: mostly hostile text, now and then a huge string (a quarter: each field of a form may get one)
any_text = st.one_of(hostile_text, hostile_text, hostile_text, huge_text)

# --- JSON ------------------------------------------------------------------------

json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), hostile_text,
)
json_value = st.recursive(
    json_scalar,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)

#: strings that are not JSON, or not quite
MALFORMED_JSON = [
    "", "{", "}", "[", "{\"type\":", "{'type': 'ping'}", "{\"type\": \"ping\",}", "NaN", "Infinity",
    "{\"type\": \"ping\"} trailing", "\x00", "{\"type\": \"ping\"\x00}", "null", "true", "[]", "42", "\"ping\"",
    "{\"type\": NaN}", "{\"a\":" * 50, "[" * 10_000,
]

#: lone surrogates and friends, valid only as JSON escapes
SURROGATE_ESCAPES = ["\\ud800", "\\udfff", "\\ud83d", "a\\ud800b", "\\u0000", "\\ud83d\\ude00"]


def json_text_with_escape(kind: str, field: str, escape: str, extra: dict | None = None) -> str:
    """A JSON object as text whose ``field`` holds a raw escape sequence (e.g. a lone surrogate)."""
    head = json.dumps({"type": kind, **(extra or {})})[:-1]
    return f'{head}, "{field}": "{escape}"}}'


def message_frames(types: list[str], fields: dict[str, list[str]]):
    """Text frames a client might send to a consumer accepting ``types``.

    Mixes: random text, malformed JSON, JSON that is not an object, objects with
    known and unknown types and wrong/missing/huge fields, escaped lone surrogates.
    """
    all_fields = sorted({f for fs in fields.values() for f in fs} | {"type", "seq"})
    known_type = st.sampled_from(types)
    wrong_type = st.one_of(json_scalar, st.lists(json_scalar, max_size=2), st.sampled_from(["PING", "ping ", "", "__proto__", "resume\x00"]))
    objects = st.builds(
        lambda kind, values: {"type": kind, **values},
        st.one_of(known_type, wrong_type),
        st.dictionaries(st.sampled_from(all_fields + ["x", "__proto__"]), json_value, max_size=4),
    )
    objects_as_text = objects.map(lambda o: json.dumps(o, ensure_ascii=False))
    escapes = st.builds(
        lambda kind, escape: json_text_with_escape(kind, (fields.get(kind) or ["seq"])[0], escape),
        known_type, st.sampled_from(SURROGATE_ESCAPES),
    )
    return st.one_of(
        hostile_text,
        st.sampled_from(MALFORMED_JSON),
        json_value.map(lambda v: json.dumps(v, ensure_ascii=False)),
        objects_as_text,
        escapes,
    )


binary_frames = st.binary(min_size=0, max_size=4096)
