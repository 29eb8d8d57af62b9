"""Temporary files and folders named after the process writing them, and the sweep of those a killed
process left behind.

Writers put what they write beside its final place under a private name and rename it into place,
so readers never see half a file. A process killed between the two leaves the temporary behind
(at 100,000 chunks a vector copy is 150 MB): the next writer of that folder removes those whose
process is gone. One whose process still runs, or runs as another user, is left alone.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

_TEMPORARY = re.compile(r"\.(\d+)(?:-[0-9a-f]+)?\.tmp$")


def private_name(name: str) -> str:
    """`name` made private to this process (and unique within it): `name.<pid>-<random>.tmp`."""
    return f"{name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"


def abandoned(path: Path) -> bool:
    """Whether `path` is a temporary of a process that no longer runs."""
    found = _TEMPORARY.search(path.name)
    if found is None:
        return False
    pid = int(found.group(1))
    if pid == os.getpid() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # it exists but is not ours to signal
        return False
    return False


def sweep(folder: Path) -> int:
    """Remove the abandoned temporaries directly in `folder`; how many went."""
    removed = 0
    try:
        entries = list(folder.iterdir())
    except OSError:
        return 0
    for entry in entries:
        if not abandoned(entry):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
        except OSError:  # read-only, or another process swept it first
            pass
    return removed


def write_together(folder: Path, writers: dict[str, Callable[[Path], object]]) -> None:
    """Write each named file to this process's temporary beside it, then move them into place in the
    given order (a reader checks the last against the first); what a killed save left goes first."""
    folder.mkdir(parents=True, exist_ok=True)
    sweep(folder)
    temporaries = {name: folder / private_name(name) for name in writers}
    try:
        for name, write in writers.items():
            write(temporaries[name])
        for name, temporary in temporaries.items():
            temporary.replace(folder / name)
    finally:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)
