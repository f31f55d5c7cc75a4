"""Derive the exact kronor amounts of the demo driftsammandrag from the seeds' printed tables.

The seeds print rounded figures (tkr in 2021, mnkr with one decimal in 2023). The
application stores exact kronor, so the demo needs kronor amounts that reproduce *every*
printed figure, including the sums and deviations that were computed from unrounded
amounts (2023: "474 - Särskild utbildning för vuxna 2,8 | 3,1 | 0,2"). For the tkr tables
the printed thousands are exact. For the mnkr tables a small linear programme picks, for
each figure, kronor inside the printed figure's rounding interval (with a safety margin)
such that every printed row, sum, unit result, total and deviation rounds back to what the
seed shows, staying as close to the printed figures as possible.

The 2021 seed prints the split into kostnader and intäkter for the nämnd only; the demo
spreads each column's intäkter over the rows in proportion to their net amounts. Those
per-row splits are not real figures, only their sums are.

Run once by a developer (needs scipy, which is not a project dependency):
    pip install scipy && python scripts/derive_demo_money.py
It rewrites demo/data/money_2021_08.json and money_2023_08.json, and fits the rows of
money_2024_internbudget.json (printed in mnkr) to their printed sums the same way.
"""

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
from scipy.optimize import linprog

DATA = Path(__file__).resolve().parent.parent / "amn" / "demo" / "data"

TO_DATE = ("actual", "budget", "actual_previous_year")
FULL_YEAR = ("forecast", "budget_full_year", "result_previous_year")


def number(text: str) -> Decimal:
    return Decimal(text.replace(" ", "").replace(",", "."))


# The seeds' tables as printed: label, code, (to date: actual, budget, avvikelse, previous
# year same period), (full year: forecast, budget, avvikelse, bokslut previous year).
TABLE_2023 = {
    "rows": [
        (
            "100 - Nämnd- och styrelseverksamhet",
            "100",
            ("1,3", "1,2", "-0,1", "0,9"),
            ("1,8", "1,8", "0,0", "1,3"),
        ),
        (
            "470 - Grundläggande vuxenutb",
            "470",
            ("15,1", "11,6", "-3,5", "17,0"),
            ("23,7", "17,4", "-6,4", "24,1"),
        ),
        (
            "472 - Gymn vuxenutb-påbyggnutb",
            "472",
            ("25,0", "32,0", "7,0", "19,1"),
            ("37,0", "48,0", "10,9", "27,0"),
        ),
        (
            "474 - Särskild utbildning för vuxna",
            "474",
            ("2,8", "3,1", "0,2", "3,0"),
            ("4,8", "4,6", "-0,1", "4,5"),
        ),
        (
            "476 - Svenska för invandrare",
            "476",
            ("41,8", "38,1", "-3,7", "45,2"),
            ("59,4", "57,2", "-2,2", "68,6"),
        ),
        (
            "575 - Ekonomiskt bistånd",
            "575",
            ("206,1", "215,8", "9,8", "205,1"),
            ("313,0", "323,7", "10,8", "303,5"),
        ),
        (
            "600 - Flyktningmottagande",
            "600",
            ("24,2", "28,2", "4,0", "30,7"),
            ("36,1", "42,3", "6,2", "44,5"),
        ),
        (
            "610 - Arbetsmarknadsåtgärder",
            "610",
            ("68,2", "68,6", "0,4", "65,7"),
            ("106,8", "104,0", "-2,8", "99,1"),
        ),
        (
            "921 - Utbildningsförvaltningen",
            "921",
            ("2,7", "2,8", "0,1", "0,0"),
            ("4,1", "4,2", "0,1", "0,0"),
        ),
        (
            "926 - Integrations- och arbetsmarknadsförvaltningen",
            "926",
            ("14,3", "14,3", "0,0", "7,5"),
            ("21,4", "21,4", "0,0", "11,3"),
        ),
    ],
    "sum": (("401,5", "415,7", "14,2", "394,2"), ("608,2", "624,6", "16,4", "583,9")),
    "units": (
        "Resultat nämndens enheter",
        ("2,5", "-7,2", "-9,7", "-16,1"),
        ("12,4", "0,0", "-12,4", "-9,4"),
    ),
    "total": (("403,9", "408,5", "4,6", "378,1"), ("620,6", "624,6", "4,0", "574,4")),
}


class _Constraints:
    """Inequalities over 3·n figure variables and 3·n |figure − printed| helper variables."""

    def __init__(self, count: int, half: float) -> None:
        self.count, self.half = count, half
        self.rows: list[np.ndarray] = []
        self.bounds: list[float] = []

    def _row(self, coefficients) -> np.ndarray:
        row = np.zeros(2 * self.count)
        for index, weight in coefficients:
            row[index] += weight
        return row

    def rounds_to(self, coefficients, printed: float) -> None:
        """The weighted sum of the variables lies inside `printed`'s rounding interval."""
        row = self._row(coefficients)
        self.rows += [row, -row]
        self.bounds += [printed + self.half, -(printed - self.half)]

    def distance(self, index: int, printed: float) -> None:
        """Helper variable `index + count` is at least |variable − printed|."""
        for sign in (1, -1):
            self.rows.append(self._row([(index, sign), (self.count + index, -1)]))
            self.bounds.append(sign * printed)


def solve_table(table: dict, scale: Decimal, step: Decimal) -> dict:
    """Kronor for every printed figure so that all printed figures round back (see module doc)."""
    rows = table["rows"]
    n = len(rows) + 1  # the units row is the last variable row
    result: dict = {}
    for part, names in ((0, TO_DATE), (1, FULL_YEAR)):
        printed = [[float(number(v) * scale) for v in row[2 + part]] for row in rows]
        printed.append([float(number(v) * scale) for v in table["units"][1 + part]])
        # Per row: outcome, budget, comparison; stay well inside one printed step.
        constraints = _Constraints(3 * n, float(step) / 2 * 0.8)
        for r in range(n):
            outcome, budget, dev, comparison = printed[r]
            for k, centre in ((0, outcome), (1, budget), (2, comparison)):
                constraints.rounds_to([(3 * r + k, 1)], centre)
                constraints.distance(3 * r + k, centre)
            constraints.rounds_to([(3 * r + 1, 1), (3 * r, -1)], dev)
        for key, last in (("sum", n - 1), ("total", n)):
            outcome, budget, dev, comparison = (float(number(v) * scale) for v in table[key][part])
            constraints.rounds_to([(3 * r, 1) for r in range(last)], outcome)
            constraints.rounds_to([(3 * r + 1, 1) for r in range(last)], budget)
            constraints.rounds_to([(3 * r + 2, 1) for r in range(last)], comparison)
            constraints.rounds_to(
                [(3 * r + 1, 1) for r in range(last)] + [(3 * r, -1) for r in range(last)], dev
            )
        cost = np.concatenate([np.zeros(3 * n), np.ones(3 * n)])
        solution = linprog(
            cost,
            A_ub=np.array(constraints.rows),
            b_ub=np.array(constraints.bounds),
            bounds=(None, None),
        )
        if not solution.success:
            raise SystemExit(f"No kronor amounts reproduce the printed table: {solution.message}")
        for r in range(n):
            values = result.setdefault(r, {})
            for k, name in enumerate(names):
                exact = Decimal(solution.x[3 * r + k]).quantize(Decimal(1), ROUND_HALF_UP)
                values[name] = str(exact + 0)  # + 0 turns -0 into 0
    return result


def write_2023() -> None:
    amounts = solve_table(TABLE_2023, Decimal(1_000_000), step=Decimal(100_000))
    rows = []
    for index, (label, code, _to_date, _full) in enumerate(TABLE_2023["rows"]):
        rows.append({"label": label, "code": code, "kind": "row", "amounts": amounts[index]})
    rows.append(
        {
            "label": TABLE_2023["units"][0],
            "kind": "units",
            "own_units": ["Arbetsmarknadscentrum", "Linvux"],
            "amounts": amounts[len(TABLE_2023["rows"])],
        }
    )
    write(
        "money_2023_08.json",
        "000: Delårsrapport per den 31 augusti 2023, driftsammandrag (mnkr)",
        rows,
    )


# 2021, tkr: printed thousands are exact.
TABLE_2021 = [
    # label, code, parent, to date (actual, budget, previous year), full year or None
    ("Nämnden", "100", None, ("769", "1 149", "720"), ("1 224", "1 724", "1 055")),
    (
        "Arbetsmarknads- och integrationsinsatser",
        "610",
        None,
        ("56 750", "71 994", "55 707"),
        ("96 040", "107 990", "79 547"),
    ),
    (
        "Varav personalkostnader (inkl AMC)",
        "",
        "Arbetsmarknads- och integrationsinsatser",
        ("39 473", "46 825", "41 407"),
        None,
    ),
    (
        "Ekonomiskt bistånd",
        "575",
        None,
        ("198 714", "179 492", "184 122"),
        ("297 454", "269 239", "278 720"),
    ),
    ("Avdelningen vuxna", "", None, ("44 958", "42 637", "42 680"), ("69 107", "65 207", "64 166")),
    (
        "Utbildnings- och arbetsmarknadsförvaltningen",
        "",
        None,
        ("4 693", "5 137", "4 624"),
        ("7 040", "7 705", "6 936"),
    ),
]
UNITS_2021 = ("Arbetsmarknadscentrum", ("-3 058", "-1 960", "-1 366"), ("0", "0", "-1 675"))
REVENUES_2021 = {  # varav intäkter of "Summa nettokostnader", per column
    "actual": "-22 129",
    "budget": "-24 520",
    "actual_previous_year": "-27 646",
    "forecast": "-33 130",
    "budget_full_year": "-36 780",
    "result_previous_year": "-41 977",
}


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` over `weights` in proportion, in whole kronor, summing exactly."""
    whole = sum(weights)
    shares = [(total * w / whole).quantize(Decimal(1), ROUND_HALF_UP) for w in weights]
    largest = max(range(len(weights)), key=lambda i: abs(weights[i]))
    shares[largest] += total - sum(shares)
    return shares


def write_2021() -> None:
    thousand = Decimal(1000)
    rows = []
    for label, code, parent, to_date, full in TABLE_2021:
        amounts = {
            name: str(number(v) * thousand) for name, v in zip(TO_DATE, to_date, strict=True)
        }
        if full:
            amounts |= {
                name: str(number(v) * thousand) for name, v in zip(FULL_YEAR, full, strict=True)
            }
        row = {"label": label, "code": code, "kind": "row", "amounts": amounts}
        if parent:
            row["parent"] = parent
            row["in_full_year_table"] = False
        rows.append(row)
    summed = [row for row in rows if "parent" not in row]
    for column, total in REVENUES_2021.items():
        weights = [Decimal(row["amounts"][column]) for row in summed]
        for row, share in zip(summed, allocate(number(total) * thousand, weights), strict=True):
            row.setdefault("revenues", {})[column] = str(share)
    unit_label, to_date, full = UNITS_2021
    amounts = {name: str(number(v) * thousand) for name, v in zip(TO_DATE, to_date, strict=True)}
    amounts |= {name: str(number(v) * thousand) for name, v in zip(FULL_YEAR, full, strict=True)}
    rows.append(
        {"label": unit_label, "kind": "units", "own_units": [unit_label], "amounts": amounts}
    )
    write(
        "money_2021_08.json",
        "001: Delårsrapport per den 31 augusti 2021, driftsammandrag (tkr)",
        rows,
    )


def write(name: str, source: str, rows: list[dict]) -> None:
    path = DATA / name
    existing = json.loads(path.read_text()) if path.exists() else {}
    existing["source"] = source
    existing["summary_rows"] = rows
    path.write_text(json.dumps(existing, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {path}")


def fit_internal_budget_2024() -> None:
    """Move top-level rows inside their rounding intervals until each column's rows add up
    to the printed sum ("Summa nämndens internbudget 643,4" over rows printed to 643,3)."""
    path = DATA / "money_2024_internbudget.json"
    document = json.loads(path.read_text())
    budget = document["internal_budgets"][0]
    top_level = [row for row in budget["rows"] if not row.get("change_of")]
    step, room = Decimal("0.1"), Decimal("0.04")
    for index, column in enumerate(budget["columns"]):
        cells = [row for row in top_level if row["amounts"][index] is not None]
        printed = [number(row["amounts"][index]).quantize(step, ROUND_HALF_UP) for row in cells]
        missing = number(column["printed_sum"]) - sum(printed)
        amounts = list(printed)
        for i in sorted(range(len(cells)), key=lambda i: -abs(printed[i])):
            change = max(-room, min(room, missing))
            amounts[i] += change
            missing -= change
        if missing:
            raise SystemExit(f"Column {column['year']}: rows cannot reach the printed sum.")
        for row, amount in zip(cells, amounts, strict=True):
            row["amounts"][index] = f"{amount:.2f}".replace(".", ",")
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    write_2023()
    write_2021()
    fit_internal_budget_2024()
