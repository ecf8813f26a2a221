"""Kubernetes resource quantities (CPU and memory), parsed and formatted exactly.

Grammar (Kubernetes ``resource.Quantity``)::

    quantity  ::= [+-] number [suffix]
    number    ::= digits | digits "." [digits] | "." digits
    suffix    ::= Ki | Mi | Gi | Ti | Pi | Ei            (binary, powers of 1024)
                | n | u | m | k | M | G | T | P | E      (decimal SI)
                | ("e" | "E") [+-] digits               (decimal exponent: 1e9)

All arithmetic is exact (:class:`fractions.Fraction` and ``int``); no float is ever used for a value.
YAML may hand us ``int`` or ``float`` scalars (``cpu: 2``, ``cpu: 0.5``): a float is read through its
shortest ``repr`` (``0.1`` -> ``1/10``), which is what the YAML text said.

Decisions, stricter than Kubernetes where its leniency hides a mistake:

* **CPU** takes cores (``2``, ``0.5``, ``5e-1``) or milli/micro/nanocores (``1500m``). Binary suffixes
  (``Mi``) and the big decimal ones (``k``, ``M``, ``G``...) are rejected as memory units. CPU finer than
  1m (``0.0001``, ``100u``) is rejected: Kubernetes documents 1m as the finest CPU precision and would
  round such a value up to ``1m`` silently.
* **Memory** takes bytes with any binary or big decimal suffix, or an exponent (``1e9``). ``m``, ``u`` and
  ``n`` (thousandths of a byte and less) are rejected: ``512m`` is almost always a typo for ``512Mi``.
  Fractions of a byte round up, as Kubernetes' ``Quantity.Value()`` does (``0.5`` -> 1 byte).
* Negative values, whitespace, and units Kubernetes does not know (``GB``, ``K``, ``mi``) are errors.
* Values above 2**63 - 1 (bytes or millicores) are errors: Kubernetes stores them in an int64.

Canonical output: CPU as whole cores (``"2"``) or millicores (``"1500m"``); memory in the largest binary
unit that divides it exactly (``"1536Mi"``, ``"3Gi"``), otherwise plain bytes (``"1500000000"``).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from astro_config.errors import QuantityError

__all__ = [
    "BINARY_SUFFIXES",
    "DECIMAL_SUFFIXES",
    "MAX_VALUE",
    "format_cpu",
    "format_memory",
    "parse_cpu",
    "parse_memory",
    "parse_quantity",
]

MAX_VALUE = 2**63 - 1
"""Largest number of bytes (memory) or millicores (CPU) accepted, as in Kubernetes' int64."""

BINARY_SUFFIXES: dict[str, int] = {
    "Ki": 1024,
    "Mi": 1024**2,
    "Gi": 1024**3,
    "Ti": 1024**4,
    "Pi": 1024**5,
    "Ei": 1024**6,
}
DECIMAL_SUFFIXES: dict[str, Fraction] = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}

_CPU_SUFFIXES = frozenset({"", "m", "u", "n"})
_SUB_BYTE = {"m": "thousandths", "u": "millionths", "n": "billionths"}
_MEMORY_REJECTED = frozenset(_SUB_BYTE)
_MAX_DIGITS = 40  # longer numbers are nonsense for resources (and slow to convert)
_MAX_EXPONENT = 40
_MAX_SHOWN = 48  # longer values are cut in messages

# (patterns as strings: the re module compiles and caches them on first use, so importing stays cheap)
_QUANTITY = (
    r"(?P<sign>[+-]?)"
    r"(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?P<suffix>[eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|)"
)
# What is left after a number that failed to match: used for a helpful error message.
_NUMBER_PREFIX = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"

_CPU_HELP = "write cores ('2', '0.5') or millicores ('1500m')"
_MEMORY_HELP = "write bytes with a Kubernetes suffix, e.g. '1536Mi', '3Gi', '1.5G' or '1610612736'"


def _show(value: object) -> str:
    """The value as the user would recognise it in a message (YAML spelling for scalars)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value) if len(value) <= _MAX_SHOWN else repr(value[:_MAX_SHOWN]) + "..."
    if isinstance(value, Fraction):
        return str(value)
    return repr(value)


def _to_text(value: object, what: str, help_text: str) -> str:
    """Turn a YAML scalar into quantity text; raise for anything that cannot be one."""
    if isinstance(value, bool) or value is None:
        raise QuantityError(f"{_show(value)} is not a {what} quantity: {help_text}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QuantityError(f"{_show(value)} is not a {what} quantity: {help_text}")
        return repr(value)  # shortest round-trip decimal: exactly what the YAML text said
    if isinstance(value, str):
        return value
    raise QuantityError(f"{_show(value)} is not a {what} quantity ({type(value).__name__}): {help_text}")


def _suffix_hint(text: str, for_cpu: bool) -> str:
    """A 'did you mean' for common non-Kubernetes spellings, or '' when we have none."""
    compact = "".join(text.split())
    m = re.match(_NUMBER_PREFIX, compact)
    if not m:
        return "a quantity has no spaces" if compact != text else ""
    number, rest = m.group(0), compact[m.end() :]
    if for_cpu and rest.lower() in {"cpu", "cpus", "core", "cores", "vcpu", "vcpus"}:
        return f"write just the number ({number!r})"
    if compact != text and re.fullmatch(_QUANTITY, compact):
        return f"remove the spaces ({compact!r})"
    spaces = "a quantity has no spaces" if compact != text else ""
    if for_cpu:
        return spaces
    fixes = {
        "kb": ("k", "Ki"),
        "k": ("k", "Ki"),
        "kib": ("k", "Ki"),
        "ki": ("k", "Ki"),
        "mb": ("M", "Mi"),
        "mib": ("M", "Mi"),
        "mi": ("M", "Mi"),
        "gb": ("G", "Gi"),
        "gib": ("G", "Gi"),
        "gi": ("G", "Gi"),
        "g": ("G", "Gi"),
        "tb": ("T", "Ti"),
        "tib": ("T", "Ti"),
        "ti": ("T", "Ti"),
        "t": ("T", "Ti"),
        "b": ("", ""),
    }
    fix = fixes.get(rest.lower())
    if fix is None:
        return spaces
    decimal, binary = fix
    if not binary:
        return f"write plain bytes without 'B' ({number!r})"
    return f"did you mean {number + decimal!r} (10^n bytes) or {number + binary!r} (2^n bytes)?"


def parse_quantity(text: str) -> tuple[Fraction, str]:
    """Parse Kubernetes quantity text into its exact value and the suffix as written.

    The value may be negative (the grammar allows it); CPU and memory parsing reject that.
    Raises :class:`QuantityError` when the text is not a quantity at all.
    """
    m = re.fullmatch(_QUANTITY, text)
    if m is None:
        raise QuantityError(f"{_show(text)} is not a Kubernetes quantity")
    number, suffix = m.group("number"), m.group("suffix")
    if len(number) > _MAX_DIGITS:
        raise QuantityError(f"{_show(text)} is too large: at most {_MAX_DIGITS} digits")
    value = Fraction(number)
    if suffix in BINARY_SUFFIXES:
        value *= BINARY_SUFFIXES[suffix]
    elif suffix in DECIMAL_SUFFIXES:
        value *= DECIMAL_SUFFIXES[suffix]
    else:  # decimal exponent: e3, E-2, e+06
        exponent = int(suffix[1:]) if len(suffix) <= 8 else _MAX_EXPONENT + 1
        if abs(exponent) > _MAX_EXPONENT:
            raise QuantityError(f"{_show(text)} is out of range: exponent beyond +/-{_MAX_EXPONENT}")
        value *= Fraction(10) ** exponent
    if m.group("sign") == "-":
        value = -value
    return value, suffix


def parse_cpu(value: str | int | float | Fraction) -> Fraction:
    """Parse a CPU quantity into cores, exactly: ``"1500m"`` -> ``Fraction(3, 2)``, ``2`` -> ``2``.

    Raises :class:`QuantityError` (one line naming the value) for anything else: memory units (``"1Mi"``,
    ``"1G"``), words (``"2 cpu"``), negative values, and CPU finer than 1m (``"0.0001"``).
    """
    if isinstance(value, Fraction):
        cores = value
        shown = _show(value)
    else:
        text = _to_text(value, "CPU", _CPU_HELP)
        shown = _show(value)
        m = re.fullmatch(_QUANTITY, text)
        if m is None:
            hint = _suffix_hint(text, for_cpu=True)
            raise QuantityError(f"{shown} is not a CPU quantity: {hint or _CPU_HELP}")
        suffix = m.group("suffix")
        if suffix in BINARY_SUFFIXES or (suffix in DECIMAL_SUFFIXES and suffix not in _CPU_SUFFIXES):
            raise QuantityError(f"{shown} is not a CPU quantity: {suffix!r} is a memory unit; {_CPU_HELP}")
        cores, _ = parse_quantity(text)
    if cores < 0:
        raise QuantityError(f"{shown} is negative: CPU cannot be negative")
    millis = cores * 1000
    if millis.denominator != 1:
        raise QuantityError(f"{shown} is finer than 1m: Kubernetes does not allow CPU precision below 1m (0.001 CPU)")
    if millis > MAX_VALUE:
        raise QuantityError(f"{shown} is too large for a CPU quantity")
    return cores


def parse_memory(value: str | int | float | Fraction) -> int:
    """Parse a memory quantity into bytes: ``"1536Mi"`` -> 1610612736, ``"1.5G"`` -> 1500000000.

    Fractions of a byte round up (``"0.5"`` -> 1), as Kubernetes does. Raises :class:`QuantityError`
    for ``m``/``u``/``n`` suffixes (``"512m"`` is thousandths of a byte), non-Kubernetes units (``"1.5GB"``,
    ``"1K"``), negative values and values above 2**63 - 1 bytes.
    """
    if isinstance(value, Fraction):
        amount = value
        shown = _show(value)
    else:
        text = _to_text(value, "memory", _MEMORY_HELP)
        shown = _show(value)
        m = re.fullmatch(_QUANTITY, text)
        if m is None:
            hint = _suffix_hint(text, for_cpu=False)
            raise QuantityError(f"{shown} is not a memory quantity: {hint or _MEMORY_HELP}")
        suffix = m.group("suffix")
        if suffix in _MEMORY_REJECTED:
            number = m.group("sign") + m.group("number")
            raise QuantityError(
                f"{shown} is not a memory quantity: {suffix!r} means {_SUB_BYTE[suffix]} of a byte; "
                f"did you mean {number + 'Mi'!r} or {number + 'M'!r}?"
            )
        amount, _ = parse_quantity(text)
    if amount < 0:
        raise QuantityError(f"{shown} is negative: memory cannot be negative")
    nbytes = math.ceil(amount)
    if nbytes > MAX_VALUE:
        raise QuantityError(f"{shown} is too large for a memory quantity")
    return nbytes


def format_cpu(cores: Fraction | int) -> str:
    """Canonical CPU text: whole cores as ``"2"``, anything else in millicores (``"1500m"``, ``"100m"``).

    Raises :class:`QuantityError` for negative values and values finer than 1m.
    """
    if isinstance(cores, bool) or not isinstance(cores, (int, Fraction)):
        raise QuantityError(f"{_show(cores)} is not an exact CPU amount (int or Fraction)")
    value = Fraction(cores)
    if value < 0:
        raise QuantityError(f"{value} cores is negative: CPU cannot be negative")
    if value.denominator == 1:
        return str(value.numerator)
    millis = value * 1000
    if millis.denominator != 1:
        raise QuantityError(f"{value} cores is finer than 1m and cannot be written as a CPU quantity")
    return f"{millis.numerator}m"


def format_memory(nbytes: int) -> str:
    """Canonical memory text: the largest binary unit that is exact (``"1536Mi"``, ``"3Gi"``), else bytes."""
    if isinstance(nbytes, bool) or not isinstance(nbytes, int):
        raise QuantityError(f"{_show(nbytes)} is not a whole number of bytes")
    if nbytes < 0:
        raise QuantityError(f"{nbytes} bytes is negative: memory cannot be negative")
    if nbytes == 0:
        return "0"
    for suffix, factor in reversed(BINARY_SUFFIXES.items()):
        if nbytes % factor == 0:
            return f"{nbytes // factor}{suffix}"
    return str(nbytes)
