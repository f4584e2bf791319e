"""Annex uploads: the type is judged by extension and content, the size by the edition's rule,
and only people who may edit the program (or present it, for the resolution scan) attach."""

import io
import zipfile

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from aimak.programs.models import Annex, ProgramStep
from aimak.programs.services.annexes import add_annex, remove_annex

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def upload(name, content):
    return SimpleUploadedFile(name, content)


def docx_bytes(with_word=True):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml" if with_word else "other/thing.xml", "<w:document/>")
    return buffer.getvalue()


def test_a_pdf_is_attached_with_its_type_and_size(program, people):
    annex = add_annex(people["staff"], program, kind=Annex.Kind.PROFILE, title="Паспорт", file=upload("passport.pdf", PDF))
    assert annex.content_type == "application/pdf"
    assert annex.size == len(PDF)
    assert annex.uploaded_by == people["staff"]
    assert annex.file.read() == PDF


def test_a_real_docx_is_accepted_and_a_zip_without_word_is_not(program, people):
    annex = add_annex(people["staff"], program, kind=Annex.Kind.OTHER, title="Протокол", file=upload("p.docx", docx_bytes()))
    assert annex.content_type.endswith("wordprocessingml.document")
    with pytest.raises(ValidationError) as exc:
        add_annex(people["staff"], program, kind=Annex.Kind.OTHER, title="Протокол", file=upload("p.docx", docx_bytes(with_word=False)))
    assert "not a DOCX file" in exc.value.message_dict["file"][0]


def test_a_web_page_renamed_to_pdf_is_refused_by_its_content(program, people):
    with pytest.raises(ValidationError) as exc:
        add_annex(people["staff"], program, kind=Annex.Kind.OTHER, title="x", file=upload("scan.pdf", b"<html><script>x</script></html>"))
    assert "not a PDF file" in exc.value.message_dict["file"][0]
    # a PNG named .jpg is not a JPEG either
    with pytest.raises(ValidationError):
        add_annex(people["staff"], program, kind=Annex.Kind.PHOTO, title="x", file=upload("photo.jpg", PNG))
    assert not Annex.objects.exists()


def test_a_type_the_edition_does_not_allow_is_refused(program, people):
    with pytest.raises(ValidationError) as exc:
        add_annex(people["staff"], program, kind=Annex.Kind.OTHER, title="x", file=upload("tool.exe", b"MZ\x90\x00"))
    assert "Allowed: PDF" in exc.value.message_dict["file"][0]


def test_an_oversized_file_is_refused_naming_the_limit_in_mb(program, people):
    edition = program.edition
    edition.template = {**edition.template, "annexes": {"max_bytes": 1024 * 1024, "types": ["pdf"]}}
    edition.save()
    program.refresh_from_db()
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError) as exc:
        add_annex(people["staff"], program, kind=Annex.Kind.OTHER, title="x", file=upload("big.pdf", big))
    assert "larger than 1 MB" in exc.value.message_dict["file"][0]


def test_an_empty_file_and_a_missing_title_are_refused_on_their_fields(program, people):
    with pytest.raises(ValidationError) as exc:
        add_annex(people["staff"], program, kind=Annex.Kind.OTHER, title=" ", file=upload("empty.pdf", b""))
    assert exc.value.message_dict["file"] == ["The file is empty."]
    assert "title" in exc.value.message_dict


def test_staff_of_another_municipality_and_a_commission_member_may_not_attach(program, people):
    for who in ("suzak_staff", "commission"):
        with pytest.raises(PermissionDenied):
            add_annex(people[who], program, kind=Annex.Kind.OTHER, title="x", file=upload("a.pdf", PDF))


def test_removing_an_annex_and_keeping_one_the_history_points_at(program, people):
    annex = add_annex(people["staff"], program, kind=Annex.Kind.OTHER, title="x", file=upload("a.pdf", PDF))
    remove_annex(people["staff"], annex)
    assert not Annex.objects.filter(pk=annex.pk).exists()
    kept = add_annex(people["staff"], program, kind=Annex.Kind.WORKING_GROUP_ORDER, title="order", file=upload("o.pdf", PDF))
    ProgramStep.objects.create(program=program, step="note", stage=program.stage, date=program.created_at.date(), annex=kept)
    with pytest.raises(ValidationError) as exc:
        remove_annex(people["staff"], kept)
    assert "history" in exc.value.message_dict["file"][0]
    with pytest.raises(PermissionDenied):
        remove_annex(people["suzak_staff"], kept)


def test_annex_files_are_served_to_those_who_may_see_them(client, program, people):
    annex = add_annex(people["staff"], program, kind=Annex.Kind.PROFILE, title="p", file=upload("p.pdf", PDF))
    url = f"/programs/annexes/{annex.pk}/"
    assert client.get(url).status_code == 404  # a draft's annex is not public
    client.force_login(people["suzak_staff"])
    assert client.get(url).status_code == 404
    client.force_login(people["staff"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # signing out forgets the language
    type(program).objects.filter(pk=program.pk).update(stage="approved")
    assert client.get(url).status_code == 200  # approved programs are public, with their annexes
