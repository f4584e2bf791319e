from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aimak.core import scoping

from .models import Role, RoleAssignment

ALL = "*"
BUILTIN_ROLES = {
    # code: (names ky/ru/en, permissions)
    "municipal_staff": (("Муниципалдык кызматкер", "Муниципальный служащий", "Municipal staff"),
                        ["*:view", "*:create", "*:edit", "*:submit"]),
    "local_monitor": (("Жергиликтүү монитор", "Местный монитор", "Local monitor"),
                      ["*:view", "*:create", "*:edit", "*:submit"]),
    "district_coordinator": (("Райондук координатор", "Районный координатор", "District coordinator"),
                             ["*:view", "*:create", "*:edit", "*:submit", "*:review", "*:approve", "*:manage_users", "*:view_restricted"]),
    "oblast_coordinator": (("Облустук координатор", "Областной координатор", "Oblast coordinator"),
                           ["*:view", "*:create", "*:edit", "*:submit", "*:review", "*:approve", "*:manage_users", "*:view_restricted"]),
    "national_analyst": (("Улуттук аналитик", "Национальный аналитик", "National analyst"),
                         ["*:view", "*:review", "*:approve", "*:configure", "*:view_restricted"]),
    "national_administrator": (("Улуттук администратор", "Национальный администратор", "National administrator"),
                               [f"*:{a}" for a in scoping.ACTIONS]),
    "commission_member": (("Комиссиянын мүчөсү", "Член комиссии", "Commission member"), ["*:view", "*:review"]),
    "partner_organisation": (("Өнөктөш уюм", "Организация-партнёр", "Partner organisation"), ["*:view", "*:create", "*:edit"]),
    "public": (("Коомчулук (кирбеген колдонуучу)", "Общественность (без входа)", "Public (not signed in)"), ["*:view"]),
}


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


def sync_builtin_roles() -> None:
    """Create or refresh the built-in roles (their permissions follow the code)."""
    for code, ((ky, ru, en), permissions) in BUILTIN_ROLES.items():
        role, _created = Role.objects.get_or_create(code=code, defaults={"name_ru": ru, "is_builtin": True})
        role.name_ky, role.name_ru, role.name_en = ky, ru, en
        role.permissions, role.is_builtin = permissions, True
        role.save()


def check_dates(valid_from=None, valid_to=None) -> None:
    """A role's end must come after its start; without a start, after today (a role that has
    already ended would give nothing)."""
    if valid_to is None:
        return
    if valid_from and valid_to <= valid_from:
        raise ValidationError({"valid_to": _("The end date must be after the start date.")})
    if not valid_from and valid_to <= scoping.today():
        raise ValidationError({"valid_to": _("The end date must be after today.")})


def assign_role(*, granted_by, user, role: Role, territory, valid_from=None, valid_to=None) -> RoleAssignment:
    """Grant a role on a territory. Only someone who manages people at or above that
    territory may grant it, and never a role with more rights than their own there.
    (Not wrapped in a transaction: a refusal's security event must survive it.)"""
    if not scoping.allowed_within(granted_by, "manage_users", RoleAssignment, territory):
        from aimak.audit.services import log_security_event

        log_security_event("permission_refused", user=granted_by, detail={"action": "assign_role", "territory": territory.code, "role": role.code})
        raise PermissionDenied(_("You cannot grant roles on %(territory)s.") % {"territory": territory})
    if not granted_by.is_superuser:
        own = set()
        for a in active_assignments_for(granted_by):
            if territory.path.startswith(a.territory.path):
                own |= set(a.role.permissions)
        if not set(role.permissions) <= own:
            raise PermissionDenied(_("You cannot grant a role with more rights than your own."))
    check_dates(valid_from, valid_to)
    return RoleAssignment.objects.create(
        user=user, role=role, territory=territory, valid_from=valid_from, valid_to=valid_to, granted_by=granted_by
    )


def active_assignments_for(user):
    from .selectors import active_assignments

    return active_assignments(user)


@transaction.atomic
def end_assignment(*, ended_by, assignment: RoleAssignment, on=None) -> RoleAssignment:
    if not scoping.allowed_within(ended_by, "manage_users", RoleAssignment, assignment.territory):
        raise PermissionDenied
    assignment.valid_to = on or scoping.today()
    assignment.save(update_fields=["valid_to"])
    return assignment


def may_manage_person(by, user) -> tuple[bool, str]:
    """May ``by`` act on ``user``'s account (deactivate it, turn off its two-factor sign-in)?
    A superuser may; anyone else must manage people on every territory where ``user`` has a
    role in force. Returns (allowed, the reason when not)."""
    from .selectors import active_assignments

    if by is None or not by.is_authenticated or not by.is_active:
        return False, _("You cannot manage this person's account.")
    if by.is_superuser:
        return True, ""
    places = [a.territory for a in active_assignments(user)]
    if not places:
        return False, _("%(user)s has no role in force: only an administrator can manage this account.") % {"user": user}
    if not all(scoping.allowed_within(by, "manage_users", RoleAssignment, t) for t in places):
        return False, _("%(user)s also has roles outside your territory.") % {"user": user}
    return True, ""


def _require_may_manage(by, user, action: str) -> None:
    """Refuse (and record as a security event) an action on someone beyond ``by``'s reach."""
    allowed, reason = may_manage_person(by, user)
    if not allowed:
        from aimak.audit.services import log_security_event

        log_security_event("permission_refused", user=by, detail={"action": action, "person": user.get_username(), "reason": str(reason)})
        raise PermissionDenied(reason)


def deactivate_user(*, by, user) -> None:
    """People are never deleted: history keeps pointing at them."""
    _require_may_manage(by, user, "deactivate_user")
    user.is_active = False
    user.save(update_fields=["is_active"])


def invite(*, invited_by, email: str, first_name: str, last_name: str, role: Role, territory, position: str = "",
           organisation: str = "", preferred_language: str = "", base_url: str = "", valid_from=None, valid_to=None) -> tuple:
    """Create the person (without a password) and their role (with its dates), and e-mail a
    link to set a password."""
    from django.core.mail import send_mail
    from django.urls import reverse
    from django.utils import translation

    from aimak.audit.services import log_security_event

    from .invitations import INVITATION_DAYS, make_token

    User = get_user_model()
    check_dates(valid_from, valid_to)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Someone with this e-mail address already has an account.")})
    username = email.split("@")[0].lower()[:100]
    base, n = username, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}{n}"
    with transaction.atomic():
        user = User(username=username, email=email, first_name=first_name, last_name=last_name, position=position,
                    organisation=organisation, preferred_language=preferred_language)
        user.set_unusable_password()
        user.save()
        assignment = assign_role(granted_by=invited_by, user=user, role=role, territory=territory, valid_from=valid_from, valid_to=valid_to)
    link = base_url.rstrip("/") + reverse("accounts:accept-invitation", args=[make_token(user)])
    with translation.override(preferred_language or translation.get_language()):
        send_mail(
            _("Invitation to Aimak"),
            _("%(name)s invites you to Aimak as %(role)s for %(territory)s.\n\nChoose your password here (the link works for %(days)d days):\n%(link)s\n\nYour user name: %(username)s")
            % {"name": invited_by, "role": role, "territory": territory, "days": INVITATION_DAYS, "link": link, "username": username},
            None,
            [email],
        )
    log_security_event("invitation", user=invited_by, detail={"invited": username, "role": role.code, "territory": territory.code})
    return user, assignment, link


def verify_second_factor(user, code: str) -> bool:
    """Check a one-time code; a code is accepted once (replays are refused)."""
    from . import totp

    if not user.totp_secret:
        return False
    step = totp.matching_step(user.totp_secret, code)
    if step is None or step <= user.totp_last_step:
        return False
    user.totp_last_step = step
    user.save(update_fields=["totp_last_step"])
    return True


def enable_two_factor(user, secret: str, code: str) -> bool:
    from aimak.audit.services import log_security_event

    from . import totp

    step = totp.matching_step(secret, code)
    if step is None:
        return False
    user.totp_secret, user.totp_enabled, user.totp_last_step = secret, True, step
    user.save(update_fields=["totp_secret", "totp_enabled", "totp_last_step"])
    log_security_event("two_factor", user=user, detail={"outcome": "turned on"})
    return True


def disable_two_factor(user, code: str) -> bool:
    from aimak.audit.services import log_security_event

    if not verify_second_factor(user, code):
        return False
    user.totp_secret, user.totp_enabled = "", False
    user.save(update_fields=["totp_secret", "totp_enabled"])
    log_security_event("two_factor", user=user, detail={"outcome": "turned off"})
    return True


def reset_two_factor(*, by, user) -> None:
    """Turn off someone else's two-factor sign-in (they lost their phone), so that they sign
    in with their password alone and can turn it on again with a new device. Only a superuser,
    or someone who manages people on every territory where the person has a role, may do it.
    The change is in the change log (``totp_enabled``) and a security event."""
    from aimak.audit.services import log_security_event

    if by is not None and by.pk == user.pk:
        raise PermissionDenied(_("Turn off your own two-factor sign-in on the Two-factor page."))
    _require_may_manage(by, user, "reset_two_factor")
    user.totp_secret, user.totp_enabled, user.totp_last_step = "", False, 0
    user.save(update_fields=["totp_secret", "totp_enabled", "totp_last_step"])
    log_security_event("two_factor", user=by, username=user.get_username(),
                       detail={"outcome": "turned off by an administrator", "by": by.get_username()})


PASSWORD_SET_STEPS = ("completed", "set by administrator")  # password_reset events that lift a lockout


def record_password_set(*, user, by=None) -> None:
    """Record that ``user`` has a new password, chosen through a reset link or set by an
    administrator. The event lifts a sign-in lockout on the user name: failures before it no
    longer count (see ``forms.SignInForm.is_locked``)."""
    from aimak.audit.services import log_security_event

    if by is not None and by.pk != user.pk:
        log_security_event("password_reset", user=by, username=user.get_username(),
                           detail={"step": "set by administrator", "by": by.get_username()})
    else:
        log_security_event("password_reset", user=user, detail={"step": "completed"})
