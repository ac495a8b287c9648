"""The two kinds of BCC staff, as groups: coordinators and volunteers.

Coordinators may do everything in the program's apps (and manage staff accounts). Volunteers
hand cards over in the villages: they see recipients, donors, sponsorships and payments, record
cards, handovers with their photos and situation updates, and nothing more. They never see a
recipient's NIK, KK, date of birth, address or phone (the admin hides what needs
recipients.view_private_data), never export or import, never delete.

The lists are written out here, not imported from the apps, so that this migration does the
same on a fresh database whatever the code becomes later.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COORDINATOR = "Coordinator"
VOLUNTEER = "Volunteer"

COORDINATOR_APPS = ["recipients", "donations", "premiums", "auth"]

VOLUNTEER_PERMISSIONS = {
    "recipients": [
        "view_recipient",
        "view_bpjscard",
        "add_bpjscard",
        "change_bpjscard",
        "view_cardhandover",
        "add_cardhandover",
        "change_cardhandover",
        "view_handoverphoto",
        "add_handoverphoto",
        "change_handoverphoto",
        "view_situationupdate",
        "add_situationupdate",
        "change_situationupdate",
    ],
    "donations": ["view_donor", "view_sponsorship"],
    "premiums": ["view_premiumpayment"],
}


def create_staff_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    using = schema_editor.connection.alias if schema_editor else "default"

    # Django creates permissions after `migrate` (post_migrate); on a fresh database they do not
    # exist yet at this point, so they are created here first.
    # (The migration state's app configs have no models module: create_permissions needs one.)
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = models_module

    coordinator, _ = Group.objects.using(using).get_or_create(name=COORDINATOR)
    coordinator.permissions.add(
        *Permission.objects.using(using).filter(content_type__app_label__in=COORDINATOR_APPS)
    )

    volunteer, _ = Group.objects.using(using).get_or_create(name=VOLUNTEER)
    wanted = {
        (app_label, codename)
        for app_label, codenames in VOLUNTEER_PERMISSIONS.items()
        for codename in codenames
    }
    candidates = Permission.objects.using(using).filter(
        content_type__app_label__in=VOLUNTEER_PERMISSIONS,
        codename__in=[codename for _app_label, codename in wanted],
    )
    found = [p for p in candidates if (p.content_type.app_label, p.codename) in wanted]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        raise RuntimeError(f"Permissions missing for the Volunteer group: {sorted(missing)}")
    volunteer.permissions.set(found)


def remove_staff_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(
        name__in=[COORDINATOR, VOLUNTEER]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("recipients", "0003_private_data_and_import_export_permissions"),
        ("donations", "0004_import_export_permissions"),
        ("premiums", "0005_import_export_permissions"),
    ]

    operations = [migrations.RunPython(create_staff_groups, remove_staff_groups)]
