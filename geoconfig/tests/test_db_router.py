"""The replica router's rules, in this process (no replica needed; routing
against a real one is proved in test_replica.py)."""

from contextlib import contextmanager

import pytest
from django.db import transaction

from geoconfig import db_router
from geoconfig.middleware import reading_from
from studygroups.models import StudyGroup


@contextmanager
def routed_to_replica():
    token = db_router.request_reads.set(db_router.RequestReads(db_router.REPLICA_DB_ALIAS))
    try:
        yield db_router.request_reads.get()
    finally:
        db_router.request_reads.reset(token)


@pytest.mark.django_db(transaction=True)
def test_reads_of_a_routed_request_go_to_the_replica_but_not_in_a_transaction():
    router = db_router.ReplicaRouter()
    assert router.db_for_read(StudyGroup) == "default"
    with routed_to_replica():
        assert router.db_for_read(StudyGroup) == "replica"
        with transaction.atomic():
            assert router.db_for_read(StudyGroup) == "default"
        assert router.db_for_read(StudyGroup) == "replica"


def test_after_a_write_the_rest_of_the_request_reads_the_primary():
    router = db_router.ReplicaRouter()
    with routed_to_replica() as reads:
        assert router.db_for_write(StudyGroup) == "default"
        assert reads.wrote
        assert router.db_for_read(StudyGroup) == "default"


def test_only_the_primary_is_migrated_and_relations_cross_aliases():
    router = db_router.ReplicaRouter()
    assert router.allow_migrate("default", "studygroups")
    assert not router.allow_migrate("replica", "studygroups")
    on_replica, on_primary = StudyGroup(), StudyGroup()
    on_replica._state.db, on_primary._state.db = "replica", "default"
    assert router.allow_relation(on_replica, on_primary)


def test_a_streamed_answer_reads_where_its_request_did_while_it_is_sent():
    router = db_router.ReplicaRouter()

    def rows():
        for _ in range(3):
            yield router.db_for_read(StudyGroup)

    with routed_to_replica() as reads:
        streamed = reading_from(reads, rows())
    # Sent after the middleware has returned, and read on the replica.
    assert db_router.request_reads.get() is None
    assert list(streamed) == ["replica"] * 3
    assert db_router.request_reads.get() is None
