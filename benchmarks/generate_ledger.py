"""A synthetic ledger export as a ledger system writes it: title rows, Swedish headers, one
line per posting, a total row at the bottom.

    python benchmarks/generate_ledger.py huvudbok.xlsx --lines 200000
"""

import argparse
import random
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

HEADERS = ["Period", "Konto", "Ansvar", "Verksamhet", "Aktivitet", "Projekt", "Belopp"]
# The verksamheter of the AMN driftsammandrag 2023.
OPERATIONS = [100, 470, 472, 474, 476, 575, 600, 610, 921, 926]
ACCOUNTS = [3010, 3510, 3610, 4010, 4610, 5110, 5410, 6110, 6410, 7010]


def ledger_lines(count: int, year: int = 2023, months: int = 8, seed: int = 2023):
    """Deterministic lines: revenues (class 3) negative, costs positive, whole öre."""
    chance = random.Random(seed)
    for _ in range(count):
        account = chance.choice(ACCOUNTS)
        cents = chance.randint(100, 5_000_000)
        if account < 4000:
            cents = -cents
        yield [
            year * 100 + chance.randint(1, months),
            account,
            str(7000 + chance.randint(0, 60)),
            chance.choice(OPERATIONS),
            "" if chance.random() < 0.9 else f"A{chance.randint(1, 9)}",
            "" if chance.random() < 0.95 else f"P{chance.randint(100, 120)}",
            cents,
        ]


def write_ledger(path: Path, count: int) -> Decimal:
    """Write the workbook (streaming, so memory stays flat) and return its exact total."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Huvudbok")
    sheet.append(["Huvudbok Arbetsmarknadsnämnden"])
    sheet.append(["Utfall januari–augusti 2023, kronor"])
    sheet.append([])
    sheet.append(HEADERS)
    total = 0
    for line in ledger_lines(count):
        total += line[-1]
        line[-1] = line[-1] / 100
        sheet.append(line)
    sheet.append(["Summa", "", "", "", "", "", total / 100])
    workbook.save(path)
    return Decimal(total).scaleb(-2)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--lines", type=int, default=200_000)
    arguments = parser.parse_args()
    print(f"{arguments.out}: summa {write_ledger(arguments.out, arguments.lines)} kr")
