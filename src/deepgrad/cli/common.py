"""What the subcommands share: the one-line error, the argument parser that reports in one line,
and the checks of output paths and model files."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["CommandError", "OneLineParser", "check_output_path", "load_model_file"]


class CommandError(Exception):
    """A mistake the user can fix: ``deepgrad`` prints its message as one line on stderr and
    exits with ``exit_code`` (2 for a bad argument, path or file; 1 for a failed run).

    >>> error = CommandError("--epochs must be a whole number >= 1;   got 0")
    >>> str(error), error.exit_code
    ('--epochs must be a whole number >= 1; got 0', 2)
    """

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(" ".join(str(message).split()))
        self.exit_code = exit_code


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (``deepgrad train: error: ...; see deepgrad
    train --help``) instead of the usage text and the error."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def check_output_path(path, option: str = "--save") -> Path:
    """``path`` as a Path after checking that a file can be written there: its folder exists and
    is writable, and it is not itself a folder. Done before any training."""
    path = Path(path)
    if not str(path):
        raise CommandError(f"{option} needs a file name")
    if path.is_dir():
        raise CommandError(f"{option} {path}: is a folder; give a file name such as "
                           f"{path / 'model.safetensors'}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CommandError(f"{option} {path}: the folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CommandError(f"{option} {path}: the folder {folder} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise CommandError(f"{option} {path}: the file exists and is read-only")
    return path


def load_model_file(path):
    """The model saved at ``path``; a CommandError naming the problem for anything else."""
    from ..saving.save_load import ModelFileError, load_model

    try:
        return load_model(path)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such model file") from None
    except IsADirectoryError:
        raise CommandError(f"{path}: is a folder, not a model file") from None
    except PermissionError:
        raise CommandError(f"{path}: permission denied") from None
    except ModelFileError as error:
        raise CommandError(str(error)) from None
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror or error}") from None


def report(command: str, error: BaseException, debug: bool) -> int:
    """Print ``error`` as one line for ``deepgrad COMMAND`` and return the exit status."""
    if isinstance(error, CommandError):
        print(f"deepgrad {command}: {error}", file=sys.stderr)
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        print(f"deepgrad {command}: interrupted", file=sys.stderr)
        return 130
    text = " ".join(str(error).split()) or "(no message)"
    print(f"deepgrad {command}: {type(error).__name__}: {text} (run again with --debug for the "
          f"traceback)", file=sys.stderr)
    return 1
