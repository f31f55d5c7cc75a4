"""Generated SIE files through the SIE reader: mutations of a valid file (random bytes,
unclosed braces and quotes, huge fields, many objects, odd #FORMAT and #SIETYP). Every
one is read, its problems listed as errors, or refused as a whole (FileRefused); any other
exception fails, and so does any input that takes more than a second per 100 kB."""

import math
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amn.lib.uploads import FileRefused
from budget.services.ledger_files import ErrorList
from budget.services.sie import MAX_LINE_CHARS, SieReader, tokens

VALID = (
    "#FLAGGA 0\n"
    '#PROGRAM "Ekonomisystemet" 1.0\n'
    "#FORMAT PC8\n"
    "#SIETYP 4\n"
    '#FNAMN "Linköpings kommun"\n'
    "#RAR 0 20230101 20231231\n"
    '#DIM 1 "Ansvar"\n'
    '#DIM 20 "Verksamhet"\n'
    '#OBJEKT 20 "575" "Ekonomiskt bistånd"\n'
    '#VER A 17 20230131 "Utbetalning \\"försörjningsstöd\\""\n'
    "{\n"
    '#TRANS 4610 {1 "7100" 20 "575"} 1500.50\n'
    "#TRANS 1930 {} -1500.50\n"
    "}\n"
    '#OIB 0 1930 {1 "7100"} 7600.00\n'
    "#PSALDO 0 202303 4610 {} 1000.00\n"
    '#PSALDO 0 202303 4610 {20 "575"} 600.00\n'
    '#PBUDGET 0 202303 4610 {20 "575"} 700.00\n'
).encode("cp437")

# Pieces a mutation inserts: what breaks a tokenizer or a decoder.
PIECES = [b"{", b"}", b'"', b"\\", b'{1 "', b'\\"', b" ", b"\t", b"\r\n", b"\n", b"#"]
LABELS = [b"#FORMAT", b"#SIETYP", b"#RAR", b"#VER", b"#TRANS", b"#PSALDO", b"#PBUDGET"]
VALUES = [b"PC8", b"UTF-8", b"UTF8", b'"PC8"', b"", b"1", b"2", b"3", b"5", b"4E", b"-1"]


@st.composite
def mutations(draw) -> bytes:
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["bytes", "cut", "piece", "huge", "objects", "label"]))
        at = draw(st.integers(0, len(data)))
        if kind == "bytes":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "piece":
            data[at:at] = draw(st.sampled_from(PIECES)) * draw(st.integers(1, 50))
        elif kind == "huge":
            # A field of up to 400 kB, or many lines just under the line limit.
            piece = draw(st.sampled_from([b"{", b"{ ", b'"', b'\\"', b"x", b'{1 "', b"9"]))
            size = draw(st.sampled_from([10, 1_000, MAX_LINE_CHARS - 20, 100_000, 400_000]))
            field = piece * (size // len(piece))
            data[at:at] = b"\n".join([field] * draw(st.sampled_from([1, 2, 40])))
        elif kind == "objects":
            count = draw(st.sampled_from([1, 50, 900, 5_000]))
            objects = b" ".join(b'%d "%d"' % (i % 40, i) for i in range(count))
            data[at:at] = b"\n#TRANS 4610 {" + objects + b"} 1.00\n"
        else:
            label, value = draw(st.sampled_from(LABELS)), draw(st.sampled_from(VALUES))
            data[at:at] = b"\n" + label + b" " + value + b"\n"
    return bytes(data)


def read_all(data: bytes) -> tuple[list, ErrorList]:
    errors = ErrorList("fuzz.se")
    try:
        reader = SieReader(data, "fuzz.se", errors)
        records = list(reader.records())
        reader.progress()
    except FileRefused:
        return [], errors
    return records, errors


def allowed_seconds(data: bytes) -> float:
    """One second per 100 kB begun."""
    return max(1, math.ceil(len(data) / 100_000))


@settings(
    max_examples=200,
    derandomize=True,
    deadline=None,  # measured below, per size
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutations())
def test_a_mutated_sie_file_is_read_or_refused_in_linear_time(data):
    started = time.perf_counter()

    records, errors = read_all(data)

    elapsed = time.perf_counter() - started
    assert elapsed <= allowed_seconds(data), f"{len(data)} bytes took {elapsed:.2f} s"
    rows = data.count(b"\n") + data.count(b"\r") + 1
    for record in records:
        assert 1 <= record.month <= 12 and record.account.isdigit() and record.source_row > 0
    for error in errors.as_list():
        assert error["message"] and (error["row"] is None or 0 < error["row"] <= rows)


@pytest.mark.parametrize("piece", [b"{", b"{ "])
def test_a_400_kb_line_of_opening_braces_is_refused_in_well_under_a_second(piece):
    data = VALID + piece * (400_000 // len(piece)) + b"\n"

    started = time.perf_counter()
    records, errors = read_all(data)
    elapsed = time.perf_counter() - started

    assert elapsed < 0.2
    assert records == []
    assert [error["text"] for error in errors.as_list()] == [
        "fuzz.se, rad 19: raden är 400 000 tecken lång; en SIE-rad får vara högst "
        "10 000 tecken. Filen är skadad eller ingen riktig SIE-fil."
    ]


def test_a_400_kb_line_full_of_format_labels_is_refused_in_well_under_a_second():
    data = b"x#FORMAT" * 50_000 + b"\n" + VALID

    started = time.perf_counter()
    _, errors = read_all(data)
    elapsed = time.perf_counter() - started

    assert elapsed < 0.2
    assert [error["text"] for error in errors.as_list()] == [
        "fuzz.se, rad 1: raden är 400 000 tecken lång; en SIE-rad får vara högst "
        "10 000 tecken. Filen är skadad eller ingen riktig SIE-fil."
    ]


@pytest.mark.parametrize("piece", ["{", "{ ", "x\t", "\\", '"', '\\"', '{1 "', "{1 }"])
def test_the_tokenizer_is_linear_even_on_a_400_kb_line(piece):
    line = "#TRANS 4610 " + piece * (400_000 // len(piece))

    started = time.perf_counter()
    tokens(line)
    elapsed = time.perf_counter() - started

    assert elapsed < 1, f"{elapsed:.2f} s"
