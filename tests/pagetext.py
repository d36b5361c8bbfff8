"""Parse a report page (stdlib html.parser): its headings, tables, links, resources and
charts, so that tests check content rather than bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path


@dataclass
class Table:
    id: str
    caption: str = ""
    headers: list[str] = field(default_factory=list)
    header_scopes: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    row_links: list[list[str]] = field(default_factory=list)  # hrefs in each row
    csv: str | None = None

    def column(self, label: str) -> list[str]:
        i = self.headers.index(label)
        return [r[i] for r in self.rows]

    def records(self) -> list[dict[str, str]]:
        return [dict(zip(self.headers, r)) for r in self.rows]


@dataclass
class Figure:
    id: str
    label: str = ""
    described_by: str = ""
    table: str | None = None


class Parsed(HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[str, str]] = []
        self.tables: dict[str, Table] = {}
        self.links: list[str] = []
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.figures: list[Figure] = []
        self.ids: dict[str, str] = {}  # id -> text of that element (short elements only)
        self.text_parts: list[str] = []
        self._stack: list[tuple[str, dict]] = []
        self._heading: list[str] | None = None
        self._table: Table | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._row_links: list[str] | None = None
        self._in_head_row = False
        self._caption: list[str] | None = None
        self._id_text: list[tuple[str, list[str], int]] = []
        self._last_table: Table | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style") and "src" not in a:
            self._stack.append((tag, a))
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        if tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a["href"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
            if self._row_links is not None:
                self._row_links.append(a["href"])
            if "download" in a and self._last_table is not None \
                    and self._last_table.csv is None:
                self._last_table.csv = a["href"]
        if tag in ("h1", "h2", "h3"):
            self._heading = [tag]
        if tag == "table":
            self._table = Table(a.get("id", ""))
        if tag == "caption":
            self._caption = []
        if tag == "thead":
            self._in_head_row = True
        if tag == "tbody":
            self._in_head_row = False
        if tag == "tr" and self._table is not None:
            self._row, self._row_links = [], []
        if tag in ("td", "th") and self._row is not None:
            self._cell = []
            if self._in_head_row:
                self._table.header_scopes.append(a.get("scope", ""))
        if tag == "figure":
            self.figures.append(Figure(a.get("id", "")))
        if a.get("role") == "img" and self.figures:
            self.figures[-1].label = a.get("aria-label", "")
            self.figures[-1].described_by = a.get("aria-describedby", "")
        if a.get("id") and tag not in ("table", "figure", "main", "section", "div"):
            self._id_text.append((a["id"], [], len(self._stack)))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._stack and self._stack[-1][0] == tag:
            self._stack.pop()
        if tag in ("h1", "h2", "h3") and self._heading:
            self.headings.append((self._heading[0], " ".join("".join(self._heading[1:]).split())))
            self._heading = None
        if tag == "caption" and self._caption is not None:
            self._table.caption = " ".join("".join(self._caption).split())
            self._caption = None
        if tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if self._in_head_row:
                self._table.headers.append(text)
            else:
                self._row.append(text)
            self._cell = None
        if tag == "tr" and self._row is not None:
            if not self._in_head_row:
                self._table.rows.append(self._row)
                self._table.row_links.append(self._row_links)
            self._row = self._row_links = None
        if tag == "table" and self._table is not None:
            self.tables[self._table.id] = self._table
            self._last_table, self._table = self._table, None
            if self.figures and self.figures[-1].table is None:
                self.figures[-1].table = self._last_table.id
        for i in range(len(self._id_text) - 1, -1, -1):
            ident, parts, _ = self._id_text[i]
            if tag in ("span", "p", "li", "dd", "td", "th", "h1", "h2", "h3", "caption"):
                self.ids.setdefault(ident, " ".join("".join(parts).split()))
                self._id_text.pop(i)
                break

    def handle_data(self, data):
        if self._stack:
            return
        self.text_parts.append(data)
        if self._heading is not None:
            self._heading.append(data)
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)
        for _, parts, _ in self._id_text:
            parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def h1(self) -> str:
        return next(t for level, t in self.headings if level == "h1")


def parse(path_or_text: str | Path) -> Parsed:
    if isinstance(path_or_text, Path):
        return Parsed(path_or_text.read_text(encoding="utf-8"))
    return Parsed(path_or_text)


def number(text: str) -> float | None:
    """A page's number back as a float ('12.3%', '£1,234', '-0.5'); None if blank."""
    t = text.replace(",", "").replace("%", "").replace("£", "").strip()
    return float(t) if t else None
