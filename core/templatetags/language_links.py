from django import template
from django.urls import translate_url

register = template.Library()


@register.simple_tag(takes_context=True)
def this_page_in(context, language):
    """The address of the current page in another language (/en/… ↔ /id/…).

    Plain links rather than a POST form, so that cached public pages carry no CSRF token.
    """
    request = context["request"]
    return translate_url(request.get_full_path(), language)
