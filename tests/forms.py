"""What a browser posts from a page's form: every input, textarea and select with its
value as the page shows it, so a test posts exactly what the page showed."""

from html.parser import HTMLParser

from amn.forms import MANIFEST


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self.actions: list[str] = []
        self.fields: list[tuple[str, str]] | None = None
        self.textarea: str | None = None
        self.select: str | None = None
        self.select_value: str | None = None
        self.multiple = False
        self.text = ""

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "form":
            self.fields = []
            self.actions.append(attributes.get("action") or "")
        elif self.fields is None:
            return
        elif tag == "input" and name and attributes.get("type") not in ("submit", "button"):
            if attributes.get("type") != "checkbox" or "checked" in attributes:
                self.fields.append((name, attributes.get("value") or ""))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""
        elif tag == "select" and name:
            self.select, self.select_value = name, None
            self.multiple = "multiple" in attributes
        elif tag == "option" and self.select and self.multiple:
            if "selected" in attributes:  # a multiple select posts every selected option
                self.fields.append((self.select, attributes.get("value") or ""))
        elif (
            tag == "option"
            and self.select
            and (self.select_value is None or "selected" in attributes)
        ):
            self.select_value = attributes.get("value") or ""

    def handle_data(self, data) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag) -> None:
        if tag == "textarea" and self.textarea is not None:
            # A browser drops one newline right after <textarea>.
            self.fields.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            if not self.multiple:
                self.fields.append((self.select, self.select_value or ""))
            self.select = None
        elif tag == "form" and self.fields is not None:
            self.forms.append(self.fields)
            self.fields = None


def page_form(response, action: str | None = None) -> dict[str, str | list[str]]:
    """The fields of the page's form that carries a manifest (the one posting to `action`,
    where the page has several), as a browser posts them."""
    reader = _FormReader()
    reader.feed(response.content.decode())
    form = next(
        fields
        for fields, target in zip(reader.forms, reader.actions, strict=True)
        if any(name == MANIFEST for name, _ in fields) and action in (None, target)
    )
    return posted(form)


def page_forms(response) -> list[list[tuple[str, str]]]:
    """Every form of the page: its (name, value) pairs as the page shows them."""
    reader = _FormReader()
    reader.feed(response.content.decode())
    return reader.forms


def posted(fields: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """A form's fields as a browser posts them: a name given twice posts a list."""
    data: dict[str, str | list[str]] = {}
    for name, value in fields:
        if name == "csrfmiddlewaretoken":
            continue
        if name in data:
            earlier = data[name]
            data[name] = [*earlier, value] if isinstance(earlier, list) else [earlier, value]
        else:
            data[name] = value
    return data
