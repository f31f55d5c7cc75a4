"""Small ledger exports as ledger systems write them, for the import tests."""

import datetime
from pathlib import Path

from openpyxl import Workbook

HEADERS = ["Period", "Konto", "Ansvar", "Verksamhet", "Aktivitet", "Projekt", "Belopp"]


def write_xlsx(
    path: Path,
    lines: list[list],
    *,
    headers: list[str] = HEADERS,
    titles: list[str] = ("Huvudbok Arbetsmarknadsnämnden", "Utfall 2023"),
    total: object = None,
    sheet: str = "Utfall",
) -> Path:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for title in titles:
        worksheet.append([title])
    if titles:
        worksheet.append([])
    worksheet.append(headers)
    for line in lines:
        worksheet.append(line)
    if total is not None:
        worksheet.append(["Summa", *[""] * (len(headers) - 2), total])
    workbook.save(path)
    return path


def write_csv(
    path: Path,
    lines: list[list],
    *,
    headers: list[str] = HEADERS,
    delimiter: str = ";",
    encoding: str = "utf-8",
    total: object = None,
) -> Path:
    rows = [headers, *lines]
    if total is not None:
        rows.append(["Summa", *[""] * (len(headers) - 2), total])
    text = "\r\n".join(delimiter.join(str(cell) for cell in row) for row in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def august(day: int = 31) -> datetime.date:
    return datetime.date(2023, 8, day)
