"""Workbooks written by hand, part by part, as no spreadsheet program would write them: a
sheet's XML exactly as a test wants it (a far cell, a lying dimension, cells without
references)."""

import io
import zipfile

CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)
PACKAGE_RELATIONS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELATIONS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="{target}"/>'
    "</Relationships>"
)


def workbook_bytes(
    sheet_data: str,
    *,
    dimension: str | None = None,
    sheet: str = "Data",
    part: str = "xl/worksheets/sheet1.xml",
    target: str | None = None,
) -> bytes:
    """A workbook of one sheet named `sheet` whose <sheetData> holds `sheet_data`, stored
    as the zip entry `part`, which the workbook's relationship names as `target` (by
    default the part's path from xl/)."""
    workbook = (
        '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )
    worksheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        '.org/spreadsheetml/2006/main">'
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELATIONS)
        archive.writestr("xl/workbook.xml", workbook)
        relation_target = part.removeprefix("xl/") if target is None else target
        archive.writestr(
            "xl/_rels/workbook.xml.rels", WORKBOOK_RELATIONS.format(target=relation_target)
        )
        archive.writestr(part, worksheet)
    return output.getvalue()


def far_cell_workbook(last: str, *, dimension: str | None = None, **where) -> bytes:
    """Text in A1 and a number in the cell `last` (say XFD1048576), nothing between: a
    kilobyte or two that spans the whole range."""
    row = int("".join(character for character in last if character.isdigit()))
    return workbook_bytes(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Period</t></is></c></row>'
        f'<row r="{row}"><c r="{last}"><v>1</v></c></row>',
        dimension=f"A1:{last}" if dimension is None else dimension,
        **where,
    )
