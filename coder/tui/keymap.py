"""The user's key remapping: ``$XDG_CONFIG_HOME/coder/keys.yaml`` maps binding ids to keys.

Textual does the remapping itself (``App.set_keymap``); this module only finds, reads and
checks the file, so that a typo gives one line naming the file and line instead of a
traceback or a silently ignored key.

    # ~/.config/coder/keys.yaml
    code.apply: ctrl+enter
    code.next_segment: [j, down, ctrl+n]
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.binding import Binding

from coder.formats.errors import FormatError

if TYPE_CHECKING:
    import yaml

# PyYAML and the fuzzy matcher are imported when a keys file exists: most starts have none.

KEYS_FILE = "keys.yaml"


def keymap_path() -> Path:
    """Where the keys file lives: XDG_CONFIG_HOME, else ~/.config."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "coder" / KEYS_FILE


def binding_ids(classes: Iterable[type]) -> dict[str, Binding]:
    """Every binding with an id declared by these classes (and their bases), by id."""
    found: dict[str, Binding] = {}
    for cls in classes:
        for klass in reversed(cls.__mro__):
            for binding in Binding.make_bindings(klass.__dict__.get("BINDINGS", [])):
                if binding.id:
                    found.setdefault(binding.id, binding)
    return found


def parse_keymap(
    text: str, file: str, known: Iterable[str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Read a keys file; returns (binding id -> keys, warnings).

    Raises FormatError (file and line) for what cannot be used at all: bad YAML, not a
    mapping, a value that is not a key or a list of keys. Unknown ids are only warnings:
    they may belong to a part of the app this build does not have.
    """
    import yaml

    from coder.core.matching import did_you_mean

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise FormatError(file, f"not valid YAML: {exc.problem or exc}", line, column) from exc
    except yaml.YAMLError as exc:
        raise FormatError(file, f"not valid YAML: {exc}") from exc
    if root is None:
        return {}, []
    if not isinstance(root, yaml.MappingNode):
        raise FormatError(
            file,
            "expected a mapping of binding ids to keys, e.g. 'code.apply: ctrl+enter'",
            root.start_mark.line + 1,
        )
    known_ids = set(known) if known is not None else None
    keymap: dict[str, str] = {}
    warnings: list[str] = []
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode) or not key_node.value.strip():
            raise FormatError(file, "a binding id must be a plain name such as code.apply", line)
        binding_id = key_node.value.strip()
        keys = _keys(value_node, file, binding_id)
        if binding_id in keymap:
            raise FormatError(file, f"binding id {binding_id!r} is given twice", line)
        if known_ids is not None and binding_id not in known_ids:
            warnings.append(
                f"{file}:{line}: unknown binding id {binding_id!r}{did_you_mean(binding_id, known_ids)}"
            )
        keymap[binding_id] = keys
    return keymap, warnings


def _keys(node: yaml.Node, file: str, binding_id: str) -> str:
    import yaml

    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        parts = [p.strip() for p in str(node.value).split(",")]
    elif isinstance(node, yaml.SequenceNode) and all(
        isinstance(n, yaml.ScalarNode) for n in node.value
    ):
        parts = [str(n.value).strip() for n in node.value]
    else:
        raise FormatError(
            file, f"{binding_id}: expected a key such as ctrl+s or a list of keys", line
        )
    if not parts or any(not p or " " in p for p in parts):
        raise FormatError(
            file, f"{binding_id}: {node.value!r} is not a key (write e.g. ctrl+s, f5, j)", line
        )
    return ",".join(parts)


def load_keymap(
    path: Path | None = None, known: Iterable[str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """The keymap from the user's file, or an empty one when there is no file."""
    path = path or keymap_path()
    if not path.is_file():
        return {}, []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(str(path), f"cannot read the keys file: {exc}") from exc
    return parse_keymap(text, str(path), known)
