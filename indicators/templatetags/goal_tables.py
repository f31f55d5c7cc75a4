from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def level_count(table, level) -> int:
    """How many nämndmål of a table or målområde have the målbedömning `level`."""
    return table.count(level)


def _refs(numbers) -> str:
    return "".join(f'<sup class="fn"><a href="#fn-{n}">{n}</a></sup>' for n in numbers)


@register.filter
def footnote_refs(numbers) -> str:
    """Superscript links to the footnotes numbered `numbers`."""
    return mark_safe(_refs(int(n) for n in numbers))


def _cell(css: str, html: str, notes) -> str:
    return f'<td class="{css}">{html}{_refs(notes)}</td>'


@register.simple_tag
def indicator_rows(
    rows, code: str, *, met: bool = False, target: bool = True, source=False, links=True
):
    """The <tr>s of an indicator table, built in Python with the standard library's
    escaping: a template loop (or format_html) over thousands of cells costs far more than
    the rows' values do. Every text is escaped; numbers are ints."""
    html = []
    for row in rows:
        if row.heading:
            columns = len(row.cells) + 1 + target + met
            html.append(
                f'<tr class="group"><th colspan="{columns}">{escape(row.heading)}</th></tr>'
            )
        if row.is_name_row and links:
            url = reverse("indicators:indicator", args=[code, row.indicator.pk])
            label = f'<a href="{escape(url)}">{escape(row.label)}</a>'
            if source and row.indicator.source:
                label += f" <small>(Källa: {escape(row.indicator.source)})</small>"
        else:
            label = escape(row.label)
            if row.is_name_row and source and row.indicator.source:
                label += f" <small>(Källa: {escape(row.indicator.source)})</small>"
        cells = [_cell("label", label, row.notes)]
        cells += [
            _cell("num iu" if cell.missing else "num", escape(cell.text), cell.notes)
            for cell in row.cells
        ]
        if target:
            cells.append(_cell("num", escape(row.target.text), row.target.notes))
        if met:
            shown = row.met_text
            cells.append(_cell(f"met met-{(shown or 'none').lower()}", shown, ()))
        css = "indicator" if row.is_name_row else "sub-series"
        html.append(f'<tr class="{css}">{"".join(cells)}</tr>')
    return mark_safe("\n".join(html))
