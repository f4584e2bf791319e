from django.contrib.auth import get_user_model
from django.db import transaction


def set_preferred_language(user, code: str) -> None:
    user.preferred_language = code
    user.save(update_fields=["preferred_language"])


@transaction.atomic
def ensure_user(username: str, password: str, *, superuser: bool = False, **fields):
    """Create the user, or reset the password and fields of an existing one (demo set-up)."""
    User = get_user_model()
    user, _created = User.objects.get_or_create(username=username, defaults=fields)
    for name, value in fields.items():
        setattr(user, name, value)
    user.is_staff = user.is_staff or superuser
    user.is_superuser = user.is_superuser or superuser
    user.set_password(password)
    user.save()
    return user
