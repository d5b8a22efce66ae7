"""Bulk import of a meter's history: a CSV or JSON-lines file, any age, streamed in chunks.

The live path refuses readings older than MONITORING_MAX_READING_AGE_DAYS; a client bringing
last year's readings comes here instead (the API, the admin's upload form, `manage.py
import_readings`). Each chunk goes through the same arithmetic as live readings
(`services.readings_ingest`, historical), one transaction per chunk, so memory stays bounded
whatever the file's size and an import interrupted half-way keeps the chunks it committed:
importing the same file again stores nothing twice (readings are unique per meter and time,
quarantined lines per chunk and position).

Formats (docs/monitoring.md, "History"):
- CSV: `timestamp,measurement_value` per line (epoch ms or ISO 8601 with offset), an optional
  header naming the columns (`timestamp`, `measurement_value` or `value`, and `device_id`).
- JSON lines: one object per line, `{"timestamp": ..., "measurement_value": ...}`, `device_id`
  optional.
A `device_id` in the file must be the meter's own.
"""

import csv
import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction

from . import services
from .models import QuarantineReason
from .validation import Rejection

CHUNK_LINES = 5000
# How many unreadable lines an answer names (all of them are quarantined).
MAX_ERRORS_SHOWN = 100
FORMATS = ("csv", "jsonl")
VALUE_COLUMNS = ("measurement_value", "value", "kwh")


class ImportFormatError(ValueError):
    """The file is not one of the formats (nothing was imported)."""


@dataclass
class ImportResult:
    lines: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    reasons: Counter = field(default_factory=Counter)
    # (line number, reason, detail) of the first MAX_ERRORS_SHOWN lines that were not imported.
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    # Hours over the limit found in the history: recorded as acknowledged alerts, not pushed.
    historical_alerts: int = 0

    def as_dict(self) -> dict:
        return {
            "lines": self.lines,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "reasons": dict(self.reasons),
            "errors": [
                {"line": line, "reason": reason, "detail": detail}
                for line, reason, detail in self.errors
            ],
            "historical_alerts": self.historical_alerts,
        }


def readings_import(
    *,
    device_id: uuid.UUID,
    lines: Iterable[bytes | str],
    file_format: str,
    on_chunk: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Import a meter's readings from `lines` (a file's lines, read lazily); returns counts.

    Raises ImportFormatError for an unknown format or a CSV header without the needed columns.
    """
    if file_format not in FORMATS:
        raise ImportFormatError(f"Unknown format {file_format!r}: csv or jsonl.")
    result = ImportResult()
    rows = _csv_rows(lines) if file_format == "csv" else _jsonl_rows(lines)
    chunk: list[tuple[int, str, dict | str]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK_LINES:
            _import_chunk(device_id, chunk, result)
            chunk = []
            if on_chunk:
                on_chunk(result)
    if chunk:
        _import_chunk(device_id, chunk, result)
        if on_chunk:
            on_chunk(result)
    return result


def _text(lines: Iterable[bytes | str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(lines, start=1):
        if isinstance(line, bytes):
            line = line.decode("utf-8", errors="replace")
        line = line.removeprefix("\ufeff").rstrip("\r\n")
        if line.strip():
            yield number, line


def _csv_rows(lines) -> Iterator[tuple[int, str, dict | str]]:
    """(line number, raw line, reading fields or why the line cannot be read)."""
    columns = None
    for number, line in _text(lines):
        try:
            cells = next(csv.reader([line]))
        except csv.Error as error:
            yield number, line, f"not CSV: {error}"
            continue
        cells = [cell.strip() for cell in cells]
        if columns is None:
            columns = _header(cells)
            if columns is not None:
                continue
            columns = {"timestamp": 0, "measurement_value": 1}
        if len(cells) <= max(columns.values()):
            yield number, line, f"expected {max(columns.values()) + 1} columns"
            continue
        yield number, line, {name: _number_or_text(cells[index]) for name, index in columns.items()}


def _header(cells: list[str]) -> dict[str, int] | None:
    names = [cell.lower() for cell in cells]
    if "timestamp" not in names:
        return None
    value = next((name for name in VALUE_COLUMNS if name in names), None)
    if value is None:
        raise ImportFormatError(
            "The CSV header names no value column (measurement_value, value or kwh)."
        )
    columns = {"timestamp": names.index("timestamp"), "measurement_value": names.index(value)}
    if "device_id" in names:
        columns["device_id"] = names.index("device_id")
    return columns


def _number_or_text(cell: str):
    """Epoch milliseconds stay an int (validation tells them from ISO text by type)."""
    if cell.isascii() and cell.isdigit():
        return int(cell)
    return cell


def _jsonl_rows(lines) -> Iterator[tuple[int, str, dict | str]]:
    for number, line in _text(lines):
        try:
            row = json.loads(line)
        except ValueError as error:
            yield number, line, f"not JSON: {error}"
            continue
        except RecursionError:
            yield number, line, "not JSON: nested too deeply"
            continue
        if not isinstance(row, dict):
            yield number, line, "not a JSON object"
            continue
        yield number, line, row


def _import_chunk(device_id: uuid.UUID, chunk: list, result: ImportResult) -> None:
    # A chunk's name is a digest of its meter, first line and content: the same file imported
    # again quarantines nothing twice; its unreadable lines are named after their line numbers.
    digest = hashlib.sha256(f"{device_id}:{chunk[0][0]}".encode())
    for _, line, _ in chunk:
        digest.update(line.encode("utf-8", errors="replace") + b"\n")
    batch_id = f"import-{device_id}-{digest.hexdigest()[:32]}"
    unreadable, readings, numbers = [], [], []
    for position, (number, line, row) in enumerate(chunk):
        if isinstance(row, str) or _foreign(row, device_id):
            if isinstance(row, str):
                reason, detail = QuarantineReason.MALFORMED, row
            else:
                reason, detail = QuarantineReason.WRONG_DEVICE, "device_id is not this meter's"
            payload = {"line": number, "text": line}
            unreadable.append(Rejection(payload, reason, f"line {number}: {detail}", position))
            continue
        # Only the reading's fields (and its line, kept with it if it is quarantined); a
        # field the line lacks stays absent, so validation names it as missing.
        fields = {key: row[key] for key in ("timestamp", "measurement_value") if key in row}
        readings.append({"device_id": str(device_id), **fields, "line": number})
        numbers.append(number)
    with transaction.atomic(using="monitoring"):
        services.readings_quarantine(rejections=unreadable, batch_id=f"{batch_id}-unreadable")
        ingested = services.readings_ingest(
            raw_readings=readings, batch_id=batch_id, historical=True
        )
    result.lines += len(chunk)
    result.stored += ingested.stored
    result.duplicates += ingested.duplicates
    result.rejected += len(unreadable) + ingested.rejected
    result.reasons.update(rejection.reason for rejection in unreadable)
    result.reasons.update(ingested.reasons)
    result.historical_alerts += len(ingested.alerts)
    errors = [(r.payload["line"], r.reason, r.detail) for r in unreadable]
    errors += [(numbers[r.position], r.reason, r.detail) for r in ingested.rejections]
    room = MAX_ERRORS_SHOWN - len(result.errors)
    result.errors += sorted(errors)[: max(room, 0)]


def _foreign(row: dict, device_id: uuid.UUID) -> bool:
    named = row.get("device_id")
    if named in (None, ""):
        return False
    try:
        return uuid.UUID(str(named)) != device_id
    except ValueError:
        return True
