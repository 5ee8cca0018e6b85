from dorgu.analysis.catalog import backing_for_image, image_repository
from dorgu.models.app import DependencyType


def test_image_references_resolve_to_their_repository():
    assert image_repository("docker.io/library/postgres:16-alpine@sha256:abc") == "postgres"
    assert image_repository("bitnami/redis") == "redis"
    assert image_repository("localhost:5000/team/app:1") == "app"


def test_well_known_images_are_typed():
    pg = backing_for_image("postgres:16")
    assert pg is not None and pg.type is DependencyType.DATABASE and pg.port == 5432
    redis = backing_for_image("redis:7-alpine")
    assert redis is not None and redis.type is DependencyType.CACHE
    rabbit = backing_for_image("rabbitmq:3-management")
    assert rabbit is not None and rabbit.type is DependencyType.QUEUE
    assert backing_for_image("ghcr.io/acme/orders:1.2") is None
