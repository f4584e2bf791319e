"""Makers for the permission matrix, and small builders the call tests share."""

from datetime import date

from django.core.files.base import ContentFile

from aimak.accounts.models import User
from aimak.core.testing import scoped_factory
from aimak.territories.selectors import by_code

from .. import models as m


def call(place, **fields):
    fields.setdefault("title", f"call at {place.code}")
    fields.setdefault("organiser", "Organiser")
    fields.setdefault("opens", date(2025, 6, 1))
    fields.setdefault("closes", date(2025, 7, 1))
    fields.setdefault("review_until", date(2025, 8, 1))
    return m.Call.objects.create(territory=place, **fields)


def application(place, the_call=None, **fields):
    fields.setdefault("title", f"application of {place.code}")
    return m.Application.objects.create(call=the_call or call(by_code("41700000000000")), territory=place, **fields)


def member(the_call, username=None):
    user = User.objects.create(username=username or f"member-{m.CommissionMember.objects.count()}-{the_call.pk}")
    return m.CommissionMember.objects.create(call=the_call, user=user)


scoped_factory("calls.call")(lambda place: call(place))
scoped_factory("calls.criterion")(lambda place: m.Criterion.objects.create(call=call(place), title="c"))
scoped_factory("calls.commissionmember")(lambda place: member(call(place)))
scoped_factory("calls.application")(lambda place: application(place))
scoped_factory("calls.attachment")(lambda place: m.Attachment.objects.create(application=application(place), title="a", file=ContentFile(b"x", name="a.pdf")))
scoped_factory("calls.declaration")(lambda place: (lambda a: m.Declaration.objects.create(application=a, member=member(a.call), has_conflict=False))(application(place)))
scoped_factory("calls.score")(lambda place: (lambda a: m.Score.objects.create(
    application=a, criterion=m.Criterion.objects.create(call=a.call, title="c"), member=member(a.call), value=3))(application(place)))
