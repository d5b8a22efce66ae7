"""The one-click unsubscribe link of alert mails: signed, works without signing in.

GET shows a button (mail scanners follow links; they must not unsubscribe anyone); POST, the
button or a mail client's one-click (RFC 8058, `List-Unsubscribe-Post`), sets alert e-mail off.
"""

from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.utils.html import escape
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from ..models import AlertMail, User
from ..notifications import unsubscribe_user_id

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>EMS alert e-mail</title>
</head><body><main><h1>EMS alert e-mail</h1>{body}</main></body></html>"""


def _page(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(PAGE.format(body=body), status=status)


# The signed token is the credential: no session, no CSRF cookie (the users API has neither).
@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    def _user(self, token: str) -> User | None:
        user_id = unsubscribe_user_id(token)
        return User.objects.using("default").filter(pk=user_id).first() if user_id else None

    def get(self, request, token: str):
        user = self._user(token)
        if user is None:
            return _page("<p>This link is not valid.</p>", status=400)
        return _page(
            f"<p>Stop alert e-mail to {escape(user.email)}?</p>"
            '<form method="post"><button type="submit">Unsubscribe</button></form>'
        )

    def post(self, request, token: str):
        user = self._user(token)
        if user is None:
            return _page("<p>This link is not valid.</p>", status=400)
        User.objects.using("default").filter(pk=user.pk).update(alert_mail=AlertMail.OFF)
        return _page(
            "<p>You will get no more alert e-mail. You can turn it on again on your account "
            "page.</p>"
        )
