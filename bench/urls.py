"""The process's own routes plus the baselines of bench/views.py (no database query)."""

from django.urls import path

from ems.urls import handler400, handler404, handler500
from ems.urls import urlpatterns as ems_urlpatterns

from .views import NoQueryApi

urlpatterns = [path("bench/no-query/", NoQueryApi.as_view()), *ems_urlpatterns]

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
