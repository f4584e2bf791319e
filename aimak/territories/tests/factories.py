from aimak.core.testing import scoped_factory
from aimak.territories.models import TerritoryName


@scoped_factory("territories.territory")
def territory(place):
    return place


@scoped_factory("territories.territoryname")
def other_name(place):
    return TerritoryName.objects.create(territory=place, name=f"Test name of {place.code}", kind="variant")


@scoped_factory("territories.territoryversion")
def version(place):
    return place.versions.get(valid_to__isnull=True)
