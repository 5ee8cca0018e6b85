"""A corpus of secret patterns, and a repository fixture that hides them everywhere.

Every value here is fake but shaped like the real thing.  ``SECRETS`` maps a name to the
secret text that must never reach a provider; ``CONTEXTS`` shows each in the places secrets
really turn up (env files, commands, URLs, READMEs, JSON, connection strings).
"""

from pathlib import Path

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----"
)
OPENSSH = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "-----END OPENSSH PRIVATE KEY-----"
)
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)

SECRETS: dict[str, str] = {
    "aws-access-key": "AKIAIOSFODNN7EXAMPLE",
    "aws-secret-key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "aws-session-token-id": "ASIAY34FZKBOKMUTVV7A",
    "gcp-api-key": "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
    "gcp-oauth": "ya29.a0AfH6SMBx3jkLqW8vNzT0pQrS1uVw2XyZ4aBcDeFgHiJkLmN",
    "gcp-service-account-key-id": "5c4b3a29d8e7f6a1b2c3d4e5f60718293a4b5c6d",
    "azure-storage-key": "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A=",
    "azure-sas-sig": "sig=r8Hq%2FzK3vX9mN2pL5tW7yB4cD6eF8gH0jK1lM3nO5pQ%3D",
    "azure-client-secret": "Q~8Xq7ZkL2mN5pR9tV3wY6bD1fH4jK0sU",
    "github-pat": "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "github-fine-grained": "github_pat_11ABCDEFG0abcdefghijkl_MNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuv",
    "gitlab-pat": "glpat-xR4nd0mT0k3nV4lu3zz9",
    "slack-bot": "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "slack-webhook": "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "stripe-live": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "openai-key": "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
    "anthropic-key": "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "npm-token": "npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "sendgrid": "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",
    "twilio": "SK0123456789abcdef0123456789abcdef",
    "huggingface": "hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567",
    "jwt": JWT,
    "pem-private-key": "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    "openssh-private-key": "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
    "url-password": "Tr0ub4dor-and-3",
    "mongo-password": "m0ng0-s3cr3t-pw",
    "redis-password": "r3d1s-pa55",
    "sqlserver-password": "P@ssw0rd!2024x",
    "plain-password": "hunter2-very-secret",
    "bearer-token": "abcDEF123ghiJKL456mnoPQR789",
    "basic-auth": "dXNlcjpzM2NyM3QtcGFzc3dvcmQ=",
    "cli-flag-token": "flag-t0k3n-9x8y7z",
    "json-api-key": "json-k3y-value-5q6r",
    "yaml-secret": "yaml-s3cret-value-77",
    "hex-secret": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "base64-blob": "c2VjcmV0LWJsb2ItdGhhdC1zaG91bGQtbmV2ZXItbGVhdmU=",
    "env-value": "value-only-in-env-1234",
}

CONTEXTS: dict[str, str] = {
    "aws-access-key": "export AWS_ACCESS_KEY_ID={}",
    "aws-secret-key": "aws configure set region eu-west-1 # key {}",
    "aws-session-token-id": "creds: {}",
    "gcp-api-key": "maps key {} in the frontend",
    "gcp-oauth": "curl -H 'X-Goog: {}' https://storage.googleapis.com",
    "gcp-service-account-key-id": '{{"type": "service_account", "private_key_id": "{}"}}',
    "azure-storage-key": "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={};EndpointSuffix=core.windows.net",
    "azure-sas-sig": "https://acme.blob.core.windows.net/c?sv=2022-11-02&ss=b&{}",
    "azure-client-secret": "AZURE_CLIENT_SECRET={}",
    "github-pat": "git clone with {}",
    "github-fine-grained": "token: {}",
    "gitlab-pat": "use {} for the registry",
    "slack-bot": "bot {}",
    "slack-webhook": "alerts go to {}",
    "stripe-live": "stripe {}",
    "openai-key": "OPENAI key is {}",
    "anthropic-key": "claude {}",
    "npm-token": "//registry.npmjs.org/:_authToken={}",
    "sendgrid": "mail via {}",
    "twilio": "twilio {}",
    "huggingface": "hub {}",
    "jwt": "Authorization header sample {}",
    "pem-private-key": PEM,
    "openssh-private-key": OPENSSH,
    "url-password": "postgres://app:{}@db:5432/shop",
    "mongo-password": "mongodb+srv://admin:{}@cluster0.example.net/test",
    "redis-password": "redis://:{}@cache:6379/0",
    "sqlserver-password": "Server=tcp:db.example.net;Database=shop;User ID=sa;Password={};",
    "plain-password": "DB_PASSWORD={}",
    "bearer-token": "Authorization: Bearer {}",
    "basic-auth": "Authorization: Basic {}",
    "cli-flag-token": "mytool --token {} --verbose",
    "json-api-key": '{{"api_key": "{}"}}',
    "yaml-secret": "client_secret: {}",
    "hex-secret": "signing material {}",
    "base64-blob": "blob {}",
    "env-value": "{}",
}


# Values that are secret only because of where they live (an env value): never sent at all,
# so they are checked on the wire but not expected to be recognised in free text.
WIRE_ONLY = frozenset({"env-value"})
TEXT_SECRETS = sorted(set(SECRETS) - WIRE_ONLY)


def in_context(name: str) -> str:
    return CONTEXTS[name].replace("{}", SECRETS[name]).replace("{{", "{").replace("}}", "}")


def write_secret_repo(root: Path) -> Path:
    """An app whose Dockerfile, compose file, code and README carry every secret."""
    root.mkdir(parents=True, exist_ok=True)
    env_lines = "\n".join(
        f"ENV SECRET_{i}={value}"
        for i, value in enumerate(v for v in SECRETS.values() if "\n" not in v)
    )
    (root / "Dockerfile").write_text(
        "FROM python:3.12-slim\n"
        f"{env_lines}\n"
        "ENV PLAIN_SETTING=" + SECRETS["env-value"] + "\n"
        "EXPOSE 8000\n"
        f"HEALTHCHECK CMD curl -f -H 'Authorization: Bearer {SECRETS['bearer-token']}' "
        "http://localhost:8000/healthz\n"
        f'CMD ["uvicorn", "app:app", "--port", "8000", "--token", "{SECRETS["cli-flag-token"]}"]\n'
    )
    (root / "compose.yaml").write_text(
        "services:\n  app:\n    build: .\n    image: shop/app:dev\n    environment:\n"
        f"      DATABASE_URL: {in_context('url-password')}\n"
        f"      MONGO_URL: {in_context('mongo-password')}\n"
        f"      REDIS_URL: {in_context('redis-password')}\n"
        f"      SLACK_HOOK: {SECRETS['slack-webhook']}\n"
        "    labels:\n"
        f"      owner-token: {SECRETS['github-pat']}\n"
        f'      note: "{in_context("sqlserver-password")}"\n'
        "  db:\n    image: postgres:16\n"
    )
    (root / "requirements.txt").write_text("fastapi\nuvicorn\npsycopg\n")
    (root / "app.py").write_text(
        "import os\nfrom fastapi import FastAPI\napp = FastAPI()\n"
        f"# debug key: {SECRETS['openai-key']}\n"
        "DB = os.environ['DATABASE_URL']\n\n"
        "@app.get('/healthz')\ndef health():\n"
        f"    '''Health. token {SECRETS['slack-bot']}'''\n    return {{}}\n\n"
        "@app.get('/orders')\ndef orders():\n    return []\n"
    )
    readme = ["# Shop app", "", "Setup notes (do not commit secrets!):", ""]
    readme.extend(f"- {name}: {in_context(name)}" for name in TEXT_SECRETS)
    (root / "README.md").write_text("\n".join(readme) + "\n")
    return root
