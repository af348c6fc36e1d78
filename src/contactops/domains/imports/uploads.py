"""Uploaded files: kept under ``var/uploads`` while they are imported, then removed.

A file whose import was interrupted can simply be uploaded again: the run is found by the
file's SHA-256 and resumes after its checkpoint.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import BinaryIO

from contactops.platform.errors import InvalidInput
from contactops.platform.i18n import gettext as _

MAX_UPLOAD_BYTES = 512 * 1024 * 1024
ALLOWED_SUFFIXES = (".csv", ".tsv", ".txt", ".log", ".gz", "")


def save_upload(stream: BinaryIO, filename: str, var_dir: Path) -> Path:
    """Copy an upload to a private file, refusing names and sizes outside the limits."""
    name = Path(filename or "upload").name
    if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise InvalidInput(
            "file", _("Upload a .csv, .tsv, .txt, .log or .gz file, not %(name)s.", name=name)
        )
    folder = var_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{secrets.token_hex(8)}-{name}"
    with target.open("wb") as out:
        shutil.copyfileobj(stream, out, length=1 << 20)
    if target.stat().st_size > MAX_UPLOAD_BYTES:
        target.unlink()
        raise InvalidInput("file", _("The file is larger than 512 MB; import it with the CLI."))
    return target
