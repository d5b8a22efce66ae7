from django.urls import path

from . import own_account, unsubscribe, views

auth_urlpatterns = [
    path("register/", views.RegisterApi.as_view(), name="register"),
    path("token/", views.TokenObtainApi.as_view(), name="token"),
    path("token/refresh/", views.TokenRefreshApi.as_view(), name="token-refresh"),
    path("logout/", views.LogoutApi.as_view(), name="logout"),
]

users_urlpatterns = [
    path("", views.UserListCreateApi.as_view(), name="user-list"),
    path("me/", own_account.OwnAccountApi.as_view(), name="me"),
    path("me/password/", own_account.OwnPasswordApi.as_view(), name="me-password"),
    path(
        "unsubscribe/<str:token>/",
        unsubscribe.UnsubscribeView.as_view(),
        name="alert-mail-unsubscribe",
    ),
    path("<int:user_id>/", views.UserDetailApi.as_view(), name="user-detail"),
]
