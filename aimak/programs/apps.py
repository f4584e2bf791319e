from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "aimak.programs"
    verbose_name = _("Development programs")
    default_auto_field = "django.db.models.BigAutoField"
