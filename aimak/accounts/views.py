from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from aimak.audit.services import log_security_event
from aimak.core import scoping
from aimak.territories import selectors as territory_selectors

from . import services
from .forms import SignInForm
from .invitations import read_token
from .models import APIToken, Role, RoleAssignment
from .tokens import create_token, revoke_token
from .selectors import active_assignments, assignments_at

User = get_user_model()


def territory_or_404(code):
    territory = territory_selectors.by_code(code)
    if territory is None:
        from django.http import Http404

        raise Http404
    return territory


class RoleChoiceForm(forms.Form):
    role = forms.ModelChoiceField(label=gettext_lazy("Role"), queryset=Role.objects.exclude(code="public"))
    valid_to = forms.DateField(label=gettext_lazy("Valid until (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class GrantForm(RoleChoiceForm):
    user = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=User.objects.filter(is_active=True).order_by("last_name", "username"))


class InviteForm(RoleChoiceForm):
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150)
    position = forms.CharField(label=gettext_lazy("Position"), max_length=200, required=False)
    organisation = forms.CharField(label=gettext_lazy("Organisation"), max_length=300, required=False)
    preferred_language = forms.ChoiceField(label=gettext_lazy("Language of the invitation"), choices=[("ky", "Кыргызча"), ("ru", "Русский"), ("en", "English")])


class TerritoryAccessView(LoginRequiredMixin, View):
    """Who has access to a territory; people who manage users there grant, invite and end roles."""

    template_name = "accounts/territory_access.html"
    scope_model, scope_action = RoleAssignment, "manage_users"  # read by the permission matrix

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.territory = territory_or_404(kwargs["code"])
        if not scoping.allowed_within(request.user, "manage_users", RoleAssignment, self.territory):
            log_security_event("permission_refused", user=request.user, detail={"page": "access", "territory": self.territory.code})
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def grant_form(self, data=None):
        form = GrantForm(data, prefix="grant")
        visible = scoping.restrict(RoleAssignment.objects.all(), self.request.user, "manage_users")
        form.fields["user"].queryset = User.objects.filter(is_active=True).filter(
            Q(pk__in=visible.values("user")) | Q(assignments__isnull=True)
        ).distinct().order_by("last_name", "username")
        return form

    def render_page(self, grant_form=None, invite_form=None, status=200):
        return render(self.request, self.template_name, {
            "territory": self.territory,
            "assignments": assignments_at(self.territory),
            "below": scoping.restrict(RoleAssignment.objects.filter(territory__path__startswith=self.territory.path).exclude(territory=self.territory), self.request.user, "manage_users")
            .select_related("user", "role", "territory").order_by("territory__path")[:200],
            "grant_form": grant_form or self.grant_form(),
            "invite_form": invite_form or InviteForm(prefix="invite"),
        }, status=status)

    def get(self, request, code):
        return self.render_page()

    def post(self, request, code):
        action = request.POST.get("action")
        if action == "end":
            assignment = get_object_or_404(scoping.restrict(RoleAssignment.objects.all(), request.user, "manage_users"), pk=request.POST.get("assignment"))
            services.end_assignment(ended_by=request.user, assignment=assignment)
            messages.success(request, _("The role was ended."))
            return redirect(request.path)
        form = self.grant_form(request.POST) if action == "grant" else InviteForm(request.POST, prefix="invite")
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "grant":
                    services.assign_role(granted_by=request.user, user=data["user"], role=data["role"], territory=self.territory, valid_to=data["valid_to"])
                    messages.success(request, _("The role was granted."))
                else:
                    user, _assignment, _link = services.invite(
                        invited_by=request.user, email=data["email"], first_name=data["first_name"], last_name=data["last_name"],
                        role=data["role"], territory=self.territory, position=data["position"], organisation=data["organisation"],
                        preferred_language=data["preferred_language"], base_url=request.build_absolute_uri("/"),
                        valid_from=data.get("valid_from"), valid_to=data["valid_to"],
                    )
                    messages.success(request, _("An invitation was sent to %(email)s.") % {"email": user.email})
                return redirect(request.path)
            except PermissionDenied as exc:
                form.add_error("role", str(exc) or _("You cannot grant this role here."))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
        kwargs = {"grant_form": form} if action == "grant" else {"invite_form": form}
        return self.render_page(status=400, **kwargs)


class PeopleView(LoginRequiredMixin, TemplateView):
    """People holding roles in the territories the signed-in manager looks after."""

    template_name = "accounts/people.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = scoping.restrict(RoleAssignment.objects.all(), self.request.user, "manage_users")
        q = (self.request.GET.get("q") or "").strip()
        people = User.objects.filter(pk__in=visible.values("user"))
        if q:
            people = people.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(email__icontains=q))
        context.update(people=people.order_by("last_name", "username")[:500], q=q)
        return context


class PersonView(LoginRequiredMixin, View):
    """What a person can do where; deactivate (never delete); turn off their two-factor sign-in."""

    def get_person(self, pk):
        visible = scoping.restrict(RoleAssignment.objects.all(), self.request.user, "manage_users")
        person = get_object_or_404(User, pk=pk)
        if person != self.request.user and not self.request.user.is_superuser and not visible.filter(user=person).exists():
            from django.http import Http404

            raise Http404
        return person

    def get(self, request, pk):
        person = self.get_person(pk)
        may_manage, _reason = services.may_manage_person(request.user, person)
        return render(request, "accounts/person.html", {
            "person": person,
            "assignments": RoleAssignment.objects.filter(user=person).select_related("role", "territory", "granted_by").order_by("-valid_to", "territory__path"),
            "active": {a.pk for a in active_assignments(person)},
            "may_manage": may_manage and person != request.user,
        })

    def post(self, request, pk):
        person = self.get_person(pk)
        action = request.POST.get("action")
        try:
            if action == "deactivate":
                services.deactivate_user(by=request.user, user=person)
                messages.success(request, _("%(person)s can no longer sign in. Their history is kept.") % {"person": person})
            elif action == "reset_two_factor":
                services.reset_two_factor(by=request.user, user=person)
                messages.success(request, _("Two-factor sign-in is off for %(person)s. They sign in with their password alone and can turn it on again.") % {"person": person})
        except PermissionDenied as exc:  # refused and logged by the service; say why here
            messages.error(request, str(exc) or _("You cannot manage this person's account."))
        return redirect(reverse("accounts:person", args=[person.pk]))


class AcceptInvitationView(View):
    template_name = "accounts/accept_invitation.html"

    def get_user(self, token):
        try:
            return read_token(token), None
        except signing.SignatureExpired:
            return None, _("This invitation has expired. Ask the person who invited you for a new one.")
        except signing.BadSignature:
            return None, _("This invitation link is not valid or has already been used.")

    def get(self, request, token):
        user, error = self.get_user(token)
        if error:
            log_security_event("invitation", detail={"outcome": "refused", "reason": error})
            return render(request, self.template_name, {"error": error}, status=400)
        return render(request, self.template_name, {"form": SetPasswordForm(user), "invited": user})

    def post(self, request, token):
        user, error = self.get_user(token)
        if error:
            return render(request, self.template_name, {"error": error}, status=400)
        form = SetPasswordForm(user, request.POST)
        if form.is_valid():
            form.save()
            log_security_event("invitation", user=user, detail={"outcome": "accepted"})
            messages.success(request, _("Your password is set. Sign in with your user name %(username)s.") % {"username": user.username})
            return redirect("accounts:login")
        return render(request, self.template_name, {"form": form, "invited": user}, status=400)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = "/accounts/password-reset/sent/"

    def form_valid(self, form):
        log_security_event("password_reset", username=form.cleaned_data["email"], detail={"step": "requested"})
        return super().form_valid(form)


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("What the token is for"), max_length=100)
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=APIToken.Scope.choices)
    days = forms.IntegerField(label=gettext_lazy("Valid for (days)"), min_value=1, max_value=366, initial=90)


class TokensView(LoginRequiredMixin, View):
    """A person's own API tokens: create (the key is shown once), see, revoke."""

    template_name = "accounts/tokens.html"

    def render_page(self, form=None, new_key=None, status=200):
        return render(self.request, self.template_name, {
            "tokens": APIToken.objects.filter(user=self.request.user),
            "form": form or TokenForm(),
            "new_key": new_key,
            "now": timezone.now(),
        }, status=status)

    def get(self, request):
        return self.render_page()

    def post(self, request):
        if request.POST.get("action") == "revoke":
            token = get_object_or_404(APIToken, pk=request.POST.get("token"), user=request.user)
            revoke_token(by=request.user, token=token)
            messages.success(request, _("The token was revoked; programs using it can no longer connect."))
            return redirect("accounts:tokens")
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self.render_page(form=form, status=400)
        _token, key = create_token(user=request.user, **form.cleaned_data)
        return self.render_page(new_key=key)


PENDING = "aimak_pending_second_factor"


class SignInView(auth_views.LoginView):
    """Password first; people who turned on two-factor sign-in then give a one-time code."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if user.totp_enabled:
            self.request.session[PENDING] = {"user": user.pk, "backend": user.backend, "next": self.get_success_url()}
            return redirect("accounts:second-factor")
        return super().form_valid(form)


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code from your authenticator app"), max_length=8,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class SecondFactorView(View):
    template_name = "accounts/second_factor.html"

    def pending_user(self):
        pending = self.request.session.get(PENDING)
        return (User.objects.filter(pk=pending["user"], is_active=True).first(), pending) if pending else (None, None)

    def get(self, request):
        user, _pending = self.pending_user()
        if user is None:
            return redirect("accounts:login")
        return render(request, self.template_name, {"form": CodeForm()})

    def post(self, request):
        from django.contrib.auth import login

        user, pending = self.pending_user()
        if user is None:
            return redirect("accounts:login")
        form = CodeForm(request.POST)
        if SignInForm.is_locked(user.username):
            log_security_event("lockout", username=user.username)
            form.add_error(None, SignInForm.error_messages["locked"] % {"minutes": 15})
        elif form.is_valid() and services.verify_second_factor(user, form.cleaned_data["code"]):
            del request.session[PENDING]
            login(request, user, backend=pending["backend"])
            return redirect(pending.get("next") or "/")
        else:
            log_security_event("sign_in_failed", username=user.username, detail={"step": "second factor"})
            form.add_error("code", _("The code is not right, or was already used. Enter the code your app shows now."))
        return render(request, self.template_name, {"form": form}, status=400)


class TwoFactorView(LoginRequiredMixin, View):
    """Turn two-factor sign-in on (scan or type the key, confirm a code) or off."""

    template_name = "accounts/two_factor.html"
    SESSION_KEY = "aimak_new_totp_secret"

    def context(self, form=None):
        from . import totp

        user = self.request.user
        secret = None
        if not user.totp_enabled:
            secret = self.request.session.get(self.SESSION_KEY) or totp.new_secret()
            self.request.session[self.SESSION_KEY] = secret
        return {
            "enabled": user.totp_enabled,
            "secret": secret,
            "uri": totp.provisioning_uri(secret, user.username) if secret else "",
            "form": form or CodeForm(),
        }

    def get(self, request):
        return render(request, self.template_name, self.context())

    def post(self, request):
        form = CodeForm(request.POST)
        user = request.user
        if form.is_valid():
            code = form.cleaned_data["code"]
            if user.totp_enabled and services.disable_two_factor(user, code):
                messages.success(request, _("Two-factor sign-in is off."))
                return redirect("accounts:two-factor")
            if not user.totp_enabled and services.enable_two_factor(user, request.session.get(self.SESSION_KEY, ""), code):
                request.session.pop(self.SESSION_KEY, None)
                messages.success(request, _("Two-factor sign-in is on. From now on you will be asked for a code after your password."))
                return redirect("accounts:two-factor")
            form.add_error("code", _("The code is not right. Check the time on your phone and enter the code it shows now."))
        return render(request, self.template_name, self.context(form), status=400)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = "/accounts/password-reset/done/"

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and self.request.method == "GET" and kwargs.get("token") != self.reset_url_token:
            log_security_event("password_reset", detail={"step": "refused", "reason": "invalid or used link"})
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_password_set(user=form.user)  # also lifts a sign-in lockout
        return response


def csrf_failure(request, reason=""):
    """A forged or stale form: say so plainly, and log it."""
    log_security_event("permission_refused", user=getattr(request, "user", None), request=request, detail={"reason": "csrf", "path": request.path})
    return render(request, "accounts/csrf_failure.html", status=403)
