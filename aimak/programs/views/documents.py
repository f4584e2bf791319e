"""Downloads of a program's documents: the whole program (DOCX, PDF), the action plan and
monitoring matrix (XLSX), a hearing's protocol (DOCX). Thin: who may download is the scoping of
programs (approved programs are public; drafts only where one may view them), the files come
from ``services.documents``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from aimak.core import scoping

from ..models import Meeting, Program
from ..services import documents

FORMATS = {"docx": (documents.program_docx, documents.DOCX_TYPE), "pdf": (documents.program_pdf, documents.PDF_TYPE)}


def _program(request, pk) -> Program:
    """The program if the person may view it (everyone may view an approved one); else 404."""
    programs = Program.objects.select_related("territory", "territory__parent", "edition")
    return get_object_or_404(scoping.restrict(programs, request.user, "view"), pk=pk)


def _lang(request, default: str) -> str:
    lang = request.GET.get("lang") or default
    if lang not in documents.LANGS:
        raise Http404
    return lang


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def program_document(request, pk, fmt):
    if fmt not in FORMATS:
        raise Http404
    program = _program(request, pk)
    lang = _lang(request, program.language)
    render, content_type = FORMATS[fmt]
    return _download(render(program, lang), content_type, documents.filename(program, "sedp", lang, fmt))


@require_GET
def plan_xlsx(request, pk):
    program = _program(request, pk)
    lang = _lang(request, program.language)
    return _download(documents.plan_xlsx(program, lang), documents.XLSX_TYPE, documents.filename(program, "sedp-action-plan", lang, "xlsx"))


@require_GET
@login_required
def hearing_protocol(request, pk):
    """Protocols name the people who spoke: signed-in people who may view programs where the
    hearing's program is, not the public."""
    meeting = get_object_or_404(Meeting.objects.select_related("program__territory", "program__edition", "village"), pk=pk)
    program = meeting.program
    if not scoping.allowed_within(request.user, "view", Meeting, program.territory):
        raise Http404
    lang = _lang(request, program.language)
    name = f"{slugify('hearing-protocol')}-{program.territory.code}-{meeting.date.isoformat()}-{lang}.docx"
    return _download(documents.hearing_protocol_docx(meeting, lang), documents.DOCX_TYPE, name)


urlpatterns = [
    path("<int:pk>/document.<str:fmt>", program_document, name="document"),
    path("<int:pk>/action-plan.xlsx", plan_xlsx, name="plan-xlsx"),
    path("hearings/<int:pk>/protocol.docx", hearing_protocol, name="hearing-protocol"),
]
