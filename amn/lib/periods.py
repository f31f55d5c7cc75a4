"""The years and months a figure, a file or an address may name."""

# Wide enough for any budget year a nämnd plans or looks back on, narrow enough that a
# typing error ("20223") or a number read as a year (an Excel serial date) is refused.
FIRST_YEAR = 1900
LAST_YEAR = 2200


def is_valid_year(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def is_valid_month(month: int) -> bool:
    return 1 <= month <= 12
