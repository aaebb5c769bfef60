from django.db import migrations

LEVELS = [
    (1, "Leader", "Leader", "#1b7f3b"),
    (2, "Supporter", "Appui", "#5aa02c"),
    (3, "Undecided", "Indécis", "#b8860b"),
    (4, "Opposed", "Opposé", "#c0502a"),
    (5, "Anti-union", "Antisyndical", "#8b1a1a"),
]


def create_levels(apps, schema_editor):
    AssessmentLevel = apps.get_model("campaigns", "AssessmentLevel")
    for value, en, fr, color in LEVELS:
        AssessmentLevel.objects.get_or_create(
            value=value, defaults={"label_en": en, "label_fr": fr, "color": color}
        )


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0002_initial")]
    operations = [migrations.RunPython(create_levels, migrations.RunPython.noop)]
