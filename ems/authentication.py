"""The user of stateless JWT authentication, built from the token's claims alone.

REST_FRAMEWORK's default authentication is simplejwt's JWTStatelessUserAuthentication with this
TokenUser, so no API reads the users database to authenticate. The access token carries
`user_id`, `role`, `name` and `timezone` (apps.users.tokens), and lives at most 15 minutes.
"""

from rest_framework_simplejwt.models import TokenUser as SimpleJWTTokenUser

from .vocabulary import Role


class TokenUser(SimpleJWTTokenUser):
    """A signed-in person as the token describes them."""

    @property
    def id(self) -> int:
        return int(self.token["user_id"])

    @property
    def pk(self) -> int:
        return self.id

    @property
    def role(self) -> str:
        return self.token.get("role", Role.CLIENT)

    @property
    def name(self) -> str:
        return self.token.get("name", "")

    @property
    def timezone(self) -> str:
        return self.token.get("timezone", "UTC")

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.is_admin
