from modeltranslation.translator import TranslationOptions, register

from .models import AlertRule, Domain, Indicator, ReportingForm


@register(Domain)
class DomainTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name", "definition", "unit", "source")


@register(ReportingForm)
class ReportingFormTranslation(TranslationOptions):
    fields = ("name", "description")


@register(AlertRule)
class AlertRuleTranslation(TranslationOptions):
    fields = ("name",)
