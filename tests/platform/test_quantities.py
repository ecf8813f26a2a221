"""Kubernetes quantities: parsing as Kubernetes does, exact arithmetic, clear errors, canonical output."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astro_config.errors import AstroConfigError, QuantityError
from astro_config.platform.quantities import (
    MAX_VALUE,
    format_cpu,
    format_memory,
    parse_cpu,
    parse_memory,
    parse_quantity,
)

Gi = 1024**3
Mi = 1024**2


@pytest.mark.parametrize(
    ("value", "cores"),
    [
        ("2", Fraction(2)),
        (2, Fraction(2)),
        ("1500m", Fraction(3, 2)),
        ("100m", Fraction(1, 10)),
        (0.5, Fraction(1, 2)),
        ("0.5", Fraction(1, 2)),
        (0.1, Fraction(1, 10)),  # the float's shortest repr, not its binary expansion
        (1.5, Fraction(3, 2)),
        ("0", Fraction(0)),
        ("1m", Fraction(1, 1000)),
        ("0.001", Fraction(1, 1000)),
        ("+1", Fraction(1)),
        ("1.", Fraction(1)),
        (".5", Fraction(1, 2)),
        ("5e-1", Fraction(1, 2)),
        ("1E3", Fraction(1000)),
        ("250000u", Fraction(1, 4)),
        ("500000000n", Fraction(1, 2)),
        (Fraction(3, 4), Fraction(3, 4)),
    ],
)
def test_parse_cpu(value: str | int | float | Fraction, cores: Fraction) -> None:
    result = parse_cpu(value)
    assert result == cores
    assert isinstance(result, Fraction)


@pytest.mark.parametrize(
    ("value", "nbytes"),
    [
        ("1536Mi", 1536 * Mi),
        ("3Gi", 3 * Gi),
        ("1.5Gi", 1536 * Mi),
        ("1610612736", 1610612736),
        (1610612736, 1610612736),
        ("1.5G", 1_500_000_000),
        ("500M", 500_000_000),
        ("1e9", 1_000_000_000),
        ("1E9", 1_000_000_000),
        ("1e+06", 1_000_000),  # how Helm renders a large YAML integer that became a float
        (1.5e9, 1_500_000_000),
        (1e6, 1_000_000),
        ("128974848", 128974848),
        ("129e6", 129_000_000),
        ("123Mi", 123 * Mi),
        ("1k", 1000),
        ("1Ki", 1024),
        ("1Ti", 1024**4),
        ("1E", 10**18),
        ("7Ei", 7 * 1024**6),
        ("0", 0),
        ("0.5", 1),  # fractions of a byte round up, as Kubernetes' Value() does
        ("1.0001", 2),
        ("1e-3", 1),
        ("0.1Ki", 103),  # 102.4 -> 103
    ],
)
def test_parse_memory(value: str | int | float, nbytes: int) -> None:
    result = parse_memory(value)
    assert result == nbytes
    assert type(result) is int


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2 cpu", "write just the number ('2')"),
        ("2cores", "write just the number ('2')"),
        ("1Mi", "'Mi' is a memory unit"),
        ("1Gi", "'Gi' is a memory unit"),
        ("1G", "'G' is a memory unit"),
        ("1k", "'k' is a memory unit"),
        ("-1", "negative"),
        ("-500m", "negative"),
        (-1, "negative"),
        ("0.0001", "finer than 1m"),
        (0.0001, "finer than 1m"),
        ("100u", "finer than 1m"),
        ("1.5m", "finer than 1m"),
        ("", "not a CPU quantity"),
        ("m", "not a CPU quantity"),
        ("two", "not a CPU quantity"),
        ("1,5", "not a CPU quantity"),
        (" 2", "remove the spaces ('2')"),
        ("1e", "not a CPU quantity"),
        (True, "true is not a CPU quantity"),
        (None, "null is not a CPU quantity"),
        (float("nan"), "nan is not a CPU quantity"),
        (float("inf"), "inf is not a CPU quantity"),
        ([1], "not a CPU quantity (list)"),
        ("1e99", "out of range"),
        ("9" * 41, "too large"),
        ("1e40", "too large for a CPU quantity"),
    ],
)
def test_parse_cpu_errors(value: object, message: str) -> None:
    with pytest.raises(QuantityError) as info:
        parse_cpu(value)  # type: ignore[arg-type]
    text = str(info.value)
    assert message in text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.5GB", "did you mean '1.5G' (10^n bytes) or '1.5Gi' (2^n bytes)?"),
        ("512MB", "did you mean '512M' (10^n bytes) or '512Mi' (2^n bytes)?"),
        ("512MiB", "did you mean '512M' (10^n bytes) or '512Mi' (2^n bytes)?"),
        ("1K", "did you mean '1k' (10^n bytes) or '1Ki' (2^n bytes)?"),
        ("2gi", "did you mean '2G' (10^n bytes) or '2Gi' (2^n bytes)?"),
        ("100B", "write plain bytes without 'B' ('100')"),
        ("2 Gi", "remove the spaces ('2Gi')"),
        ("2 GB", "did you mean '2G'"),
        ("512m", "'m' means thousandths of a byte; did you mean '512Mi' or '512M'?"),
        ("5u", "millionths of a byte"),
        ("-1Gi", "negative"),
        (-1, "negative"),
        ("16Ei", "too large for a memory quantity"),
        (str(2**63), "too large for a memory quantity"),
        ("lots", "not a memory quantity"),
        (False, "false is not a memory quantity"),
        ("1e" + "0" * 5000, "out of range"),
    ],
)
def test_parse_memory_errors(value: object, message: str) -> None:
    with pytest.raises(QuantityError) as info:
        parse_memory(value)  # type: ignore[arg-type]
    text = str(info.value)
    assert message in text
    assert "\n" not in text
    assert len(text) < 200  # long values are cut in messages


def test_errors_name_the_value_and_are_user_errors() -> None:
    with pytest.raises(QuantityError, match=r"^'1\.5GB' is not a memory quantity"):
        parse_memory("1.5GB")
    with pytest.raises(QuantityError, match=r"^'2 cpu' is not a CPU quantity"):
        parse_cpu("2 cpu")
    assert issubclass(QuantityError, AstroConfigError)


def test_max_value_is_accepted() -> None:
    assert parse_memory(str(MAX_VALUE)) == MAX_VALUE
    assert parse_cpu(f"{MAX_VALUE}m") == Fraction(MAX_VALUE, 1000)


def test_parse_quantity_keeps_the_sign_and_suffix() -> None:
    assert parse_quantity("-1.5Gi") == (Fraction(-3 * Gi, 2), "Gi")
    assert parse_quantity("1e3") == (Fraction(1000), "e3")
    assert parse_quantity("1E") == (Fraction(10**18), "E")
    with pytest.raises(QuantityError):
        parse_quantity("1GB")


@pytest.mark.parametrize(
    ("cores", "text"),
    [
        (Fraction(2), "2"),
        (2, "2"),
        (Fraction(0), "0"),
        (Fraction(3, 2), "1500m"),
        (Fraction(1, 10), "100m"),
        (Fraction(1, 1000), "1m"),
        (Fraction(2001, 1000), "2001m"),
        (Fraction(67), "67"),
    ],
)
def test_format_cpu(cores: Fraction | int, text: str) -> None:
    assert format_cpu(cores) == text


@pytest.mark.parametrize(
    ("nbytes", "text"),
    [
        (1536 * Mi, "1536Mi"),
        (3 * Gi, "3Gi"),
        (2 * 1536 * Mi, "3Gi"),
        (3 * 1536 * Mi, "4608Mi"),
        (67 * 1536 * Mi, "102912Mi"),
        (1024, "1Ki"),
        (1536, "1536"),  # 1.5Ki is not a whole number of Ki: bytes
        (1_500_000_000, "1500000000"),
        (1_000_000_000, "1000000000"),
        (1_024_000, "1000Ki"),
        (1024**6, "1Ei"),
        (0, "0"),
        (1, "1"),
    ],
)
def test_format_memory(nbytes: int, text: str) -> None:
    assert format_memory(nbytes) == text


@pytest.mark.parametrize("bad", [Fraction(-1), Fraction(1, 10000), Fraction(1, 3), 1.5, True])
def test_format_cpu_rejects(bad: object) -> None:
    with pytest.raises(QuantityError):
        format_cpu(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, 1.5, True, Fraction(3, 2)])
def test_format_memory_rejects(bad: object) -> None:
    with pytest.raises(QuantityError):
        format_memory(bad)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ properties

millicores = st.integers(min_value=0, max_value=MAX_VALUE)
byte_counts = st.integers(min_value=0, max_value=MAX_VALUE)


@given(millicores)
def test_cpu_round_trip(millis: int) -> None:
    cores = Fraction(millis, 1000)
    text = format_cpu(cores)
    assert parse_cpu(text) == cores
    assert format_cpu(parse_cpu(text)) == text  # canonical text is a fixed point
    assert text.endswith("m") == (millis % 1000 != 0)


@given(byte_counts)
def test_memory_round_trip(nbytes: int) -> None:
    text = format_memory(nbytes)
    assert parse_memory(text) == nbytes
    assert format_memory(parse_memory(text)) == text
    assert len(text) <= len(str(nbytes)) + 1  # never longer than plain bytes (plus a unit letter)


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["Ki", "Mi", "Gi", "Ti"]))
def test_binary_suffixes_multiply_exactly(n: int, suffix: str) -> None:
    factor = {"Ki": 1024, "Mi": Mi, "Gi": Gi, "Ti": 1024**4}[suffix]
    assert parse_memory(f"{n}{suffix}") == n * factor
    assert parse_memory(format_memory(n * factor)) == n * factor


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["k", "M", "G", "T"]))
def test_decimal_suffixes_multiply_exactly(n: int, suffix: str) -> None:
    factor = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}[suffix]
    assert parse_memory(f"{n}{suffix}") == n * factor
    assert parse_memory(f"{n}e{len(str(factor)) - 1}") == n * factor


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=3))
def test_decimal_cpu_spellings_agree(millis: int, shift: int) -> None:
    """'1.5', '1500m', '1500000u' and '15e-1' are the same CPU."""
    cores = Fraction(millis, 1000)
    whole, frac = divmod(millis, 1000)
    decimal = f"{whole}.{frac:03d}"
    assert parse_cpu(decimal) == cores
    assert parse_cpu(f"{millis}m") == cores
    assert parse_cpu(f"{millis * 1000}u") == cores
    assert parse_cpu(f"{millis * 10**shift}e-{3 + shift}") == cores


@given(st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False))
def test_yaml_floats_read_as_written(value: object) -> None:
    """A float from YAML reads as its shortest decimal, so 0.1 is exactly 1/10."""
    as_float = float(str(value))
    assert parse_cpu(as_float) == Fraction(repr(as_float))


@given(st.integers(min_value=1, max_value=10**15))
def test_fractional_bytes_round_up(n: int) -> None:
    assert parse_memory(f"{n}.5") == n + 1
    assert parse_memory(f"{n}.0") == n
