"""Monitoring's own data: its projection of devices (more models: readings, hourly, alerts)."""

from django.db import models


class MeterKind(models.TextChoices):
    INDEX = "index", "Cumulative index (kWh register)"
    INTERVAL = "interval", "Energy per interval"


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
    version = models.BigIntegerField()
    deleted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "monitoring_device_projection"

    def __str__(self) -> str:
        return f"{self.description or self.id} (v{self.version})"
