"""Reading replies tolerantly: near-misses coerced, partial results kept, invalid parts dropped
with a warning, unknown fields ignored, free text cleaned."""

from hypothesis import given
from hypothesis import strategies as st

from dorgu.llm.coercing import read_enhancement
from dorgu.models.app import AppType, DependencyType
from dorgu.models.config import ResourceProfile


def component(**fields):
    return {"summary": None, "components": [{"name": "api", **fields}]}


def test_near_misses_are_coerced():
    raw = component(
        type={"value": "API", "confidence": "0.9", "reason": "routes"},
        resource_profile={"value": "Memory Heavy", "confidence": "80%", "reason": "cache"},
        dependencies=[{"name": "db", "type": "DB", "role": "orders", "confidence": 75}],
        probes={
            "kind": "Ready",
            "path": "healthz",
            "port": "8000",
            "confidence": 1,
            "reason": "route",
        },
        description="Serves orders.",
        risks="runs as root",
    )
    enhancement, notes = read_enhancement(raw)
    (c,) = enhancement.components
    assert c.type.value is AppType.API and c.type.confidence == 0.9
    assert c.resource_profile.value is ResourceProfile.MEMORY_HEAVY
    assert c.resource_profile.confidence == 0.8
    assert c.dependencies[0].type is DependencyType.DATABASE
    assert c.dependencies[0].confidence == 0.75
    assert (c.probes[0].kind, c.probes[0].path, c.probes[0].port) == ("readiness", "/healthz", 8000)
    assert c.description.value == "Serves orders."
    assert c.risks == ["runs as root"]
    assert notes == []


def test_invalid_parts_are_dropped_with_warnings_and_the_rest_kept():
    raw = component(
        type={"value": "banana", "confidence": 0.5, "reason": "?"},
        description={"value": "Order service", "confidence": 0.7, "reason": "readme"},
        probes=[
            {"kind": "liveness", "path": "/healthz", "port": 70000, "confidence": 1, "reason": "x"},
            {"kind": "readiness", "path": "/ready", "port": None, "confidence": 1, "reason": "x"},
        ],
        dependencies=["not an object"],
    )
    enhancement, notes = read_enhancement(raw)
    (c,) = enhancement.components
    assert c.type is None
    assert c.description.value == "Order service"
    assert [p.path for p in c.probes] == ["/ready"]
    assert c.dependencies == []
    messages = [n.message for n in notes]
    assert any("type" in m and "dropped" in m for m in messages)
    assert any("probe 0" in m for m in messages)
    assert all(n.code == "llm.reply" for n in notes)


def test_components_without_a_name_are_dropped():
    enhancement, notes = read_enhancement({"components": [{"type": "api"}, "junk"]})
    assert enhancement.components == []
    assert len(notes) == 2


def test_unknown_fields_are_ignored_with_a_note():
    enhancement, notes = read_enhancement(
        {"namespace": "kube-system", "components": [{"name": "a", "privileged": True}]}
    )
    assert enhancement.components[0].name == "a"
    assert {n.severity.value for n in notes} == {"info"}
    assert "namespace" in notes[0].message


def test_free_text_loses_links_markup_controls_and_secrets():
    raw = {
        "summary": {
            "value": "Shop\x1b[31m API ![i](http://x.io/p.png) <b>bold</b> see https://evil.example/a?b "
            "password=hunter2 \u202egnp.exe",
            "confidence": 0.5,
            "reason": "x",
        }
    }
    enhancement, _ = read_enhancement(raw)
    text = enhancement.summary.value
    assert "http" not in text and "<b>" not in text and "\x1b" not in text and "\u202e" not in text
    assert "hunter2" not in text
    assert "[link removed]" in text


def test_text_is_not_mistaken_for_an_enum():
    enhancement, _ = read_enhancement(
        {"summary": {"value": "Service", "confidence": 0.5, "reason": ""}}
    )
    assert enhancement.summary.value == "Service"


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "name",
                        "type",
                        "value",
                        "components",
                        "probes",
                        "confidence",
                        "summary",
                        "path",
                        "risks",
                    ]
                )
                | st.text(max_size=8),
                children,
                max_size=5,
            )
        ),
        max_leaves=30,
    )
)
def test_junk_never_crashes(raw):
    enhancement, notes = read_enhancement(raw)
    assert enhancement is not None
    assert isinstance(notes, list)
