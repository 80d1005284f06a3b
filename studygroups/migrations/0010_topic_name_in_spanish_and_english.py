"""Topics carry a name per language: name_es and name_en replace name.

Existing names were Spanish (or left in English where the demo had no
translation): they become name_es, and the demo's topics, recognised by slug,
get both real names.
"""

import django.db.models.functions.text
from django.db import migrations, models

import studygroups.models

# slug: (old name, Spanish, English), as fixtures/build_demo.py names them now.
DEMO_TOPICS = {
    "python": ("Python", "Python", "Python"),
    "matematicas": ("Matemáticas", "Matemáticas", "Mathematics"),
    "machine-learning": ("Machine Learning", "Aprendizaje automático", "Machine learning"),
    "calculo": ("Cálculo", "Cálculo", "Calculus"),
    "fisica": ("Física", "Física", "Physics"),
    "english-conversation": (
        "English conversation", "Conversación en inglés", "English conversation"
    ),
    "ingles": ("Inglés", "Inglés", "English"),
    "data-science": ("Data Science", "Ciencia de datos", "Data science"),
    "javascript": ("JavaScript", "JavaScript", "JavaScript"),
    "diseno-ux": ("Diseño UX", "Diseño UX", "UX design"),
    "historia": ("Historia", "Historia", "History"),
    "literatura": ("Literatura", "Literatura", "Literature"),
    "quimica": ("Química", "Química", "Chemistry"),
    "estadistica": ("Estadística", "Estadística", "Statistics"),
    "derecho": ("Derecho", "Derecho", "Law"),
    "economia": ("Economía", "Economía", "Economics"),
    "frances": ("Francés", "Francés", "French"),
    "algoritmos": ("Algoritmos", "Algoritmos", "Algorithms"),
    "filosofia": ("Filosofía", "Filosofía", "Philosophy"),
    "biologia": ("Biología", "Biología", "Biology"),
}


def split_names(apps, schema_editor):
    Topic = apps.get_model("studygroups", "Topic")
    for topic in Topic.objects.all():
        old, name_es, name_en = DEMO_TOPICS.get(topic.slug, (None, topic.name, ""))
        if old is not None and topic.name != old:
            # Renamed by someone since the demo was loaded: keep their name.
            name_es = topic.name
        topic.name_es, topic.name_en = name_es, name_en
        topic.save(update_fields=["name_es", "name_en"])


def join_names(apps, schema_editor):
    Topic = apps.get_model("studygroups", "Topic")
    for topic in Topic.objects.all():
        topic.name = topic.name_es or topic.name_en
        topic.save(update_fields=["name"])


class Migration(migrations.Migration):

    dependencies = [
        ("studygroups", "0009_join_policy_and_membership_status_database_defaults"),
    ]

    operations = [
        # Not unique while names move, so that the way back can fill it in.
        migrations.AlterField(
            model_name="topic",
            name="name",
            field=models.CharField(default="", max_length=80, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="topic",
            name="name_es",
            field=models.CharField(blank=True, max_length=80, verbose_name="name in Spanish"),
        ),
        migrations.AddField(
            model_name="topic",
            name="name_en",
            field=models.CharField(blank=True, max_length=80, verbose_name="name in English"),
        ),
        migrations.RunPython(split_names, join_names),
        migrations.RemoveField(model_name="topic", name="name"),
        migrations.AlterModelOptions(
            name="topic",
            options={
                "ordering": [studygroups.models.TopicName()],
                "verbose_name": "topic",
                "verbose_name_plural": "topics",
            },
        ),
        migrations.AddConstraint(
            model_name="topic",
            constraint=models.CheckConstraint(
                condition=~models.Q(name_es="") | ~models.Q(name_en=""),
                name="topic_has_a_name",
                violation_error_message="Give the topic a name in Spanish or English.",
            ),
        ),
        migrations.AddConstraint(
            model_name="topic",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name_es"),
                condition=~models.Q(name_es=""),
                name="topic_name_es_unique",
                violation_error_message="Another topic has this Spanish name.",
            ),
        ),
        migrations.AddConstraint(
            model_name="topic",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name_en"),
                condition=~models.Q(name_en=""),
                name="topic_name_en_unique",
                violation_error_message="Another topic has this English name.",
            ),
        ),
    ]
