"""Pages of the web front end, mounted at the site root by ems/urls.py.

Not namespaced: settings name `login` and `home` (LOGIN_URL, LOGIN_REDIRECT_URL); the other
names avoid the API's (`register`, `logout` are taken by apps.users.api).
"""

from django.urls import path

from . import account, chat_acknowledge, chat_context, fleet, support, views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="sign-out"),
    path("register/", views.RegisterView.as_view(), name="sign-up"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("devices/<uuid:device_id>/", views.DevicePageView.as_view(), name="device-page"),
    path("alerts/", views.AlertsPageView.as_view(), name="alerts-page"),
    path("chat/", views.ClientChatView.as_view(), name="chat-page"),
    path("staff/chat/", support.StaffChatView.as_view(), name="staff-chat"),
    path("staff/alerts/", views.StaffAlertsView.as_view(), name="staff-alerts"),
    path("account/", account.AccountView.as_view(), name="account"),
    path("account/timezone/", account.TimezoneChangeView.as_view(), name="account-timezone"),
    path("account/alert-mail/", account.AlertMailChangeView.as_view(), name="account-alert-mail"),
    path("account/password/", account.PasswordChangeView.as_view(), name="account-password"),
    path("account/export/", account.AccountExportView.as_view(), name="account-export"),
    path("account/delete/", account.AccountDeleteView.as_view(), name="account-delete"),
    path("chat/ask/", chat_context.AskAboutView.as_view(), name="chat-ask"),
    path(
        "chat/<int:conversation_id>/alerts/<int:alert_id>/acknowledge/",
        chat_acknowledge.ChatAlertAcknowledgeView.as_view(),
        name="chat-alert-acknowledge",
    ),
    path("staff/fleet/", fleet.FleetView.as_view(), name="staff-fleet"),
    path(
        "staff/devices/<uuid:device_id>/",
        support.SupportDeviceView.as_view(),
        name="support-device",
    ),
    path(
        "staff/clients/<int:user_id>/", support.SupportClientView.as_view(), name="support-client"
    ),
    path("web/token/", views.BrowserTokenView.as_view(), name="browser-token"),
]
