"""Words for audit actions in templates (``audit/actions.py``)."""

from django import template

from asndigital.audit import actions

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return actions.label(action)


@register.filter
def action_to_employee(action: str) -> str:
    return actions.to_employee(action)
