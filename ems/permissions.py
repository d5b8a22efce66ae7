"""Role permissions read from the authenticated user (a token user or a session user)."""

from rest_framework.permissions import BasePermission

from .vocabulary import Role


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "role", None) == Role.ADMIN)


class IsAdmin(BasePermission):
    message = "Only administrators may do this."

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)
