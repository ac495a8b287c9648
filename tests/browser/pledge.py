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
