"""Published open data keeps numbers as numbers.

Versions published before this migration hold each number as a decimal string ("2200.5").
Their numbers become {"value": <exact number>, "decimals": <shown decimals>} cells, as
reports.services.open_data now writes them, and a money table names its unit. What the
versions say does not change: the same digits, only no longer as text. The shown decimals
of a money table come from the unit in its heading ("belopp mnkr": one); any other number
was stored with exactly the decimals it was reported with.
"""

import re
from decimal import Decimal

import amn.lib.exact_json
from django.db import migrations, models

DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?")
UNIT_IN_HEADING = re.compile(r"belopp (kr|tkr|mnkr)\b")
UNIT_DECIMALS = {"kr": 0, "tkr": 0, "mnkr": 1}


def _typed_table(table: dict) -> dict:
    found = UNIT_IN_HEADING.search(table.get("heading") or "")
    unit = found.group(1) if found else None

    def cell(value):
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            return {"value": value, "decimals": 0}
        if isinstance(value, str) and DECIMAL_TEXT.fullmatch(value):
            reported = len(value.partition(".")[2])
            decimals = UNIT_DECIMALS[unit] if unit else reported
            return {"value": Decimal(value), "decimals": decimals}
        return value

    return {
        **table,
        "unit": unit,
        "rows": [[cell(value) for value in row] for row in table.get("rows", [])],
    }


def _text_table(table: dict) -> dict:
    def cell(value):
        if isinstance(value, dict) and "value" in value:
            return format(Decimal(value["value"]), "f")
        return value

    rest = {key: value for key, value in table.items() if key != "unit"}
    return {**rest, "rows": [[cell(value) for value in row] for row in table.get("rows", [])]}


def _convert(apps, convert_table) -> None:
    PublishedReport = apps.get_model("amn", "PublishedReport")
    for pk, data in PublishedReport.objects.values_list("pk", "data").iterator():
        tables = [convert_table(table) for table in data.get("tables", [])]
        PublishedReport.objects.filter(pk=pk).update(data={**data, "tables": tables})


def numbers_as_numbers(apps, schema_editor) -> None:
    _convert(apps, _typed_table)


def numbers_as_text(apps, schema_editor) -> None:
    _convert(apps, _text_table)


class Migration(migrations.Migration):
    dependencies = [
        ("amn", "0005_report_preparation_and_history"),
    ]

    operations = [
        migrations.AlterField(
            model_name="publishedreport",
            name="data",
            field=models.JSONField(
                decoder=amn.lib.exact_json.ExactJSONDecoder,
                encoder=amn.lib.exact_json.ExactJSONEncoder,
                verbose_name="öppna data",
            ),
        ),
        migrations.RunPython(numbers_as_numbers, numbers_as_text),
    ]
