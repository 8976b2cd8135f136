"""A one-line terminal progress bar for training and other long work."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Redraws one line at most every ``interval`` seconds (always on a tty, else per call)."""

    def __init__(
        self, stream: TextIO | None = None, width: int = 24, interval: float = 0.1
    ) -> None:
        self.stream = stream or sys.stderr
        self.width, self.interval = width, interval
        self._last = 0.0
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, fraction: float, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if not self.tty and not force:
            return
        if not force and now - self._last < self.interval:
            return
        self._last = now
        filled = int(round(self.width * min(max(fraction, 0.0), 1.0)))
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(
            f"\r[{bar}] {fraction * 100:5.1f}% {text}\x1b[K" if self.tty else f"{text}\n"
        )
        self.stream.flush()

    def line(self, text: str) -> None:
        """Print a permanent line (e.g. an epoch summary) above the bar."""
        self.stream.write(("\r\x1b[K" if self.tty else "") + text + "\n")
        self.stream.flush()
