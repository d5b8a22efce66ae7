"""`manage.py import_readings --device <uuid> FILE`: a meter's history from a CSV or JSON-lines
file, any age, in chunks, with a progress bar on stderr (apps/monitoring/importing.py)."""

import os
import sys
import time
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.monitoring import importing, selectors


class _Counted:
    """The file's lines, counting the bytes read for the progress bar."""

    def __init__(self, file):
        self.file, self.read = file, 0

    def __iter__(self):
        for line in self.file:
            self.read += len(line)
            yield line


class Command(BaseCommand):
    help = "Import a meter's readings (CSV or JSON lines) of any age; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--device", required=True, type=uuid.UUID)
        parser.add_argument(
            "--format", choices=importing.FORMATS, help="default: from the file's extension"
        )

    def handle(self, *args, file: Path, device: uuid.UUID, **options):
        file_format = options["format"] or (
            "jsonl" if file.suffix in {".jsonl", ".ndjson"} else "csv"
        )
        known = selectors.device_infos(device_ids=[device]).get(device)
        if known is None or known.deleted:
            raise CommandError(f"No such meter in monitoring's projection: {device}")
        try:
            size = os.path.getsize(file)
            source = file.open("rb")
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        started = time.monotonic()
        with source:
            counted = _Counted(source)
            try:
                result = importing.readings_import(
                    device_id=device,
                    lines=counted,
                    file_format=file_format,
                    on_chunk=lambda partial: self._progress(counted.read, size, partial),
                )
            except importing.ImportFormatError as error:
                raise CommandError(str(error)) from error
        print(file=sys.stderr)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"{result.lines} lines in {elapsed:.1f} s: {result.stored} readings stored, "
            f"{result.duplicates} already there, {result.rejected} not imported"
            f"{' ' + str(dict(result.reasons)) if result.reasons else ''}, "
            f"{result.historical_alerts} historical alerts recorded"
        )
        for line, reason, detail in result.errors:
            self.stdout.write(f"  line {line}: {reason}: {detail}")
        if result.rejected > len(result.errors):
            self.stdout.write(
                f"  ... and {result.rejected - len(result.errors)} more (quarantined)"
            )

    def _progress(self, done: int, total: int, partial: importing.ImportResult) -> None:
        share = done / total if total else 1
        bar = "#" * int(share * 30)
        print(
            f"\rimport [{bar:<30}] {share:6.1%} {partial.lines} lines",
            end="",
            file=sys.stderr,
            flush=True,
        )
