"""The daily rollup of the hourly table, kept by statement-level triggers on it.

Each INSERT, UPDATE or DELETE on monitoring_hourly_consumption adds its changes per (device,
UTC day) to monitoring_daily_consumption: the new rows' sums minus the old rows'. Additions
commute, so concurrent writers of one day both count, whatever order they commit in. Days left
without hours lose their row. The rollup is filled from the existing hours in the same
transaction, after the triggers exist (CREATE TRIGGER locks out writers until the commit).
"""

from django.db import migrations, models

_DAY = "date_bin('1 day', hour_start, timestamptz 'epoch')"

CREATE = f"""
CREATE FUNCTION monitoring_daily_add(
    p_devices uuid[], p_days timestamptz[], p_kwh numeric[], p_hours int[], p_estimated int[]
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO monitoring_daily_consumption AS d
           (device_id, day_start, kwh, hours, estimated_hours)
    SELECT * FROM unnest(p_devices, p_days, p_kwh, p_hours, p_estimated)
    ORDER BY 1, 2  -- one order for every writer: no deadlock between two statements
    ON CONFLICT (device_id, day_start) DO UPDATE
       SET kwh = d.kwh + EXCLUDED.kwh, hours = d.hours + EXCLUDED.hours,
           estimated_hours = d.estimated_hours + EXCLUDED.estimated_hours;
    DELETE FROM monitoring_daily_consumption d
     USING unnest(p_devices, p_days) AS t(device_id, day_start)
     WHERE d.device_id = t.device_id AND d.day_start = t.day_start AND d.hours = 0;
END
$$;

CREATE FUNCTION monitoring_hourly_to_daily() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_devices uuid[]; v_days timestamptz[]; v_kwh numeric[]; v_hours int[]; v_estimated int[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(device_id), array_agg(day), array_agg(kwh), array_agg(n), array_agg(e)
          INTO v_devices, v_days, v_kwh, v_hours, v_estimated
          FROM (SELECT device_id, {_DAY} AS day, sum(kwh) AS kwh, count(*)::int AS n,
                       (count(*) FILTER (WHERE estimated))::int AS e
                  FROM new_hours GROUP BY 1, 2) AS delta;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(device_id), array_agg(day), array_agg(kwh), array_agg(n), array_agg(e)
          INTO v_devices, v_days, v_kwh, v_hours, v_estimated
          FROM (SELECT device_id, {_DAY} AS day, -sum(kwh) AS kwh, -count(*)::int AS n,
                       -(count(*) FILTER (WHERE estimated))::int AS e
                  FROM old_hours GROUP BY 1, 2) AS delta;
    ELSE
        SELECT array_agg(device_id), array_agg(day), array_agg(kwh), array_agg(n), array_agg(e)
          INTO v_devices, v_days, v_kwh, v_hours, v_estimated
          FROM (SELECT device_id, {_DAY} AS day, sum(kwh) AS kwh, sum(n)::int AS n,
                       sum(e)::int AS e
                  FROM (SELECT device_id, hour_start, kwh, 1 AS n, estimated::int AS e
                          FROM new_hours
                        UNION ALL
                        SELECT device_id, hour_start, -kwh, -1, -estimated::int FROM old_hours)
                       AS changes
                 GROUP BY 1, 2) AS delta
         WHERE kwh <> 0 OR n <> 0 OR e <> 0;
    END IF;
    IF v_devices IS NOT NULL THEN
        PERFORM monitoring_daily_add(v_devices, v_days, v_kwh, v_hours, v_estimated);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION monitoring_hourly_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM monitoring_daily_consumption;
    RETURN NULL;
END
$$;

CREATE TRIGGER monitoring_hourly_daily_insert AFTER INSERT ON monitoring_hourly_consumption
    REFERENCING NEW TABLE AS new_hours
    FOR EACH STATEMENT EXECUTE FUNCTION monitoring_hourly_to_daily();
CREATE TRIGGER monitoring_hourly_daily_update AFTER UPDATE ON monitoring_hourly_consumption
    REFERENCING OLD TABLE AS old_hours NEW TABLE AS new_hours
    FOR EACH STATEMENT EXECUTE FUNCTION monitoring_hourly_to_daily();
CREATE TRIGGER monitoring_hourly_daily_delete AFTER DELETE ON monitoring_hourly_consumption
    REFERENCING OLD TABLE AS old_hours
    FOR EACH STATEMENT EXECUTE FUNCTION monitoring_hourly_to_daily();
CREATE TRIGGER monitoring_hourly_daily_truncate AFTER TRUNCATE ON monitoring_hourly_consumption
    FOR EACH STATEMENT EXECUTE FUNCTION monitoring_hourly_truncated();

INSERT INTO monitoring_daily_consumption (device_id, day_start, kwh, hours, estimated_hours)
SELECT device_id, {_DAY}, sum(kwh), count(*), count(*) FILTER (WHERE estimated)
FROM monitoring_hourly_consumption GROUP BY 1, 2;
"""

DROP = """
DROP TRIGGER monitoring_hourly_daily_insert ON monitoring_hourly_consumption;
DROP TRIGGER monitoring_hourly_daily_update ON monitoring_hourly_consumption;
DROP TRIGGER monitoring_hourly_daily_delete ON monitoring_hourly_consumption;
DROP TRIGGER monitoring_hourly_daily_truncate ON monitoring_hourly_consumption;
DROP FUNCTION monitoring_hourly_truncated();
DROP FUNCTION monitoring_hourly_to_daily();
DROP FUNCTION monitoring_daily_add(uuid[], timestamptz[], numeric[], int[], int[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0009_merge_tariffs"),
    ]

    operations = [
        migrations.CreateModel(
            name="DailyConsumption",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "device_id",
                        "day_start",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("device_id", models.UUIDField()),
                ("day_start", models.DateTimeField()),
                ("kwh", models.DecimalField(decimal_places=8, max_digits=24)),
                ("hours", models.IntegerField()),
                ("estimated_hours", models.IntegerField()),
            ],
            options={
                "db_table": "monitoring_daily_consumption",
            },
        ),
        migrations.RunSQL(CREATE, DROP),
    ]
