"""Village meetings and public hearings: staff announce them, count who came, open and close a
hearing for comments, enter comments received on paper, moderate and answer each comment; the
hearing's public page (no sign-in) shows the draft, takes residents' comments and shows what
became of them. Thin: reads from ``selectors.hearings``, writes through ``services.hearings``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View

from ..forms.hearings import (
    AnswerForm,
    AttendanceForm,
    MeetingForm,
    ModerationForm,
    PublicCommentForm,
    StaffCommentForm,
)
from ..forms.process import apply_errors
from ..models import Comment, Meeting
from ..selectors import hearings as selectors
from ..selectors import programs as program_selectors
from ..services import hearings as services


class MeetingFormView(LoginRequiredMixin, View):
    """Announce a village meeting or hearing (``?kind=hearing``), or correct one."""

    template_name = "programs/hearings/meeting_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if "meeting" in kwargs:
                self.meeting = selectors.meeting_for(request.user, kwargs["meeting"])
                self.program = self.meeting.program
            else:
                self.meeting = None
                self.program = program_selectors.program_for(request.user, kwargs["pk"])
            if not program_selectors.may(request.user, "edit", self.program):
                raise PermissionDenied(_("You may not change the program of %(territory)s.") % {"territory": self.program.territory})
        return super().dispatch(request, *args, **kwargs)

    def page(self, request, form, status=200):
        return render(request, self.template_name, {"program": self.program, "meeting": self.meeting, "form": form}, status=status)

    def get(self, request, **kwargs):
        if self.meeting is not None:
            initial = MeetingForm.initial_from(self.meeting)
        else:
            kind = request.GET.get("kind")
            initial = {"kind": kind if kind in Meeting.Kind.values else Meeting.Kind.VILLAGE_MEETING}
        return self.page(request, MeetingForm(initial=initial, program=self.program))

    def post(self, request, **kwargs):
        form = MeetingForm(request.POST, program=self.program)
        if form.is_valid():
            try:
                meeting = services.save_meeting(request.user, self.program, self.meeting, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The meeting was saved."))
                return HttpResponseRedirect(reverse("programs:meeting", args=[meeting.pk]))
        return self.page(request, form, status=400)


def _answer_form(comment, program, bound=None):
    return bound or AnswerForm(initial=AnswerForm.initial_from(comment), program=program, prefix=f"c{comment.pk}")


def meeting_context(request, meeting: Meeting, *, attendance_form=None, comment_form=None, bound_comment=None, status_error="") -> dict:
    """The staff page of a meeting: details, attendance grid, hearing controls and comments."""
    program = meeting.program
    can_edit = program_selectors.may(request.user, "edit", program) and program.is_editable
    comments = list(selectors.comments(meeting))
    bound_comment = bound_comment or {}
    items = [{"comment": c,
              "answer_form": _answer_form(c, program, bound_comment.get((c.pk, "answer"))),
              "moderation_form": bound_comment.get((c.pk, "moderate")) or ModerationForm(prefix=f"m{c.pk}")} for c in comments]
    posted = attendance_form.data if attendance_form is not None and attendance_form.is_bound else None
    return {
        "meeting": meeting, "program": program, "can_edit": can_edit,
        "participation": selectors.participation(meeting),
        "grid": selectors.attendance_grid(meeting, posted),
        "attendance_errors": attendance_form.errors if attendance_form is not None else {},
        "items": items, "counts": selectors.comment_counts(meeting),
        "comment_form": comment_form or StaffCommentForm(prefix="new"),
        "state": selectors.comment_state(meeting) if meeting.kind == Meeting.Kind.HEARING else None,
        "status_error": status_error,
        "protocol_url": program_selectors.url_or_none("programs:hearing-protocol", meeting.pk) if meeting.kind == Meeting.Kind.HEARING else None,
    }


class MeetingView(LoginRequiredMixin, View):
    template_name = "programs/hearings/meeting.html"

    def get(self, request, meeting):
        found = selectors.meeting_for(request.user, meeting)
        return render(request, self.template_name, meeting_context(request, found))


def _meeting_page(request, meeting, status=400, **kwargs):
    return render(request, MeetingView.template_name, meeting_context(request, meeting, **kwargs), status=status)


def _back(meeting, anchor=""):
    return HttpResponseRedirect(reverse("programs:meeting", args=[meeting.pk]) + (f"#{anchor}" if anchor else ""))


class AttendanceView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, meeting):
        found = selectors.meeting_for(request.user, meeting)
        form = AttendanceForm(request.POST)
        if form.is_valid():
            try:
                total = services.set_attendance(request.user, found, form.counts())
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Attendance saved: %(total)s people.") % {"total": total})
                return _back(found, "attendance")
        return _meeting_page(request, found, attendance_form=form)


class HearingStatusView(LoginRequiredMixin, View):
    """Open the hearing for comments, or close it."""

    http_method_names = ["post"]

    def post(self, request, meeting):
        found = selectors.meeting_for(request.user, meeting)
        action = request.POST.get("action")
        try:
            if action == "open":
                services.open_hearing(request.user, found)
                messages.success(request, _("The hearing is open: residents can comment on its public page."))
            elif action == "close":
                services.close_hearing(request.user, found)
                messages.success(request, _("The hearing is closed for comments."))
            else:
                raise ValidationError({"status": [_("Choose to open or to close the hearing.")]})
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(m for ms in exc.message_dict.values() for m in ms) if hasattr(exc, "error_dict") else " ".join(getattr(exc, "messages", [str(exc)]))
            return _meeting_page(request, found, status_error=text)
        return _back(found, "comments")


class StaffCommentView(LoginRequiredMixin, View):
    """A comment received on paper or spoken at the meeting, typed in by staff."""

    http_method_names = ["post"]

    def post(self, request, meeting):
        found = selectors.meeting_for(request.user, meeting)
        form = StaffCommentForm(request.POST, prefix="new")
        if form.is_valid():
            try:
                services.enter_comment(request.user, found, **form.service_data())
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The comment was entered."))
                return _back(found, "comments")
        return _meeting_page(request, found, comment_form=form)


class CommentActionView(LoginRequiredMixin, View):
    """Moderate or answer one comment; with HTMX only the comment's block is sent back."""

    http_method_names = ["post"]

    def post(self, request, pk, action):
        comment = get_object_or_404(Comment.objects.select_related("meeting__program__territory", "meeting__program__edition"), pk=pk)
        meeting = selectors.meeting_for(request.user, comment.meeting_id)
        program = meeting.program
        if action == "answer":
            form = AnswerForm(request.POST, program=program, prefix=f"c{comment.pk}")
        elif action == "moderate":
            form = ModerationForm(request.POST, prefix=f"m{comment.pk}")
        else:
            return _back(meeting)
        done = False
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "answer":
                    services.answer_comment(request.user, comment, **data)
                else:
                    services.moderate(request.user, comment, publish=data["decision"] == "publish", note=data["moderation_note"])
                done = True
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
        if request.htmx:
            comment.refresh_from_db()
            context = meeting_context(request, meeting, bound_comment={} if done else {(comment.pk, action): form})
            item = next(i for i in context["items"] if i["comment"].pk == comment.pk)
            return render(request, "programs/hearings/_comment.html", {**context, "item": item, "saved": done}, status=200 if done else 400)
        if done:
            messages.success(request, _("The answer was saved.") if action == "answer" else _("Moderation saved."))
            return _back(meeting, f"comment-{comment.pk}")
        return _meeting_page(request, meeting, bound_comment={(comment.pk, action): form})


class PublicHearingView(View):
    """The hearing's public page: no sign-in. The draft read-only, a comment form while the
    hearing is open, and the published comments with the municipality's answers."""

    template_name = "programs/hearings/public.html"

    def page(self, request, meeting, form=None, status=200, thanks=False):
        program = meeting.program
        draft = selectors.draft(program)
        sections = program_selectors.sections(program)
        return render(request, self.template_name, {
            "meeting": meeting, "program": program, "draft": draft,
            "sections": {s["code"]: s["title"] for s in sections},
            "text_sections": [{**s, "text": draft["texts"][s["code"]]} for s in sections if (draft["texts"].get(s["code"]) or "").strip()],
            "state": selectors.comment_state(meeting), "comments": selectors.published_comments(meeting),
            "form": form or PublicCommentForm(initial={"language": "ru" if (request.LANGUAGE_CODE or "")[:2] == "ru" else "ky"}),
            "thanks": thanks, "is_staff": program_selectors.may(request.user, "view", program),
        }, status=status)

    def get(self, request, pk):
        meeting = selectors.public_hearing(pk)
        return self.page(request, meeting, thanks=request.GET.get("sent") == "1")

    def post(self, request, pk):
        meeting = selectors.public_hearing(pk)
        form = PublicCommentForm(request.POST)
        if form.is_valid():
            try:
                services.submit_comment(meeting, **form.service_data())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("programs:hearing_public", args=[meeting.pk]) + "?sent=1#comment-form")
        return self.page(request, meeting, form=form, status=400)


urlpatterns = [
    path("<int:pk>/meetings/new/", MeetingFormView.as_view(), name="meeting-new"),
    path("meetings/<int:meeting>/", MeetingView.as_view(), name="meeting"),
    path("meetings/<int:meeting>/edit/", MeetingFormView.as_view(), name="meeting-edit"),
    path("meetings/<int:meeting>/attendance/", AttendanceView.as_view(), name="attendance"),
    path("meetings/<int:meeting>/status/", HearingStatusView.as_view(), name="hearing-status"),
    path("meetings/<int:meeting>/comments/", StaffCommentView.as_view(), name="comment-new"),
    path("comments/<int:pk>/<slug:action>/", CommentActionView.as_view(), name="comment-action"),
    path("hearings/<int:pk>/", PublicHearingView.as_view(), name="hearing_public"),
]
