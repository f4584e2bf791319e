"""Test helpers shared by apps: how to make one row of a scoped model at a given territory.

Each app registers a maker for every model that declares ``territory_field`` in its
``tests/factories.py``; the permission matrix fails for a scoped model without one, so a new
module cannot forget to be checked."""

import importlib

from django.apps import apps

MAKERS: dict = {}


def scoped_factory(label: str):
    def register(fn):
        MAKERS[label] = fn
        return fn

    return register


def load_makers() -> dict:
    for config in apps.get_app_configs():
        if config.name.startswith("aimak."):
            try:
                importlib.import_module(f"{config.name}.tests.factories")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.tests.factories":
                    raise
    return MAKERS
