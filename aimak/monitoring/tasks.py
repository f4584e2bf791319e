"""Background tasks of monitoring (django-tasks, database backend: ADR 0001)."""

from datetime import date

from django_tasks import task


@task()
def reconcile_index(period_type: str, period_start: str) -> None:
    from .services import analytics

    analytics.reconcile_index(period_type, date.fromisoformat(period_start))


def already_queued(task_obj, args: list) -> bool:
    """Is a run of ``task_obj`` with these arguments waiting to start? (Database backend only:
    a burst of submissions then queues one recompute, not one each.)"""
    from django.conf import settings

    if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
        return False
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.ready().filter(task_path=task_obj.module_path).values_list("args_kwargs", flat=True)
    return any((found or {}).get("args") == args for found in waiting[:100])
