"""A check constraint's condition decided in Python, for a row not yet saved.

Django validates a model's check constraints with one database query each (and a savepoint
around each): the bulk of the time of a CSV import of payments. The conditions our check
constraints use are simple comparisons of a row's own fields, which Python can decide with the
database's three-valued logic; anything else is left to the database (`Undecided`).
"""

import operator

from django.db.models import F, Q

#: What a comparison with NULL gives in SQL: neither true nor false.
UNKNOWN = None

COMPARISONS = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


class Undecided(Exception):
    """The condition uses something this module does not decide: ask the database."""


def holds(condition: Q, instance) -> bool:
    """Whether a check constraint with this condition accepts the instance, as the database
    would: a condition that is true, or unknown because of a NULL, holds. Raises Undecided for
    a condition it cannot decide."""
    return _value(condition, instance) is not False


def _value(node, instance):
    if isinstance(node, Q):
        values = [_value(child, instance) for child in node.children]
        if node.connector == Q.AND:
            result = _all(values)
        elif node.connector == Q.OR:
            result = _any(values)
        else:
            raise Undecided(node.connector)
        return _not(result) if node.negated else result
    if isinstance(node, tuple) and len(node) == 2:
        return _lookup(*node, instance)
    raise Undecided(node)


def _lookup(path: str, wanted, instance):
    name, _, lookup = path.partition("__")
    lookup = lookup or "exact"
    value = _field_value(instance, name)
    if lookup == "isnull":
        if not isinstance(wanted, bool):
            raise Undecided(path)
        return (value is None) == wanted
    if lookup not in COMPARISONS:
        raise Undecided(path)
    if lookup == "exact" and wanted is None:  # Django writes it "IS NULL"
        return value is None
    if isinstance(wanted, F):
        wanted = _field_value(instance, wanted.name)
    elif hasattr(wanted, "resolve_expression"):
        raise Undecided(path)
    if value is None or wanted is None:
        return UNKNOWN
    try:
        return COMPARISONS[lookup](value, wanted)
    except TypeError:  # a value not yet of its field's type, such as text typed in a form
        raise Undecided(path) from None


def _field_value(instance, name):
    if "__" in name:
        raise Undecided(name)  # a related row's field
    field = instance._meta.pk if name == "pk" else instance._meta.get_field(name)
    if field.is_relation or not field.concrete:
        raise Undecided(name)
    return getattr(instance, field.attname)


def _all(values):
    if False in values:
        return False
    return UNKNOWN if UNKNOWN in values else True


def _any(values):
    if True in values:
        return True
    return UNKNOWN if UNKNOWN in values else False


def _not(value):
    return UNKNOWN if value is UNKNOWN else not value
