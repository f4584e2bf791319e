"""Form pieces every app's forms share."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's (and phone's) own date picker, with ISO dates both ways."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TerritoryChoice(forms.ModelChoiceField):
    """Territories as an indented tree: "Name (kind)", indented from ``top_depth``."""

    def __init__(self, *args, top_depth: int = 1, **kwargs):
        self.top_depth = top_depth
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        indent = "\u00a0\u00a0" * max(obj.depth - self.top_depth, 0)
        return f"{indent}{obj.name} ({obj.get_kind_display()})"
