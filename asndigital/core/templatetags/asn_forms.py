"""The error summary at the top of a form (templates/forms/_summary.html)."""

from django import template

register = template.Library()


@register.filter
def error_summary(form) -> list[tuple[str, str]]:
    """(anchor of the field, message) for every problem of a bound form, in the fields' order;
    the anchor is empty for a problem of the whole form. A message that does not name its
    field gets the field's label in front, so the summary reads on its own."""
    items = [("", str(message)) for message in form.non_field_errors()]
    for field in form:
        if field.is_hidden:
            items += [("", str(message)) for message in field.errors]
            continue
        anchor = field.auto_id
        if field.use_fieldset:
            anchor = f"{field.auto_id}_0"  # the first choice: the link moves focus into the group
        # A checkbox's label is a sentence of its own ("Yes, replace..."): its message suffices.
        label = "" if field.widget_type == "checkbox" else str(field.label or "")
        for message in field.errors:
            text = str(message)
            named = not label or label.lower() in text.lower()
            items.append((anchor, text if named else f"{label}: {text}"))
    return items
