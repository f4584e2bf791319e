"""Tables: the columns a list page shows and its exports write, declared once per model."""

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Column:
    header: Any  # a lazy translated string
    accessor: str | Callable  # attribute path ("parent.code") or a function of the row
    link: bool = False  # the cell links to the row's page

    def value(self, row):
        if callable(self.accessor):
            return self.accessor(row)
        value = row
        for part in self.accessor.split("."):
            value = getattr(value, part, None) if value is not None else None
            if callable(value) and not hasattr(value, "all"):
                value = value()
        return "" if value is None else value


def rows(objects, columns):
    for obj in objects:
        yield obj, [(column, column.value(obj)) for column in columns]
