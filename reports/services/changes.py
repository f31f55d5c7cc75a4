"""What changed between two versions of a report, read from their open data: every table
cell and every text that differs, so a reader of a revised report sees exactly what is
new without comparing the pages by eye.

A table row is known by its naming cells (the leading columns without numbers) and, when
those repeat, by which occurrence it is; a column by its header.
"""

from dataclasses import dataclass

from reports.services.open_data import cell_text, is_number_cell


@dataclass(frozen=True)
class ReportChange:
    where: str  # "Driftsammandrag › Ekonomiskt bistånd › Utfall"
    old: str
    new: str

    @property
    def kind(self) -> str:
        if not self.old:
            return "Ny"
        if not self.new:
            return "Borttagen"
        return "Ändrad"


def changes_between(before: dict, after: dict) -> list[ReportChange]:
    return _table_changes(before.get("tables", []), after.get("tables", [])) + _text_changes(
        before.get("texts", []), after.get("texts", [])
    )


def _label_columns(*tables: dict) -> int:
    """How many leading columns name a row: those before the first column that holds a
    number in any row of either version."""
    rows = [row for table in tables for row in table.get("rows", [])]
    width = max((len(row) for row in rows), default=0)
    for column in range(width):
        if any(column < len(row) and is_number_cell(row[column]) for row in rows):
            return max(column, 1)
    return 1


def _keyed_rows(table: dict, labels: int) -> dict[tuple, list]:
    seen: dict[tuple, int] = {}
    rows = {}
    for row in table.get("rows", []):
        label = tuple("" if cell is None else str(cell) for cell in row[:labels])
        seen[label] = seen.get(label, 0) + 1
        rows[(label, seen[label])] = row
    return rows


def _row_name(key: tuple, headers: list) -> str:
    label, occurrence = key
    # The last two naming cells other than the unit say enough:
    # "Andel positiva svar … › Kvinnor".
    parts = [
        part
        for index, part in enumerate(label)
        if part and (index >= len(headers) or headers[index] != UNIT_HEADER)
    ]
    name = " › ".join(parts[-2:])
    return name if occurrence == 1 else f"{name} ({occurrence})"


UNIT_HEADER = "Enhet"


def _table_changes(before: list[dict], after: list[dict]) -> list[ReportChange]:
    changes = []
    old_tables = {table["title"]: table for table in before}
    new_tables = {table["title"]: table for table in after}
    for title in [t["title"] for t in before if t["title"] not in new_tables]:
        changes.append(ReportChange(title, "tabellen", ""))
    for table in after:
        title = table["title"]
        old = old_tables.get(title)
        if old is None:
            changes.append(ReportChange(title, "", "tabellen"))
            continue
        labels = _label_columns(old, table)
        old_rows, new_rows = _keyed_rows(old, labels), _keyed_rows(table, labels)
        headers = table.get("headers", [])
        old_headers = old.get("headers", [])
        for key in old_rows.keys() - new_rows.keys():
            changes.append(ReportChange(f"{title} › {_row_name(key, headers)}", "raden", ""))
        for key, row in new_rows.items():
            old_row = old_rows.get(key)
            if old_row is None:
                changes.append(ReportChange(f"{title} › {_row_name(key, headers)}", "", "raden"))
                continue
            old_cells = dict(zip(old_headers, old_row, strict=False))
            for index, (header, value) in enumerate(zip(headers, row, strict=False)):
                if index < labels:
                    continue
                was = old_cells.get(header)
                if cell_text(was) != cell_text(value):
                    where = f"{title} › {_row_name(key, headers)} › {header}"
                    changes.append(ReportChange(where, cell_text(was), cell_text(value)))
    return changes


def _text_changes(before: list[dict], after: list[dict]) -> list[ReportChange]:
    def keyed(texts):
        return {(t["section"], t["title"]): t["body"] for t in texts}

    old, new = keyed(before), keyed(after)
    changes = []
    for key in [*old, *(k for k in new if k not in old)]:
        if old.get(key, "") != new.get(key, ""):
            section, title = key
            where = f"Text: {section}" + (f" › {title}" if title else "")
            changes.append(ReportChange(where, old.get(key, ""), new.get(key, "")))
    return changes
