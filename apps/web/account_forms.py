"""Forms of the account page: time zone, alert e-mail, password, export and deletion, each
confirmed."""

from functools import cache
from zoneinfo import available_timezones

from django import forms

from apps.users.models import AlertMail


@cache
def timezone_choices() -> list[tuple[str, str]]:
    # The legacy aliases (US/Eastern, Etc/GMT+2, ...) stay valid but are not offered.
    zones = sorted(zone for zone in available_timezones() if "/" in zone and zone[0].isupper())
    zones = [zone for zone in zones if not zone.startswith(("Etc/", "SystemV/", "US/"))]
    return [("UTC", "UTC"), *((zone, zone.replace("_", " ")) for zone in zones)]


# The rule the password validators apply (AUTH_PASSWORD_VALIDATORS), as the forms state it.
PASSWORD_RULE = "At least 8 characters, not only digits, not a common password."  # noqa: S105 - a sentence, not a secret


def password_field(label: str, *, new: bool, help_text: str = "") -> forms.CharField:
    """A password as typed (never stripped), offered to the browser's password manager as the
    current or a new password."""
    autocomplete = "new-password" if new else "current-password"
    return forms.CharField(
        label=label,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        help_text=help_text,
    )


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class TimezoneForm(_Form):
    timezone = forms.ChoiceField(
        label="Time zone",
        choices=timezone_choices,
        help_text="Days and hours of your consumption are counted in this zone.",
    )


class AlertMailForm(_Form):
    alert_mail = forms.ChoiceField(
        label="E-mail about my alerts",
        choices=AlertMail.choices,
        help_text="Each alert as it is raised, a daily digest of the day's alerts, or none.",
    )
    quiet_hours_start = forms.TimeField(
        label="Quiet from", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_hours_end = forms.TimeField(
        label="Quiet until",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="No alert e-mail between these times (your time zone), e.g. 22:00 to 07:00: "
        "their alerts come in one e-mail when they end.",
    )

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("quiet_hours_start") is None) != (cleaned.get("quiet_hours_end") is None):
            self.add_error("quiet_hours_end", "Give both times, or neither.")
        return cleaned


class PasswordChangeForm(_Form):
    current_password = password_field("Current password", new=False)
    new_password = password_field("New password", new=True, help_text=PASSWORD_RULE)
    new_password_again = password_field("New password again", new=True)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_password") != cleaned.get("new_password_again"):
            self.add_error("new_password_again", "The two new passwords differ.")
        return cleaned


class AccountDeleteForm(_Form):
    password = password_field("Your password", new=False)
    confirm = forms.BooleanField(
        label="I understand that my account is deleted for good and my meters leave it.",
        required=True,
    )


def add_service_errors(form: forms.Form, message_dict: dict[str, list[str]], field_for=None):
    """Show a service's validation errors on the fields they concern (or the whole form)."""
    field_for = field_for or {}
    for field, messages in message_dict.items():
        target = field_for.get(field, field)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)
