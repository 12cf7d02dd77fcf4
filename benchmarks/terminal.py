"""Launch a full-screen program in a pseudo-terminal and time it to a text on screen.

This is what a user waits for after typing the command: the interpreter, the imports,
opening the project, mounting the widgets and drawing. Both the app under test and the
baseline are started this way, with the same terminal size, so the ratio compares like
with like."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time

# Cursor moves, colours and modes: what lies between the characters of a drawn screen.
ESCAPES = re.compile(
    rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])"
)


def time_to_text(argv: list[str], text: str, size: tuple[int, int], timeout: float = 60.0) -> float:
    """Seconds from starting ``argv`` to the first output that puts ``text`` on screen.

    Raises TimeoutError (with the screen's last text) if it never appears."""
    return times_to_texts(argv, [text], size, timeout)[0]


def times_to_texts(
    argv: list[str], texts: list[str], size: tuple[int, int], timeout: float = 60.0
) -> list[float]:
    """Seconds from starting ``argv`` to the first output that puts each of ``texts`` on
    screen (one launch: the first paint and the first frame with data of the same start).

    Raises TimeoutError (with the screen's last text) if one never appears."""
    columns, rows = size
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of the given size, then the program
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        os.environ["TERM"] = "xterm-256color"
        os.environ.pop("TEXTUAL", None)
        # Cache compiled modules as an installed copy does (some sandboxes turn it off).
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.execvp(argv[0], argv)
    wanted = {text: text.encode() for text in texts}
    found: dict[str, float] = {}
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:  # the program ended
                break
            now = time.perf_counter()
            seen += chunk
            screen = ESCAPES.sub(b"", seen[-(1 << 20) :])
            for text, encoded in wanted.items():
                if text not in found and encoded in screen:
                    found[text] = now - start
            if len(found) == len(wanted):
                return [found[text] for text in texts]
        missing = [text for text in texts if text not in found]
        tail = ESCAPES.sub(b"", seen[-4000:]).decode(errors="replace")
        raise TimeoutError(f"{missing!r} never appeared on screen; last output: {tail[-600:]!r}")
    finally:
        os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        os.close(fd)
