"""Monitoring's own data: projection of devices, raw readings, hourly consumption, alerts."""

import datetime as dt

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models

from ems.vocabulary import MeterKind


class DeviceProjection(models.Model):
    """Monitoring's copy of a device, kept by the devices app's events (never read from there).

    Eventually consistent: it lags the devices database by the time an event takes through the
    `events` queue. `version` orders the events; an older one never overwrites a newer one.
    """

    id = models.UUIDField(primary_key=True)
    # The client's user id in the users database: a plain column, no foreign key across databases.
    owner_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    max_hourly_kwh = models.DecimalField(max_digits=12, decimal_places=3)
    meter_kind = models.CharField(max_length=10, choices=MeterKind.choices)
    # SHA-256 hex digest of the device's ingestion token; null when it has none.
    ingestion_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    description = models.CharField(max_length=200, blank=True)
    # The newest reading stored for the meter (its timestamp), kept in the ingest transaction:
    # the silence check reads this column, not the readings table (apps/monitoring/silence.py).
    last_reading_at = models.DateTimeField(null=True, blank=True)
    version = models.BigIntegerField()
    deleted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "monitoring_device_projection"

    def __str__(self) -> str:
        return f"{self.description or self.id} (v{self.version})"


class Reading(models.Model):
    """A raw reading as the meter sent it: one per device and timestamp (duplicates ignored).

    The table is partitioned by UTC month of `timestamp` (partitions.py; migration 0007), keyed
    by (device_id, timestamp), with no surrogate id. Raw readings are kept for a retention
    period (MONITORING_RAW_RETENTION_DAYS, whole months dropped); hourly consumption is derived
    from them and kept for ever.
    """

    pk = models.CompositePrimaryKey("device_id", "timestamp")
    # The device's id in the devices database: a plain column, no foreign key across databases.
    device_id = models.UUIDField()
    timestamp = models.DateTimeField()
    # kWh: the cumulative index for index meters, the interval's energy for interval meters.
    value = models.DecimalField(max_digits=20, decimal_places=8)

    class Meta:
        db_table = "monitoring_reading"

    def __str__(self) -> str:
        return f"{self.device_id} {self.timestamp.isoformat()} {self.value}"


class HourlyConsumption(models.Model):
    """The energy a device used in one UTC hour, a pure function of its stored readings."""

    id = models.BigAutoField(primary_key=True)
    device_id = models.UUIDField()
    hour_start = models.DateTimeField()
    kwh = models.DecimalField(max_digits=20, decimal_places=8)
    # Some of the hour's energy was spread over a gap longer than MONITORING_GAP_INTERVALS
    # nominal intervals: an estimate, which does not count towards alerts.
    estimated = models.BooleanField(default=False, db_default=False)

    class Meta:
        db_table = "monitoring_hourly_consumption"
        constraints = [
            models.UniqueConstraint(fields=["device_id", "hour_start"], name="hourly_device_hour")
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.hour_start.isoformat()} {self.kwh} kWh"


class DailyConsumption(models.Model):
    """The sum of a device's hourly rows in one UTC day, so that a report over months reads a
    row per day instead of 24 (selectors.consumption_buckets).

    Kept by the database itself: statement-level triggers on the hourly table add each
    statement's changes to it (migration 0010), whoever writes the hours. Additions commute, so
    two transactions changing hours of one day at once both count; exact numerics, so the sum
    equals the hours' sum to the last digit. A day without hours has no row.
    """

    pk = models.CompositePrimaryKey("device_id", "day_start")
    device_id = models.UUIDField()
    # Midnight UTC.
    day_start = models.DateTimeField()
    kwh = models.DecimalField(max_digits=24, decimal_places=8)
    # Hourly rows in the day, and those of them estimated.
    hours = models.IntegerField()
    estimated_hours = models.IntegerField()

    class Meta:
        db_table = "monitoring_daily_consumption"

    def __str__(self) -> str:
        return f"{self.device_id} {self.day_start.date().isoformat()} {self.kwh} kWh"


class AlertState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    # Late data brought the hour to or below its limit; it reopens if the hour goes over again.
    WITHDRAWN = "withdrawn", "Withdrawn"
    # A silent meter sent readings again (kind `silent`).
    RESOLVED = "resolved", "Resolved"
    # A warning settled at the end of its hour: the hour did go over, or it did not.
    REALISED = "realised", "Realised"
    NOT_REALISED = "not_realised", "Not realised"


class AlertKind(models.TextChoices):
    # The hour's energy is over the meter's maximum (hour_start: that hour).
    OVER_LIMIT = "over_limit", "Over the limit"
    # The hour is not over yet, but its projected total is (hour_start: that hour).
    WARNING = "warning", "Warning"
    # The meter sent nothing for too long (hour_start: its last reading, when the silence began).
    SILENT = "silent", "Meter silent"


class Alert(models.Model):
    """Something about a meter that needs a person: at most one per device, kind and time.

    `over_limit`: a device used more than its maximum hourly energy in one hour; `kwh` follows
    the hour's total while the alert stands; a recompute that brings the hour to or below the
    limit withdraws it. `warning`: the hour's projected total (`kwh`) is over the limit before
    the hour ends. `silent`: no reading since `hour_start` (docs/monitoring.md, "Alerts").
    """

    id = models.BigAutoField(primary_key=True)
    device_id = models.UUIDField()
    # The device's owner when the alert was raised: the person it was sent to and who sees it.
    owner_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    hour_start = models.DateTimeField()
    kwh = models.DecimalField(max_digits=20, decimal_places=8)
    max_hourly_kwh = models.DecimalField(max_digits=12, decimal_places=3)
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        max_length=16,
        choices=AlertState.choices,
        default=AlertState.OPEN,
        db_default=AlertState.OPEN,
        db_index=True,
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(
        max_length=16,
        choices=AlertKind.choices,
        default=AlertKind.OVER_LIMIT,
        db_default=AlertKind.OVER_LIMIT,
    )
    # What the person who acknowledged it wrote (optional), shown to the client and staff.
    comment = models.CharField(max_length=500, blank=True, default="", db_default="")
    # When a silence ended or a warning was settled.
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "monitoring_alert"
        constraints = [
            models.UniqueConstraint(
                fields=["device_id", "kind", "hour_start"], name="alert_device_kind_hour"
            )
        ]
        # Lists are in time order (newest hour first), paginated over every meter for staff.
        indexes = [models.Index(fields=["-hour_start", "-id"], name="alert_hour_desc")]

    def __str__(self) -> str:
        return f"alert {self.device_id} {self.hour_start.isoformat()} {self.kwh} kWh"


class QuarantineReason(models.TextChoices):
    MALFORMED = "malformed", "Not a reading (missing or unparsable field)"
    UNKNOWN_DEVICE = "unknown_device", "No such device in the projection"
    DELETED_DEVICE = "deleted_device", "The device was deleted"
    INVALID_VALUE = "invalid_value", "Value not finite, negative or out of range"
    FUTURE_TIMESTAMP = "future_timestamp", "Timestamp too far in the future"
    TOO_OLD = "too_old", "Timestamp older than the accepted age"
    WRONG_DEVICE = "wrong_device", "A device token posting for another device"
    REDELIVERY_LIMIT = "redelivery_limit", "The batch was delivered too many times"
    DATABASE_ERROR = "database_error", "The database kept failing for this batch"
    PROCESSING_ERROR = "processing_error", "An unexpected error while ingesting the batch"


class QuarantinedReading(models.Model):
    """Input that was not turned into a reading, kept with its raw payload and why."""

    id = models.BigAutoField(primary_key=True)
    payload = models.JSONField()
    reason = models.CharField(max_length=32, choices=QuarantineReason.choices, db_index=True)
    detail = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(db_index=True)
    # The Celery task id of the batch and the reading's place in it (null for HTTP rejects):
    # a redelivered batch does not quarantine the same reading twice.
    batch_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001 - NULLs never collide
    position = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = "monitoring_quarantined_reading"
        constraints = [
            models.UniqueConstraint(
                fields=["batch_id", "position"], name="quarantine_batch_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}"


class InboxBatch(models.Model):
    """A batch of readings accepted but not yet ingested: written before anything is acknowledged.

    `POST /api/readings/` and the simulator commit a row here before they answer; a worker takes
    the row, ingests it and deletes it in one transaction, so a batch is counted exactly once
    whatever process dies (docs/architecture.md, "Durable ingestion").
    """

    id = models.BigAutoField(primary_key=True)
    readings = models.JSONField()
    # The meters in the batch: a batch waits for every older batch of its meters (order per meter).
    device_ids = ArrayField(models.UUIDField())
    received_at = models.DateTimeField()

    class Meta:
        db_table = "monitoring_inbox"
        indexes = [GinIndex(fields=["device_ids"], name="inbox_device_ids_gin")]

    def __str__(self) -> str:
        return f"inbox batch {self.id} ({len(self.reading_list())} readings)"

    def reading_list(self) -> list:
        """The batch's readings as they were handed in (`inbox_unpack`)."""
        return inbox_unpack(self.readings)


# The fields of a reading, the columns of an inbox row.
INBOX_COLUMNS = ("device_id", "timestamp", "measurement_value")
_INBOX_KEYS = frozenset(INBOX_COLUMNS)


def inbox_pack(readings: list) -> dict:
    """An inbox row's readings as columns: a JSON list per field instead of an object per
    reading. Half the size: PostgreSQL parses and stores it about three times faster and the
    worker decodes it about six times faster (measured on batches of 1000). A reading that is
    not exactly those three fields (malformed, or with more fields) is kept as it came, with its
    position (`other`), so that the batch unpacks to the list that was handed in."""
    devices, timestamps, values, other = [], [], [], []
    for position, reading in enumerate(readings):
        if type(reading) is dict and len(reading) == 3 and reading.keys() == _INBOX_KEYS:
            devices.append(reading["device_id"])
            timestamps.append(reading["timestamp"])
            values.append(reading["measurement_value"])
        else:
            other.append([position, reading])
    return {
        "device_id": devices,
        "timestamp": timestamps,
        "measurement_value": values,
        "other": other,
    }


def inbox_unpack(stored) -> list:
    """The readings of an inbox row, in the order they were handed in (a list: a row written
    before the columns)."""
    if isinstance(stored, list):
        return stored
    readings = [
        {"device_id": device, "timestamp": timestamp, "measurement_value": value}
        for device, timestamp, value in zip(
            stored["device_id"], stored["timestamp"], stored["measurement_value"], strict=True
        )
    ]
    for position, reading in stored["other"]:  # in ascending positions
        readings.insert(position, reading)
    return readings


class OwnershipChange(models.Model):
    """The owner a device event carried, one row per device version seen (in any order).

    The source of the ownership periods: they are rebuilt from these rows, so the periods are a
    function of the set of events received, not of their order (apps/monitoring/ownership.py).
    """

    id = models.BigAutoField(primary_key=True)
    device_id = models.UUIDField()
    version = models.BigIntegerField()
    # The visible owner after the change (docs/consistency.md); null: unassigned, hidden, deleted.
    owner_id = models.BigIntegerField(null=True, blank=True)
    # When the change was made; null only for the baseline seeded by migration 0006 ("always").
    changed_at = models.DateTimeField(null=True, blank=True)
    # True: the publisher's time of the change; False: when monitoring received an event that did
    # not carry it (an older publisher, an inventory), a later time than the change's.
    exact = models.BooleanField()

    class Meta:
        db_table = "monitoring_ownership_change"
        constraints = [
            models.UniqueConstraint(
                fields=["device_id", "version"], name="ownership_device_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.device_id} v{self.version} owner {self.owner_id}"


class OwnershipPeriod(models.Model):
    """A stretch of time in which a client owned a meter: what that client may read of it.

    Derived from OwnershipChange; periods of one device never overlap. A client reads a meter's
    hours that lie wholly inside one of their periods (docs/monitoring.md, "Ownership periods").
    """

    id = models.BigAutoField(primary_key=True)
    device_id = models.UUIDField()
    owner_id = models.BigIntegerField()
    # Null: since the meter's beginning (its first owner, or the baseline of migration 0006).
    valid_from = models.DateTimeField(null=True, blank=True)
    # Null: the owner still holds the meter.
    valid_to = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "monitoring_ownership_period"
        indexes = [
            models.Index(fields=["owner_id", "device_id"], name="ownership_owner_device"),
            models.Index(fields=["device_id", "valid_from"], name="ownership_device_from"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} owner {self.owner_id} [{self.valid_from}, {self.valid_to})"


class Tariff(models.Model):
    """What energy costs a meter: a price per kWh (with time-of-use bands) and a daily standing
    charge, both changing only from a date on (`TariffPrice`), in the tariff's own time zone.

    Tariffs live with monitoring's data: the cost of an hour is computed from its hourly row
    (apps/monitoring/tariffs.py, docs/monitoring.md "Costs and tariffs").
    """

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=100, unique=True)
    # ISO 4217 code, shown with every cost ("EUR", "RON").
    currency = models.CharField(max_length=3)
    # The zone of the bands' times of day and of the dates prices change on (an IANA name).
    time_zone = models.CharField(max_length=64, default="UTC")

    class Meta:
        db_table = "monitoring_tariff"

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"

    def clean(self) -> None:
        from zoneinfo import available_timezones

        if self.time_zone not in available_timezones():
            raise ValidationError({"time_zone": f"Unknown time zone {self.time_zone!r}."})
        if not (len(self.currency) == 3 and self.currency.isascii() and self.currency.isalpha()):
            raise ValidationError({"currency": "An ISO 4217 code of three letters, e.g. EUR."})
        self.currency = self.currency.upper()

    def today(self):
        """Today in the tariff's zone: the first day a change may still take effect on."""
        from zoneinfo import ZoneInfo

        return dt.datetime.now(ZoneInfo(self.time_zone)).date()


class TariffPrice(models.Model):
    """The prices of a tariff from a local day on, until the next row's day."""

    id = models.BigAutoField(primary_key=True)
    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="prices")
    # From local midnight of this day, in the tariff's zone.
    effective_from = models.DateField()
    # Per kWh in the hours no band covers.
    price_per_kwh = models.DecimalField(max_digits=12, decimal_places=6)
    # Per local day, whatever the energy.
    standing_charge_per_day = models.DecimalField(max_digits=12, decimal_places=6, default=0)

    class Meta:
        db_table = "monitoring_tariff_price"
        constraints = [
            models.UniqueConstraint(
                fields=["tariff", "effective_from"], name="tariff_price_effective_from"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tariff.name} from {self.effective_from}"

    def in_force(self) -> bool:
        """Whether hours of a meter may already have been priced with this row."""
        return self.effective_from <= self.tariff.today() and self.tariff.meters.exists()

    def clean(self) -> None:
        # A change never rewrites what past hours cost: once the tariff is on a meter, a new
        # price takes effect from tomorrow on (a tariff being set up may start in the past).
        if (
            self.tariff_id
            and self.effective_from
            and self.tariff.meters.exists()
            and self.effective_from <= self.tariff.today()
        ):
            raise ValidationError(
                {
                    "effective_from": "This tariff is on a meter: a new price takes effect "
                    "from tomorrow on, so the cost of past hours never changes."
                }
            )


class TariffBand(models.Model):
    """A time-of-use price: on the given weekdays, from `starts_at` to `ends_at` local time."""

    id = models.BigAutoField(primary_key=True)
    price = models.ForeignKey(TariffPrice, on_delete=models.CASCADE, related_name="bands")
    # ISO weekdays the band applies on: 1 = Monday ... 7 = Sunday ("12345": working days).
    weekdays = models.CharField(max_length=7, default="1234567")
    starts_at = models.TimeField()
    # 00:00 means the end of the day (midnight).
    ends_at = models.TimeField()
    price_per_kwh = models.DecimalField(max_digits=12, decimal_places=6)

    class Meta:
        db_table = "monitoring_tariff_band"

    def __str__(self) -> str:
        return f"{self.weekdays} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}: {self.price_per_kwh}"

    def clean(self) -> None:
        if not self.weekdays or set(self.weekdays) - set("1234567"):
            raise ValidationError({"weekdays": "ISO weekday digits 1 (Monday) to 7 (Sunday)."})
        midnight = dt.time(0)
        if self.starts_at and self.ends_at and midnight != self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "A band ends after it starts (00:00: midnight)."})


class MeterTariff(models.Model):
    """Which tariff a meter is on from a local day (in the tariff's zone) on.

    Monitoring's own table, edited in the admin (not a field of the device: docs/monitoring.md,
    "Costs and tariffs", says why). A meter without a row has no tariff and no costs.
    """

    id = models.BigAutoField(primary_key=True)
    # Same database: a real foreign key. Projection rows are never deleted (tombstones).
    device = models.ForeignKey(
        DeviceProjection, on_delete=models.CASCADE, related_name="tariffs", db_constraint=True
    )
    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT, related_name="meters")
    valid_from = models.DateField()

    class Meta:
        db_table = "monitoring_meter_tariff"
        constraints = [
            models.UniqueConstraint(fields=["device", "valid_from"], name="meter_tariff_from")
        ]

    def __str__(self) -> str:
        return f"{self.device} on {self.tariff.name} from {self.valid_from}"

    def in_force(self) -> bool:
        return self.valid_from <= self.tariff.today()

    def clean(self) -> None:
        if not (self.device_id and self.tariff_id and self.valid_from):
            return
        others = MeterTariff.objects.using("monitoring").filter(device_id=self.device_id)
        others = others.exclude(id=self.id).select_related("tariff")
        if any(other.tariff.currency != self.tariff.currency for other in others):
            raise ValidationError({"tariff": "A meter's tariffs share one currency."})
        # A first tariff may start in the past (imported history gets its costs); a change of
        # tariff takes effect from tomorrow on, like a change of price.
        if others and self.valid_from <= self.tariff.today():
            raise ValidationError(
                {"valid_from": "This meter has a tariff: a change takes effect from tomorrow on."}
            )


class HistoryImport(DeviceProjection):
    """The admin's entry for importing a meter's history from a file (admin.HistoryImportAdmin);
    no table of its own."""

    class Meta:
        proxy = True
        verbose_name = "history import"
        verbose_name_plural = "history imports"
