"""Webhook certificate rotation decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509

from dorgu.operator.webhook.certificates import (
    Certificates,
    from_secret_data,
    renew,
    rotation_reason,
    to_secret_data,
)

NOW = datetime(2025, 6, 1, tzinfo=UTC)
HOSTS = ("dorgu.dorgu-system.svc", "127.0.0.1")


def test_missing_certificates_are_made_and_then_good() -> None:
    assert rotation_reason(None, hosts=HOSTS, now=NOW) == "missing"
    certs = renew(None, "missing", hosts=HOSTS, now=NOW)
    assert rotation_reason(certs, hosts=HOSTS, now=NOW) is None
    assert from_secret_data(to_secret_data(certs)) == certs


def test_serving_certificate_is_renewed_before_expiry_keeping_the_ca() -> None:
    certs = renew(None, "missing", hosts=HOSTS, now=NOW)
    later = NOW + timedelta(days=340)
    assert rotation_reason(certs, hosts=HOSTS, now=later) == "expiring"
    fresh = renew(certs, "expiring", hosts=HOSTS, now=later)
    assert fresh.ca_pem == certs.ca_pem and fresh.cert_pem != certs.cert_pem
    assert rotation_reason(fresh, hosts=HOSTS, now=later) is None


def test_new_host_names_trigger_a_new_serving_certificate() -> None:
    certs = renew(None, "missing", hosts=HOSTS, now=NOW)
    assert rotation_reason(certs, hosts=(*HOSTS, "other.svc"), now=NOW) == "hosts-changed"


def test_expiring_ca_is_replaced_and_the_bundle_trusts_both() -> None:
    certs = renew(None, "missing", hosts=HOSTS, now=NOW)
    late = NOW + timedelta(days=3650 - 100)
    assert rotation_reason(certs, hosts=HOSTS, now=late) == "ca-expiring"
    fresh = renew(certs, "ca-expiring", hosts=HOSTS, now=late)
    assert fresh.ca_pem != certs.ca_pem and fresh.previous_ca_pem == certs.ca_pem
    assert fresh.bundle(late) == fresh.ca_pem + certs.ca_pem
    assert fresh.bundle(NOW + timedelta(days=3700)) == fresh.ca_pem


def test_a_certificate_from_another_ca_or_garbage_is_replaced() -> None:
    a = renew(None, "missing", hosts=HOSTS, now=NOW)
    b = renew(None, "missing", hosts=HOSTS, now=NOW)
    mixed = Certificates(a.ca_pem, a.ca_key_pem, b.cert_pem, b.key_pem)
    assert rotation_reason(mixed, hosts=HOSTS, now=NOW) == "not-signed-by-ca"
    assert (
        rotation_reason(Certificates(b"x", b"y", b"z", b"w"), hosts=HOSTS, now=NOW) == "unreadable"
    )
    assert from_secret_data({"ca.crt": "!!"}) is None


def test_serving_certificate_names_its_hosts() -> None:
    certs = renew(None, "missing", hosts=HOSTS, now=NOW)
    cert = x509.load_pem_x509_certificate(certs.cert_pem)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["dorgu.dorgu-system.svc"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
