"""Incident pages; each views module declares its own ``urlpatterns``."""

from .views import browse, records

app_name = "incidents"
urlpatterns = [*browse.urlpatterns, *records.urlpatterns]
