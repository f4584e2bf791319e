from aimak.core.testing import scoped_factory

from ..models import Submission


@scoped_factory("exchange.submission")
def submission(place):
    return Submission.objects.create(channel="openrosa", instance_id=f"uuid:matrix-{place.pk}", payload="<data/>", territory=place)
