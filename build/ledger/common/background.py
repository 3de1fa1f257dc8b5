"""Runs one piece of work in a forked child while the parent goes on: the second core's share of a stage."""

from __future__ import annotations

import multiprocessing
import os
from typing import Callable


def _child(work: Callable, conn) -> None:
    try:
        conn.send(("ok", work()))
    except BaseException as exc:  # the parent re-raises it: nothing is lost in the child
        conn.send(("error", exc))
    finally:
        conn.close()


def in_background(work: Callable) -> Callable[[], object]:
    """Start work() in a forked child (it sees the parent's data without copying it); return the call that waits for its value.

    Where there is no fork or one core, work() runs when its value is asked for.
    """
    if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        return work
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(work, send), daemon=True)
    child.start()
    send.close()

    def result():
        try:
            status, value = receive.recv()
        except EOFError:
            child.join()
            raise RuntimeError(f"background work ended without a result (exit code {child.exitcode})") from None
        child.join()
        if status == "error":
            raise value
        return value

    return result
