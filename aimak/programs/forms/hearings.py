"""Forms of meetings and hearings: announcing them, attendance, residents' comments (with a
honeypot field that people never see), moderation and answers. Rules live in
``services.hearings``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aimak.core.forms import DateInput

from ..models import AgeGroup, Comment, Meeting, Sex
from ..selectors import hearings as selectors
from ..selectors.programs import localized
from ..services.hearings import COMMENT_MAX, HONEYPOT

COMMENT_LANGUAGES = [("ky", "Кыргызча"), ("ru", "Русский")]


class VillageChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_kind_display()})"


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices, widget=forms.RadioSelect)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    place = forms.CharField(label=_("Place"), max_length=300, help_text=_("For example: the hall of the aiyl okmotu, the village school."))
    village = VillageChoice(queryset=None, label=_("Village"), required=False, empty_label=_("the whole municipality"))
    announcement = forms.CharField(label=_("Announcement"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                   help_text=_("What residents read on the hearing's public page: what is discussed, how to take part."))
    comments_until = forms.DateField(label=_("Comments accepted until"), required=False, widget=DateInput(),
                                     help_text=_("Empty: until the day of the hearing."))
    chair = forms.CharField(label=_("Chaired by"), max_length=200, required=False)
    secretary = forms.CharField(label=_("Minutes taken by"), max_length=200, required=False)
    decisions = forms.CharField(label=_("Decisions"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, program=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = selectors.villages(program)

    @classmethod
    def initial_from(cls, meeting: Meeting) -> dict:
        return {f: getattr(meeting, f) for f in ("kind", "date", "time", "place", "village", "announcement", "comments_until",
                                                  "chair", "secretary", "decisions")}


class AttendanceForm(forms.Form):
    """One whole-number field per cell of the grid (sex × age group × disability)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from ..services.hearings import cell_name, cells

        self.cell_keys = {}
        for key in cells():
            name = cell_name(*key)
            self.cell_keys[name] = key
            self.fields[name] = forms.IntegerField(required=False, widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
                                                   error_messages={"invalid": _("Enter a whole number, 0 or more.")})

    def counts(self) -> dict:
        return {key: self.cleaned_data.get(name) or 0 for name, key in self.cell_keys.items()}


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Your comment or proposal"), widget=forms.Textarea(attrs={"rows": 6, "maxlength": COMMENT_MAX}),
                           help_text=_("At most 3,000 characters. You may write in Kyrgyz or Russian."))
    language = forms.ChoiceField(label=_("Language of the comment"), choices=COMMENT_LANGUAGES, widget=forms.RadioSelect, initial="ky")
    author_name = forms.CharField(label=_("Name (optional)"), max_length=200, required=False)
    sex = forms.ChoiceField(label=_("Sex (optional)"), choices=[("", _("prefer not to say")), *Sex.choices], required=False)
    age_group = forms.ChoiceField(label=_("Age group (optional)"), choices=[("", _("prefer not to say")), *AgeGroup.choices], required=False)


class PublicCommentForm(CommentForm):
    # people never see it (hidden by CSS and from screen readers); bots fill every field
    website = forms.CharField(label=_("Leave this field empty"), required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))

    def service_data(self) -> dict:
        data = {k: self.cleaned_data.get(k) or "" for k in ("text", "language", "author_name", "sex", "age_group")}
        data[HONEYPOT] = self.cleaned_data.get(HONEYPOT) or ""
        return data


class StaffCommentForm(CommentForm):
    language = forms.ChoiceField(label=_("Language of the comment"), choices=COMMENT_LANGUAGES, widget=forms.RadioSelect, initial="ru")
    publish = forms.BooleanField(label=_("Publish on the hearing's page now"), required=False, initial=True)

    def service_data(self) -> dict:
        data = {k: self.cleaned_data.get(k) or "" for k in ("text", "language", "author_name", "sex", "age_group")}
        data["publish"] = bool(self.cleaned_data.get("publish"))
        return data


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(choices=[("publish", _("Publish")), ("hide", _("Do not publish"))], widget=forms.RadioSelect, label=_("Moderation"))
    moderation_note = forms.CharField(label=_("Why not published"), max_length=300, required=False)


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("Answer"), choices=Comment.Answer.choices, widget=forms.RadioSelect, required=False)
    answer_reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text=_("Required when the proposal is accepted only partly or not at all."))
    change_made = forms.CharField(label=_("What changed in the draft"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    changed_measure = forms.ModelChoiceField(queryset=None, label=_("Measure changed"), required=False, empty_label="—")
    changed_section = forms.ChoiceField(label=_("Section changed"), required=False)

    def __init__(self, *args, program=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["changed_measure"].queryset = program.measures.all()
        self.fields["changed_section"].choices = [("", "—")] + [
            (s["code"], localized(s.get("title"))) for s in program.edition.template.get("sections", [])]

    @classmethod
    def initial_from(cls, comment: Comment) -> dict:
        return {f: getattr(comment, f) for f in ("answer", "answer_reason", "change_made", "changed_measure", "changed_section")}
