from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import path
from django.views.generic import TemplateView


class ExchangeIndexView(LoginRequiredMixin, TemplateView):
    """Where each way in and out of Aimak is, in one place."""

    template_name = "exchange/index.html"


urlpatterns = [path("", ExchangeIndexView.as_view(), name="index")]
