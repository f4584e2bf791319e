from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "aimak.accounts"
    label = "accounts"
    verbose_name = _("People and access")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import schema, signals  # noqa: F401  (token in the OpenAPI schema; sign-in events)

        post_migrate.connect(_sync_roles, sender=self)


def _sync_roles(**kwargs):
    from aimak.core.context import acting_as

    from .services import sync_builtin_roles

    with acting_as(integration="built-in roles"):
        sync_builtin_roles()
