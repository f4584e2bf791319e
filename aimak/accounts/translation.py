from modeltranslation.translator import TranslationOptions, register

from .models import Role


@register(Role)
class RoleTranslation(TranslationOptions):
    fields = ("name", "description")
