"""Functions a reading process runs in the sandbox tests, in a module that imports no
Django, so that a plain script can hand them to amn.lib.sandbox."""

import os
from pathlib import Path


def spin_writing_pid(pid_file: str) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    while True:
        pass
