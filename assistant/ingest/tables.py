"""Tables as text a reader can quote: one paragraph per row, each value next to its column
header ("Coast Guard (Department of Homeland Security) — 2016 Deaths in custody: 0; …").

A row is then one sentence in the chunker's eyes, so retrieval can find it and the answer can
quote it whole with its page. Pure functions of the cell grid a table finder returns; a cell
is None where the cell to its left spans over it.
"""

from __future__ import annotations

import re

from assistant.ingest.cleanup import is_word, join_lines, normalize_chars

Cell = str | None
_NUMBER = re.compile(r"^[-–(]?[$€£]?\d[\d,]*(?:\.\d+)?%?\)?[*a-z]?$|^\d{1,2}/\d{1,2}/\d{2,4}$")
_NOTE_LETTERS = re.compile(r"\b([A-Za-z][a-z]{1,})([a-e](?:,[a-e])*)\b")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_MAX_HEADER_ROWS = 4
# A row as render_rows writes it: an optional label, then two or more "Header: value" pairs.
_ROW = re.compile(r"^(?:[^\n]{1,300}? — )?[^:;\n]{1,80}: [^;\n]*(?:; [^:;\n]{1,80}: [^;\n]*)+\.$")


def _drop_note_letters(match: re.Match[str]) -> str:
    word, letters = match.group(1), match.group(2).replace(",", "")
    return word if is_word(word) and not is_word(word + letters) else match.group(0)


def _cell_text(cell: Cell) -> Cell:
    if cell is None:
        return None
    lines = [" ".join(line.split()) for line in normalize_chars(cell).split("\n")]
    text = ""
    for line in (line for line in lines if line):
        text = join_lines(text, line) if text else line
    # A superscript note letter reads as part of the word before it ("Percenta", "Homicideb",
    # "Yesb,c"); in a header or a row label it is dropped, the word kept.
    return _NOTE_LETTERS.sub(_drop_note_letters, text)


def _is_data_row(row: list[Cell]) -> bool:
    """A row holding a count, a share or a date; header rows hold words and years."""
    return any(c and _NUMBER.match(c) and not _YEAR.match(c) for c in row)


def _merge_percent_signs(row: list[Cell]) -> list[Cell]:
    """Some tables put "%" in a column of its own; it belongs to the number before it."""
    merged = list(row)
    for index, cell in enumerate(merged):
        if cell == "%":
            for back in range(index - 1, -1, -1):
                if merged[back]:
                    merged[back] = f"{merged[back]}%"
                    break
            merged[index] = ""
    return merged


def is_table_row(sentence: str) -> bool:
    return bool(_ROW.match(sentence))


def column_names(header_rows: list[list[Cell]], width: int) -> list[str]:
    """One name per column from stacked header rows; a spanning header names every column
    under it ("2016" over "Arrest-related deaths" -> "2016 Arrest-related deaths")."""
    names: list[list[str]] = [[] for _ in range(width)]
    for row in header_rows:
        spanning = ""
        for index in range(width):
            cell = row[index] if index < len(row) else ""
            if cell is None:
                cell = spanning
            else:
                spanning = cell
            if cell and cell not in names[index]:
                names[index].append(cell)
    return [" ".join(parts) for parts in names]


def render_rows(grid: list[list[Cell]], carried: list[str] | None = None) -> tuple[list[str], list[str]]:
    """(one text line per body row, the column names used). `carried` are the column names of
    the same table on the previous page, used when this page's part repeats no header."""
    rows = [_merge_percent_signs([_cell_text(c) for c in row]) for row in grid]
    rows = [row for row in rows if any(row)]
    if not rows:
        return [], carried or []
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    header_count = 0
    while header_count < min(_MAX_HEADER_ROWS, len(rows) - 1) and not _is_data_row(rows[header_count]):
        header_count += 1
    continued = bool(carried) and len(carried) == width and \
        column_names(rows[:max(header_count, 1)], width) != carried
    if continued and carried:
        # The same table going on from the previous page: a first row that is not its header
        # again is a row (or the end of one cut by the page break).
        names = carried
    else:
        names = column_names(rows[:max(header_count, 1)], width)
        rows = rows[max(header_count, 1):]
    lines: list[str] = []
    group = ""
    for row in rows:
        labels = [c for c, name in zip(row, names, strict=True) if c and not name]
        values = [(name, c) for c, name in zip(row, names, strict=True) if c and name]
        if labels and not values:
            group = " ".join(labels)  # "Department of Homeland Security": names the rows below
            continue
        if not values:
            continue
        label = " ".join(labels)
        if group and label:
            label = f"{label} ({group})"
        body = "; ".join(f"{name}: {value}" for name, value in values)
        lines.append(f"{label} — {body}." if label else f"{body}.")
    return lines, names
