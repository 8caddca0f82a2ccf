"""``get_file``: a data file from deepgrad's cache, checked, never downloaded.

Keras's ``get_file`` downloads a file into ``~/.keras`` when it is not there yet. deepgrad takes
the same arguments and looks in the same place (``~/.deepgrad``, or ``$DEEPGRAD_HOME``) but never
downloads: many machines are offline, and a library should not fetch data (or code) behind its
user's back. When the file is missing, the error gives the URL to fetch it from and the exact
path to put it at.
"""

from __future__ import annotations

import os
import string

from ..common.checks import check_bool, describe
from .archives import _formats, extract_archive

__all__ = ["get_file"]

_HASH_LENGTHS = {"sha256": 64, "md5": 32}


def _cache_home() -> str:
    """deepgrad's cache folder: ``$DEEPGRAD_HOME`` if set, else ``~/.deepgrad``."""
    return os.path.expanduser(os.environ.get("DEEPGRAD_HOME") or os.path.join("~", ".deepgrad"))


def _text(value, name: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        expected = "a str" + (" or None" if optional else "")
        raise TypeError(f"{name} must be {expected}; got {describe(value)}")
    return value


def _hash_algorithm(file_hash: str | None, hash_algorithm) -> str:
    """The algorithm Keras's rule picks: sha256 for a 64-digit hash under "auto", else md5."""
    if hash_algorithm not in ("auto", "sha256", "md5"):
        raise ValueError(f"hash_algorithm must be 'auto', 'sha256' or 'md5'; got "
                         f"{hash_algorithm!r}")
    if file_hash is None:
        return hash_algorithm
    algorithm = hash_algorithm
    if algorithm == "auto":
        algorithm = "sha256" if len(file_hash) == 64 else "md5"
    if len(file_hash) != _HASH_LENGTHS[algorithm] or not set(file_hash) <= set(string.hexdigits):
        raise ValueError(f"file_hash must be a {algorithm} digest: {_HASH_LENGTHS[algorithm]} "
                         f"hexadecimal digits; got {file_hash!r}")
    return algorithm


def _digest(path: str, algorithm: str) -> str:
    import hashlib
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def _file_name(fname, origin: str) -> str:
    if not fname:
        import urllib.parse

        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"cannot take a file name from origin {origin!r}; pass fname=")
        return fname
    if fname in (".", "..") or any(s and s in fname for s in ("/", os.sep, os.altsep)):
        raise ValueError(f"fname must be a file name without folders (choose the folder with "
                         f"cache_dir= and cache_subdir=); got {fname!r}")
    return fname


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False) -> str:
    """The path of a data file in deepgrad's cache, checked and extracted as Keras's would be.

    The arguments, the cache layout and the result are those of ``keras.utils.get_file``, with
    ``~/.deepgrad`` (or the folder in the ``DEEPGRAD_HOME`` environment variable) in place of
    ``~/.keras``. The file is looked for at ``<cache_dir>/<cache_subdir>/<fname>``; when
    ``extract`` is true, the archive is looked for where Keras keeps it and extracted next to it.

    deepgrad never downloads: if the file is not in the cache, a ``FileNotFoundError`` gives
    ``origin`` and the exact path to save the file at.

    Parameters
    ----------
    fname : str, optional
        The file's name in the cache; by default the last part of ``origin``'s path. Folders are
        refused (use ``cache_dir`` and ``cache_subdir``).
    origin : str
        The file's URL, named in the error when the file is missing.
    untar : bool, default False
        Deprecated in Keras: ``extract=True`` with ``archive_format="tar"``.
    md5_hash : str, optional
        Deprecated in Keras: ``file_hash`` with ``hash_algorithm="md5"``.
    file_hash : str, optional
        The file's expected sha256 or md5 hex digest; checked before the path is returned.
    cache_subdir : str, default "datasets"
        Folder under ``cache_dir`` (an absolute path is used as it is).
    hash_algorithm : {"auto", "sha256", "md5"}, default "auto"
        "auto" takes a 64-digit ``file_hash`` for sha256 and any other for md5, as Keras does.
    extract : bool, default False
        Extract the file, a tar (plain, gzip, bz2 or xz) or zip archive, and return the folder.
        As in Keras, with ``fname="data.tar.gz"`` the archive is ``data.tar.gz`` and the folder
        ``data_extracted``; with ``fname="data"`` they are ``data_archive`` and ``data``; without
        ``fname``, ``<name from origin>_archive`` and ``<name from origin>``. Members with an
        absolute path, a ``..`` component, or a link pointing outside the folder refuse the
        whole archive (nothing is extracted).
    archive_format : {"auto", "tar", "zip"}, list of them, or None, default "auto"
        The formats tried when extracting.
    cache_dir : str, optional
        The cache folder; by default ``$DEEPGRAD_HOME`` or ``~/.deepgrad``.
    force_download : bool, default False
        True is an error: deepgrad cannot download the file again.

    Returns
    -------
    str
        The path of the file, or of the folder it was extracted to.

    Raises
    ------
    FileNotFoundError
        If the file is not in the cache (the message says where to put it).
    ValueError
        If the file's hash differs from ``file_hash``, an archive member would escape the
        folder, the file is not an archive of ``archive_format``, or ``force_download=True``.

    Examples
    --------
    >>> import hashlib, os, tempfile
    >>> cache = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(cache, "datasets"))
    >>> with open(os.path.join(cache, "datasets", "numbers.csv"), "w") as file:
    ...     _ = file.write("1,2,3\\n")
    >>> sha256 = hashlib.sha256(b"1,2,3\\n").hexdigest()
    >>> path = get_file(origin="https://example.org/numbers.csv", file_hash=sha256, cache_dir=cache)
    >>> path == os.path.join(cache, "datasets", "numbers.csv")
    True
    >>> get_file(origin="https://example.org/words.csv", cache_dir=cache)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: deepgrad does not download files, and 'words.csv' is not in its cache. ...
    """
    if origin is None:
        raise ValueError("get_file needs origin=, the URL the file comes from")
    origin = _text(origin, "origin")
    fname = _text(fname, "fname", optional=True)
    given = bool(fname)
    fname = _file_name(fname, origin)
    untar, extract = check_bool(untar, "untar"), check_bool(extract, "extract")
    if check_bool(force_download, "force_download"):
        raise ValueError(f"force_download=True asks for a new download of {origin}, and deepgrad "
                         f"never downloads; fetch the file yourself and call get_file without "
                         f"force_download")
    md5_hash = _text(md5_hash, "md5_hash", optional=True)
    file_hash = _text(file_hash, "file_hash", optional=True)
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    algorithm = _hash_algorithm(file_hash, hash_algorithm)
    formats = ["tar"] if untar else _formats(archive_format)
    cache_subdir = _text(cache_subdir, "cache_subdir")
    cache_dir = _text(cache_dir, "cache_dir", optional=True)
    folder = os.path.join(os.path.expanduser(cache_dir or _cache_home()), cache_subdir)

    target, extracted = os.path.join(folder, fname), None
    if extract or untar:  # where Keras keeps the archive and its extraction
        if given and "." in fname:
            extracted = os.path.join(folder, fname[:fname.find(".")] + "_extracted")
        else:
            target, extracted = os.path.join(folder, fname + "_archive"), target
    if not os.path.isfile(target):
        where = "" if extracted is None else f" (get_file extracts it into {extracted})"
        raise FileNotFoundError(
            f"deepgrad does not download files, and {os.path.basename(target)!r} is not in its "
            f"cache. Download it from {origin} and save it as {target}{where}; or pass "
            f"cache_dir= (or set DEEPGRAD_HOME) to the folder that holds it under "
            f"{cache_subdir!r}"
        )
    if file_hash is not None:
        actual = _digest(target, algorithm)
        if actual != file_hash.lower():
            raise ValueError(
                f"the {algorithm} hash of {target} is {actual}, not the expected {file_hash}: "
                f"the file is incomplete, damaged or another version; replace it with the file "
                f"from {origin}"
            )
    if extracted is None:
        return target
    if not extract_archive(target, extracted, formats):
        raise ValueError(f"cannot extract {target}: it is not a {' or '.join(formats)} archive"
                         if formats else
                         f"cannot extract {target}: archive_format=None tries no format")
    return extracted
