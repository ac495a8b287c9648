"""Who made a change, in the history, when no staff member did.

A row that a scheduled command writes has no user: the command records its own name as the
change's reason (`recorded_as_command`, or the prefix `<command>: ` that the bulk writers give
their reason), and the history shows "system (<command>)" as the one who changed it. A row a
donor's own page writes says "the donor"; anything else without a user, "system".
"""

import contextvars
import functools
import re

from django.core.management import get_commands
from django.dispatch import receiver
from django.utils.translation import gettext
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

DONOR = "donor"

_actor = contextvars.ContextVar("history_actor", default="")
_COMMAND = re.compile(r"\A([a-z][a-z0-9_]*)(?::|\Z)")


def recorded_as_command(handle):
    """Decorates a management command's `handle`: the history rows it writes without a user
    name the command (its module's name) as their reason."""

    @functools.wraps(handle)
    def wrapper(command, *args, **options):
        token = _actor.set(command.__module__.rpartition(".")[2])
        try:
            return handle(command, *args, **options)
        finally:
            _actor.reset(token)

    return wrapper


@receiver(pre_create_historical_record)
def name_the_actor(sender, history_instance, history_user=None, **kwargs):
    if history_user is not None or history_instance.history_change_reason:
        return
    if _actor.get():
        history_instance.history_change_reason = _actor.get()
        return
    request = getattr(HistoricalRecords.context, "request", None)
    if request is not None and not request.user.is_authenticated:
        history_instance.history_change_reason = DONOR


def actor_label(record) -> str:
    """Who made the change recorded in `record`, in words."""
    if record.history_user_id:
        return str(record.history_user)
    reason = record.history_change_reason or ""
    if reason == DONOR:
        return gettext("the donor")
    command = _command(reason)
    if command:
        return gettext("system (%(command)s)") % {"command": command}
    return gettext("system")


def reason_label(record) -> str:
    """The change's reason, without the actor markers that `actor_label` already shows."""
    reason = record.history_change_reason or ""
    if reason == DONOR or reason == _command(reason):
        return ""
    command = _command(reason)
    return reason.removeprefix(f"{command}: ") if command else reason


def _command(reason: str) -> str:
    """The management command a reason starts with (`lapse_sponsorships: …`), or ""."""
    match = _COMMAND.match(reason)
    return match.group(1) if match and match.group(1) in get_commands() else ""


def history_by(user, *rows):
    """Name `user` in the history entries the next saves of `rows` write.

    Within a staff request the history middleware does this; a service may also run from a
    command or a test, and the history must still say who acted.
    """
    if user is not None:
        for row in rows:
            row._history_user = user
