from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.ChangeLogView.as_view(), name="changes"),
    path("security/", views.SecurityLogView.as_view(), name="security"),
]
