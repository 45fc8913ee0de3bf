"""Writing a letter's PDF so that nothing half-made is ever left on disk (issue 19: a full disk
left zero-byte PDFs; a rolled-back transaction left orphans).

The bytes are checked (a PDF, not empty), written to a temporary file beside the final one,
flushed to disk and checked for size, and only then renamed into place: a full disk fails the
write and removes the temporary file. `files_kept_if_committed` removes the files written
inside a transaction that does not commit, so the database and the disk agree.
"""

import contextlib
import os
import tempfile
from collections.abc import Iterator

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile

PDF_MAGIC = b"%PDF-"


class FilesWritten(list):
    """The storage names written inside one `files_kept_if_committed` block."""


def pdf_file_save(field: FieldFile, filename: str, pdf: bytes, written: FilesWritten) -> None:
    """Store `pdf` as `field`'s file (not saving the model). Raises ValueError for bytes that
    are not a PDF, OSError when the disk refuses; either way no file is left."""
    if not pdf.startswith(PDF_MAGIC) or len(pdf) < 64:
        raise ValueError("The letter was drawn empty: nothing was stored.")
    storage = field.storage
    name = storage.get_available_name(field.field.generate_filename(field.instance, filename))
    try:
        final = storage.path(name)
    except NotImplementedError:  # a remote storage writes whole objects or nothing
        field.name = storage.save(name, ContentFile(pdf))
        written.append(field.name)
        return
    folder = os.path.dirname(final)
    os.makedirs(folder, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".drawing-", suffix=".pdf")
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(pdf)
            out.flush()
            os.fsync(out.fileno())
            if os.fstat(out.fileno()).st_size != len(pdf):
                raise OSError("The letter was not written whole.")
        os.chmod(temporary, 0o644)
        os.replace(temporary, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    field.name = name
    written.append(name)


@contextlib.contextmanager
def files_kept_if_committed(storage) -> Iterator[FilesWritten]:
    """A transaction whose written files (added to the list it yields) are removed again if
    it does not commit. Use it as the outermost transaction of a task's step."""
    written = FilesWritten()
    try:
        with transaction.atomic():
            yield written
    except BaseException:
        for name in written:
            with contextlib.suppress(OSError):
                storage.delete(name)
        raise


def abandoned_drawings_remove(*, root: str, older_than_seconds: float, now: float) -> int:
    """Remove temporary files of letters whose drawing process was killed mid-write (nothing
    else can remove them: the process that would have is gone). Only `.drawing-*` files older
    than `older_than_seconds`, so a letter being written now is left alone. Returns how many."""
    removed = 0
    for folder, _, names in os.walk(root):
        for name in names:
            if not (name.startswith(".drawing-") and name.endswith(".pdf")):
                continue
            path = os.path.join(folder, name)
            with contextlib.suppress(FileNotFoundError):
                if now - os.stat(path).st_mtime > older_than_seconds:
                    os.unlink(path)
                    removed += 1
    return removed
