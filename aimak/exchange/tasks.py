"""Background tasks of the exchange (django-tasks, database backend: ADR 0001). A task takes
only the job's id; everything it needs is on the job, so a queued row survives restarts."""

from django_tasks import task


@task()
def run_export_job(job_id: int) -> str:
    from .services.exports import run_export

    return run_export(job_id)
