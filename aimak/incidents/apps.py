from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "aimak.incidents"
    verbose_name = _("Incidents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from aimak.monitoring import registers

        from .services.register import ensure_register

        registers.ON_REPORT_SUBMITTED.append(ensure_register)
