"""The admin's index and sidebar in the order administrators work: accounts, meters, alerts
first; the technical sections (sign-in lockouts, the token blacklist, groups) last, named so."""

from django.contrib import admin

WORK_ORDER = ("users", "devices", "monitoring")
TECHNICAL = {"axes": "Sign-in lockouts", "token_blacklist": "Token blacklist", "auth": "Groups"}


def _position(app: dict) -> tuple[int, str]:
    label = app["app_label"]
    if label in WORK_ORDER:
        return (0, str(WORK_ORDER.index(label)))
    return (2 if label in TECHNICAL else 1, app["name"])


def install(site: admin.AdminSite) -> None:
    if getattr(site, "ems_layout", False):
        return  # the URL module can be imported again (tests that switch process roles)
    site.ems_layout = True
    original = site.get_app_list

    def get_app_list(request, app_label=None):
        apps = original(request, app_label)
        for app in apps:
            if app["app_label"] in TECHNICAL:
                app["name"] = f"Technical · {TECHNICAL[app['app_label']]}"
        return sorted(apps, key=_position)

    site.get_app_list = get_app_list
