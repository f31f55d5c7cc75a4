"""Downloads read back: numbers stay numbers, text stays text, Swedish CSV survives Excel."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from amn.lib.spreadsheet import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    Sheet,
    csv_bytes,
    csv_response,
    csv_value,
    number_format,
    xlsx_bytes,
    xlsx_response,
)

FORMULA_LIKE = ["=1+1", "+46 13 20 00", "-avdrag", "@SUM(A1)", "\t=2", '=HYPERLINK("x")']


def budget_sheet(**kwargs) -> Sheet:
    options = {
        "title": "Resultat",
        "headers": ["Verksamhet", "Redovisat", "Budget"],
        "rows": [
            ["575 - Ekonomiskt bistånd", Decimal("206.06012345"), 215_820],
            ["varav hyror", 12.5, None],
            ["Summa nettokostnader", Decimal("-1234567.891"), Decimal(0)],
        ],
        "sum_rows": {2},
        "indented_rows": {1},
        "italic_rows": {1},
        "number_formats": number_format(1),
    }
    return Sheet(**(options | kwargs))


def read_xlsx(content: bytes):
    return load_workbook(io.BytesIO(content))


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads å, ä, ö right
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_number_formats_follow_the_units_decimals():
    assert number_format(0) == "#,##0"
    assert number_format(1) == "#,##0.0"
    assert number_format(2) == "#,##0.00"


def test_numbers_are_written_as_numbers_with_their_number_format():
    ws = read_xlsx(xlsx_bytes([budget_sheet()]))["Resultat"]

    assert [c.value for c in ws[1]] == ["Verksamhet", "Redovisat", "Budget"]
    first = ws[2]
    assert first[1].data_type == "n"
    assert first[1].value == pytest.approx(206.06012345)
    assert first[1].number_format == "#,##0.0"
    assert first[2].value == 215_820
    assert first[2].number_format == "#,##0.0"
    assert ws["B3"].value == 12.5
    assert ws["C3"].value is None
    assert ws["B4"].value == pytest.approx(-1234567.891)


def test_a_format_per_column_is_used_where_given():
    sheet = budget_sheet(number_formats=[None, "#,##0.00", "0%"])
    ws = read_xlsx(xlsx_bytes([sheet]))["Resultat"]

    assert ws["B2"].number_format == "#,##0.00"
    assert ws["C2"].number_format == "0%"


def test_sum_rows_are_bold_detail_rows_indented_and_italic():
    ws = read_xlsx(xlsx_bytes([budget_sheet()]))["Resultat"]

    assert all(cell.font.b for cell in ws[1])  # headers
    assert not any(cell.font.b for cell in ws[2])
    assert all(cell.font.b for cell in ws[4])
    assert ws["A3"].alignment.indent == 1
    assert ws["A3"].font.i
    assert ws["A2"].alignment.indent == 0


def test_the_header_row_is_frozen_and_columns_have_widths():
    ws = read_xlsx(xlsx_bytes([budget_sheet()]))["Resultat"]

    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == len("575 - Ekonomiskt bistånd") + 2
    assert ws.column_dimensions["B"].width >= len("Redovisat")


def test_a_heading_goes_above_the_frozen_header_row():
    sheet = budget_sheet(heading="Driftsammandrag, belopp mnkr", widths=[50, 12, 12])
    ws = read_xlsx(xlsx_bytes([sheet]))["Resultat"]

    assert ws["A1"].value == "Driftsammandrag, belopp mnkr"
    assert ws["A1"].font.b
    assert ws["A2"].value == "Verksamhet"
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["A"].width == 50


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_looking_text_stays_text_in_excel(text):
    sheet = Sheet(title="Text", headers=[text], rows=[[text, f"x{text}"]])
    ws = read_xlsx(xlsx_bytes([sheet]))["Text"]

    for cell in (ws["A1"], ws["A2"]):
        assert cell.data_type == "s"
        assert cell.value == text
    assert ws["B2"].value == f"x{text}"


def test_a_carriage_return_first_is_text_too():
    sheet = Sheet(title="Text", headers=["Text"], rows=[["\r=1+1"]])
    cell = read_xlsx(xlsx_bytes([sheet]))["Text"]["A2"]

    # XML reads a bare CR as a line feed; what matters is that it is no formula.
    assert cell.data_type == "s"
    assert cell.value.endswith("=1+1")


def test_control_characters_excel_cannot_hold_are_dropped():
    sheet = Sheet(title="Text", headers=["Text"], rows=[["Linvux\x01 Mjärdevi"]])

    assert read_xlsx(xlsx_bytes([sheet]))["Text"]["A2"].value == "Linvux Mjärdevi"


def test_several_sheets_make_one_workbook_in_order():
    sheets = [
        budget_sheet(title="Resultat"),
        budget_sheet(title="Helårsprognos"),
        budget_sheet(title="Resultat"),
        budget_sheet(title="Mål: [2023] / uppföljning per nämnd och år"),
    ]
    workbook = read_xlsx(xlsx_bytes(sheets))

    assert workbook.sheetnames == [
        "Resultat",
        "Helårsprognos",
        "Resultat (2)",
        "Mål- -2023- - uppföljning per n",
    ]
    assert workbook["Helårsprognos"]["A2"].value == "575 - Ekonomiskt bistånd"


def test_the_excel_response_is_a_named_attachment():
    response = xlsx_response([budget_sheet()], "driftsammandrag-AMN-2023-08-mnkr.xlsx")

    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="driftsammandrag-AMN-2023-08-mnkr.xlsx"'
    )
    assert read_xlsx(response.content)["Resultat"]["A2"].value == "575 - Ekonomiskt bistånd"


def test_csv_has_semicolons_decimal_commas_and_no_thousands_separator():
    rows = read_csv(csv_bytes(budget_sheet()))

    assert rows == [
        ["Verksamhet", "Redovisat", "Budget"],
        ["575 - Ekonomiskt bistånd", "206,06012345", "215820"],
        ["varav hyror", "12,5", ""],
        ["Summa nettokostnader", "-1234567,891", "0"],
    ]


def test_csv_numbers_never_use_exponents():
    assert csv_value(Decimal("1E+6")) == "1000000"
    assert csv_value(Decimal("0.00001")) == "0,00001"
    assert csv_value(1e-05) == "0,00001"
    assert csv_value(Decimal("-0.5")) == "-0,5"


def test_csv_puts_the_heading_first_when_there_is_one():
    rows = read_csv(csv_bytes(budget_sheet(heading="Driftsammandrag 2023")))

    assert rows[0] == ["Driftsammandrag 2023"]
    assert rows[1] == ["Verksamhet", "Redovisat", "Budget"]


@pytest.mark.parametrize("text", [*FORMULA_LIKE, "\r=1+1"])
def test_formula_looking_text_gets_an_apostrophe_in_csv(text):
    sheet = Sheet(title="Text", headers=["Text"], rows=[[text], [f"x{text}"]])
    content = csv_bytes(sheet).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content, newline=""), delimiter=";"))

    assert rows[1] == [f"'{text}"]
    assert rows[2] == [f"x{text}"]


def test_negative_numbers_in_csv_are_numbers_not_escaped_text():
    assert csv_value(Decimal("-3.5")) == "-3,5"
    assert csv_value("-3,5") == "'-3,5"


def test_the_csv_response_is_a_named_utf8_attachment():
    response = csv_response(budget_sheet(), "investeringar-AMN-2021-08-tkr.csv")

    assert response["Content-Type"] == CSV_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="investeringar-AMN-2021-08-tkr.csv"'
    )
    assert read_csv(response.content)[1][0] == "575 - Ekonomiskt bistånd"


def test_a_non_ascii_file_name_is_encoded_for_the_header():
    response = csv_response(budget_sheet(), "ekonomiskt-bistånd.csv")

    assert "filename*=utf-8''ekonomiskt-bist%C3%A5nd.csv" in response["Content-Disposition"]
