"""The fleet overview for staff (/staff/fleet/): one server-rendered page of meters at a time,
sorted, filtered, searched and paged by PostgreSQL (apps.monitoring.fleet); its rows are read
again live (static/js/fleet.js) when an alert arrives and every half minute."""

import datetime as dt
import zoneinfo
from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone

from apps.monitoring import fleet
from apps.users import selectors as user_selectors

from .views import StaffPageView

PAGE_SIZE = 50
STATUS_LABELS = {
    "over": "Over the limit",
    "warning": "Heading over",
    "silent": "Silent",
    "unassigned": "Unassigned",
    "ok": "OK",
}
COLUMNS = [
    ("meter", "Meter"),
    ("owner", "Client"),
    ("last_reading", "Last reading"),
    ("today", "Today"),
    ("hour", "This hour / limit"),
    ("status", "Status"),
]


def age(moment: dt.datetime | None, now: dt.datetime) -> str:
    if moment is None:
        return "never"
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 90:
        return f"{seconds} s ago"
    minutes = seconds // 60
    if minutes < 90:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60} min ago"
    return f"{hours // 24} days ago"


def _local_day(now: dt.datetime, zone_name: str) -> tuple[dt.datetime, dt.datetime]:
    zone = zoneinfo.ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    start = dt.datetime.combine(today, dt.time(), zone)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _int(value: str | None, default: int) -> int:
    return int(value) if value and value.isascii() and value.isdigit() else default


class FleetView(StaffPageView):
    template_name = "staff/fleet.html"

    def get(self, request, *args, **kwargs):
        query = request.GET
        status = query.get("status") if query.get("status") in fleet.STATUSES else ""
        sort = query.get("sort") if query.get("sort") in fleet.SORTS else "status"
        descending = query.get("order") == "desc"
        search = query.get("q", "")[:100]
        page_number = max(1, _int(query.get("page"), 1))
        now = timezone.now()
        day_start, day_end = _local_day(now, request.user.timezone)
        owners = user_selectors.accounts_by_id(user_ids=fleet.fleet_owner_ids())
        result = fleet.fleet_page(
            owner_names={owner_id: account.name for owner_id, account in owners.items()},
            day_start=day_start,
            day_end=day_end,
            now=now,
            status=status or None,
            search=search,
            sort=sort,
            descending=descending,
            limit=PAGE_SIZE,
            offset=(page_number - 1) * PAGE_SIZE,
        )
        pages = max(1, -(-result.total // PAGE_SIZE))
        state = {"q": search, "status": status, "sort": sort, "order": "desc" if descending else ""}

        def link(**changes) -> str:
            merged = {key: value for key, value in (state | changes).items() if value}
            return "?" + urlencode(merged)

        context = {
            "rows": [
                {
                    "row": row,
                    "age": age(row.last_reading_at, now),
                    "status_label": STATUS_LABELS[row.status],
                    "hour_percent": (
                        min(100, int(row.hour_kwh / row.max_hourly_kwh * 100))
                        if row.hour_kwh is not None and row.max_hourly_kwh
                        else 0
                    ),
                }
                for row in result.rows
            ],
            "total": result.total,
            "filters": [
                {
                    "value": value,
                    "label": label,
                    "count": result.counts[value],
                    "link": link(status=value, page=""),
                    "current": value == status,
                }
                for value, label in STATUS_LABELS.items()
            ],
            "all_link": link(status="", page=""),
            "all_count": sum(result.counts.values()),
            "columns": [
                {
                    "key": key,
                    "label": label,
                    "link": link(
                        sort=key, order="" if sort != key or descending else "desc", page=""
                    ),
                    "sorted": "descending" if descending else "ascending" if sort == key else "",
                }
                for key, label in COLUMNS
            ],
            "state": state,
            "page": page_number,
            "pages": pages,
            "previous_link": link(page=page_number - 1) if page_number > 1 else "",
            "next_link": link(page=page_number + 1) if page_number < pages else "",
        }
        for column in context["columns"]:
            if column["key"] != sort:
                column["sorted"] = ""
        return render(request, self.template_name, context)
