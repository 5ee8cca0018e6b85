from dorgu.generation.labels import label_value
from dorgu.models.app import AppType, Component

from .builders import find, generate, settings


def test_every_object_carries_the_recommended_labels_team_and_owner():
    config = settings(app={"team": "Payments Team", "owner": "ana@example.com"}, environment="prod",
                      labels={"cost-center": "42"})  # fmt: skip
    result = generate(Component(name="shop", type=AppType.API), config=config)
    for resource in result.resources:
        labels = resource.manifest["metadata"]["labels"]  # type: ignore[index]
        assert labels["app.kubernetes.io/name"] == "shop"
        assert labels["app.kubernetes.io/instance"] == "shop-prod"
        assert labels["app.kubernetes.io/managed-by"] == "dorgu"
        assert labels["app.kubernetes.io/part-of"] == "shop"
        assert labels["app.kubernetes.io/component"] == "api"
        assert labels["dorgu.io/team"] == "Payments-Team"
        assert labels["cost-center"] == "42"
        assert resource.manifest["metadata"]["annotations"]["dorgu.io/owner"] == "ana@example.com"  # type: ignore[index]
    selector = find(result, "Deployment")["spec"]["selector"]["matchLabels"]  # type: ignore[index]
    assert set(selector) == {"app.kubernetes.io/name", "app.kubernetes.io/instance"}


def test_label_values_are_sanitised():
    assert label_value("-a b/c-") == "a-b-c"
    assert len(label_value("x" * 100)) == 63
