from modeltranslation.translator import TranslationOptions, register

from .models import IncidentType


@register(IncidentType)
class IncidentTypeTranslation(TranslationOptions):
    fields = ("name", "description")
