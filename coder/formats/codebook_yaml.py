"""Codebooks as YAML: validate with positions, load, dump, and export as Markdown or CSV.

A codebook is written and reviewed by people, so validation reports *every* problem at
once, each pointing at the line and column of the offending node; a one-line
`FormatError` is what the CLI prints. Nodes are walked directly instead of constructed:
that gives the position of every value, and it means no YAML tag is ever executed.
Anchors and aliases are allowed but their expansion is counted while composing, so a
"billion laughs" file stops early instead of eating memory.

The YAML holds the codebook's *content*: a code's status (active, merged, retired) and a
theme's status (candidate, reviewed, defined) live in the project, not in the file.
`dump_codebook` therefore writes active codes only; see docs/codebook.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import yaml
from rapidfuzz import fuzz, process, utils
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from coder.core.codebook_sync import normalise_name, normalise_uid
from coder.core.model import Code, Codebook, CodeStatus, Theme
from coder.formats import csvsafe
from coder.formats.errors import FormatError

# Limits that stop hostile or runaway files while composing (before any walking).
MAX_NODES = 100_000  # nodes after alias expansion; a 1,000-code codebook is ~30,000
MAX_DEPTH = 50  # nesting of lists and mappings; codes nested 15 deep use ~32

TOP_KEYS = ("codebook", "version", "description", "codes", "themes")
CODE_KEYS = (
    "name",
    "id",
    "renamed_from",
    "definition",
    "include",
    "exclude",
    "examples",
    "keywords",
    "colour",
    "children",
)
THEME_KEYS = ("name", "id", "definition", "scope", "codes", "subthemes")

_Y = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_Y + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}
_MERGE = _Y + "merge"

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
# CSS named colours (CSS Color Module 4), name -> rrggbb.
_CSS_COLOUR_TABLE = (
    "aliceblue f0f8ff antiquewhite faebd7 aqua 00ffff aquamarine 7fffd4 azure f0ffff "
    "beige f5f5dc bisque ffe4c4 black 000000 blanchedalmond ffebcd blue 0000ff "
    "blueviolet 8a2be2 brown a52a2a burlywood deb887 cadetblue 5f9ea0 chartreuse 7fff00 "
    "chocolate d2691e coral ff7f50 cornflowerblue 6495ed cornsilk fff8dc crimson dc143c "
    "cyan 00ffff darkblue 00008b darkcyan 008b8b darkgoldenrod b8860b darkgray a9a9a9 "
    "darkgreen 006400 darkgrey a9a9a9 darkkhaki bdb76b darkmagenta 8b008b darkolivegreen 556b2f "
    "darkorange ff8c00 darkorchid 9932cc darkred 8b0000 darksalmon e9967a darkseagreen 8fbc8f "
    "darkslateblue 483d8b darkslategray 2f4f4f darkslategrey 2f4f4f darkturquoise 00ced1 "
    "darkviolet 9400d3 deeppink ff1493 deepskyblue 00bfff dimgray 696969 dimgrey 696969 "
    "dodgerblue 1e90ff firebrick b22222 floralwhite fffaf0 forestgreen 228b22 fuchsia ff00ff "
    "gainsboro dcdcdc ghostwhite f8f8ff gold ffd700 goldenrod daa520 gray 808080 green 008000 "
    "greenyellow adff2f grey 808080 honeydew f0fff0 hotpink ff69b4 indianred cd5c5c "
    "indigo 4b0082 ivory fffff0 khaki f0e68c lavender e6e6fa lavenderblush fff0f5 "
    "lawngreen 7cfc00 lemonchiffon fffacd lightblue add8e6 lightcoral f08080 lightcyan e0ffff "
    "lightgoldenrodyellow fafad2 lightgray d3d3d3 lightgreen 90ee90 lightgrey d3d3d3 "
    "lightpink ffb6c1 lightsalmon ffa07a lightseagreen 20b2aa lightskyblue 87cefa "
    "lightslategray 778899 lightslategrey 778899 lightsteelblue b0c4de lightyellow ffffe0 "
    "lime 00ff00 limegreen 32cd32 linen faf0e6 magenta ff00ff maroon 800000 "
    "mediumaquamarine 66cdaa mediumblue 0000cd mediumorchid ba55d3 mediumpurple 9370db "
    "mediumseagreen 3cb371 mediumslateblue 7b68ee mediumspringgreen 00fa9a "
    "mediumturquoise 48d1cc mediumvioletred c71585 midnightblue 191970 mintcream f5fffa "
    "mistyrose ffe4e1 moccasin ffe4b5 navajowhite ffdead navy 000080 oldlace fdf5e6 "
    "olive 808000 olivedrab 6b8e23 orange ffa500 orangered ff4500 orchid da70d6 "
    "palegoldenrod eee8aa palegreen 98fb98 paleturquoise afeeee palevioletred db7093 "
    "papayawhip ffefd5 peachpuff ffdab9 peru cd853f pink ffc0cb plum dda0dd powderblue b0e0e6 "
    "purple 800080 rebeccapurple 663399 red ff0000 rosybrown bc8f8f royalblue 4169e1 "
    "saddlebrown 8b4513 salmon fa8072 sandybrown f4a460 seagreen 2e8b57 seashell fff5ee "
    "sienna a0522d silver c0c0c0 skyblue 87ceeb slateblue 6a5acd slategray 708090 "
    "slategrey 708090 snow fffafa springgreen 00ff7f steelblue 4682b4 tan d2b48c teal 008080 "
    "thistle d8bfd8 tomato ff6347 turquoise 40e0d0 violet ee82ee wheat f5deb3 white ffffff "
    "whitesmoke f5f5f5 yellow ffff00 yellowgreen 9acd32"
)
_WORDS = _CSS_COLOUR_TABLE.split()
_NAMED = dict(zip(_WORDS[::2], _WORDS[1::2], strict=True))


def colour_to_hex(colour: str | None) -> str | None:
    """Hex "#rrggbb" for a hex or CSS-named colour, None when unknown or absent.

    The YAML lets people write "teal"; REFI-QDA and the TUI need hex, so both go through here.
    """
    if not colour:
        return None
    colour = colour.strip()
    if _HEX.match(colour):
        digits = colour[1:]
        if len(digits) == 3:
            digits = "".join(ch * 2 for ch in digits)
        return "#" + digits.lower()
    named = _NAMED.get(colour.lower().replace(" ", ""))
    return "#" + named if named else None


def _closest(word: str, choices: list[str], cutoff: float = 60) -> str | None:
    """The most similar choice, for "did you mean" hints; None when nothing is close."""
    if not choices:
        return None
    best = process.extractOne(word, choices, scorer=fuzz.ratio, processor=utils.default_process)
    return best[0] if best and best[1] >= cutoff else None


def _did_you_mean(word: str, choices: list[str]) -> str:
    match = _closest(word, choices)
    return f" — did you mean {match!r}?" if match else ""


# ---- composing with limits -----------------------------------------------------------


class _LimitError(yaml.MarkedYAMLError):
    """The file expands past MAX_NODES or nests past MAX_DEPTH, or an alias is recursive."""

    def __init__(self, problem: str, mark: yaml.Mark) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class _LimitedLoader(yaml.SafeLoader):
    """A SafeLoader whose composer counts nodes as they would be after alias expansion.

    Composing itself is cheap (an alias is a reference), but anything that walks the
    result visits an aliased subtree once per alias; counting its size at each alias
    bounds that walk before it starts.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._expanded = 0
        self._depth = 0
        self._sizes: dict[int, int] = {}
        self._open_anchors: set[str] = set()

    def _grow(self, count: int, mark: yaml.Mark) -> None:
        self._expanded += count
        if self._expanded > MAX_NODES:
            raise _LimitError(
                f"the file expands to more than {MAX_NODES:,} nodes "
                "(too many aliases of large anchors?)",
                mark,
            )

    def compose_node(self, parent: Node | None, index: object) -> Node:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            if event.anchor in self._open_anchors:
                raise _LimitError(f"alias *{event.anchor} refers to itself", event.start_mark)
            target = self.anchors.get(event.anchor)
            if target is not None:
                self._grow(self._sizes.get(id(target), 1), event.start_mark)
            return super().compose_node(parent, index)
        event = self.peek_event()
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _LimitError(f"nesting deeper than {MAX_DEPTH} levels", event.start_mark)
        anchor = getattr(event, "anchor", None)
        if anchor:
            self._open_anchors.add(anchor)
        before = self._expanded
        self._grow(1, event.start_mark)
        node = super().compose_node(parent, index)
        self._sizes[id(node)] = self._expanded - before
        if anchor:
            self._open_anchors.discard(anchor)
        self._depth -= 1
        return node


def _compose(text: str) -> Node | None:
    loader = _LimitedLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


# ---- walking nodes into a Codebook ----------------------------------------------------


def _kind(node: Node) -> str:
    """What a node is, in the words of an error message."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _Y + "null":
        return "nothing"
    if node.tag in (_Y + "int", _Y + "float"):
        return "a number"
    if node.tag == _Y + "bool":
        return "a boolean"
    return "a string"


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_Y) :] if tag.startswith(_Y) else tag


@dataclass
class _Entry:
    """A code or theme read from the file, with the nodes later checks point at."""

    name_node: Node | None = None
    id_node: Node | None = None
    old_names: list[tuple[str, Node]] = field(default_factory=list)


class _Reader:
    """Walks a composed node tree into a Codebook, collecting every problem it meets."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[FormatError] = []
        self.codes: list[tuple[Code, _Entry]] = []
        self.themes: list[tuple[Theme, _Entry]] = []
        # Filled by check_codes for the themes: normalised name -> code name.
        self.code_names: dict[str, str] = {}
        self.old_names: dict[str, str] = {}
        # Ids are one namespace across codes and themes (they become REFI-QDA guids).
        self.ids: dict[str, tuple[str, Node]] = {}

    def error(self, node: Node, message: str) -> None:
        mark = node.start_mark
        self.errors.append(FormatError(self.file, message, mark.line + 1, mark.column + 1))

    # -- generic accessors

    def tag_ok(self, node: Node) -> bool:
        if node.tag in _ALLOWED_TAGS:
            return True
        self.error(
            node, f"tag {_show_tag(node.tag)!r} is not allowed: a codebook holds plain YAML only"
        )
        return False

    def mapping(
        self, node: Node, allowed: tuple[str, ...], what: str
    ) -> dict[str, tuple[Node, Node]] | None:
        """key -> (key node, value node), reporting unknown, duplicate and non-text keys."""
        if not self.tag_ok(node):
            return None
        if not isinstance(node, MappingNode):
            self.error(node, f"{what}: expected a mapping, got {_kind(node)}")
            return None
        items: dict[str, tuple[Node, Node]] = {}
        merged: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged += self._merge_sources(value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, f"{what}: a key must be a word, got {_kind(key_node)}")
                continue
            if not self.tag_ok(key_node):
                continue
            key = key_node.value
            if key not in allowed:
                self.error(key_node, f"unknown key {key!r}{_did_you_mean(key, list(allowed))}")
                continue
            if key in items:
                first = items[key][0].start_mark.line + 1
                self.error(key_node, f"duplicate key {key!r} (first at line {first})")
                continue
            items[key] = (key_node, value_node)
        # Keys written out beat keys merged in with <<, as in YAML's merge rule.
        for key_node, value_node in merged:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None or key in items:
                continue
            if key not in allowed:
                self.error(key_node, f"unknown key {key!r}{_did_you_mean(key, list(allowed))}")
                continue
            items[key] = (key_node, value_node)
        return items

    def _merge_sources(self, node: Node) -> list[tuple[Node, Node]]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        pairs: list[tuple[Node, Node]] = []
        for source in sources:
            if isinstance(source, MappingNode) and self.tag_ok(source):
                pairs += [(k, v) for k, v in source.value if k.tag != _MERGE]
            else:
                self.error(source, f"'<<' merges a mapping, got {_kind(source)}")
        return pairs

    def text(self, node: Node, key: str) -> str | None:
        """A string field; numbers and booleans keep the characters as written."""
        if not self.tag_ok(node):
            return None
        if not isinstance(node, ScalarNode):
            self.error(node, f"{key!r}: expected a string, got {_kind(node)}")
            return None
        return "" if node.tag == _Y + "null" else node.value.strip()

    def texts(self, node: Node, key: str, allow_one: bool = False) -> list[tuple[str, Node]] | None:
        """A list of strings (or one string when ``allow_one``), each with its node."""
        if not self.tag_ok(node):
            return None
        if isinstance(node, ScalarNode):
            if node.tag == _Y + "null":
                return []
            if allow_one:
                return [(node.value.strip(), node)] if node.value.strip() else []
        if not isinstance(node, SequenceNode):
            self.error(node, f"{key!r}: expected a list of strings, got {_kind(node)}")
            return None
        out: list[tuple[str, Node]] = []
        for item in node.value:
            if not self.tag_ok(item):
                continue
            if not isinstance(item, ScalarNode) or item.tag == _Y + "null":
                self.error(item, f"{key!r}: expected a string in the list, got {_kind(item)}")
            elif item.value.strip():
                out.append((item.value.strip(), item))
        return out

    def items(self, node: Node, key: str) -> list[Node]:
        """The entries of a list of mappings (codes, children, themes, subthemes)."""
        if not self.tag_ok(node):
            return []
        if isinstance(node, ScalarNode) and node.tag == _Y + "null":
            return []
        if not isinstance(node, SequenceNode):
            self.error(node, f"{key!r}: expected a list, got {_kind(node)}")
            return []
        return list(node.value)

    def name(
        self, fields: dict[str, tuple[Node, Node]], node: Node, what: str
    ) -> tuple[str, Node] | None:
        if "name" not in fields:
            self.error(node, f"{what} without a name")
            return None
        value_node = fields["name"][1]
        name = self.text(value_node, "name")
        if name is None:
            return None
        if not name:
            self.error(value_node, f"{what} name is empty")
            return None
        if "\n" in name:
            self.error(value_node, f"{what} name must be one line")
            return None
        return name, value_node

    # -- the schema

    def read(self, root: Node | None) -> Codebook:
        book = Codebook()
        if root is None:
            self.errors.append(
                FormatError(self.file, "the file is empty: expected 'codebook' and 'codes'", 1, 1)
            )
            return book
        fields = self.mapping(root, TOP_KEYS, "a codebook file (with 'codebook' and 'codes')")
        if fields is None:
            return book
        if "codebook" not in fields:
            self.error(root, "missing 'codebook' (the codebook's title)")
        else:
            book.title = self.text(fields["codebook"][1], "codebook") or book.title
        if "version" in fields:
            book.version = self.text(fields["version"][1], "version") or book.version
        if "description" in fields:
            book.description = self.text(fields["description"][1], "description") or ""
        if "codes" in fields:
            for item in self.items(fields["codes"][1], "codes"):
                self.code(item, None)
        self.check_codes()
        if "themes" in fields:
            for item in self.items(fields["themes"][1], "themes"):
                self.theme(item, None)
        self.check_themes()
        book.codes = [code for code, _ in self.codes]
        book.themes = [theme for theme, _ in self.themes]
        return book

    def code(self, node: Node, parent: str | None) -> None:
        fields = self.mapping(node, CODE_KEYS, "a code")
        if fields is None:
            return
        entry = _Entry()
        named = self.name(fields, node, "code")
        code = Code(name=named[0] if named else "", parent=parent)
        if named:
            entry.name_node = named[1]
        for key in ("definition", "include", "exclude"):
            if key in fields:
                setattr(code, key, self.text(fields[key][1], key) or "")
        for key in ("examples", "keywords"):
            if key in fields:
                setattr(code, key, [t for t, _ in self.texts(fields[key][1], key) or []])
        if "colour" in fields:
            code.colour = self.colour(fields["colour"][1])
        if "id" in fields:
            code.uid = normalise_uid(self.text(fields["id"][1], "id"))
            entry.id_node = fields["id"][1]
        if "renamed_from" in fields:
            entry.old_names = self.texts(fields["renamed_from"][1], "renamed_from", True) or []
            code.renamed_from = [old for old, _ in entry.old_names]
        if named:
            self.codes.append((code, entry))
        if "children" in fields:
            for child in self.items(fields["children"][1], "children"):
                self.code(child, code.name if named else None)

    def colour(self, node: Node) -> str | None:
        colour = self.text(node, "colour")
        if not colour:
            return None
        if colour_to_hex(colour) is None:
            if colour.startswith("#"):
                self.error(node, f"colour {colour!r} is not '#rgb', '#rrggbb' or a colour name")
            else:
                self.error(node, f"unknown colour {colour!r}{_did_you_mean(colour, list(_NAMED))}")
            return None
        return colour

    def check_codes(self) -> None:
        """Names, old names and ids must each point at one code."""
        names: dict[str, tuple[str, Node]] = {}
        for code, entry in self.codes:
            assert entry.name_node is not None
            key = normalise_name(code.name)
            if key in names:
                other, node = names[key]
                line = node.start_mark.line + 1
                if other == code.name:
                    self.error(
                        entry.name_node, f"duplicate code {code.name!r} (first at line {line})"
                    )
                else:
                    self.error(
                        entry.name_node, f"code {code.name!r} clashes with {other!r} at line {line}"
                    )
            else:
                names[key] = (code.name, entry.name_node)
        claimed: dict[str, tuple[str, Node]] = {}
        for code, entry in self.codes:
            for old, node in entry.old_names:
                key = normalise_name(old)
                if key in names and key != normalise_name(code.name):
                    line = names[key][1].start_mark.line + 1
                    self.error(
                        node,
                        f"renamed_from {old!r} of code {code.name!r} names an existing code "
                        f"({names[key][0]!r} at line {line})",
                    )
                elif key in claimed and claimed[key][0] != code.name:
                    other, other_node = claimed[key]
                    self.error(
                        node,
                        f"renamed_from {old!r} is already claimed by code {other!r} "
                        f"at line {other_node.start_mark.line + 1}",
                    )
                else:
                    claimed.setdefault(key, (code.name, node))
        self.check_ids([(f"code {c.name!r}", c.uid, e) for c, e in self.codes])
        self.old_names = {key: name for key, (name, _) in claimed.items()}
        self.code_names = {key: name for key, (name, _) in names.items()}

    def check_ids(self, entries: list[tuple[str, str | None, _Entry]]) -> None:
        seen = self.ids
        for label, uid, entry in entries:
            if not uid or entry.id_node is None:
                continue
            if uid in seen:
                other, node = seen[uid]
                self.error(
                    entry.id_node,
                    f"duplicate id {uid!r} (also on {other} at line {node.start_mark.line + 1})",
                )
            else:
                seen[uid] = (label, entry.id_node)

    def theme(self, node: Node, parent: str | None) -> None:
        fields = self.mapping(node, THEME_KEYS, "a theme")
        if fields is None:
            return
        entry = _Entry()
        named = self.name(fields, node, "theme")
        theme = Theme(name=named[0] if named else "", parent=parent, order=len(self.themes))
        if named:
            entry.name_node = named[1]
        for key in ("definition", "scope"):
            if key in fields:
                setattr(theme, key, self.text(fields[key][1], key) or "")
        if "id" in fields:
            theme.uid = normalise_uid(self.text(fields["id"][1], "id"))
            entry.id_node = fields["id"][1]
        if "codes" in fields:
            theme.codes = self.theme_codes(theme.name, fields["codes"][1])
        if named:
            self.themes.append((theme, entry))
        if "subthemes" in fields:
            for sub in self.items(fields["subthemes"][1], "subthemes"):
                self.theme(sub, theme.name if named else None)

    def theme_codes(self, theme: str, node: Node) -> list[str]:
        """Code names of a theme, spelled as the codes spell them; unknown names reported."""
        out: list[str] = []
        for name, item in self.texts(node, "codes") or []:
            key = normalise_name(name)
            code = self.code_names.get(key)
            if code is None:
                if key in self.old_names:
                    hint = f": it was renamed to {self.old_names[key]!r}"
                else:
                    hint = _did_you_mean(name, list(self.code_names.values()))
                self.error(item, f"theme {theme!r} names unknown code {name!r}{hint}")
            elif code in out:
                self.error(item, f"code {code!r} is listed twice in theme {theme!r}")
            else:
                out.append(code)
        return out

    def check_themes(self) -> None:
        names: dict[str, tuple[str, Node]] = {}
        for theme, entry in self.themes:
            assert entry.name_node is not None
            key = normalise_name(theme.name)
            if key in names:
                other, node = names[key]
                line = node.start_mark.line + 1
                if other == theme.name:
                    message = f"duplicate theme {theme.name!r} (first at line {line})"
                else:
                    message = f"theme {theme.name!r} clashes with {other!r} at line {line}"
                self.error(entry.name_node, message)
            else:
                names[key] = (theme.name, entry.name_node)
        self.check_ids([(f"theme {t.name!r}", t.uid, e) for t, e in self.themes])


def _syntax_error(exc: yaml.YAMLError, text: str, file: str) -> FormatError:
    """A one-line error from PyYAML's multi-line message, at its mark."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if exc.context and not isinstance(exc, _LimitError):
            problem = f"{problem} ({exc.context})"
        if not isinstance(exc, _LimitError):
            problem = f"YAML syntax error: {problem}"
        if mark is not None:
            return FormatError(file, problem, mark.line + 1, mark.column + 1)
        return FormatError(file, problem)
    if isinstance(exc, yaml.reader.ReaderError):
        pos = exc.position
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return FormatError(file, f"character U+{char:04X} is not allowed in YAML", line, column)
    return FormatError(file, f"YAML error: {exc}")


def validate_codebook(text: str, file: str) -> tuple[Codebook | None, list[FormatError]]:
    """Every problem in a codebook's YAML text, and the codebook when there are none.

    Never raises for a user's mistake. The codebook is None whenever the error list is
    not empty, so a caller cannot use a half-read codebook by accident. Errors come in
    file order, each with 1-based line and column.
    """
    try:
        root = _compose(text)
    except yaml.YAMLError as exc:
        return None, [_syntax_error(exc, text, file)]
    except RecursionError:
        return None, [FormatError(file, f"nesting deeper than {MAX_DEPTH} levels")]
    reader = _Reader(file)
    book = reader.read(root)
    # A problem inside an anchor merged into several places is reported once.
    unique = {(e.line, e.column, e.message): e for e in reader.errors}
    errors = sorted(unique.values(), key=lambda e: (e.line or 0, e.column or 0))
    return (None, errors) if errors else (book, [])


def load_codebook(path: Path) -> Codebook:
    """Read a codebook file; raise FormatError with its first problem (UTF-8, BOM allowed)."""
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FormatError(file, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FormatError(file, "not UTF-8 text (save the codebook as UTF-8)", line) from None
    book, errors = validate_codebook(text, file)
    if errors:
        raise errors[0]
    assert book is not None
    return book


# ---- writing --------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key and writes multi-line text as block scalars."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar(_Y + "str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def exported_codes(cb: Codebook) -> list[tuple[Code, str | None, int]]:
    """Active codes in tree order, each with the parent it is written under and its depth.

    A code whose parent is not active is written under its nearest active ancestor (or at
    the top), so retiring a parent never hides its children. Shared by every exporter.
    """
    active = [c for c in cb.codes if c.status == CodeStatus.ACTIVE]
    by_name = {c.name: c for c in cb.codes}
    kept = {c.name for c in active}

    def shown_parent(code: Code) -> str | None:
        seen = {code.name}
        parent = code.parent
        while parent is not None and parent not in kept:
            above = by_name.get(parent)
            if above is None or above.name in seen:
                return None
            seen.add(above.name)
            parent = above.parent
        return None if parent in (None, code.name) else parent

    parents = {c.name: shown_parent(c) for c in active}
    children: dict[str | None, list[Code]] = {}
    for code in active:
        children.setdefault(parents[code.name], []).append(code)
    out: list[tuple[Code, str | None, int]] = []
    done: set[str] = set()

    def walk(code: Code, depth: int) -> None:
        if code.name in done:
            return
        done.add(code.name)
        out.append((code, parents[code.name], depth))
        for child in children.get(code.name, []):
            walk(child, depth + 1)

    for code in children.get(None, []):
        walk(code, 0)
    for code in active:  # codes caught in a parent cycle
        if code.name not in done:
            parents[code.name] = None
            walk(code, 0)
    return out


def _code_dict(code: Code) -> dict[str, object]:
    entry: dict[str, object] = {"name": code.name}
    if code.uid:
        entry["id"] = code.uid
    if code.renamed_from:
        entry["renamed_from"] = (
            code.renamed_from[0] if len(code.renamed_from) == 1 else list(code.renamed_from)
        )
    for key in ("definition", "include", "exclude"):
        if getattr(code, key):
            entry[key] = getattr(code, key)
    for key in ("examples", "keywords"):
        if getattr(code, key):
            entry[key] = list(getattr(code, key))
    if code.colour:
        entry["colour"] = code.colour
    return entry


def _theme_tree(cb: Codebook, names: set[str]) -> list[dict[str, object]]:
    known = {t.name for t in cb.themes}
    nodes: dict[str, dict[str, object]] = {}
    roots: list[dict[str, object]] = []
    for theme in cb.themes:
        entry: dict[str, object] = {"name": theme.name}
        if theme.uid:
            entry["id"] = theme.uid
        if theme.definition:
            entry["definition"] = theme.definition
        if theme.scope:
            entry["scope"] = theme.scope
        members = [c for c in theme.codes if c in names]
        if members:
            entry["codes"] = members
        nodes[theme.name] = entry
    for theme in cb.themes:
        parent = theme.parent if theme.parent in known and theme.parent != theme.name else None
        if parent is None:
            roots.append(nodes[theme.name])
        else:
            nodes[parent].setdefault("subthemes", []).append(nodes[theme.name])  # type: ignore[union-attr]
    return roots


def dump_codebook(cb: Codebook) -> str:
    """The codebook as YAML: active codes nested under their parents, file order kept.

    Empty fields are left out so the file stays readable; reading it back with
    `validate_codebook` gives an equal Codebook (statuses aside).
    """
    codes = exported_codes(cb)
    entries: dict[str, dict[str, object]] = {}
    roots: list[dict[str, object]] = []
    for code, parent, _ in codes:
        entries[code.name] = _code_dict(code)
        if parent is None:
            roots.append(entries[code.name])
        else:
            entries[parent].setdefault("children", []).append(entries[code.name])  # type: ignore[union-attr]
    doc: dict[str, object] = {"codebook": cb.title, "version": str(cb.version)}
    if cb.description:
        doc["description"] = cb.description
    doc["codes"] = roots
    themes = _theme_tree(cb, set(entries))
    if themes:
        doc["themes"] = themes
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88)


def codebook_to_markdown(cb: Codebook) -> str:
    """A readable codebook document (`codebook export --format md`): codes, then themes."""
    lines = [f"# {cb.title}", "", f"Version {cb.version}", ""]
    if cb.description:
        lines += [cb.description, ""]
    codes = exported_codes(cb)
    lines += ["## Codes", ""]
    for code, _, depth in codes:
        lines += ["#" * min(3 + depth, 6) + " " + code.name, ""]
        if code.definition:
            lines += [code.definition, ""]
        for label, value in (("Include", code.include), ("Exclude", code.exclude)):
            if value:
                lines += [f"**{label}:** {value}", ""]
        if code.examples:
            lines += ["**Examples:**", ""] + [f"> {ex}\n" for ex in code.examples]
        if code.keywords:
            lines += [f"**Keywords:** {', '.join(code.keywords)}", ""]
    if cb.themes:
        names = {c.name for c, _, _ in codes}
        lines += ["## Themes", ""]
        depth_of: dict[str, int] = {}
        for theme in cb.themes:
            depth = depth_of.get(theme.parent, -1) + 1 if theme.parent else 0
            depth_of[theme.name] = depth
            lines += ["#" * min(3 + depth, 6) + " " + theme.name, ""]
            if theme.definition:
                lines += [theme.definition, ""]
            if theme.scope:
                lines += [f"**Scope:** {theme.scope}", ""]
            members = [c for c in theme.codes if c in names]
            if members:
                lines += [f"**Codes:** {', '.join(members)}", ""]
    return "\n".join(lines).rstrip() + "\n"


CSV_COLUMNS = (
    "id",
    "name",
    "parent",
    "level",
    "definition",
    "include",
    "exclude",
    "examples",
    "keywords",
    "colour",
    "themes",
)


def codebook_to_csv(cb: Codebook, fileobj: IO[str]) -> None:
    """One row per active code (`codebook export --format csv`); open fileobj with newline="".

    Examples are one per line inside their cell, keywords and themes joined by "; ".
    """
    themes_of: dict[str, list[str]] = {}
    for theme in cb.themes:
        for name in theme.codes:
            themes_of.setdefault(name, []).append(theme.name)
    writer = csvsafe.writer(fileobj)
    writer.writerow(CSV_COLUMNS)
    for code, parent, depth in exported_codes(cb):
        writer.writerow(
            [
                code.uid or "",
                code.name,
                parent or "",
                depth + 1,
                code.definition,
                code.include,
                code.exclude,
                "\n".join(code.examples),
                "; ".join(code.keywords),
                code.colour or "",
                "; ".join(themes_of.get(code.name, [])),
            ]
        )
