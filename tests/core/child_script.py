"""A tiny child for ``tests/core/test_child_process.py``: ``python -m tests.core.child_script
MODE``. It imports nothing heavy, so it starts in tens of milliseconds."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from types import FrameType


def say(**event: object) -> None:
    print(json.dumps(event), flush=True)


def main(mode: str) -> int:
    if mode == "events":  # JSON objects among lines that are not
        say(type="a", n=1)
        print("a stray print", flush=True)
        print("[1, 2]", flush=True)
        say(type="b", cwd=os.getcwd())
        print("{not json", flush=True)
        return 0
    if mode == "fail":  # a long stderr, its last line the error
        for i in range(80):
            print(f"noise {i}", file=sys.stderr)
        print("boom: the error", file=sys.stderr, flush=True)
        return 3
    if mode == "term-noted":  # notes SIGTERM, then goes on until killed

        def noted(signum: int, frame: FrameType | None) -> None:
            say(type="term")

        signal.signal(signal.SIGTERM, noted)
    elif mode == "watch":  # ends with its parent by the portable watch thread
        from explorer.core.runtime.child_process import end_with_parent

        end_with_parent(poll_s=0.1)
    elif mode == "sleep":  # as the real children do first thing
        from explorer.core.runtime.child_process import follow_parent

        follow_parent()
    say(type="ready", pid=os.getpid(), cwd=os.getcwd())
    while True:  # "sleep" and the above: until stopped
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
