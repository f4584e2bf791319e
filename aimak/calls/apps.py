from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "aimak.calls"
    verbose_name = _("Calls and competitions")
    default_auto_field = "django.db.models.BigAutoField"
