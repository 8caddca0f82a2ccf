"""Extracting tar and zip archives without letting a member escape the destination folder.

Every member name is checked before anything is written: an absolute path, a ``..`` component,
a link that points outside the destination or to an absolute path, or a device file refuses the
whole archive. Tar archives are then extracted with :mod:`tarfile`'s ``"data"`` filter, which
checks the same again and drops permission bits that files from elsewhere should not carry.
"""

from __future__ import annotations

import os
import posixpath

__all__ = ["extract_archive"]

ARCHIVE_FORMATS = ("tar", "zip")


def _escapes(name: str) -> str | None:
    """Why the member path ``name`` would leave the destination, or None."""
    unified = name.replace("\\", "/")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        return "has an absolute path"
    if ".." in unified.split("/"):
        return "has a '..' component"
    return None


def _refuse(archive: str, member: str, why: str):
    raise ValueError(f"refusing to extract {archive!r}: its member {member!r} {why}, which "
                     f"could write outside the destination folder; nothing was extracted")


def _check_tar(archive: str, members) -> None:
    for member in members:
        why = _escapes(member.name)
        if why is None and (member.issym() or member.islnk()):
            base = posixpath.dirname(member.name) if member.issym() else ""
            target = member.linkname.replace("\\", "/")
            if target.startswith("/") or _escapes(posixpath.normpath(posixpath.join(base, target))):
                why = f"is a link to {member.linkname!r}, outside the archive"
        if why is None and (member.ischr() or member.isblk() or member.isfifo()):
            why = "is a device file or a pipe"
        if why is not None:
            _refuse(archive, member.name, why)


def extract_archive(path, destination, archive_format="auto") -> bool:
    """Extract the tar or zip archive at ``path`` into the folder ``destination``.

    Parameters
    ----------
    path : str or path-like
    destination : str or path-like
        Created if missing; existing files of the same names are overwritten.
    archive_format : {"auto", "tar", "zip"}, list of them, or None
        The formats to try, in order; "auto" tries tar, then zip; None tries none.

    Returns
    -------
    bool
        Whether the file was one of the formats tried (and was extracted).

    Raises
    ------
    ValueError
        If a member would land outside ``destination`` (absolute path, ``..``, a link pointing
        outside, a device file); nothing is extracted then.

    Examples
    --------
    >>> import io, os, tarfile, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "hostile.tar")
    ...     with tarfile.open(path, "w") as archive:
    ...         info = tarfile.TarInfo("../escaped.txt"); info.size = 2
    ...         archive.addfile(info, io.BytesIO(b"hi"))
    ...     extract_archive(path, os.path.join(folder, "out"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: refusing to extract '...hostile.tar': its member '../escaped.txt' has ...
    """
    import tarfile  # here, not at import: most programs never extract an archive
    import zipfile

    path, destination = os.fspath(path), os.fspath(destination)
    formats = _formats(archive_format)
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(path):
            with tarfile.open(path) as archive:
                members = archive.getmembers()
                _check_tar(path, members)
                os.makedirs(destination, exist_ok=True)
                if hasattr(tarfile, "data_filter"):
                    archive.extractall(destination, members=members, filter="data")
                else:  # Pythons before 3.10.12 / 3.11.4: no filters, so no links at all
                    link = next((m for m in members if m.issym() or m.islnk()), None)
                    if link is not None:
                        _refuse(path, link.name, "is a link (this Python's tarfile cannot "
                                                 "check links safely)")
                    archive.extractall(destination, members=members)
            return True
        if kind == "zip" and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    why = _escapes(name)
                    if why is not None:
                        _refuse(path, name, why)
                os.makedirs(destination, exist_ok=True)
                archive.extractall(destination)
            return True
    return False


def _formats(archive_format) -> list:
    """The list of formats ``archive_format`` names, checked."""
    if archive_format is None:
        return []
    if archive_format == "auto":
        return list(ARCHIVE_FORMATS)
    formats = [archive_format] if isinstance(archive_format, str) else archive_format
    if not isinstance(formats, (list, tuple)) or any(f not in ARCHIVE_FORMATS for f in formats):
        raise ValueError(f"archive_format must be 'auto', 'tar', 'zip', a list of 'tar' and "
                         f"'zip', or None; got {archive_format!r}")
    return list(formats)
