from django.db import migrations


class Migration(migrations.Migration):
    """Order numbers ("SG-000123") come from their own sequence: unique, gap-tolerant, no extra write."""

    dependencies = [
        ("orders", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS orders_order_number_seq START 1",
            "DROP SEQUENCE IF EXISTS orders_order_number_seq",
        ),
    ]
