from modeltranslation.translator import TranslationOptions, register

from .models import Territory, TerritoryVersion


@register(Territory)
class TerritoryTranslation(TranslationOptions):
    fields = ("name", "short_name")


@register(TerritoryVersion)
class TerritoryVersionTranslation(TranslationOptions):
    fields = ("name",)
