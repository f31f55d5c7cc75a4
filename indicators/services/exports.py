"""The indicator tables for scripts and spreadsheets: the goal table as JSON, every table
as a sheet for Excel and CSV.

JSON: {"committee", "year", "month", "goals": [{"area", "municipal_goal", "committee_goal",
"assessment", "indicators": [{"name", "series", "unit", "values": {"<period label>": number
or "I.U."}, "target", "target_met"}]}]}, plus each goal's "suggested_assessment" and each
row's "group" (the sub-heading that tells apart indicators of the same name). A number
target is a number, any other målvärde its printed text ("≥ 0", "Ska minska").
"""

from decimal import Decimal

from amn.lib.spreadsheet import Reported, Sheet
from goals.models import AssessmentLevel
from indicators.services.goal_table import GoalTable
from indicators.services.indicator_history import IndicatorHistory
from indicators.services.indicator_rows import IndicatorRow, TargetCell, ValueCell
from indicators.services.measure_tables import MeasureTable
from indicators.values import MISSING


def json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def json_value(cell: ValueCell) -> int | float | str:
    return MISSING if cell.missing else json_number(cell.value)


def json_target(target: TargetCell) -> int | float | str | None:
    if target.target is None:
        return None
    if target.number is not None:
        return json_number(target.number)
    return target.text


def row_data(row: IndicatorRow, labels: list[str]) -> dict:
    return {
        "name": row.indicator.name,
        "group": row.indicator.group,
        "series": row.series_label,
        "unit": row.indicator.unit,
        "values": {
            label: json_value(cell)
            for label, cell in zip(labels, row.cells, strict=True)
            if cell.present
        },
        "target": json_target(row.target),
        "target_met": row.target_met,
    }


def goal_table_data(table: GoalTable) -> dict:
    labels = table.column_labels
    return {
        "committee": table.committee.code,
        "year": table.year,
        "month": table.month,
        "goals": [
            {
                "area": goal.goal.municipal_goal.area.name,
                "municipal_goal": goal.goal.municipal_goal.name,
                "committee_goal": goal.goal.name,
                "assessment": goal.assessment.level if goal.assessment else None,
                "suggested_assessment": goal.suggestion.level,
                "indicators": [row_data(row, labels) for row in goal.rows if row.series],
            }
            for goal in table.goals
        ],
    }


def sheet_cell(cell: ValueCell) -> Reported | str | None:
    """A value as a real number with its decimals, I.U. as text, nothing as empty."""
    if cell.missing:
        return MISSING
    if cell.value is None:
        return None
    return Reported(cell.value, cell.decimals)


def target_cell(target: TargetCell) -> Reported | str | None:
    if target.target is None:
        return None
    if target.number is not None:
        return Reported(target.number, target.target.decimals)
    return target.text


MET_WORDS = {True: "Ja", False: "Nej", None: ""}


def goal_table_sheet(table: GoalTable) -> Sheet:
    """Every indicator row with its goal, one line each, so the sheet filters and sorts."""
    headers = [
        "Målområde",
        "Kommunövergripande mål",
        "Nämndmål",
        "Mål uppnås",
        "Nämndindikator",
        "Delserie",
        "Enhet",
        *table.column_labels,
        f"Målvärde {table.year}",
        "Når målvärdet",
        "Fotnoter",
    ]
    rows = []
    for goal in table.goals:
        level = goal.assessment.get_level_display() if goal.assessment else ""
        fixed = [
            goal.goal.municipal_goal.area.name,
            goal.goal.municipal_goal.name,
            goal.goal.name,
            level,
        ]
        if not goal.rows:
            rows.append([*fixed, *[None] * (len(headers) - len(fixed))])
        for row in goal.rows:
            notes = row.notes + [n for cell in row.cells for n in cell.notes] + row.target.notes
            rows.append(
                [
                    *fixed,
                    row.indicator.name,
                    row.series_label,
                    row.indicator.unit,
                    *[sheet_cell(cell) for cell in row.cells],
                    target_cell(row.target),
                    MET_WORDS[row.target_met],
                    ", ".join(str(n) for n in notes),
                ]
            )
    return Sheet(
        title=f"Nämndindikatorer {table.year}-{table.month:02d}",
        headers=headers,
        rows=rows,
        heading=f"{table.committee.name}: nämndindikatorer, {table.current.label.lower()}",
    )


def footnote_sheet(table: GoalTable) -> Sheet:
    return Sheet(
        title="Fotnoter",
        headers=["Nr", "Fotnot"],
        rows=[[number, text] for number, text in table.footnotes],
    )


def overview_sheet(table: GoalTable) -> Sheet:
    levels = list(AssessmentLevel)
    rows = [
        [area.area.name, *[area.count(level) for level in levels], area.unassessed]
        for area in table.areas
    ]
    rows.append(["Summa", *[table.count(level) for level in levels], table.unassessed])
    return Sheet(
        title=f"Målbedömningar {table.year}-{table.month:02d}",
        headers=["Målområde", *[level.label for level in levels], "Ej bedömt"],
        rows=rows,
        sum_rows=[len(rows) - 1],
        heading=f"{table.committee.name}: målbedömningar, {table.current.label.lower()}",
    )


def measure_sheet(table: MeasureTable) -> Sheet:
    target_header = [f"Målvärde {table.year}"] if table.has_targets else []
    rows = [
        [
            row.indicator.name,
            row.series_label,
            *[sheet_cell(cell) for cell in row.cells],
            *([target_cell(row.target)] if table.has_targets else []),
        ]
        for row in table.rows
    ]
    return Sheet(
        title=table.title,
        headers=[table.title, "Delserie", *table.column_labels, *target_header],
        rows=rows,
    )


def history_sheet(history: IndicatorHistory) -> Sheet:
    return Sheet(
        title="Värden",
        headers=[
            "Delserie",
            *[c.label for c in history.columns],
            *[f"Målvärde {year}" for year in history.target_years],
        ],
        rows=[
            [row.series.label, *[sheet_cell(c) for c in row.cells], *row.targets]
            for row in history.rows
        ],
        heading=history.indicator.name,
    )
