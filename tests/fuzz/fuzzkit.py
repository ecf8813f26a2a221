"""What the fuzz tests share: the hypothesis profiles, the real files to mutate, and the mutator.

Fast profile (the normal test run, and CI): about a hundred examples per test. Long profile (at least 10,000 per
test), one command:

    HYPOTHESIS_PROFILE=long python -m pytest tests/hardening/test_properties.py tests/fuzz
"""

from __future__ import annotations

import os

from conftest import astronomer_files, corpus_files
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
settings.register_profile("fuzz-fast", max_examples=120, deadline=None, suppress_health_check=_HEALTH)
settings.register_profile("fuzz-long", max_examples=10_000, deadline=None, suppress_health_check=_HEALTH)
PROFILE = settings.get_profile("fuzz-long" if os.environ.get("HYPOTHESIS_PROFILE") == "long" else "fuzz-fast")

# Real files to mutate: the Astronomer releases and the smaller half of the corpus (kept fast).
_SOURCES = astronomer_files() + sorted(corpus_files(), key=lambda p: p.stat().st_size)[:30]
SEEDS: list[bytes] = [p.read_bytes() for p in _SOURCES] or [
    b"# values\nglobal:\n  baseDomain: example.com\n  list: [1, 2]\n  flow: {a: 1}\nimage:\n  tag: '1.0'\n"
]

TOKENS = [
    b"\t", b"\n", b"\r\n", b"\r", b" ", b"  ", b":", b": ", b"- ", b"-", b"?", b"? ", b"[", b"]", b"{", b"}", b",",
    b"&a ", b"*a", b"&b", b"*b", b"<<: *a\n", b"!!str ", b"!!int ", b"!custom ", b"|", b"|-", b"|+", b">", b"'",
    b'"', b"#", b" # c", b"---\n", b"...\n", b"%YAML 1.1\n", b"~", b"null", b"yes", b"0777", b"1e3", b"\\",
    b"\xef\xbb\xbf", b"\x00", b"\xff", b"\xc3", b"\xe2\x80\xa8", b"\xc2\x85", b"\x7f", b"\xf0\x9f\x98\x80",
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, most: int = 6) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1 if most else 0, most))):
        if not data:
            data += draw(st.sampled_from(TOKENS))
            continue
        i = draw(st.integers(0, len(data) - 1))
        op = draw(st.integers(0, 4))
        if op == 0:
            data[i : i + 1] = draw(st.sampled_from(TOKENS))
        elif op == 1:
            data[i:i] = draw(st.sampled_from(TOKENS))
        elif op == 2:
            del data[i : i + draw(st.integers(1, 80))]
        elif op == 3:
            j = draw(st.integers(0, len(data) - 1))
            data[i:i] = data[j : j + draw(st.integers(1, 300))]
        else:  # re-indent a line
            start = data.rfind(b"\n", 0, i) + 1
            data[start:start] = b" " * draw(st.integers(1, 4))
    return bytes(data)
