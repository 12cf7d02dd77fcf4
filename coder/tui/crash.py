"""What happens when the workbench meets an error it did not expect.

Textual's default is to print a long traceback with local variables and to leave the
process's exit status at 0, so a script (or a test) that launched the TUI sees success and
the researcher sees a wall of internals. Here the traceback goes to a log file, the
terminal gets one short paragraph naming that file, and the process exits non-zero.
Nothing needs saving at that point: every action is stored by its own transaction as it
is made, and a half-made action was rolled back with its transaction.
"""

from __future__ import annotations

import os
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text


def crash_dir() -> Path:
    """Where crash logs go: ``$XDG_STATE_HOME/coder`` (default ``~/.local/state/coder``)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "coder"


def write_crash_log(error: BaseException, context: str = "") -> Path:
    """Write ``error``'s traceback to a new file and return its path.

    A folder that cannot be written (a read-only home, say) falls back to the temporary
    folder, so the traceback is never lost along with the app.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    body = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    text = f"coder crashed at {stamp} UTC{(' ' + context) if context else ''}\n\n{body}"
    for folder in (crash_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f"crash-{stamp}-", suffix=".log", dir=folder)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            return Path(name)
        except OSError:
            continue
    raise OSError("no folder could take the crash log")  # pragma: no cover - both failed


def _first_line(error: BaseException, limit: int = 200) -> str:
    line = (str(error).strip().splitlines() or [""])[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


def crash_message(log: Path, error: BaseException) -> Text:
    """The few lines shown on the terminal after the app has closed."""
    return Text.assemble(
        ("coder stopped on an unexpected error: ", "bold"),
        f"{type(error).__name__}: {_first_line(error)}\n",
        "Everything you did up to your last action is saved in the project.\n",
        f"The details are in {log}; please include that file when you report this.",
    )
