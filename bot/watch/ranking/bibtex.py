"""A forgiving BibTeX reader for reference-manager exports (Zotero, Better BibTeX, JabRef).

It reads ``@string`` macros (and the month names), skips ``@comment`` and
``@preamble``, joins ``#`` concatenations and balances braces and quotes. A
malformed entry is skipped with a warning naming it (key and line) and reading goes
on from the next line that starts an entry, so one bad entry loses nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.kernel.errors import InvalidArxivIdError
from bot.kernel.ids import ArxivId, parse_arxiv_id

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_NAME = re.compile(r"[^\s\"#%'(),={}@]+")
_ENTRY_START = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv[ \t]*[:.][ \t]*|abs/)"
    r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)",
    re.IGNORECASE,
)
_BRACE_OR_LINE = re.compile(r"[{}\n]")
_QUOTE_BRACE_OR_LINE = re.compile(r'[{}"\n]')
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class BibEntry:
    """One entry: lower-case type and field names, field values as written (LaTeX)."""

    key: str
    type: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BibFile:
    entries: tuple[BibEntry, ...]
    warnings: tuple[str, ...]


class _Malformed(Exception):
    pass


def parse_bibtex(text: str) -> BibFile:
    """The entries of ``text`` in file order, and a warning per skipped or doubtful entry."""
    return _Reader(text).read()


def arxiv_id_of(entry: BibEntry) -> ArxivId | None:
    """The arXiv ID an entry carries, in any of the places exports put it.

    ``eprint`` (with ``archiveprefix``/``eprinttype`` arXiv, or shaped like an arXiv ID),
    ``arxivid`` (Mendeley), a ``10.48550/arXiv.`` DOI, an arxiv.org URL, or "arXiv:ID" /
    "abs/ID" in ``journal``, ``note``, ``howpublished`` or ``volume`` (Google Scholar, DBLP).
    """
    fields = entry.fields
    direct = [fields.get("arxivid", ""), fields.get("arxiv", ""), fields.get("eprint", "")]
    for value in direct:
        found = _parse(value.strip().removeprefix("arXiv:").removeprefix("arxiv:"))
        if found is not None:
            return found
    doi = _ARXIV_DOI.search(fields.get("doi", ""))
    if doi and (found := _parse(doi.group(1))) is not None:
        return found
    for name in ("url", "journal", "journaltitle", "note", "howpublished", "volume", "eprint"):
        for match in _IN_TEXT.finditer(fields.get(name, "")):
            if (found := _parse(match.group(1))) is not None:
                return found
    return None


def _parse(value: str) -> ArxivId | None:
    if not value:
        return None
    try:
        return parse_arxiv_id(value)
    except InvalidArxivIdError:
        return None


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.macros = {month: month for month in _MONTHS}
        self.entries: list[BibEntry] = []
        self.warnings: list[str] = []
        self.keys: set[str] = set()

    def read(self) -> BibFile:
        while (start := self.text.find("@", self.pos)) != -1:
            self.pos = start + 1
            kind = self._name().lower()
            self._space()
            if not kind or self._peek() not in "{(":
                continue  # an "@" in free text between entries is a comment
            self._item(kind, start)
        return BibFile(tuple(self.entries), tuple(self.warnings))

    def _item(self, kind: str, start: int) -> None:
        closer = "}" if self._peek() == "{" else ")"
        self.pos += 1
        if kind in ("comment", "preamble"):
            self._skip_block(closer)
            return
        key = ""
        try:
            if kind == "string":
                self._string(closer)
                return
            key = self._key()
            fields = self._fields(closer)
        except _Malformed as problem:
            self._skip_malformed(kind, key, start, str(problem))
            return
        self._add(BibEntry(key, kind, self._line(start), fields))

    def _add(self, entry: BibEntry) -> None:
        if entry.key in self.keys:
            self.warnings.append(
                f"line {entry.line}: duplicate key {entry.key!r}: this entry is read too"
            )
        self.keys.add(entry.key)
        self.entries.append(entry)

    def _skip_malformed(self, kind: str, key: str, start: int, problem: str) -> None:
        name = f"@{kind}{{{key}" if key else f"@{kind}"
        self.warnings.append(f"line {self._line(start)}: entry {name} skipped: {problem}")
        following = _ENTRY_START.search(self.text, self.text.find("\n", start) + 1)
        self.pos = (
            following.start() if following and self.text.find("\n", start) != -1 else len(self.text)
        )

    def _skip_block(self, closer: str) -> None:
        try:
            if closer == "}":
                self.pos -= 1  # back on the opening brace
                self._braced()
            else:
                end = self.text.find(")", self.pos)
                self.pos = len(self.text) if end == -1 else end + 1
        except _Malformed:
            self.pos = len(self.text)

    def _string(self, closer: str) -> None:
        name, value = self._field()
        self.macros[name] = value
        self._space()
        if self._peek() != closer:
            raise _Malformed(f"expected {closer!r} after @string {name}")
        self.pos += 1

    def _key(self) -> str:
        self._space()
        end = self.pos
        while end < len(self.text) and self.text[end] not in ",}) \t\r\n":
            end += 1
        key = self.text[self.pos : end].strip()
        self.pos = end
        self._space()
        if not key or self._peek() != ",":
            raise _Malformed("no citation key followed by a comma")
        self.pos += 1
        return key

    def _fields(self, closer: str) -> dict[str, str]:
        fields: dict[str, str] = {}
        while True:
            self._space()
            if self._peek() == closer:
                self.pos += 1
                return fields
            if self._peek() == "":
                raise _Malformed("the file ends inside the entry")
            name, value = self._field()
            fields.setdefault(name, value)
            self._space()
            if self._peek() == ",":
                self.pos += 1
            elif self._peek() != closer:
                raise _Malformed(f"expected ',' or {closer!r} after field {name!r}")

    def _field(self) -> tuple[str, str]:
        self._space()
        name = self._name().lower()
        self._space()
        if not name or self._peek() != "=":
            shown = self.text[self.pos : self.pos + 20].split("\n")[0]
            raise _Malformed(f"expected 'name = value', found {shown!r}")
        self.pos += 1
        parts = [self._value()]
        self._space()
        while self._peek() == "#":
            self.pos += 1
            parts.append(self._value())
            self._space()
        return name, "".join(parts)

    def _value(self) -> str:
        self._space()
        char = self._peek()
        if char == "{":
            return self._braced()
        if char == '"':
            return self._quoted()
        word = self._name()
        if not word:
            raise _Malformed("a field has no value")
        if word.isdigit():
            return word
        if word.lower() not in self.macros:
            raise _Malformed(f"unknown @string {word!r}")
        return self.macros[word.lower()]

    def _braced(self) -> str:
        """The text inside balanced braces starting at ``pos`` (which is at "{")."""
        depth, start = 0, self.pos
        for found in _BRACE_OR_LINE.finditer(self.text, self.pos):
            char, index = found.group(), found.start()
            if char == "\n":
                if _ENTRY_START.match(self.text, index + 1):
                    break
            elif self._escaped(index):
                continue
            elif char == "{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    self.pos = index + 1
                    return self.text[start + 1 : index]
        raise _Malformed("unbalanced braces")

    def _quoted(self) -> str:
        depth, start = 0, self.pos
        for found in _QUOTE_BRACE_OR_LINE.finditer(self.text, self.pos + 1):
            char, index = found.group(), found.start()
            if char == "\n":
                if _ENTRY_START.match(self.text, index + 1):
                    break
            elif self._escaped(index):
                continue
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            elif depth == 0:
                self.pos = index + 1
                return self.text[start + 1 : index]
        raise _Malformed("unterminated quoted value")

    def _escaped(self, index: int) -> bool:
        slashes = 0
        while index - slashes - 1 >= 0 and self.text[index - slashes - 1] == "\\":
            slashes += 1
        return slashes % 2 == 1

    def _name(self) -> str:
        match = _NAME.match(self.text, self.pos)
        if not match:
            return ""
        self.pos = match.end()
        return match.group()

    def _space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _line(self, index: int) -> int:
        return self.text.count("\n", 0, index) + 1
