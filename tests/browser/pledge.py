"""The pledge form filled in a real browser, as a donor fills it."""


def fill_pledge_form(page, *, email="ayu@example.org", language="en", first_month=None):
    """Every field, found by its id (the labels are in the page's language); the first month
    offered unless `first_month` is given."""
    page.locator("#id_full_name").fill("Ayu Lestari")
    page.locator("#id_display_name").fill("A.L.")
    page.locator("#id_listed_publicly").check()
    page.locator("#id_email").fill(email)
    page.locator("#id_phone").fill("0813 3800 1234")
    page.locator("#id_country").select_option("ID")
    page.locator("#id_language").select_option(language)
    if first_month:
        page.locator("#id_first_month").select_option(first_month)
    page.locator("#id_years").select_option("1")
    page.locator("input[name=route][value=direct]").check()


def fill_pledge_form_by_labels(page, *, country, route_label, years_label, email):
    """The pledge form filled as a person does: each field found by its visible label, in the
    page's language. The preferred language is left as the page offers it."""
    from django.utils.text import capfirst
    from django.utils.translation import gettext

    page.get_by_label(capfirst(gettext("full name"))).fill("Ayu Lestari")
    page.get_by_label(capfirst(gettext("name or initials shown on the website"))).fill("A.L.")
    page.get_by_label(capfirst(gettext("agrees to be listed publicly"))).check()
    page.get_by_label(capfirst(gettext("email")), exact=False).first.fill(email)
    page.get_by_label(gettext("WhatsApp/Line number")).fill("0813 3800 1234")
    page.get_by_label(capfirst(gettext("country"))).select_option(label=country)
    page.get_by_label(gettext("Duration")).select_option(label=years_label)
    page.get_by_label(route_label, exact=True).check()
