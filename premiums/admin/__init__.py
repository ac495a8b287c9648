"""Staff pages for premium rates, payments, evidence, refunds and benefits, and what premiums
adds to the pages of the apps below it.

One module per model. Each model's admin is registered once, by the highest app that adds to
it; nothing is unregistered and registered again, so nothing depends on the order of
INSTALLED_APPS. The lower apps define the classes for their models and cannot import this app,
so the pages to which premiums adds are registered here, from subclasses:

- sponsorships (`donations.admin.SponsorshipAdmin`): the payments, the price of the next
  payment, the evidence, the import, saving through the coverage workflow and the stop action;
- donors (`donations.admin.DonorAdmin`): exporting and erasing a donor's personal data;
- donor requests (`donations.admin.DonorRequestAdmin`): the actions that answer them;
- recipients (`donations.admin.RecipientWithSponsorshipsAdmin`): the "BPJS card" filter;
- situation updates (`recipients.admin.SituationUpdateAdmin`): recording one tells the donors
  and works out refunds.

Whatever changes coverage goes through `premiums.services` (evidence received, verified or
rejected), so that paid-through, the lapse day and the donor's messages stay consistent.
"""

# The admin's autodiscover imports this package: importing the modules registers their pages.
# Plain imports: tests/test_import_graph.py reads "from premiums.admin import …" as the package
# importing itself.
import premiums.admin.benefits  # noqa: F401
import premiums.admin.contact  # noqa: F401
import premiums.admin.donor_requests  # noqa: F401
import premiums.admin.donors  # noqa: F401
import premiums.admin.evidence  # noqa: F401
import premiums.admin.payments  # noqa: F401
import premiums.admin.rates  # noqa: F401
import premiums.admin.recipients  # noqa: F401
import premiums.admin.refunds  # noqa: F401
import premiums.admin.situations  # noqa: F401
import premiums.admin.sponsorships  # noqa: F401
