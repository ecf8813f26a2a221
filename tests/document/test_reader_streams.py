"""Standard input (``-``) and FIFOs read as streams by the document reader, within the size limit."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pytest

from astro_config.document.reader import LimitError, load_file, read_bytes
from astro_config.errors import InputError

VALUES = b"global:\n  nginx:\n    enabled: true\n"


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_dash_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, VALUES)
    doc = load_file("-")
    assert doc.name == "<stdin>" and doc.data == {"global": {"nginx": {"enabled": True}}}
    assert doc.path is None and doc.stat_key is None  # cannot be written back in place
    assert read_bytes("-") == VALUES  # given twice: the same input, not an empty second read


def test_dash_keeps_a_given_name(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, VALUES)
    assert load_file("-", "live values").name == "live values"


def test_standard_input_over_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, b"a: 1\n" * 10)
    with pytest.raises(LimitError, match="<stdin>: input is over the 49-byte limit"):
        read_bytes("-", max_bytes=49)


def test_a_file_named_dash_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "-").write_bytes(b"a: 2\n")
    monkeypatch.chdir(tmp_path)
    _stdin(monkeypatch, VALUES)
    assert load_file("./-").data == {"a": 2}


def _writer(path: Path, data: bytes, delay: float) -> threading.Thread:
    def write() -> None:
        time.sleep(delay)
        with open(path, "wb") as fh:
            for i in range(0, len(data), 4096):
                fh.write(data[i : i + 4096])
                fh.flush()

    t = threading.Thread(target=write, daemon=True)
    t.start()
    return t


def test_fifo_is_read_as_a_stream(tmp_path: Path) -> None:
    fifo = tmp_path / "values.yaml"
    os.mkfifo(fifo)
    big = VALUES + b"".join(b"k%05d: %d\n" % (i, i) for i in range(20_000))  # several pipe buffers
    t = _writer(fifo, big, 0.05)
    doc = load_file(fifo)
    t.join(5)
    assert doc.raw == big and doc.data["k19999"] == 19999
    assert doc.path is None  # a stream: not writable in place


def test_fifo_over_the_limit_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "values.yaml"
    os.mkfifo(fifo)
    t = _writer(fifo, b"a: 1\n" * 100, 0.0)
    with pytest.raises(LimitError, match="input is over the 200-byte limit"):
        read_bytes(fifo, max_bytes=200)
    t.join(5)


def test_fifo_without_a_writer_is_refused_quickly(tmp_path: Path) -> None:
    fifo = tmp_path / "values.yaml"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(InputError, match="is a FIFO that nothing wrote to"):
        read_bytes(fifo)
    assert time.monotonic() - started < 2
