from django.apps import AppConfig


class BccSponsorConfig(AppConfig):
    name = "bcc_sponsor"
    verbose_name = "BCC Sponsor"

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import post_delete, post_save

        from bcc_sponsor.versions import PROGRAM_APPS, PROGRAM_DATA, PUBLIC_PAGES

        # Rows the public pages show: any change makes the cached pages stale.
        for label in [
            "recipients.Recipient",
            "recipients.CardHandover",
            "recipients.HandoverPhoto",
            "donations.Donor",
            "donations.Sponsorship",
            "premiums.PremiumPayment",
            "premiums.PremiumRate",
            "premiums.Benefit",
        ]:
            post_save.connect(PUBLIC_PAGES.bump, sender=label, weak=False)
            post_delete.connect(PUBLIC_PAGES.bump, sender=label, weak=False)
        # Any row of the program: the staff dashboard's figures and the donors' pages.
        for app in PROGRAM_APPS:
            for model in apps.get_app_config(app).get_models():
                post_save.connect(PROGRAM_DATA.bump, sender=model, weak=False)
                post_delete.connect(PROGRAM_DATA.bump, sender=model, weak=False)
