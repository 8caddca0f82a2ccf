"""Atomic file writes: a reader sees the old file or the new one, never half of either.

Used for everything deepgrad saves (models, weights, checkpoints): the bytes go to a new temporary
file in the target's folder, are flushed and fsynced, and the temporary file is renamed onto the
target; then the folder is fsynced so the rename survives a crash.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat


def write_atomic(path, payload: bytes) -> None:
    """Write ``payload`` to a fresh temporary file beside ``path``, fsync, rename onto ``path``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    temp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
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
