"""A static frontend whose copied nginx config listens on 8080: the generated container port
and probes follow the configuration (probes on ``/``)."""

from tests.analysis.test_frontend_servers import BUILD, SERVED, analyze

from .builders import container, find, generate


def test_the_generated_probes_use_root_on_the_configured_port():
    stage, name, config = SERVED["nginx"]
    _, web = analyze({"web/Dockerfile": BUILD + stage, f"web/{name}": config})
    spec = container(find(generate(web), "Deployment"))
    assert [p["containerPort"] for p in spec["ports"]] == [8080]
    for probe in ("readinessProbe", "livenessProbe"):
        assert spec[probe]["httpGet"]["path"] == "/"
