"""Reading untrusted workbooks in child processes: read_apart runs a reader on each file in a child of its own.

calamine is native code: an allocation it cannot make, or any other abort or fault in it, ends
the process it runs in, and Python cannot catch that. So untrusted workbooks are read in child
processes, and a child that dies costs the one file it was reading, never the files beside it.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import multiprocessing.connection
import os
import signal
from collections import Counter, deque

from ..common.errors import LedgerError

CRASHED = "the spreadsheet reader crashed"
READ_TRIES = 2  # a file is blamed for a crash only when a fresh child dies on it again


def serve(conn, work, items: list) -> None:
    """A reader child: run `work` on each item whose index it is sent, until it is sent None."""
    # A native abort prints pages of its own (and so would Python's fault handler): the parent
    # says it in one line instead.
    faulthandler.disable()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    try:
        while (index := conn.recv()) is not None:
            try:
                reply = ("ok", work(items[index]))
            except LedgerError as exc:  # sent as its parts: a LedgerError does not survive pickling
                reply = ("refused", exc.path, exc.reason)
            except Exception as exc:  # a bug, not bad input: the parent raises it
                reply = ("bug", f"{type(exc).__name__}: {exc}")
            conn.send(reply)
    except (EOFError, KeyboardInterrupt):
        pass


def death_reason(code: int | None) -> str:
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else "unknown"
        return f"{CRASHED} (signal {-code}, {name})"
    return f"{CRASHED} (exit status {code})"


def read_apart(work, items: list, path_of, workers: int = 1):
    """work(item) for every item, each in a child process; yields the results in order as they come.

    A refusal is yielded as its LedgerError, and so is the death of a child, for the item it was on.
    `work` and the items reach the children by fork (or by pickling where there is no fork).
    """
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    waiting, results, tries = deque(range(len(items))), {}, Counter()
    idle, busy = [], {}  # idle: (connection, process); busy: connection -> (process, index)

    def start() -> None:
        ours, theirs = context.Pipe()
        process = context.Process(target=serve, args=(theirs, work, items), daemon=True)
        process.start()
        theirs.close()
        idle.append((ours, process))

    def died(conn, process, index: int) -> None:
        process.join()
        conn.close()
        tries[index] += 1
        if tries[index] < READ_TRIES:
            waiting.appendleft(index)
        else:
            results[index] = LedgerError(path_of(items[index]), death_reason(process.exitcode))
        if waiting:
            start()

    try:
        for _ in range(min(workers, len(items))):
            start()
        done = 0
        while done < len(items):
            while idle and waiting:
                conn, process = idle.pop()
                index = waiting.popleft()
                try:
                    conn.send(index)
                except OSError:  # it died between files
                    died(conn, process, index)
                    continue
                busy[conn] = (process, index)
            for conn in multiprocessing.connection.wait(list(busy)):
                process, index = busy.pop(conn)
                try:
                    reply = conn.recv()
                except (EOFError, OSError):  # it died on this file
                    died(conn, process, index)
                    continue
                idle.append((conn, process))
                if reply[0] == "bug":
                    raise RuntimeError(f"reading {path_of(items[index])}: {reply[1]}")
                results[index] = reply[1] if reply[0] == "ok" else LedgerError(reply[1], reply[2])
            while done in results:
                yield results.pop(done)
                done += 1
    finally:
        stop(idle, [(conn, process) for conn, (process, _) in busy.items()])


def stop(idle: list, busy: list) -> None:
    """Let idle children finish; end busy ones (left busy only when the caller stopped early)."""
    for conn, process in idle:
        try:
            conn.send(None)
        except OSError:
            process.kill()
    for conn, process in busy:
        process.kill()
    for conn, process in [*idle, *busy]:
        process.join()
        conn.close()
