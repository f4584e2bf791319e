"""Monitoring pages; each views module declares its own ``urlpatterns``."""

from .views import alerts, catalogue, dashboards, plans, reporting, rules

app_name = "monitoring"
urlpatterns = [
    *dashboards.urlpatterns,
    *catalogue.urlpatterns,
    *reporting.urlpatterns,
    *alerts.urlpatterns,
    *plans.urlpatterns,
    *rules.urlpatterns,
]
