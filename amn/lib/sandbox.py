"""Running a function on untrusted input in a process of its own, with a memory and a time
limit, so that no input can take down the process that asked.

`run_limited(function, *args, memory_mb=…, seconds=…)` runs `function(*args)` in a child
process whose address space is capped (RLIMIT_AS) and whose CPU time is capped
(RLIMIT_CPU), waits at most `seconds` of wall time for it and returns its result. An
exception the function raises is raised again here (the child's traceback is lost). A child
that runs out of memory (a MemoryError, or a native reader that aborts when an allocation
fails) or out of time is killed and `LimitExceeded` raised with a Swedish message.

Children are forked from a forkserver: a small single-threaded process started once, so
that a parent running threads (a web worker reading uploads in a background thread) is
never forked itself. Modules named in `preload` are imported in the forkserver when it
starts (say, one that sets up a framework), so each child starts with them imported and
costs one fork. The function and its arguments travel to the child pickled: it must be a
module-level function, the arguments and the result picklable. As with "spawn", a child
imports the parent's main script as __mp_main__ first: a script that reads uploads must
keep its work under `if __name__ == "__main__":` (manage.py, gunicorn and pytest do).

A child dies with the process that asked for it: on Linux it asks the kernel for SIGKILL
when its parent, the forkserver, exits (PR_SET_PDEATHSIG), and the forkserver exits when
the process that started it does; so a web worker killed at its timeout leaves no reader
running. A child writes no core dump (RLIMIT_CORE 0): an abort or a segfault is an expected
end of reading a hostile file, not a crash to keep.
"""

import ctypes
import multiprocessing
import os
import resource
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from multiprocessing import forkserver
from typing import Any

_CONTEXT = multiprocessing.get_context("forkserver")
# Deaths a failed allocation ends in: an abort (Rust, C++), a segfault, the kernel's kill.
_OUT_OF_MEMORY_SIGNALS = {signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, signal.SIGKILL}


class LimitExceeded(Exception):
    """The function needed more memory or time than allowed; `message` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def memory_message(memory_mb: int) -> str:
    return f"filen kräver mer minne än {memory_mb} MB att läsa."


def time_message(seconds: float) -> str:
    return f"filen tog längre tid än {seconds:g} sekunder att läsa."


def run_limited(
    function: Callable[..., Any],
    *args: Any,
    memory_mb: int,
    seconds: float,
    preload: Sequence[str] = (),
    temp_dir: str | None = None,
) -> Any:
    """`function(*args)` computed in a child process under the limits. `temp_dir`, if
    given, is where the child's temporary files go (the caller removes it afterwards, so
    nothing is left behind by a child that was killed)."""
    if preload:
        _CONTEXT.set_forkserver_preload(list(preload))
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(
        target=_child,
        args=(sender, function, args, memory_mb, seconds, temp_dir),
        daemon=True,
    )
    child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise LimitExceeded(time_message(seconds))
        try:
            outcome, value = receiver.recv()
        except EOFError:
            child.join()
            raise _death(child.exitcode, memory_mb, seconds) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
        child.close()
    if outcome == "result":
        return value
    if outcome == "memory":
        raise LimitExceeded(memory_message(memory_mb))
    raise value


def _death(exitcode: int | None, memory_mb: int, seconds: float) -> LimitExceeded:
    if exitcode is not None and exitcode < 0:
        if -exitcode == signal.SIGXCPU:
            return LimitExceeded(time_message(seconds))
        if -exitcode in _OUT_OF_MEMORY_SIGNALS:
            return LimitExceeded(memory_message(memory_mb))
    return LimitExceeded(f"filen kunde inte läsas (läsaren avslutades med kod {exitcode}).")


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # The forkserver hands each child the write end of the pipe by which it learns that
    # the process that started it is gone; a child holding it would keep the forkserver,
    # and so itself, alive. A reader starts no processes of its own: close it.
    alive = getattr(forkserver._forkserver, "_forkserver_alive_fd", None)
    if alive is not None:
        os.close(alive)
        forkserver._forkserver._forkserver_alive_fd = None
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _child(sender, function, args, memory_mb: int, seconds: float, temp_dir: str | None) -> None:
    _die_with_parent()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    cpu = max(int(seconds) + 1, 1)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if temp_dir is not None:
        tempfile.tempdir = temp_dir
    try:
        message = ("result", function(*args))
    except MemoryError:
        message = ("memory", None)
    except Exception as exc:  # every failure goes back to the parent, which raises it
        message = ("error", exc)
    try:
        sender.send(message)
    except MemoryError:
        sender.send(("memory", None))
    except Exception as exc:  # an exception that cannot be pickled
        sender.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    sender.close()
