"""Redaction of secrets from text: before anything is sent to an LLM provider, and before
Kubernetes messages are stored as incident evidence.

Replaces, in this order: private keys (PEM/OpenSSH/PGP blocks), credentials in URLs, JWTs,
well-known token formats (AWS, GCP, Azure, GitHub, GitLab, Slack, Stripe, OpenAI/Anthropic,
npm, SendGrid, Twilio, Hugging Face, Google OAuth), ``Bearer``/``Basic`` credentials, values of
secret-looking keys (``PASSWORD=``, ``"api_key": ...``, ``--token x``, ``AccountKey=`` in
connection strings), and finally high-entropy strings.  Each becomes ``[redacted:KIND]``.
Deliberately eager, like ``dorgu.analysis.secrets``: a false positive costs the model a hint,
a false negative leaks a credential.  Must not do I/O or keep what it removed.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from dorgu.formats.secrets import looks_secret
from dorgu.models.patterns import LazyPattern

_TOKENS: tuple[tuple[str, str], ...] = (
    (
        "private-key",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\Z)",
    ),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    ("aws-access-key", r"\b(AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[0-9A-Z]{16}\b"),
    ("gcp-api-key", r"\bAIza[0-9A-Za-z_-]{35}"),
    ("gcp-oauth-token", r"\bya29\.[0-9A-Za-z_-]{20,}"),
    ("github-token", r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),
    ("gitlab-token", r"\bgl(pat|dt|rt|ptt)-[A-Za-z0-9_-]{16,}"),
    ("slack-token", r"\bxox[abposre]-[A-Za-z0-9-]{10,}"),
    (
        "webhook-url",
        r"https://(hooks\.slack\.com/services|discord(app)?\.com/api/webhooks|[a-z0-9-]+\.webhook\.office\.com)/\S+",
    ),
    ("stripe-key", r"\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{16,}"),
    ("api-key", r"\bsk-(ant-|proj-|svcacct-)?[A-Za-z0-9_-]{20,}"),
    ("npm-token", r"\bnpm_[A-Za-z0-9]{30,}"),
    ("sendgrid-key", r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"),
    ("twilio-key", r"\b(AC|SK)[0-9a-f]{32}\b"),
    ("huggingface-token", r"\bhf_[A-Za-z0-9]{30,}"),
    ("azure-sas", r"(?<=[?&])sig=[A-Za-z0-9%/+=]{10,}"),
)
_URL_CREDENTIALS = LazyPattern(r"\b([a-z][a-z0-9+.-]*://)([^\s/@:]*:[^\s/@]+|[^\s/@:]{16,})@", re.I)
_AUTH_SCHEME = LazyPattern(r"\b(Bearer|Basic|Token|Digest)(\s+)[A-Za-z0-9._~+/=-]{8,}", re.I)
_FLAG = LazyPattern(
    r"(--?(?:password|passwd|pass|pwd|token|secret|api-?key|access-?key|auth|credentials?)"
    r"(?:=|\s+))(?!\[redacted)(\S+)",
    re.I,
)
_KEY = LazyPattern(r"(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)[\"']?\s*(?::|=>|=)\s*[\"']?")
_VALUE = LazyPattern(r"[^\s\"',;&}<>]*[^\s\"',;&}<>:]")
_NESTED_KEY = LazyPattern(r"[\"']?\s*(?::|=>|=)(\s|$)")
_CONNECTION_KEY = LazyPattern(r"(?i)^(AccountKey|SharedAccessKey|SharedAccessSignature|Pwd|sig)$")
_CANDIDATE = LazyPattern(r"[A-Za-z0-9+/=_-]{20,}")
_COMPILED = tuple((kind, LazyPattern(pattern, re.S)) for kind, pattern in _TOKENS)


def marker(kind: str) -> str:
    return f"[redacted:{kind}]"


def shannon_entropy(text: str) -> float:
    counts = Counter(text)
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


def looks_random(token: str) -> bool:
    """True for tokens that look like keys rather than words, paths or identifiers."""
    if token.startswith("/") or len(token) < 20:
        return False
    classes = sum(bool(re.search(pattern, token)) for pattern in (r"[a-z]", r"[A-Z]", r"[0-9]"))
    if classes < 2:
        return False
    if _class_switches(token) / len(token) < 0.15:  # words, CamelCase, kebab-case names
        return False
    return shannon_entropy(token) >= 3.0


def _class_switches(token: str) -> int:
    """Changes between lower, upper and digit inside runs (not Upper->lower, as in Words)."""
    switches = 0
    for left, right in itertools.pairwise(token):
        a, b = _class(left), _class(right)
        if a and b and a != b and not (a == "U" and b == "L"):
            switches += 1
    return switches


def _class(char: str) -> str:
    if char.islower():
        return "L"
    if char.isupper():
        return "U"
    return "D" if char.isdigit() else ""


@dataclass
class Redactor:
    """Callable redactor that counts what it replaced, by kind (never the values)."""

    counts: Counter[str] = field(default_factory=Counter)

    def __call__(self, text: str) -> str:
        for kind, pattern in _COMPILED:
            text = pattern.sub(self._replace(kind), text)
        text = _URL_CREDENTIALS.sub(self._keep(1, "url-credentials", "@"), text)
        text = _AUTH_SCHEME.sub(lambda m: self._count("credential", m.group(1) + m.group(2)), text)
        text = _FLAG.sub(self._keep(1, "secret-value"), text)
        text = self._assignments(text)
        return _CANDIDATE.sub(self._entropy, text)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def _count(self, kind: str, prefix: str = "", suffix: str = "") -> str:
        self.counts[kind] += 1
        return prefix + marker(kind) + suffix

    def _replace(self, kind: str) -> Callable[[re.Match[str]], str]:
        return lambda match: self._count(kind)

    def _keep(self, group: int, kind: str, suffix: str = "") -> Callable[[re.Match[str]], str]:
        return lambda match: self._count(kind, match.group(group), suffix)

    def _assignments(self, text: str) -> str:
        """Values of secret-looking keys (``PASSWORD=x``, ``"token": "x"``, ``AccountKey=x``);
        a value that is itself a key (``note: client_secret: x``) is left for its own turn."""
        parts: list[str] = []
        done = 0
        for match in _KEY.finditer(text):
            key = match.group("key")
            if match.start() < done or not _secret_key(key):
                continue
            value = _VALUE.match(text, match.end())
            if value is None or value.group(0).startswith("[redacted"):
                continue
            if _NESTED_KEY.match(text, value.end()):
                continue
            parts.append(text[done : match.end()])
            parts.append(self._count("secret-value"))
            done = value.end()
        parts.append(text[done:])
        return "".join(parts)

    def _entropy(self, match: re.Match[str]) -> str:
        token = match.group(0)
        return self._count("high-entropy") if looks_random(token) else token


def _secret_key(key: str) -> bool:
    return looks_secret(key.replace("-", "_").replace(".", "_")) or bool(_CONNECTION_KEY.match(key))


def redact_text(text: str) -> str:
    """``text`` with every secret-looking part replaced by ``[redacted:KIND]``."""
    return Redactor()(text)
