"""amn.lib.sandbox runs a function in a process of its own under a memory and a time limit:
its result comes back, its exception is raised again, and a function that needs more
memory or time than allowed is stopped with a Swedish message while the caller goes on."""

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from amn.lib.sandbox import LimitExceeded, run_limited
from amn.lib.uploads import FileRefused, read_untrusted
from amn.models import Committee


def pid_and_sum(numbers: list[int]) -> tuple[int, int]:
    return os.getpid(), sum(numbers)


def refuse(text: str) -> None:
    raise FileRefused(text)


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def spin() -> None:
    while True:
        pass


def abort_in(folder: str) -> None:
    # As a native reader that fails an allocation does; with core dumps allowed as far as
    # the limits let a process raise them.
    os.chdir(folder)
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    os.abort()


def count_committees() -> int:
    return Committee.objects.count()


def test_the_result_comes_back_from_another_process():
    pid, total = run_limited(pid_and_sum, [1, 2, 3], memory_mb=1024, seconds=30)

    assert total == 6
    assert pid != os.getpid()


def test_an_exception_of_the_function_is_raised_again():
    with pytest.raises(FileRefused) as refused:
        run_limited(refuse, "fil.csv: trasig.", memory_mb=1024, seconds=30)

    assert refused.value.message == "fil.csv: trasig."


def test_a_function_that_needs_more_memory_is_stopped():
    with pytest.raises(LimitExceeded) as stopped:
        run_limited(allocate, 4096, memory_mb=1024, seconds=30)

    assert stopped.value.message == "filen kräver mer minne än 1024 MB att läsa."
    assert run_limited(allocate, 10, memory_mb=1024, seconds=30) == 10 * 1024 * 1024


def test_a_function_that_runs_too_long_is_stopped_in_time():
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as stopped:
        run_limited(spin, memory_mb=1024, seconds=1)

    assert stopped.value.message == "filen tog längre tid än 1 sekunder att läsa."
    assert time.monotonic() - started < 5


def test_a_refusal_of_the_limits_names_the_file(settings):
    settings.UPLOAD_READ_MAX_MEMORY_MB = 1024

    with pytest.raises(FileRefused) as refused:
        read_untrusted(allocate, 4096, file_name="huvudbok.xlsx")

    assert refused.value.message == "huvudbok.xlsx: filen kräver mer minne än 1024 MB att läsa."


@pytest.mark.django_db
def test_a_reading_process_cannot_touch_the_database(amn):
    assert count_committees() >= 1

    with pytest.raises(ImproperlyConfigured):
        read_untrusted(count_committees, file_name="x.csv")


def test_a_reader_that_aborts_leaves_no_core_dump(tmp_path):
    with pytest.raises(LimitExceeded) as stopped:
        run_limited(abort_in, str(tmp_path), memory_mb=1024, seconds=30)

    assert stopped.value.message == "filen kräver mer minne än 1024 MB att läsa."
    assert list(tmp_path.iterdir()) == []


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_reader_dies_with_the_process_that_asked_for_it(tmp_path):
    # A web worker killed at its timeout (SIGKILL, no cleanup): its reader must not go on.
    pid_file = tmp_path / "reader.pid"
    asker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from amn.lib.sandbox import run_limited\n"
            "from tests.amn.sandbox_helpers import spin_writing_pid\n"
            "if __name__ == '__main__':\n"
            f"    run_limited(spin_writing_pid, {str(pid_file)!r}, memory_mb=1024, seconds=60)\n",
        ],
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        deadline = time.monotonic() + 30
        while not (pid_file.exists() and pid_file.read_text()):
            assert time.monotonic() < deadline, "the reader never started"
            time.sleep(0.05)
        reader = int(pid_file.read_text())
        asker.send_signal(signal.SIGKILL)
        asker.wait()
        deadline = time.monotonic() + 5
        while running(reader) and time.monotonic() < deadline:
            time.sleep(0.05)

        assert not running(reader)
    finally:
        asker.kill()
        if pid_file.exists() and pid_file.read_text() and running(int(pid_file.read_text())):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
