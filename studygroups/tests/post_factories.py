import factory

from meetups.tests.factories import AttendeeFactory
from studygroups.posts import Post, Thread
from studygroups.tests.factories import StudyGroupFactory


class ThreadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Thread

    study_group = factory.SubFactory(StudyGroupFactory)


class PostFactory(factory.django.DjangoModelFactory):
    """A post written straight to the database (no rules, no emails): for
    building a thread to read; posting itself goes through post_create."""

    class Meta:
        model = Post

    thread = factory.SubFactory(ThreadFactory)
    author = factory.SubFactory(AttendeeFactory)
    body = factory.Sequence(lambda n: f"Mensaje {n}")
