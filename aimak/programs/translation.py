from modeltranslation.translator import TranslationOptions, register

from .models import Edition


@register(Edition)
class EditionTranslation(TranslationOptions):
    fields = ("name", "description")
