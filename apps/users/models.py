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
