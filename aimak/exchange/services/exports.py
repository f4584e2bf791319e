"""Exports of any size: a person asks, a background task writes the file row by row (the
rows come from the database in chunks, the writers never hold them), and the page shows the
progress and then a download link. Only the person who asked (and superusers) may download.

The task runs *as its requester* (``acting_as``): the rows are exactly those their scope
lets them read on the pages, and the audit trail names them."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aimak.core.context import acting_as
from aimak.core.exports import write_csv, write_xlsx

from ..models import ExportJob
from ..selectors import dhis2 as dhis2_selectors
from ..selectors import exports as selectors
from . import dhis2 as dhis2_services

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 2000  # rows between two progress updates (one UPDATE each, not audited: it is not a change of substance)
FILTER_KEYS = ("form", "territory", "period_from", "period_to")

# A job whose worker died stays "queued" or "running" for ever unless someone gives up on it.
# A running job shows it is alive by its partial file, touched at every progress update (its
# modification time is the heartbeat); one silent for STALLED_AFTER has stopped. A queued job
# whose task is gone or has ended was lost; one still waiting after QUEUED_LIMIT has no worker.
STALLED_AFTER = timedelta(minutes=15)
QUEUED_WITHOUT_TASK_AFTER = timedelta(minutes=5)
QUEUED_LIMIT = timedelta(hours=24)
STOPPED_MESSAGE = gettext_lazy("The export stopped unexpectedly; ask for it again.")


def exports_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / settings.EXPORTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clean_parameters(user, kind: str, parameters: dict) -> tuple[dict, selectors.Filters]:
    """The filters as stored on the job, checked; ValidationError keyed by the field."""
    if kind not in dict(selectors.kinds_for(user)):
        raise ValidationError({"kind": _("This kind of export is not available to you.")})
    kept = {key: str(parameters.get(key) or "").strip() for key in FILTER_KEYS}
    try:
        filters = selectors.Filters.from_parameters(kept)
    except selectors.FilterError as exc:
        raise ValidationError({exc.field: str(exc)}) from None
    kept = {key: value for key, value in kept.items() if value}
    kept["language"] = parameters.get("language") or translation.get_language() or settings.LANGUAGE_CODE
    return kept, filters


def request_export(user, kind: str, parameters: dict) -> ExportJob:
    """Record the job and queue its task in one transaction (the database backend stores the
    task as a row, so there is never a job without its task or the reverse)."""
    from ..tasks import run_export_job

    parameters, _filters = clean_parameters(user, kind, parameters)
    with transaction.atomic():
        job = ExportJob.objects.create(requested_by=user, kind=kind, parameters=parameters)
        result = run_export_job.enqueue(job.pk)
        ExportJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def _counted(rows: Iterable, on_progress: Callable[[int], None]) -> Iterator:
    n, every = 0, PROGRESS_EVERY
    for row in rows:
        yield row
        n += 1
        if n % every == 0:
            on_progress(n)
    on_progress(n)


def write_export(kind: str, user, filters: selectors.Filters, path: Path, on_progress: Callable[[int], None] = lambda n: None) -> None:
    """Write one export to ``path``; the benchmark and the task both come here."""
    if kind == ExportJob.Kind.VALUES_CSV:
        write_csv(path, selectors.VALUES_HEADER, _counted(selectors.value_text_rows(user, filters), on_progress))
    elif kind == ExportJob.Kind.VALUES_XLSX:
        write_xlsx(path, selectors.VALUES_HEADER, _counted(selectors.value_rows(user, filters), on_progress), sheet_name="values")
    elif kind == ExportJob.Kind.DHIS2_CSV:
        write_csv(path, dhis2_services.CSV_HEADER, _counted(dhis2_selectors.export_csv_rows(user, filters.as_dhis2()), on_progress))
    elif kind == ExportJob.Kind.DHIS2_JSON:
        # The DHIS2 API's own writer, in batches of PROGRESS_EVERY values; each value object
        # starts with "dataElement" (quotes inside texts are escaped), so a batch counts itself.
        done = 0
        with open(path, "w", encoding="utf-8") as out:
            for piece in dhis2_selectors.export_json_chunks(user, filters.as_dhis2(), chunk=PROGRESS_EVERY):
                out.write(piece)
                found = piece.count('{"dataElement"')
                if found:
                    done += found
                    on_progress(done)
        on_progress(done)
    else:
        raise ValueError(f"unknown export kind {kind!r}")


def _percent(done: int, total: int | None) -> int:
    if not total:
        return 0
    return min(99, done * 100 // total)  # 100 only when the file is complete


def _partial_files(job_id: int) -> list[Path]:
    return list(exports_dir().glob(f"{job_id}-*.part"))


def _claim(job_id: int) -> ExportJob | None:
    """The job, now running, if it was waiting (locked, so that giving up on it cannot cross)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ExportJob.Status.QUEUED:
            return None
        user = job.requested_by
        with acting_as(user):
            job.status, job.started_at = ExportJob.Status.RUNNING, timezone.now()
            job.save(update_fields=["status", "started_at"])
    return job


def _still_running(job: ExportJob) -> bool:
    """Locks the job (inside a transaction) and says whether it is still this worker's."""
    current = ExportJob.objects.select_for_update().filter(pk=job.pk).values_list("status", flat=True).first()
    return current == ExportJob.Status.RUNNING


def run_export(job_id: int) -> str:
    """The background task's work. A job that is not waiting (already run, or retried) is left
    alone. Whatever fails is recorded on the job, and no partial file stays behind. A job
    given up meanwhile (``fail_stalled``) keeps its failure, and its file is not kept."""
    purge_expired()
    job = _claim(job_id)
    if job is None:
        return "skipped"
    user = job.requested_by
    language = job.parameters.get("language") or settings.LANGUAGE_CODE
    partial = final = None
    with acting_as(user), translation.override(language):
        try:
            name = f"{settings.EXPORTS_DIR}/{job.pk}-{secrets.token_hex(8)}.{job.extension}"
            final = Path(settings.MEDIA_ROOT) / name
            exports_dir()
            partial = final.with_suffix(final.suffix + ".part")
            partial.touch()  # the first heartbeat, before the count (which may take a while)
            filters = selectors.Filters.from_parameters(job.parameters)
            total = selectors.count(job.kind, user, filters)
            ExportJob.objects.filter(pk=job.pk).update(rows_total=total)

            def on_progress(done: int) -> None:
                ExportJob.objects.filter(pk=job.pk).update(rows_written=done, progress=_percent(done, total))
                partial.touch()  # the heartbeat (a writer may not touch the file before its end: XLSX)

            write_export(job.kind, user, filters, partial, on_progress)
            os.replace(partial, final)
            partial = None
            with transaction.atomic():
                if not _still_running(job):
                    final.unlink(missing_ok=True)
                    return "given up"
                job.refresh_from_db()
                now = timezone.now()
                job.status, job.file_path, job.size, job.progress = ExportJob.Status.DONE, name, final.stat().st_size, 100
                job.finished_at, job.expires_at = now, now + timedelta(days=settings.EXPORT_KEEP_DAYS)
                job.save()
        except Exception as exc:
            logger.exception("export %s failed", job.pk)
            if partial is not None:
                Path(partial).unlink(missing_ok=True)
            with transaction.atomic():
                if not _still_running(job):
                    return "given up"
                job.refresh_from_db()
                job.status, job.finished_at = ExportJob.Status.FAILED, timezone.now()
                job.error = (str(exc) or type(exc).__name__)[:2000]
                job.save()
            return "failed"
    return "done"


def _heartbeat(job: ExportJob):
    """When the job last showed it was alive: its start, or its partial file's last touch."""
    moments = [job.started_at or job.created_at]
    for path in _partial_files(job.pk):
        try:
            moments.append(datetime.fromtimestamp(path.stat().st_mtime, tz=dt_timezone.utc))
        except OSError:  # finished or removed meanwhile
            pass
    return max(moments)


def _task_state(job: ExportJob) -> tuple[str, datetime | None]:
    """The state of the job's task: "waiting", "running" (with when it started), "ended" (it
    finished or failed), "missing" or "unknown" (a backend that cannot tell, e.g. immediate)."""
    from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch

    from ..tasks import run_export_job

    if not job.task_id:
        return "missing", None
    try:
        result = run_export_job.get_result(job.task_id)
    except (TaskResultDoesNotExist, TaskResultMismatch):  # gone, or the id names another task
        return "missing", None
    except Exception:  # a backend that cannot tell (NotImplementedError), or a task row it cannot read
        return "unknown", None
    status = str(result.status)
    if status == "READY":
        return "waiting", None
    if status == "RUNNING":
        return "running", result.started_at
    return "ended", None


def _stopped(job: ExportJob, now) -> bool:
    """Whether the job will never finish: its worker died, its task is gone, or no worker came."""
    state, task_started = _task_state(job)
    if state == "ended":  # the task is over but did not finish the job
        return True
    if job.status == ExportJob.Status.RUNNING:
        return now - _heartbeat(job) > STALLED_AFTER
    if state == "missing" and now - job.created_at > QUEUED_WITHOUT_TASK_AFTER:
        return True
    if state == "running" and task_started and now - task_started > STALLED_AFTER:  # the worker died before taking the job
        return True
    return now - job.created_at > QUEUED_LIMIT


def fail_stalled(user=None, now=None) -> list[ExportJob]:
    """Mark as failed, with a message in the requester's language, the jobs (of ``user``, or
    all) that will never finish, and remove their partial files. Called when a person's list
    of exports is read and by ``aimak expire_exports``; returns the jobs marked."""
    now = now or timezone.now()
    active = ExportJob.objects.filter(status__in=(ExportJob.Status.QUEUED, ExportJob.Status.RUNNING))
    if user is not None:
        active = active.filter(requested_by=user)
    failed = []
    for candidate in active.select_related("requested_by"):
        if not _stopped(candidate, now):
            continue
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().filter(pk=candidate.pk).first()
            if job is None or job.status != candidate.status:  # it moved on meanwhile
                continue
            with translation.override(job.parameters.get("language") or settings.LANGUAGE_CODE):
                job.error = str(STOPPED_MESSAGE)
            job.status, job.finished_at = ExportJob.Status.FAILED, now
            job.save(update_fields=["status", "finished_at", "error"])
        for path in _partial_files(job.pk):
            path.unlink(missing_ok=True)
        logger.warning("export %s stopped unexpectedly (was %s); marked failed", job.pk, candidate.status)
        failed.append(job)
    return failed


def purge_partials() -> int:
    """Delete partial files no running job is writing (left by a worker that died)."""
    running = set(ExportJob.objects.filter(status=ExportJob.Status.RUNNING).values_list("pk", flat=True))
    count = 0
    for path in exports_dir().glob("*.part"):
        owner = path.name.split("-", 1)[0]
        if owner.isdigit() and int(owner) in running:
            continue
        path.unlink(missing_ok=True)
        count += 1
    return count


def purge_expired(now=None) -> int:
    """Delete the files of exports past their date; the job stays as a record, without file."""
    now = now or timezone.now()
    count = 0
    for job in ExportJob.objects.filter(expires_at__lt=now).exclude(file_path=""):
        (Path(settings.MEDIA_ROOT) / job.file_path).unlink(missing_ok=True)
        job.file_path = ""
        job.save(update_fields=["file_path"])
        count += 1
    return count


def file_of(job: ExportJob) -> Path | None:
    """The finished file, if it is still there and in date."""
    if job.status != ExportJob.Status.DONE or not job.file_path:
        return None
    if job.expires_at and job.expires_at < timezone.now():
        return None
    path = (Path(settings.MEDIA_ROOT) / job.file_path).resolve()
    if exports_dir().resolve() not in path.parents or not path.is_file():
        return None
    return path
