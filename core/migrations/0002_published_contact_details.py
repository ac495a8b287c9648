"""BCC's published contact details as the first row; coordinators may edit them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def add_details(apps, schema_editor):
    ContactDetails = apps.get_model("core", "ContactDetails")
    if not ContactDetails.objects.exists():
        ContactDetails.objects.create()
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    # Permissions are created after `migrate` (post_migrate); on a fresh database not yet.
    app_config = apps.get_app_config("core")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    coordinator = Group.objects.filter(name="Coordinator").first()
    if coordinator is not None:
        coordinator.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="core",
                codename__in=["view_contactdetails", "change_contactdetails"],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_contact_details"),
        # The staff groups.
        ("premiums", "0006_staff_groups"),
    ]

    operations = [migrations.RunPython(add_details, migrations.RunPython.noop)]
