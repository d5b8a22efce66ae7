"""Forms of the web pages. Validation of the account itself stays in apps.users.services."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from .account_forms import PASSWORD_RULE, password_field, timezone_choices


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class RegistrationForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @/./+/-/_ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    name = forms.CharField(
        max_length=150, label="Full name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        required=False,
        label="Email (optional)",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    timezone = forms.ChoiceField(
        label="Time zone",
        choices=timezone_choices,
        required=False,
        help_text="Your days and hours are counted in this zone; you can change it later.",
    )
    password1 = password_field("Password", new=True, help_text=PASSWORD_RULE)
    password2 = password_field("Password again", new=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["timezone"].initial = settings.EMS_DEFAULT_USER_TIMEZONE

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return cleaned

    def add_service_errors(self, message_dict: dict[str, list[str]]) -> None:
        """Show the account service's validation errors next to the fields they concern."""
        field_for = {"password": "password1"}
        for field, messages in message_dict.items():
            target = field_for.get(field, field)
            for message in messages:
                self.add_error(target if target in self.fields else None, message)
