import django.contrib.gis.db.models.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
import places.functions
from django.db import migrations, models


class Migration(migrations.Migration):
    """Localities: the neighbourhoods and campuses of places/data/localities.csv,
    each with its names, trigram indexed like CityName."""

    dependencies = [
        ('places', '0003_load_geonames_cities'),
    ]

    operations = [
        migrations.CreateModel(
            name='Locality',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.SlugField(help_text='Its row in places/data/localities.csv, e.g. chapinero-bogota.', max_length=100, unique=True, verbose_name='key')),
                ('kind', models.CharField(choices=[('neighbourhood', 'neighbourhood'), ('campus', 'campus')], max_length=20, verbose_name='kind')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('location', django.contrib.gis.db.models.fields.PointField(geography=True, srid=4326, verbose_name='location')),
                ('city', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='localities', to='places.city', to_field='geonameid', verbose_name='city')),
            ],
            options={
                'verbose_name': 'locality',
                'verbose_name_plural': 'localities',
                'ordering': ['key'],
            },
        ),
        migrations.CreateModel(
            name='LocalityName',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('locality', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='names', to='places.locality', verbose_name='locality')),
            ],
            options={
                'verbose_name': 'locality name',
                'verbose_name_plural': 'locality names',
            },
        ),
        migrations.AddConstraint(
            model_name='locality',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['neighbourhood', 'campus'])), name='locality_kind_valid'),
        ),
        migrations.AddIndex(
            model_name='localityname',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(places.functions.Unaccented('name'), name='gin_trgm_ops'), name='localityname_name_trgm'),
        ),
    ]
