"""Filled templates for the organisation tests: the template as the page offers it,
filled in as an administrator would, and changed one cell at a time."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

# A new nämnd of a new kommun: two förvaltningar, three verksamheter, one unit, an
# årshjul without oktoberuppföljning, and the driftsammandrag 2025 with bokslut 2024.
FILLED = {
    "Nämnd": [["Lunds kommun", "1281", "SOC", "Socialnämnden"]],
    "Förvaltningar": [["SOF", "Socialförvaltningen"], ["AVF", "Arbetsförvaltningen"]],
    "Verksamheter": [
        ["575", "Ekonomiskt bistånd"],
        ["470", "Grundläggande vuxenutbildning"],
        ["610", "Arbetsmarknadsåtgärder"],
    ],
    "Enheter": [["Jobbcentrum", "AVF"]],
    "Årshjul": [["Delår 1", 4, 20], ["Delår 2", 8, 20], ["Bokslut", 12, 45]],
    "Driftsammandrag": [
        [2025, 1, "575 - Ekonomiskt bistånd", "rad", "575", None, None, 93_200_000, "95 000 000"],
        [
            2025,
            2,
            "varav försörjningsstöd",
            "rad",
            "575",
            "575 - Ekonomiskt bistånd",
            None,
            None,
            "80 000 000,25",
        ],
        [
            2025,
            3,
            "470 - Grundläggande vuxenutb",
            "rad",
            "470",
            None,
            None,
            "1 234 567,50",
            1_500_000.75,
        ],
        [
            2025,
            4,
            "Resultat nämndens enheter",
            "resultat nämndens enheter",
            None,
            None,
            "Jobbcentrum",
            "-93 200",
            -100_000,
        ],
    ],
}


def template_workbook(client, code: str | None = None) -> openpyxl.Workbook:
    url = (
        reverse("organisation:template", args=[code])
        if code
        else reverse("organisation:template-new")
    )
    response = client.get(url)
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def fill(workbook: openpyxl.Workbook, data: dict[str, list[list]]) -> openpyxl.Workbook:
    """Replace the lines below each sheet's header row."""
    for title, rows in data.items():
        sheet = workbook[title]
        sheet.delete_rows(2, sheet.max_row)
        for row in rows:
            sheet.append(row)
    return workbook


def as_upload(workbook: openpyxl.Workbook, name: str = "mall.xlsx") -> SimpleUploadedFile:
    output = io.BytesIO()
    workbook.save(output)
    return SimpleUploadedFile(name, output.getvalue())


def filled(client, changes: dict | None = None) -> SimpleUploadedFile:
    """The FILLED template, with `changes` {(sheet, row index, column index): value}
    made, a value of None emptying the cell; an index past the end adds a line."""
    data = {title: [list(row) for row in rows] for title, rows in FILLED.items()}
    for (title, row, column), value in (changes or {}).items():
        while len(data[title]) <= row:
            data[title].append([None] * len(data[title][0]))
        data[title][row][column] = value
    return as_upload(fill(template_workbook(client), data))
