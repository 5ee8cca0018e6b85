from __future__ import annotations

import base64

import yaml

from dorgu.devcluster.kubeconfigs import render_kubeconfig


def test_kubeconfig_embeds_ca_and_client_certificate() -> None:
    document = yaml.safe_load(
        render_kubeconfig(
            server="https://127.0.0.1:1234", ca_pem=b"CA", user="me", cert_pem=b"C", key_pem=b"K"
        )
    )

    cluster = document["clusters"][0]["cluster"]
    assert cluster["server"] == "https://127.0.0.1:1234"
    assert base64.b64decode(cluster["certificate-authority-data"]) == b"CA"
    user = document["users"][0]["user"]
    assert base64.b64decode(user["client-certificate-data"]) == b"C"
    assert document["current-context"] == document["contexts"][0]["name"]


def test_kubeconfig_with_a_token() -> None:
    document = yaml.safe_load(
        render_kubeconfig(server="https://h", ca_pem=b"CA", user="sa", token="abc")
    )
    assert document["users"][0]["user"] == {"token": "abc"}
