"""What changed between two versions of a report, cell by cell and text by text."""

from decimal import Decimal

from reports.services.changes import changes_between


def n(value: str) -> dict:
    """A number cell as published: the exact value and the decimals it is shown with."""
    return {"value": Decimal(value), "decimals": len(value.partition(".")[2])}


def table(rows, title="Volymtal", headers=("Mått", "Delserie", "2022", "2023")):
    return {"title": title, "headers": list(headers), "rows": rows}


def shown(changes):
    return [(change.where, change.kind, change.old, change.new) for change in changes]


def test_a_changed_cell_is_named_by_table_row_and_column():
    before = {"tables": [table([["Hushåll", "Totalt", n("2535"), n("2160")]])]}
    after = {"tables": [table([["Hushåll", "Totalt", n("2535"), n("2200.5")]])]}

    assert shown(changes_between(before, after)) == [
        ("Volymtal › Hushåll › Totalt › 2023", "Ändrad", "2160", "2200,5")
    ]


def test_repeated_row_names_are_told_apart_by_their_order():
    rows = [["Hushåll", "Kvinnor", n("1"), n("2")], ["Hushåll", "Kvinnor", n("3"), n("4")]]
    changed = [rows[0], ["Hushåll", "Kvinnor", n("3"), n("5")]]

    changes = changes_between({"tables": [table(rows)]}, {"tables": [table(changed)]})

    assert shown(changes) == [("Volymtal › Hushåll › Kvinnor (2) › 2023", "Ändrad", "4", "5")]


def test_rows_and_tables_that_come_and_go_are_listed():
    before = {"tables": [table([["A", "Totalt", n("1"), n("2")]]), table([], title="Personal")]}
    after = {"tables": [table([["B", "Totalt", n("1"), n("2")]])]}

    assert shown(changes_between(before, after)) == [
        ("Personal", "Borttagen", "tabellen", ""),
        ("Volymtal › A › Totalt", "Borttagen", "raden", ""),
        ("Volymtal › B › Totalt", "Ny", "", "raden"),
    ]


def test_texts_are_compared_by_section_and_heading():
    before = {"texts": [{"section": "Ekonomi", "title": "", "body": "Balans."}]}
    after = {
        "texts": [
            {"section": "Ekonomi", "title": "", "body": "Underskott."},
            {"section": "Händelser", "title": "Lokaler", "body": "Ny lokal."},
        ]
    }

    assert shown(changes_between(before, after)) == [
        ("Text: Ekonomi", "Ändrad", "Balans.", "Underskott."),
        ("Text: Händelser › Lokaler", "Ny", "", "Ny lokal."),
    ]


def test_the_same_data_has_no_changes():
    data = {"tables": [table([["A", "Totalt", n("1"), None]])], "texts": []}

    assert changes_between(data, data) == []
