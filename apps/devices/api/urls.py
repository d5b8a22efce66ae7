"""REST routes of this app, mounted under /api/ by ems/urls.py."""

urlpatterns: list = []
