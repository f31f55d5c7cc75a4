"""Text in the messages users read."""


def quoted(value: object) -> str:
    """A value as Swedish typography quotes it in a message: ”tolv”, not Python's 'tolv'."""
    return f"”{value}”"


def spaced(number: int) -> str:
    """A whole number with a space between thousands, as a message says it: 10 400 000."""
    return f"{number:,}".replace(",", " ")
