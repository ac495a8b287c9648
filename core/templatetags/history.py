from django import template

from core.history import actor_label, reason_label

register = template.Library()

register.filter("history_actor", actor_label)
register.filter("history_reason", reason_label)
