"""Applying: dates, eligibility, whose program, once per program, attachments."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from aimak.calls.models import Application, Call
from aimak.calls.services import applications as services
from aimak.core.scoping import today

pytestmark = pytest.mark.django_db
BARSKOON = "41702210815000"


def apply(people, call, program, territory, **kw):
    return services.apply(people["staff"], call, territory=territory(BARSKOON), subject=program, title=kw.get("title", "Ours"))


def test_staff_apply_submit_and_withdraw(call, people, program, territory):
    application = apply(people, call, program, territory)
    assert application.status == "draft" and application.subject == program and application.applicant_name
    services.submit(people["staff"], application)
    application.refresh_from_db()
    assert application.status == "submitted" and application.submitted_by == people["staff"]
    services.withdraw(people["staff"], application)
    assert Application.objects.get(pk=application.pk).status == "withdrawn"


def test_applications_outside_the_dates_are_refused(call, people, program, territory):
    Call.objects.filter(pk=call.pk).update(opens=today() + timedelta(days=1), closes=today() + timedelta(days=5), review_until=today() + timedelta(days=9))
    call.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        apply(people, call, program, territory)
    assert "Applications open on" in exc.value.message_dict["__all__"][0]
    Call.objects.filter(pk=call.pk).update(opens=today() - timedelta(days=9), closes=today() - timedelta(days=1))
    call.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        apply(people, call, program, territory)
    assert "Applications closed on" in exc.value.message_dict["__all__"][0]


def test_a_territory_outside_the_eligible_ones_is_refused(call, people, program, territory):
    call.eligible.set([territory("41703220000000")])  # only the Suzak rayon
    with pytest.raises(ValidationError) as exc:
        apply(people, call, program, territory)
    assert list(exc.value.message_dict) == ["territory"]


def test_staff_of_another_municipality_cannot_apply_for_it(call, people, program, territory):
    with pytest.raises(PermissionDenied):
        services.apply(people["suzak_staff"], call, territory=territory(BARSKOON), subject=program, title="Not ours")


def test_a_program_of_another_municipality_is_refused(call, people, suzak_program, territory):
    with pytest.raises(ValidationError) as exc:
        services.apply(people["staff"], call, territory=territory(BARSKOON), subject=suzak_program, title="Borrowed")
    assert list(exc.value.message_dict) == ["subject"]
    assert "belongs to" in exc.value.message_dict["subject"][0]


def test_one_application_per_program(call, people, program, territory):
    apply(people, call, program, territory)
    with pytest.raises(ValidationError) as exc:
        apply(people, call, program, territory, title="Again")
    assert list(exc.value.message_dict) == ["subject"]


def test_a_draft_call_takes_no_application(people, program, territory, members):
    from aimak.calls.services import calls

    draft = calls.create_call(people["analyst"], {"title": "Draft", "organiser": "M", "territory": territory("41700000000000"),
                                                  "eligible": [territory("41702000000000")], "opens": today(), "closes": today(),
                                                  "review_until": today()})
    with pytest.raises(ValidationError):
        apply(people, draft, program, territory)


@pytest.mark.parametrize("name, content, message", [
    ("plan.pdf", b"PK\x03\x04 not a pdf", "not a PDF file"),
    ("plan.exe", b"MZ\x90\x00", "Files of this type cannot be attached"),
    ("plan.docx", b"PK\x03\x04 a zip without a document inside", "not a DOCX file"),
    ("plan.docx", b"", "empty"),
    ("photo.png", b"\xff\xd8\xff\xe0 a jpeg", "not a PNG file"),
])
def test_attachments_are_checked_by_extension_and_content(call, people, program, territory, name, content, message):
    application = apply(people, call, program, territory)
    with pytest.raises(ValidationError) as exc:
        services.add_attachment(people["staff"], application, title="Plan", file=SimpleUploadedFile(name, content))
    assert list(exc.value.message_dict) == ["file"] and message in exc.value.message_dict["file"][0]


def test_an_oversized_attachment_is_refused(call, people, program, territory):
    application = apply(people, call, program, territory)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        services.add_attachment(people["staff"], application, title="Big", file=big)
    assert "larger than 10 MB" in exc.value.message_dict["file"][0]


def test_good_attachments_are_kept_with_their_type(call, people, program, territory, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    application = apply(people, call, program, territory)
    pdf = services.add_attachment(people["staff"], application, title="", file=SimpleUploadedFile("protocol.pdf", b"%PDF-1.4\n%%EOF"))
    import io

    from docx import Document

    buffer = io.BytesIO()
    Document().save(buffer)  # a real Word file: a zip that merely starts like one is refused
    docx = services.add_attachment(people["staff"], application, title="Plan", file=SimpleUploadedFile("plan.DOCX", buffer.getvalue()))
    assert (pdf.title, pdf.content_type, pdf.size) == ("protocol.pdf", "application/pdf", 14)
    assert docx.content_type.endswith("wordprocessingml.document")
