"""Atomic file writes: a reader sees the old file or the new one, never half of either.

Used for everything deepgrad saves (models, weights, checkpoints): the bytes go to a new temporary
file in the target's folder, are flushed and fsynced, and the temporary file is renamed onto the
target; then the folder is fsynced so the rename survives a crash.

A process killed mid-save leaves its temporary file, ``.NAME.<host>-<pid>-<random>.tmp``,
behind. The next save of the same target removes such leftovers: those whose writer (the process
``pid`` on this host) is gone, and those older than :data:`STALE_AFTER` seconds whose writer
cannot be asked (another host, another operating system, a name without a writer). A live
writer's temporary file is never removed (unless a day old, when its pid has surely been
reused).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import socket
import stat
import time

__all__ = ["STALE_AFTER", "remove_stale_temporaries", "write_atomic"]

#: Age in seconds after which a temporary file whose writer cannot be checked is stale.
STALE_AFTER = 60.0
_LIVE_WRITER_LIMIT = 86400.0  # a pid this old may belong to another process by now
_HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
_TEMPORARY = r"(?:([0-9a-f]{8})-(\d{1,10})-)?[0-9a-f]{16}\.tmp"


def _temporary_name(target_name: str) -> str:
    return f".{target_name}.{_HOST}-{os.getpid()}-{secrets.token_hex(8)}.tmp"


def _writer_alive(host, pid) -> bool | None:
    """Whether the writer of a temporary file still runs; None when that cannot be told."""
    if host != _HOST or pid is None or os.name != "posix":  # os.kill(pid, 0) only on POSIX
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError, OSError):
        return True  # exists, but belongs to someone else (or cannot be asked): keep
    return True


def remove_stale_temporaries(folder, target_name: str | None = None) -> list:
    """Remove the temporary files that killed saves left in ``folder`` (of ``target_name``
    only, or of any target); the paths removed, sorted."""
    prefix = "" if target_name is None else re.escape(f".{target_name}.")
    pattern = re.compile(prefix + (r"\..+\." if target_name is None else "") + _TEMPORARY)
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed, now = [], time.time()
    for name in names:
        match = pattern.fullmatch(name)
        if match is None:
            continue
        path = os.path.join(folder, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        age = now - info.st_mtime
        alive = _writer_alive(*match.groups())
        stale = (age > _LIVE_WRITER_LIMIT if alive else
                 True if alive is False else age > STALE_AFTER)
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed.append(path)
    return sorted(removed)


def write_atomic(path, payload: bytes) -> None:
    """Write ``payload`` to a fresh temporary file beside ``path``, fsync, rename onto ``path``;
    first remove what killed saves of ``path`` left behind."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    remove_stale_temporaries(folder, os.path.basename(path))
    temp = os.path.join(folder, _temporary_name(os.path.basename(path)))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags, 0o666)  # O_EXCL: never follows or reuses an existing name
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileNotFoundError):  # keep the permissions of a replaced file
            os.chmod(temp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    if os.name == "posix":  # make the rename itself durable
        try:
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as error:  # some file systems cannot open or sync a folder
            if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EACCES):
                raise
