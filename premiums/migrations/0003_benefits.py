"""The insurance benefits as BCC publishes them (SPEC §3); staff edit them in the admin."""

from django.db import migrations

BENEFITS = [
    (
        "Death benefit (JKM)",
        "Santunan kematian (JKM)",
        "Rp 42 million paid to the heirs when the worker dies, whatever the cause.",
        "Rp 42 juta dibayarkan kepada ahli waris bila pekerja meninggal dunia, apa pun sebabnya.",
    ),
    (
        "Scholarships for children",
        "Beasiswa untuk anak",
        "After three years of contributions, scholarships for up to two children.",
        "Setelah tiga tahun iuran, beasiswa untuk paling banyak dua anak.",
    ),
    (
        "Work-accident care (JKK)",
        "Perawatan kecelakaan kerja (JKK)",
        "Medical care for a work accident without a cost ceiling, and income while unable to work.",
        "Perawatan medis akibat kecelakaan kerja tanpa batas biaya, dan penghasilan selama tidak "
        "mampu bekerja.",
    ),
    (
        "Death from a work accident",
        "Meninggal akibat kecelakaan kerja",
        "48 times the declared monthly income, paid to the heirs.",
        "48 kali penghasilan bulanan yang dilaporkan, dibayarkan kepada ahli waris.",
    ),
]


def add_benefits(apps, schema_editor):
    Benefit = apps.get_model("premiums", "Benefit")
    if Benefit.objects.exists():
        return
    for order, (title, title_id, text, text_id) in enumerate(BENEFITS):
        Benefit.objects.create(
            title=title, title_id=title_id, text=text, text_id=text_id, order=order
        )


class Migration(migrations.Migration):
    dependencies = [("premiums", "0002_payment_periods_never_overlap")]

    operations = [migrations.RunPython(add_benefits, migrations.RunPython.noop)]
