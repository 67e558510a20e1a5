"""Stemming from several threads at once (Django runs concurrent sync views in threads under ASGI).

snowballstemmer's stemmer objects keep the word being stemmed in instance
state; one instance shared by threads mixed two searches' words and raised
IndexError inside the stemmer (a 500 on /suche/, found by ``make soak``).
"""

import random
import sys
import threading

import snowballstemmer

from search import text


def _words(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    parts = ["honorar", "rechnung", "beratung", "versicherung", "selbst", "ständig", "keit", "ungen", "lichen",
             "erei", "end", "isch", "heit", "schaft", "ern", "est", "em", "en", "er", "es"]
    return [f"{''.join(rng.choice(parts) for _ in range(rng.randint(1, 4)))}{seed}x{i}" for i in range(n)]


def test_stem_is_safe_across_threads():
    batches = [_words(seed, 1000) for seed in range(4)]
    reference = snowballstemmer.stemmer("german")
    expected = [[reference.stemWord(w) for w in batch] for batch in batches]
    results: list = [None] * len(batches)
    errors: list = []
    start = threading.Barrier(len(batches))

    def work(i):
        try:
            start.wait()
            results[i] = [text.stem(w) for w in batches[i]]
        except Exception as exc:
            errors.append(repr(exc))

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, as a busy server does
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(batches))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert not errors, errors[:3]
    assert results == expected
