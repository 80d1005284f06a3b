"""Topics carry a name per language, and every page, form and API shows the
reader's."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from studygroups.forms import StudyGroupForm
from studygroups.models import Topic

from .factories import StudyGroupFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def topics():
    return [
        TopicFactory(name_es="Ciencia de datos", name_en="Data science", slug="data-science"),
        TopicFactory(name_es="Cálculo", name_en="Calculus", slug="calculo"),
        TopicFactory(name_es="Álgebra", name_en="Algebra", slug="algebra"),
    ]


def test_a_topic_is_named_in_the_active_language(topics):
    topic = topics[0]
    with translation.override("es"):
        assert (topic.name, str(topic)) == ("Ciencia de datos", "Ciencia de datos")
    with translation.override("en"):
        assert (topic.name, str(topic)) == ("Data science", "Data science")


def test_a_topic_without_a_name_in_one_language_shows_the_other():
    only_spanish = TopicFactory(name_es="Derecho", name_en="", slug="derecho")
    only_english = TopicFactory(name_es="", name_en="Law", slug="law")
    with translation.override("en"):
        assert only_spanish.name == "Derecho"
    with translation.override("es"):
        assert only_english.name == "Law"


def test_topics_come_in_the_alphabetical_order_of_the_readers_names(topics):
    with translation.override("es"):
        assert [t.name for t in Topic.objects.all()] == ["Álgebra", "Cálculo", "Ciencia de datos"]
    with translation.override("en"):
        assert [t.name for t in Topic.objects.all()] == ["Algebra", "Calculus", "Data science"]


def test_a_topic_needs_a_name_in_some_language():
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.create(name_es="", name_en="", slug="sin-nombre")
    with pytest.raises(ValidationError) as error:
        Topic(name_es="", name_en="", slug="sin-nombre").full_clean()
    assert error.value.messages == ["Dale al tema un nombre en español o en inglés."]


def test_two_topics_may_not_share_a_name_in_one_language_whatever_the_case(topics):
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.create(name_es="CÁLCULO", name_en="Calculus II", slug="calculo-2")
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.create(name_es="Cálculo II", name_en="calculus", slug="calculo-2")
    # Blank names do not collide with each other.
    TopicFactory(name_es="Derecho", name_en="", slug="derecho")
    TopicFactory(name_es="Economía", name_en="", slug="economia")


def test_the_group_forms_checkboxes_show_the_readers_names(topics):
    with translation.override("en"):
        labels = [label for _value, label in StudyGroupForm().fields["topics"].choices]
    assert labels == ["Algebra", "Calculus", "Data science"]


def test_the_group_page_lists_topics_in_the_readers_language(client, topics):
    group = StudyGroupFactory()
    group.topics.set(topics[:2])
    english = client.get(group.get_absolute_url(), headers={"accept_language": "en"})
    spanish = client.get(group.get_absolute_url(), headers={"accept_language": "es"})
    assert "<li>Calculus</li><li>Data science</li>" in english.content.decode()
    assert "<li>Cálculo</li><li>Ciencia de datos</li>" in spanish.content.decode()


def test_the_api_keeps_slugs_and_adds_names_in_the_requests_language(client, topics):
    group = StudyGroupFactory()
    group.topics.set(topics[:2])
    url = reverse("api:studygroup-detail", args=[group.pk])
    english = client.get(url, headers={"accept_language": "en"}).json()["properties"]
    spanish = client.get(url, headers={"accept_language": "es"}).json()["properties"]
    assert english["topics"] == spanish["topics"] == ["calculo", "data-science"]
    assert english["topic_names"] == ["Calculus", "Data science"]
    assert spanish["topic_names"] == ["Cálculo", "Ciencia de datos"]


def test_the_api_filters_groups_by_topic_slug(client, topics):
    tagged = StudyGroupFactory()
    tagged.topics.set([topics[0]])
    StudyGroupFactory()
    features = client.get(reverse("api:studygroup-list"), {"topic": "data-science"}).json()
    assert [f["id"] for f in features["features"]] == [tagged.pk]


def test_the_admin_finds_groups_by_topic_name_in_either_language(admin_client, topics):
    tagged = StudyGroupFactory(name="Semillero Uno")
    tagged.topics.set([topics[0]])
    StudyGroupFactory(name="Semillero Dos")
    url = reverse("admin:studygroups_studygroup_changelist")
    for query in ("Ciencia de datos", "Data science"):
        response = admin_client.get(url, {"q": query})
        assert [g.pk for g in response.context["cl"].result_list] == [tagged.pk], query


def test_the_admin_edits_both_names(admin_client, topics):
    topic = topics[1]
    url = reverse("admin:studygroups_topic_change", args=[topic.pk])
    response = admin_client.post(
        url, {"name_es": "Cálculo diferencial", "name_en": "Differential calculus",
              "slug": "calculo"}
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert (topic.name_es, topic.name_en) == ("Cálculo diferencial", "Differential calculus")


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_topics_both_names():
    executor = MigrationExecutor(connection)
    before = [("studygroups", "0009_join_policy_and_membership_status_database_defaults")]
    after = [("studygroups", "0010_topic_name_in_spanish_and_english")]
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("studygroups", "Topic")
        old.objects.create(name="Data Science", slug="data-science")
        old.objects.create(name="Cálculo", slug="calculo")
        old.objects.create(name="Topología", slug="topologia")
        executor.loader.build_graph()
        executor.migrate(after)
        new = executor.loader.project_state(after).apps.get_model("studygroups", "Topic")
        names = {t.slug: (t.name_es, t.name_en) for t in new.objects.all()}
    finally:
        call_command("migrate", verbosity=0)
    assert names == {
        "data-science": ("Ciencia de datos", "Data science"),
        "calculo": ("Cálculo", "Calculus"),
        "topologia": ("Topología", ""),
    }
