"""Claims for the two kinds of staff: coordinators may do everything; volunteers record a
claim and tick its documents, but neither see the scans nor mark a claim paid.

Written out here (not imported from the app) so that a fresh database gets the same whatever
the code becomes later. The groups themselves come from premiums 0006.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VOLUNTEER_PERMISSIONS = [
    "view_claim",
    "add_claim",
    "change_claim",
    "view_claimdocument",
    "add_claimdocument",
    "change_claimdocument",
]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    using = schema_editor.connection.alias if schema_editor else "default"
    for app_config in apps.get_app_configs():
        if app_config.label != "claims":
            continue
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = models_module
    permissions = Permission.objects.using(using).filter(content_type__app_label="claims")
    coordinator = Group.objects.using(using).filter(name="Coordinator").first()
    if coordinator:
        coordinator.permissions.add(*permissions)
    volunteer = Group.objects.using(using).filter(name="Volunteer").first()
    if volunteer:
        volunteer.permissions.add(*permissions.filter(codename__in=VOLUNTEER_PERMISSIONS))


def take_back(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(
        name__in=["Coordinator", "Volunteer"]
    ):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="claims"))


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_claims_and_documents"),
        ("premiums", "0006_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, take_back)]
