from django import template

from recipients.models import HandoverPhoto

register = template.Library()


@register.simple_tag
def consented_handover_photos(count: int = 3) -> list:
    """The newest handover photos that the people in them agreed to show publicly, one per
    handover at most `count` (one query), with the public fields of the recipient only."""
    photos = (
        HandoverPhoto.objects.filter(public_consent=True)
        .select_related("handover__card__recipient")
        .only(
            "id",
            "handover_id",
            "handover__handed_over_on",
            "handover__card__recipient__nickname",
            "handover__card__recipient__occupation",
            "handover__card__recipient__regency",
        )
        .order_by("-handover__handed_over_on", "-handover_id", "id")[: count * 4]
    )
    chosen, seen = [], set()
    for photo in photos:
        if photo.handover_id not in seen:
            seen.add(photo.handover_id)
            chosen.append(photo)
    return chosen[:count]
