"""Text in the messages users read."""


def quoted(value: object) -> str:
    """A value as Swedish typography quotes it in a message: ”tolv”, not Python's 'tolv'."""
    return f"”{value}”"
