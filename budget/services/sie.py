"""Reading SIE files, the Swedish standard export of a general ledger.

What is read (SIE types 2, 3 and 4):
- `#VER` vouchers with their `#TRANS` postings (actuals, SIE 4). Each voucher must balance
  to zero. `#RTRANS` is always followed by an identical `#TRANS` kept for older readers,
  so it is skipped; `#BTRANS` (a removed posting) is skipped too.
- `#PSALDO` period balances (actuals) and `#PBUDGET` period budgets, for the year `#RAR 0`
  (SIE 2 writes them per account, SIE 3 and 4 per account and per object). A balance is
  written once as a total (empty object list `{}`) and again per object: the lines
  carrying the verksamhet dimension are used, else those carrying ansvar, else the total,
  and never two of them. What the chosen object lines leave of the total is an amount
  booked without an object: a line with no ansvar and no verksamhet, mapped like any such
  line.
- When a file holds both postings and `#PSALDO` balances they describe the same money,
  so the postings are used and the balances left out.

SIE 1 carries only year balances and is refused; SIE 5 is XML and refused with a hint.
Result accounts only: balance accounts (classes 1–2) are counted and left out, their
object lines (`#OIB`, `#OUB`, `#PSALDO`) never checked.

Characters: `#FORMAT PC8` (the standard's only value, also when `#FORMAT` is missing) is
CP437, but a file that is valid UTF-8 with letters beyond ASCII is UTF-8 whatever its label
says (exporters that write UTF-8 and label it PC8 exist); `#FORMAT UTF-8` is UTF-8; any
other value is refused.

The reader is linear in the size of the file: lines are cut into fields by a single pass
without regular expressions, and a line longer than MAX_LINE_CHARS is refused.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from amn.lib.money import format_swedish
from amn.lib.text import spaced
from amn.lib.uploads import BOM, FileRefused, strict_utf8
from budget.models import Measure, is_balance_account
from budget.services.ledger_files import ErrorList, LedgerRecord, is_sie5, to_amount

# SIE 4 names dimension 6 "projekt".
PROJECT_DIMENSION = 6
# The longest line read. Real lines are far shorter (a #VER with its text, a #TRANS with a
# few objects); a longer one is damage or an attack, and refused.
MAX_LINE_CHARS = 10_000
# Where #FORMAT is looked for: the header, before the first account or voucher.
HEADER_BYTES = 65_536


def tokens(line: str) -> list[str]:
    """Fields of a SIE line in one pass: quoted strings unquoted (`\\"` is a quote), object
    lists kept in braces (an unclosed one runs to the end of the line), bare tokens.

    Searches run in C (str.find), and the next space and the next tab are looked up again
    only once reading has passed them: the time grows with the line, never with its
    square."""
    found = []
    position, end = 0, len(line)
    space, tab = line.find(" "), line.find("\t")
    while position < end:
        char = line[position]
        if char == " " or char == "\t":
            position += 1
            continue
        if char == '"':
            text, position = _quoted(line, position + 1)
        elif char == "{":
            stop = _object_list_end(line, position + 1)
            text, position = line[position:stop], stop
        else:
            if 0 <= space < position:
                space = line.find(" ", position)
            if 0 <= tab < position:
                tab = line.find("\t", position)
            stop = min(space if space >= 0 else end, tab if tab >= 0 else end)
            text, position = line[position:stop], stop
        found.append(text)
    return found


def _quoted(line: str, start: int) -> tuple[str, int]:
    """The text of a quoted string that starts after its quote, and where reading goes on:
    the string ends at the first quote after an even number of backslashes."""
    position = start
    while True:
        close = line.find('"', position)
        if close < 0:
            return line[start:].replace('\\"', '"'), len(line)
        before = close
        while before > start and line[before - 1] == "\\":
            before -= 1
        if (close - before) % 2 == 0:
            return line[start:close].replace('\\"', '"'), close + 1
        position = close + 1


def _object_list_end(line: str, position: int) -> int:
    """Just after the `}` closing an object list (quoted names may hold braces)."""
    close = line.find("}", position)
    while close >= 0:
        quote = line.find('"', position, close)
        if quote < 0:
            return close + 1
        _, position = _quoted(line, quote + 1)
        if position > close:
            close = line.find("}", position)
    return len(line)


def objects(text: str) -> dict[int, str] | None:
    """`{1 "100" 20 "575"}` → {1: "100", 20: "575"}; None when it is not an object list."""
    if not (len(text) >= 2 and text.startswith("{") and text.endswith("}")):
        return None
    inner = tokens(text[1:-1])
    if len(inner) % 2:
        return None
    try:
        return {int(inner[i]): inner[i + 1] for i in range(0, len(inner), 2)}
    except ValueError:
        return None


def decode_sie(data: bytes, errors: ErrorList) -> str:
    """The file's text by its `#FORMAT`; an error (and "") when it cannot be read."""
    if data.startswith(BOM):
        return _utf8(data[len(BOM) :], errors, "filen är märkt som UTF-8 (BOM)")
    row, label = _format_label(data)
    if label.upper() in ("", "PC8"):
        if not data.isascii():
            try:
                return data.decode("utf-8")  # UTF-8 labelled PC8, or not labelled
            except UnicodeDecodeError:
                pass
        return data.decode("cp437")
    if label.upper() in ("UTF-8", "UTF8"):
        return _utf8(data, errors, "filen är märkt #FORMAT UTF-8")
    errors.add(
        "okänd teckenkodning: en SIE-fil skrivs i PC8 (standarden, #FORMAT PC8) eller UTF-8 "
        "(#FORMAT UTF-8). Exportera filen igen med en av dem.",
        row=row,
        column="#FORMAT",
        value=label,
    )
    return ""


def _utf8(data: bytes, errors: ErrorList, claim: str) -> str:
    try:
        return strict_utf8(data, errors.file, claim)
    except FileRefused as refused:
        errors.add(refused.reason, row=refused.row)
        return ""


def _format_label(data: bytes) -> tuple[int | None, str]:
    """(row, value) of the `#FORMAT` line among the file's first HEADER_BYTES (the standard
    puts it second, after #FLAGGA); (None, "") when there is none."""
    head = data[:HEADER_BYTES]
    position = head.find(b"#FORMAT")
    while position >= 0:
        # At the start of a line (after blanks at most)? Looking back over the blanks only
        # keeps this linear however many times "#FORMAT" stands inside lines.
        before = position
        while before > 0 and data[before - 1] in b" \t\r":
            before -= 1
        if before == 0 or data[before - 1] == 0x0A:
            line_end = data.find(b"\n", position)
            line = data[position : line_end if line_end >= 0 else len(data)]
            fields = tokens(line[: MAX_LINE_CHARS + 1].decode("latin-1").strip())
            if fields[0] == "#FORMAT":
                value = fields[1] if len(fields) > 1 else ""
                return data.count(b"\n", 0, position) + 1, value
        position = head.find(b"#FORMAT", position + 1)
    return None, ""


class SieReader:
    def __init__(
        self,
        data: bytes,
        file_name: str,
        errors: ErrorList,
        *,
        operation_dimension: int = 20,
        responsibility_dimension: int = 1,
    ) -> None:
        self.file_name = file_name
        self.errors = errors
        self.sie5 = is_sie5(data)
        self.lines = decode_sie(data, errors).splitlines()
        self.operation_dimension = operation_dimension
        self.responsibility_dimension = responsibility_dimension
        self.skipped_balance_lines = 0
        self._position = 0

    def progress(self) -> float:
        return self._position / max(len(self.lines), 1)

    def records(self) -> Iterator[LedgerRecord]:
        if self.errors or not self._is_sie() or not self._lines_fit():
            return
        years = self._years()
        has_postings = any(line.lstrip().startswith("#TRANS") for line in self.lines)
        if self.errors:
            return
        balances: dict[tuple, list] = defaultdict(list)
        voucher: dict | None = None
        for number, raw in enumerate(self.lines, start=1):
            self._position = number
            line = raw.strip()
            if not line:
                continue
            if line == "{":
                continue
            if line == "}":
                if voucher is not None:
                    yield from self._close_voucher(voucher)
                voucher = None
                continue
            fields = tokens(line)
            label = fields[0]
            if label == "#VER":
                voucher = self._open_voucher(fields, number)
            elif label == "#TRANS":
                if voucher is None:
                    self.errors.add("#TRANS utanför en verifikation.", row=number, column=label)
                    continue
                self._posting(fields, number, voucher)
            elif label in ("#PSALDO", "#PBUDGET"):
                if label == "#PSALDO" and has_postings:
                    continue
                self._balance(fields, number, balances, years)
        yield from self._balances(balances)

    def _is_sie(self) -> bool:
        if self.sie5:
            self.errors.add(
                "SIE 5 (XML) kan inte läsas ännu. Exportera SIE 4 (eller SIE 2 eller 3 med "
                "periodsaldon) ur ekonomisystemet och läs in den filen."
            )
            return False
        labels = {line.split(maxsplit=1)[0] for line in self.lines[:200] if line.startswith("#")}
        if not labels & {"#FLAGGA", "#SIETYP", "#FORMAT", "#PROGRAM", "#RAR"}:
            self.errors.add("filen är ingen SIE-fil (saknar #FLAGGA, #SIETYP och #RAR).")
            return False
        return True

    def _lines_fit(self) -> bool:
        for number, line in enumerate(self.lines, start=1):
            if len(line) > MAX_LINE_CHARS:
                self.errors.add(
                    f"raden är {spaced(len(line))} tecken lång; en SIE-rad "
                    f"får vara högst {spaced(MAX_LINE_CHARS)} tecken. "
                    "Filen är skadad eller ingen riktig SIE-fil.",
                    row=number,
                )
                return False
        return True

    def _years(self) -> dict[int, int]:
        years: dict[int, int] = {}
        for number, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            if not line.startswith(("#SIETYP", "#RAR")):
                continue
            fields = tokens(line)
            if fields[0] == "#SIETYP":
                self._check_type(fields, number)
            elif fields[0] == "#RAR":
                date = _date(fields[2]) if len(fields) > 2 else None
                if len(fields) < 3 or date is None or not _digits(fields[1].removeprefix("-")):
                    self.errors.add("#RAR saknar ett giltigt startdatum.", row=number, value=line)
                    continue
                years[int(fields[1])] = date.year
        return years

    def _check_type(self, fields: list[str], number: int) -> None:
        if len(fields) < 2 or fields[1] in ("2", "3", "4"):
            return
        if fields[1] == "1":
            message = (
                "SIE typ 1 har bara årssaldon (#IB, #UB, #RES), inga belopp per månad. "
                "Exportera SIE typ 2, 3 eller 4 (periodsaldon eller verifikationer)."
            )
        else:
            message = f"okänd SIE-typ {fields[1]}; typ 2, 3 och 4 kan läsas in."
        self.errors.add(message, row=number, column="#SIETYP", value=fields[1])

    def _open_voucher(self, fields: list[str], number: int) -> dict:
        date = _date(fields[3]) if len(fields) > 3 else None
        if date is None:
            self.errors.add(
                "verifikationsdatumet finns inte.",
                row=number,
                column="#VER",
                value=fields[3] if len(fields) > 3 else "",
            )
        return {
            "name": " ".join(fields[1:3]),
            "line": number,
            "date": date,
            "sum": Decimal(0),
            "postings": [],
            "bad": date is None,
        }

    def _posting(self, fields: list[str], number: int, voucher: dict) -> None:
        if len(fields) < 4 or objects(fields[2]) is None:
            self.errors.add("#TRANS har inte formen kontonr {objekt} belopp.", row=number)
            voucher["bad"] = True
            return
        account, found, amount = fields[1], objects(fields[2]), self._amount(fields[3], number)
        date = voucher["date"]
        if len(fields) > 4 and _digits(fields[4]):
            date = _date(fields[4])
            if date is None:
                self.errors.add(
                    "transaktionsdatumet finns inte.",
                    row=number,
                    column="#TRANS",
                    value=fields[4],
                )
        if amount is None or date is None or not self._account_ok(account, number):
            voucher["bad"] = True
            return
        voucher["sum"] += amount
        voucher["postings"].append((number, date, account, found, amount))

    def _close_voucher(self, voucher: dict) -> Iterator[LedgerRecord]:
        if voucher["bad"]:
            return
        if voucher["sum"] != 0:
            self.errors.add(
                f"verifikation {voucher['name']} balanserar inte: differens "
                f"{format_swedish(voucher['sum'], 2)} kr.",
                row=voucher["line"],
                column="#VER",
            )
            return
        for number, date, account, found, amount in voucher["postings"]:
            record = self._record(number, date.year, date.month, Measure.ACTUAL, account, found)
            if record is not None:
                yield record._replace(amount=amount)

    def _balance(self, fields: list[str], number: int, balances: dict, years: dict) -> None:
        label = fields[0]
        if len(fields) < 6 or objects(fields[4]) is None:
            self.errors.add(
                f"{label} har inte formen årsnr period kontonr {{objekt}} saldo.",
                row=number,
                column=label,
            )
            return
        if fields[1] != "0":
            return  # only the current year of #RAR 0
        if 0 not in years:
            self.errors.add("#RAR 0 saknas: periodsaldona kan inte föras till ett år.", row=number)
            return
        period = fields[2]
        if not (_digits(period) and len(period) == 6 and 1 <= int(period[4:]) <= 12):
            self.errors.add("perioden är inte en månad (ÅÅÅÅMM).", row=number, value=period)
            return
        amount = self._amount(fields[5], number)
        if amount is None or not self._account_ok(fields[3], number):
            return
        measure = Measure.ACTUAL if label == "#PSALDO" else Measure.BUDGET
        key = (measure, int(period[:4]), int(period[4:]), fields[3])
        balances[key].append((number, objects(fields[4]), amount))

    def _balances(self, balances: dict) -> Iterator[LedgerRecord]:
        """Per account and month: the chosen object lines, and what they leave of the
        account's total as a line without objects."""
        for (measure, year, month, account), lines in balances.items():
            totals = [line for line in lines if not line[1]]
            chosen = [line for line in lines if self.operation_dimension in line[1]] or [
                line for line in lines if self.responsibility_dimension in line[1]
            ]
            if not chosen:
                chosen = totals
            for number, found, amount in chosen:
                record = self._record(number, year, month, measure, account, found)
                if record is not None:
                    yield record._replace(amount=amount)
            if not totals or chosen is totals or is_balance_account(account):
                continue
            number, _, total = totals[0]
            rest = total - sum(line[2] for line in chosen)
            if rest:
                yield LedgerRecord(
                    number, year, month, measure, account, "", "", "", "", rest, remainder=True
                )

    def _record(
        self, number: int, year: int, month: int, measure: str, account: str, found: dict
    ) -> LedgerRecord | None:
        if is_balance_account(account):
            self.skipped_balance_lines += 1
            return None
        return LedgerRecord(
            number,
            year,
            month,
            measure,
            account,
            found.get(self.responsibility_dimension, ""),
            found.get(self.operation_dimension, ""),
            "",
            found.get(PROJECT_DIMENSION, ""),
            Decimal(0),
        )

    def _amount(self, text: str, number: int) -> Decimal | None:
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        amount = to_amount(value) if value is not None and value.is_finite() else None
        if amount is None:
            amount = "beloppet är inte ett tal"
        if isinstance(amount, str):
            self.errors.add(amount + ".", row=number, column="belopp", value=text)
            return None
        return amount

    def _account_ok(self, account: str, number: int) -> bool:
        if _digits(account):
            return True
        self.errors.add(
            "kontot är inte ett kontonummer.", row=number, column="konto", value=account
        )
        return False


def _digits(text: str) -> bool:
    """ASCII digits only (str.isdigit also takes "²" and other scripts' digits)."""
    return text.isascii() and text.isdigit()


def _date(text: str) -> datetime.date | None:
    if not (len(text) == 8 and _digits(text)):
        return None
    try:
        return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
