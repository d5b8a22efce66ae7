"""Accounts: administrators and clients. The role is the single source of who may do what."""

from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from ems.vocabulary import Role

USERNAME_TAKEN = "A user with that username already exists."


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"“{value}” is not a known IANA time zone (e.g. Europe/Bucharest).")


def default_timezone() -> str:
    return settings.EMS_DEFAULT_USER_TIMEZONE


class AlertMail(models.TextChoices):
    IMMEDIATELY = "immediately", "Immediately"
    DIGEST = "digest", "Daily digest"
    OFF = "off", "Off"


class EmsUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` makes an administrator.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    username = models.CharField(
        max_length=150,
        unique=True,
        validators=[UnicodeUsernameValidator()],
        help_text="150 characters or fewer: letters, digits and @/./+/-/_ only.",
        error_messages={"unique": USERNAME_TAKEN},
    )
    name = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CLIENT, db_index=True)
    timezone = models.CharField(
        max_length=64, default=default_timezone, validators=[validate_timezone]
    )
    is_active = models.BooleanField(default=True)
    # E-mail about the person's alerts (apps/users/notifications.py): at once, in a daily digest,
    # or never; none is sent between the quiet hours' start and end (local time, `timezone`):
    # what they raised is mailed together when they end.
    alert_mail = models.CharField(
        max_length=12, choices=AlertMail.choices, default=AlertMail.IMMEDIATELY
    )
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    # Derived from `role` on every save: an administrator is staff and superuser, a client neither,
    # so the Django admin and the API agree on who is an administrator.
    is_staff = models.BooleanField(default=False, editable=False)
    date_joined = models.DateTimeField(auto_now_add=True)

    objects = EmsUserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["username"]
        constraints = [
            # `Alice` and `alice` would be two people to the eye (chat names, lists): one name,
            # whatever the case. Sign-in still matches the name exactly (docs/security-review.md).
            models.UniqueConstraint(
                Lower("username"),
                name="users_user_username_case_insensitive_unique",
                violation_error_message=USERNAME_TAKEN,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.username})" if self.name else self.username

    def clean(self) -> None:
        super().clean()
        # Reported on the field (the constraint alone would be a form-wide error); full_clean
        # then skips the constraint, as the field already failed.
        taken = (
            User.objects.using(self._state.db or "default")
            .filter(username__iexact=self.username)
            .exclude(pk=self.pk)
        )
        if self.username and taken.exists():
            raise ValidationError({"username": USERNAME_TAKEN})

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def save(self, *args, **kwargs):
        self.is_staff = self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)


class SentMail(models.Model):
    """One notification mail, recorded (claimed) before it is sent, so a redelivered event never
    sends it again (docs/monitoring.md, "E-mail notifications").

    `key` is `alert:<alert id>` for an alert's own mail, `digest:<user id>:<date>` for a digest
    and `quiet:<user id>:<first record id>` for the mail after quiet hours. An alert of a person
    who chose the digest waits here as `pending` until the digest; one raised in their quiet
    hours waits as `deferred` until the hours end.
    """

    class State(models.TextChoices):
        PENDING = "pending"  # waits for the daily digest
        CLAIMED = "claimed"  # being sent; a crash leaves it so and it is never sent again
        SENT = "sent"
        FAILED = "failed"  # the SMTP server refused it; a retry may claim it again
        SKIPPED = "skipped"  # preference off, or the hourly limit
        DIGESTED = "digested"  # went out in a digest, or in the mail after the quiet hours
        DEFERRED = "deferred"  # raised in the person's quiet hours: mailed when they end

    key = models.CharField(max_length=100, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sent_mails")
    state = models.CharField(max_length=10, choices=State.choices)
    # The alert as monitoring's event carried it (for the digest).
    alert = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
