from django.apps import AppConfig


class BccSponsorConfig(AppConfig):
    name = "bcc_sponsor"
    verbose_name = "BCC Sponsor"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from bcc_sponsor import public_cache

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
            post_save.connect(public_cache.bump, sender=label, weak=False)
            post_delete.connect(public_cache.bump, sender=label, weak=False)
