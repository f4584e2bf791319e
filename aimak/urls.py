from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from aimak.core import i18n
from aimak.exchange.views.odk import root_urlpatterns as openrosa_urlpatterns

urlpatterns = [
    path("", include("aimak.core.urls")),
    path("accounts/", include("aimak.accounts.urls")),
    path("territories/", include("aimak.territories.urls")),
    path("audit/", include("aimak.audit.urls")),
    path("monitoring/", include("aimak.monitoring.urls")),
    path("exchange/", include("aimak.exchange.urls")),
    path("incidents/", include("aimak.incidents.urls")),
    path("programs/", include("aimak.programs.urls")),
    path("calls/", include("aimak.calls.urls")),
    path("language/", i18n.set_language, name="set_language"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/territories/", include("aimak.territories.api.urls")),
    path("api/monitoring/", include("aimak.monitoring.api.urls")),
    path("api/exchange/", include("aimak.exchange.api.urls")),
    path("api/incidents/", include("aimak.incidents.api.urls")),
    path("api/programs/", include("aimak.programs.api.urls")),
    path("api/calls/", include("aimak.calls.api.urls")),
    path("admin/", admin.site.urls),
    *openrosa_urlpatterns,  # ODK Collect asks the server root for /formList and /submission
]
