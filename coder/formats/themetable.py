"""Writers of the theme table: Markdown, CSV, Excel, Word, HTML, LaTeX and JSON.

Every writer takes the same `ThemeTable` (coder.core.report) and a binary file object,
so the CLI, the TUI and the tests call the same function. The text formats are
deterministic: UTF-8, "\\n" line ends, no export time, stable order, so a project
exported twice gives byte-identical files (and golden-file tests can hold them).
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Callable
from typing import BinaryIO

from coder.core.report import Extract, Reference, ThemeEntry, ThemeTable, no_exemplars_note
from coder.formats import csvsafe

THEME_FORMATS = ("md", "csv", "xlsx", "docx", "html", "latex", "json")
BINARY_FORMATS = frozenset({"xlsx", "docx"})

THEME_COLUMNS = (
    "number", "theme", "level", "parent", "status", "definition", "scope", "subthemes", "codes",
    "documents", "extracts", "exemplars_chosen", "exemplar_extracts",
)  # fmt: skip


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _squash(text: str) -> str:
    """Whitespace runs to one space, ends kept (pieces of a reference need their spaces)."""
    return re.sub(r"\s+", " ", text)


def _quote(extract: Extract) -> str:
    """The plain form of an extract with its citation, as CSV and spreadsheets show it."""
    where = f", {extract.section}" if extract.section else ""
    label = "" if extract.chosen else " (not chosen)"
    return f"“{_one_line(extract.text)}” — {extract.citation}{where} [{extract.key}]{label}"


def _label(entry: ThemeEntry) -> str:
    return ("Sub-theme: " if entry.level else "") + entry.name


# ---- Markdown ------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#$~])")


def _md(text: str) -> str:
    """Escape Markdown syntax in user text and keep it on one line."""
    return _MD_SPECIAL.sub(r"\\\1", _one_line(text))


def _md_ref(ref: Reference) -> str:
    pieces = (_MD_SPECIAL.sub(r"\\\1", _squash(r.text)) for r in ref.runs)
    return "".join(f"*{p}*" if r.italic else p for r, p in zip(ref.runs, pieces, strict=True))


def write_markdown(table: ThemeTable, out: BinaryIO) -> None:
    lines = [f"# Themes: {_md(table.project)}", ""]
    lines += [
        "| Theme | Definition | Codes | Documents | Extracts |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for t in table.themes:
        name = f"{t.number}. {_md(t.name)}"
        codes = "; ".join(_md(c) for c in t.codes)
        lines.append(f"| {name} | {_md(t.definition)} | {codes} | {t.documents} | {t.extracts} |")
    if not table.themes:
        lines.append("| (no themes yet) |  |  | 0 | 0 |")
    for t in table.themes:
        lines += ["", f"{'#' * min(2 + t.level, 6)} {t.number}. {_md(_label(t))}", ""]
        lines.append(f"**Definition:** {_md(t.definition) or '(not defined yet)'}")
        if t.scope:
            lines += ["", f"**Scope:** {_md(t.scope)}"]
        if t.subthemes:
            lines += ["", f"**Sub-themes:** {'; '.join(_md(s) for s in t.subthemes)}"]
        lines += ["", f"**Codes:** {'; '.join(_md(c) for c in t.codes) or '(none)'}"]
        lines += [
            "",
            f"**Documents:** {t.documents} · **Extracts:** {t.extracts} · **Status:** {t.status}",
        ]
        lines += [
            "",
            "**Exemplar extracts:**"
            if t.exemplars_chosen
            else f"*{no_exemplars_note(len(t.exemplars))}*",
        ]
        for e in t.exemplars:
            where = f", {_md(e.section)}" if e.section else ""
            label = " *(not chosen)*" if not e.chosen else ""
            lines += ["", f"> “{_md(e.text)}” — {_md(e.citation)}{where} \\[{_md(e.key)}\\]{label}"]
    if table.unassigned_codes:
        lines += ["", "## Codes not in a theme", ""]
        lines.append("; ".join(_md(c) for c in table.unassigned_codes))
    if table.references:
        lines += ["", "## References", ""]
        for ref in table.references:
            lines += [_md_ref(ref), ""]
        lines.pop()
    lines += ["", "---"]
    for note in table.notes:
        lines += ["", f"*{_md(note)}*"]
    out.write(("\n".join(lines) + "\n").encode("utf-8"))


# ---- CSV and JSON -----------------------------------------------------------------------------


def theme_rows(table: ThemeTable) -> list[list[object]]:
    """One row per theme (sub-themes follow their theme), as CSV and Excel write them;
    a table split by an attribute opens each row with the group."""
    return [
        [
            *([t.group] if table.split_by else []),
            t.number, t.name, t.level, t.parent or "", t.status, t.definition, t.scope,
            "; ".join(t.subthemes), "; ".join(t.codes), t.documents, t.extracts,
            "yes" if t.exemplars_chosen else "no", "\n".join(_quote(e) for e in t.exemplars),
        ]
        for t in table.themes
    ]  # fmt: skip


def theme_columns(table: ThemeTable) -> list[str]:
    return [*([table.split_by] if table.split_by else []), *THEME_COLUMNS]


def write_csv(table: ThemeTable, out: BinaryIO) -> None:
    buffer = io.StringIO(newline="")
    writer = csvsafe.writer(buffer, lineterminator="\n")
    writer.writerow(theme_columns(table))
    writer.writerows(theme_rows(table))
    out.write(buffer.getvalue().encode("utf-8"))


def write_json(table: ThemeTable, out: BinaryIO) -> None:
    text = json.dumps(table.to_dict(), ensure_ascii=False, indent=2)
    out.write((text + "\n").encode("utf-8"))


# ---- HTML ---------------------------------------------------------------------------------------

_CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #222; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border: 1px solid #bbb; padding: 0.4rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #eee; }
td.n { text-align: right; }
tr.sub td:first-child { padding-left: 1.5rem; }
blockquote { margin: 0.3rem 0 0.6rem; padding-left: 0.8rem; border-left: 3px solid #999; }
.cite { color: #555; }
.not-chosen { color: #a33; font-style: italic; }
.refs p { padding-left: 2em; text-indent: -2em; margin: 0.3rem 0; }
.notes { color: #555; font-size: 0.9rem; }
""".strip()


def _h(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def _html_extract(e: Extract) -> str:
    where = f", {_h(e.section)}" if e.section else ""
    label = ' <span class="not-chosen">(not chosen)</span>' if not e.chosen else ""
    return (
        f'<blockquote>“{_h(_one_line(e.text))}”<br><span class="cite">— {_h(e.citation)}{where}'
        f" [{_h(e.key)}]</span>{label}</blockquote>"
    )


def write_html(table: ThemeTable, out: BinaryIO) -> None:
    title = f"Themes: {table.project}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{_h(title)}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{_h(title)}</h1>",
        "<table>",
        "<thead><tr><th>Theme</th><th>Definition</th><th>Codes</th><th>Documents</th>"
        "<th>Extracts</th><th>Exemplar extracts</th></tr></thead>",
        "<tbody>",
    ]
    for t in table.themes:
        name = f"{_h(t.number)}. {_h(t.name)}"
        if t.subthemes:
            name += "<br><small>Sub-themes: " + _h("; ".join(t.subthemes)) + "</small>"
        extracts = "".join(_html_extract(e) for e in t.exemplars)
        if not t.exemplars_chosen:
            extracts = (
                f'<p class="not-chosen">{_h(no_exemplars_note(len(t.exemplars)))}</p>' + extracts
            )
        definition = _h(t.definition) + (
            f"<br><small>Scope: {_h(t.scope)}</small>" if t.scope else ""
        )
        row_class = ' class="sub"' if t.level else ""
        parts.append(
            f"<tr{row_class}><td>{name}</td><td>{definition}</td>"
            f'<td>{_h("; ".join(t.codes))}</td><td class="n">{t.documents}</td>'
            f'<td class="n">{t.extracts}</td><td>{extracts}</td></tr>'
        )
    parts += ["</tbody>", "</table>"]
    if table.unassigned_codes:
        parts += [
            "<h2>Codes not in a theme</h2>",
            f"<p>{_h('; '.join(table.unassigned_codes))}</p>",
        ]
    if table.references:
        parts += ["<h2>References</h2>", '<div class="refs">']
        for ref in table.references:
            body = "".join(f"<i>{_h(r.text)}</i>" if r.italic else _h(r.text) for r in ref.runs)
            parts.append(f'<p id="ref-{_h(ref.key)}">{body}</p>')
        parts.append("</div>")
    parts += ['<div class="notes">'] + [f"<p>{_h(n)}</p>" for n in table.notes] + ["</div>"]
    parts += ["</body>", "</html>"]
    out.write(("\n".join(parts) + "\n").encode("utf-8"))


# ---- LaTeX --------------------------------------------------------------------------------------

_TEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    # A "[" right after "\\" would be read as the row's optional argument.
    "[": "{[}",
    "]": "{]}",
    # In LaTeX's default OT1 font encoding these print as other glyphs.
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_TEX_RE = re.compile("|".join(re.escape(k) for k in _TEX))


def tex(text: str | None) -> str:
    """Escape every LaTeX special character; whitespace runs become single spaces."""
    return _TEX_RE.sub(lambda m: _TEX[m.group()], _squash(text or ""))


def write_latex(table: ThemeTable, out: BinaryIO) -> None:
    lines = [
        f"% Themes: {tex(table.project)}",
        "% Generated by coder. Needs \\usepackage{longtable,booktabs,array} (and UTF-8 input).",
        r"\begin{longtable}{@{}>{\raggedright\arraybackslash}p{0.17\linewidth}"
        r">{\raggedright\arraybackslash}p{0.25\linewidth}"
        r">{\raggedright\arraybackslash}p{0.15\linewidth}rr"
        r">{\raggedright\arraybackslash}p{0.25\linewidth}@{}}",
        r"\toprule",
        r"Theme & Definition & Codes & Docs & Extracts & Exemplar extracts \\",
        r"\midrule",
        r"\endhead",
    ]
    for t in table.themes:
        name = (r"\quad " * t.level) + f"{t.number}. {tex(t.name)}"
        quotes = []
        if not t.exemplars_chosen:
            quotes.append(r"\emph{" + tex(no_exemplars_note(len(t.exemplars))) + "}")
        for e in t.exemplars:
            where = f", {tex(e.section)}" if e.section else ""
            label = r" \emph{(not chosen)}" if not e.chosen else ""
            quotes.append(
                f"“{tex(e.text)}” --- {tex(e.citation)}{where} {tex('[' + e.key + ']')}{label}"
            )
        definition = tex(t.definition) + (r" \emph{Scope:} " + tex(t.scope) if t.scope else "")
        row = [name, definition, tex("; ".join(t.codes)), str(t.documents), str(t.extracts),
               r" \newline ".join(quotes)]  # fmt: skip
        lines.append(" & ".join(row) + r" \\")
    lines += [r"\bottomrule", r"\end{longtable}"]
    if table.references:
        lines += ["", r"\section*{References}", ""]
        for ref in table.references:
            body = "".join(
                r"\emph{" + tex(r.text) + "}" if r.italic else tex(r.text) for r in ref.runs
            )
            lines += [r"\noindent\hangindent=2em\hangafter=1 " + body, ""]
        lines.pop()
    out.write(("\n".join(lines) + "\n").encode("utf-8"))


# ---- Excel --------------------------------------------------------------------------------------


def _sheet(
    workbook, title: str, header: list[str], rows: list[list[object]], widths: list[int]
) -> None:
    """A sheet with a bold frozen header, fixed widths, wrapped text and a filter."""
    from openpyxl.styles import Alignment, Font

    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append(["" if v is None else v for v in row])
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = wrap
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # user text, never a formula
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[_column(i)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _column(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def write_xlsx(table: ThemeTable, out: BinaryIO) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    widths = [7, 28, 7, 22, 11, 50, 30, 28, 36, 11, 10, 10, 80]
    _sheet(workbook, "themes", theme_columns(table), theme_rows(table),
           [20, *widths] if table.split_by else widths)  # fmt: skip
    _sheet(
        workbook,
        "codes",
        ["code", "parent", "status", "definition", "themes", "codings", "extracts", "documents"],
        [[c.name, c.parent or "", c.status, c.definition, "; ".join(c.themes), c.codings, c.extracts,
          c.documents] for c in table.codes],
        [30, 24, 10, 50, 36, 9, 9, 10],
    )  # fmt: skip
    extracts = [
        [t.name, "yes" if e.chosen else "no", e.text, e.citation, e.key, e.section or "", e.start, e.end,
         "; ".join(e.codes), "; ".join(e.coders)]
        for t in table.themes
        for e in t.exemplars
    ]  # fmt: skip
    _sheet(workbook, "extracts",
           ["theme", "chosen", "text", "citation", "key", "section", "start", "end", "codes", "coders"],
           extracts, [28, 8, 70, 30, 18, 14, 7, 7, 30, 16])  # fmt: skip
    _sheet(workbook, "references", ["key", "citation", "reference"],
           [[r.key, r.citation, r.text] for r in table.references], [18, 32, 100])  # fmt: skip
    workbook.save(out)


# ---- Word -------------------------------------------------------------------------------------


def _repeat_header(row) -> None:
    """Mark a table row as a header that Word repeats on every page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _word_table(document, header: list[str], rows: list[list[str]]):
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    _repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    return table


def write_docx(table: ThemeTable, out: BinaryIO) -> None:
    from docx import Document
    from docx.shared import Cm

    document = Document()
    document.add_heading(f"Themes: {table.project}", level=0)
    _word_table(
        document,
        ["Theme", "Definition", "Codes", "Documents", "Extracts"],
        [[f"{t.number}. {t.name}", t.definition, "; ".join(t.codes), str(t.documents), str(t.extracts)]
         for t in table.themes],
    )  # fmt: skip
    for t in table.themes:
        document.add_heading(f"{t.number}. {_label(t)}", level=min(1 + t.level, 9))
        document.add_paragraph(t.definition or "(not defined yet)")
        if t.scope:
            document.add_paragraph(f"Scope: {t.scope}")
        if t.subthemes:
            document.add_paragraph(f"Sub-themes: {'; '.join(t.subthemes)}")
        document.add_paragraph(f"Codes: {'; '.join(t.codes) or '(none)'}")
        document.add_paragraph(
            f"Documents: {t.documents} · Extracts: {t.extracts} · Status: {t.status}"
        )
        if not t.exemplars_chosen:
            document.add_paragraph().add_run(no_exemplars_note(len(t.exemplars))).italic = True
        if t.exemplars:
            _word_table(
                document,
                ["Extract", "Citation", "Section"],
                [[f"“{_one_line(e.text)}”" + ("" if e.chosen else " (not chosen)"),
                  f"{e.citation} [{e.key}]", e.section or ""] for e in t.exemplars],
            )  # fmt: skip
    if table.unassigned_codes:
        document.add_heading("Codes not in a theme", level=1)
        document.add_paragraph("; ".join(table.unassigned_codes))
    if table.references:
        document.add_heading("References", level=1)
        for ref in table.references:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.left_indent = Cm(1.27)
            paragraph.paragraph_format.first_line_indent = Cm(-1.27)
            for run in ref.runs:
                paragraph.add_run(run.text).italic = run.italic or None
    for note in table.notes:
        document.add_paragraph().add_run(note).italic = True
    document.save(out)


WRITERS: dict[str, Callable[[ThemeTable, BinaryIO], None]] = {
    "md": write_markdown,
    "csv": write_csv,
    "xlsx": write_xlsx,
    "docx": write_docx,
    "html": write_html,
    "latex": write_latex,
    "json": write_json,
}


def write_theme_table(table: ThemeTable, fmt: str, out: BinaryIO) -> None:
    """Write the table in one of THEME_FORMATS; ValueError for an unknown format."""
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"unknown theme table format {fmt!r}: use {', '.join(THEME_FORMATS)}")
    writer(table, out)
