from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-in/code/", views.SecondFactorView.as_view(), name="second-factor"),
    path("two-factor/", views.TwoFactorView.as_view(), name="two-factor"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("people/", views.PeopleView.as_view(), name="people"),
    path("tokens/", views.TokensView.as_view(), name="tokens"),
    path("people/<int:pk>/", views.PersonView.as_view(), name="person"),
    path("access/<str:code>/", views.TerritoryAccessView.as_view(), name="territory-access"),
    path("invitation/<str:token>/", views.AcceptInvitationView.as_view(), name="accept-invitation"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_done.html"), name="password_reset_complete"),
]
