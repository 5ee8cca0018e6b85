"""Configuration file models: the app file, the workspace file, the global file, and the
effective settings tree they merge into.

Strict (``extra="forbid"``) and fully documented, so ``dorgu config schema`` can hand editors a
JSON Schema.  Must not read files or the environment, merge layers, or format errors: that is
``dorgu.settings``.  ``None`` always means "not set here"; defaults are the effective defaults.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    model_validator,
)

from dorgu.models.app import AppType, DependencyType
from dorgu.models.kubesyntax import (
    AnnotationValue,
    EnvName,
    EnvValue,
    Host,
    HttpPath,
    LabelValue,
    Name,
    QualifiedKey,
    Quantity,
    Schedule,
    quantity_value,
)

# The JSON Schemas (``dorgu config schema [--workspace|--global]``) ship as package data in
# ``dorgu/schemas/``; ``$id`` names them, it is not a download location.
SCHEMA_ID_PREFIX = "urn:dorgu:schema:"
APP_SCHEMA_FILE = "dorgu-app.schema.json"
WORKSPACE_SCHEMA_FILE = "dorgu-workspace.schema.json"
GLOBAL_SCHEMA_FILE = "dorgu-global.schema.json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# -- enums --------------------------------------------------------------------------------


class ResourceProfile(StrEnum):
    MINIMAL = "minimal"
    STANDARD = "standard"
    COMPUTE_HEAVY = "compute-heavy"
    MEMORY_HEAVY = "memory-heavy"


class ScalingBehavior(StrEnum):
    CONSERVATIVE = "conservative"
    BALANCED = "balanced"
    AGGRESSIVE = "aggressive"


class SeccompProfile(StrEnum):
    RUNTIME_DEFAULT = "RuntimeDefault"
    LOCALHOST = "Localhost"
    UNCONFINED = "Unconfined"


class DescriptorsMode(StrEnum):
    """How deployment descriptions already in the repository are used."""

    KEEP = "keep"
    EVIDENCE = "evidence"
    IGNORE = "ignore"


class LlmProvider(StrEnum):
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GEMINI = "gemini"
    OLLAMA = "ollama"
    NONE = "none"


# -- sections -----------------------------------------------------------------------------


class _Section(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class AppSection(_Section):
    """Who the app is and who owns it."""

    name: Name | None = Field(
        None, description="App name; the {app} naming variable. Default: from analysis."
    )
    description: str | None = Field(
        None, description="One-line description, shown in the persona and docs."
    )
    team: Name | None = Field(None, description="Owning team; the {team} naming variable.")
    owner: str | None = Field(None, description="Owning person or group (e-mail, handle).")
    repository: str | None = Field(None, description="Source repository URL, without credentials.")
    runbook: str | None = Field(
        None,
        description="Runbook URL: the persona's ownership.runbook and the runbook label and "
        "runbook_url annotation of every generated alert.",
    )
    type: AppType | None = Field(
        None, description="Workload type: api, web, worker, cron or daemon."
    )
    instructions: str | None = Field(
        None, description="Free-form guidance for the (optional) LLM enhancer."
    )
    schedule: Schedule | None = Field(None, description="Cron schedule; only for type cron.")

    @model_validator(mode="after")
    def _schedule_only_for_cron(self) -> AppSection:
        if self.schedule is not None and self.type is not None and self.type is not AppType.CRON:
            raise ValueError(f"schedule is only for type 'cron', not {self.type.value!r}")
        return self


class ImageSection(_Section):
    """The container image to deploy."""

    registry: str | None = Field(
        None, description="Registry host and path prefix, e.g. ghcr.io/acme."
    )
    repository: str | None = Field(
        None, description="Image repository under the registry; default: app name."
    )
    tag: str | None = Field(None, description="Image tag; default chosen by generation.")


class ResourceValues(_Section):
    """CPU and memory as Kubernetes quantities."""

    cpu: Quantity | None = Field(None, description="CPU quantity, e.g. 250m or 1.")
    memory: Quantity | None = Field(None, description="Memory quantity, e.g. 256Mi or 1Gi.")


class ResourcesSection(_Section):
    """Container resources: explicit requests/limits or a profile."""

    requests: ResourceValues = Field(
        default_factory=ResourceValues, description="Resource requests."
    )
    limits: ResourceValues = Field(default_factory=ResourceValues, description="Resource limits.")
    profile: ResourceProfile | None = Field(
        None,
        description="Sizing profile for values not set: minimal, standard, compute-heavy, "
        "memory-heavy.",
    )

    @model_validator(mode="after")
    def _requests_within_limits(self) -> ResourcesSection:
        for kind in ("cpu", "memory"):
            request, limit = getattr(self.requests, kind), getattr(self.limits, kind)
            if (
                request is not None
                and limit is not None
                and quantity_value(request) > quantity_value(limit)
            ):
                raise ValueError(
                    f"requests.{kind} ({request}) is greater than limits.{kind} ({limit})"
                )
        return self


class ScalingSection(_Section):
    """Replica counts and the HorizontalPodAutoscaler."""

    min_replicas: int | None = Field(None, ge=0, le=10_000, description="Minimum replicas.")
    max_replicas: int | None = Field(
        None, ge=1, le=10_000, description="Maximum replicas (>= min_replicas)."
    )
    target_cpu: int | None = Field(
        None, ge=1, le=1000, description="Target average CPU utilisation, percent."
    )
    target_memory: int | None = Field(
        None, ge=1, le=1000, description="Target average memory utilisation, percent."
    )
    behavior: ScalingBehavior | None = Field(
        None, description="How fast to scale: conservative, balanced or aggressive."
    )

    @model_validator(mode="after")
    def _min_not_above_max(self) -> ScalingSection:
        low, high = self.min_replicas, self.max_replicas
        if low is not None and high is not None and low > high:
            raise ValueError(f"min_replicas ({low}) is greater than max_replicas ({high})")
        return self


class ProbeSection(_Section):
    """An HTTP probe."""

    path: HttpPath | None = Field(None, description="HTTP path, starting with '/'.")
    port: int | None = Field(
        None, ge=1, le=65535, description="Container port; default: the app's port."
    )
    initial_delay_seconds: int | None = Field(
        None, ge=0, le=3600, description="Seconds before the first probe."
    )
    period_seconds: int | None = Field(None, ge=1, le=3600, description="Seconds between probes.")


class HealthSection(_Section):
    """Probes; unset probes come from analysis (real routes only) or are left out."""

    liveness: ProbeSection | None = Field(None, description="Liveness probe.")
    readiness: ProbeSection | None = Field(None, description="Readiness probe.")
    startup: ProbeSection | None = Field(None, description="Startup probe.")


class DependencyEntry(_Section):
    """Something the app talks to."""

    name: Name = Field(description="Dependency name, e.g. postgres or payments-api.")
    type: DependencyType = Field(description="database, cache, queue, service or external.")
    required: bool = Field(True, description="Whether the app cannot start without it.")
    external: bool = Field(
        False, description="True if it runs outside the cluster (managed service)."
    )


class IngressSection(_Section):
    """HTTP ingress."""

    enabled: bool = Field(False, description="Create an Ingress.")
    host: Host | None = Field(
        None, description="Host name, e.g. api.example.com (a leading '*.' is allowed)."
    )
    path: HttpPath = Field("/", description="Path prefix routed to the app.")
    tls: bool = Field(False, description="Terminate TLS for the host.")
    class_name: str | None = Field(None, description="IngressClass name, e.g. nginx.")


class NamingSection(_Section):
    """How resource names are built."""

    pattern: str = Field(
        "{app}",
        description="Name pattern; variables {app} {team} {env} {environment} {namespace} "
        "{component} {owner} {type}; sanitised to DNS-1123 with a hash suffix when too long.",
    )


class SecuritySection(_Section):
    """Pod and container hardening defaults."""

    run_as_non_root: bool = Field(True, description="Set runAsNonRoot.")
    read_only_root_filesystem: bool = Field(True, description="Set readOnlyRootFilesystem.")
    seccomp_profile: SeccompProfile = Field(
        SeccompProfile.RUNTIME_DEFAULT,
        description="seccompProfile type: RuntimeDefault, Localhost, Unconfined.",
    )


class AppLlmSection(_Section):
    """Per-app LLM choice (keys live in the global file or the environment only)."""

    provider: LlmProvider | None = Field(
        None, description="openai, anthropic, gemini, ollama or none."
    )
    model: str | None = Field(None, description="Model name for the provider.")


class ApiKeys(_Section):
    """Provider API keys.  Secret: only in the global file (mode 0600) or the environment."""

    openai: SecretStr | None = Field(None, description="OpenAI API key (secret).")
    anthropic: SecretStr | None = Field(None, description="Anthropic API key (secret).")
    gemini: SecretStr | None = Field(None, description="Google Gemini API key (secret).")


class LlmSection(_Section):
    """The optional LLM enhancer; dorgu works fully without one."""

    provider: LlmProvider = Field(
        LlmProvider.NONE, description="openai, anthropic, gemini, ollama or none."
    )
    model: str | None = Field(None, description="Model name; default chosen per provider.")
    base_url: str | None = Field(
        None, description="Override the provider endpoint (proxies, ollama host)."
    )
    timeout_seconds: float = Field(60.0, gt=0, le=3600, description="Request timeout in seconds.")
    max_tokens: int = Field(4096, ge=1, le=1_000_000, description="Maximum tokens per response.")
    api_keys: ApiKeys = Field(
        default_factory=ApiKeys, description="API keys per provider (secret)."
    )


class PrometheusSection(_Section):
    """Where `dorgu recommend` reads usage history, and how gently."""

    url: str | None = Field(
        None,
        description="Prometheus base URL, e.g. http://prometheus.monitoring:9090 "
        "(env DORGU_PROMETHEUS_URL; flag --prometheus-url).",
    )
    timeout_seconds: float = Field(
        30.0, gt=0, le=600, description="Timeout of each query; slow queries are retried twice."
    )
    cluster: str | None = Field(
        None,
        description="Select series whose cluster label has this value (a Prometheus shared "
        "by several clusters); unset: no cluster matcher.",
    )
    cluster_label: str = Field(
        "cluster", pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$", description="Name of the cluster label."
    )
    max_queries: int = Field(
        10_000, ge=1, le=1_000_000, description="Most queries one scan may send (--max-queries)."
    )
    bearer_token_file: str | None = Field(
        None,
        description="A file holding a bearer token sent to Prometheus as Authorization "
        "(e.g. a service account token); never logged.",
    )
    username: str | None = Field(
        None, description="Basic-auth user for Prometheus (with password_file)."
    )
    password_file: str | None = Field(
        None, description="A file holding the basic-auth password for Prometheus; never logged."
    )


class NotifySection(_Section):
    """Incident notifications sent by the operator (docs/incidents.md#notifications).  The URLs
    and the token are secrets: set them in the environment (from a Kubernetes Secret), never
    in a file in a repository; they are never logged."""

    slack_webhook_url: SecretStr | None = Field(
        None, description="Slack incoming webhook URL (secret; env DORGU_NOTIFY_SLACK_WEBHOOK_URL)."
    )
    slack_token: SecretStr | None = Field(
        None, description="Slack bot token xoxb-... for chat.postMessage (secret)."
    )
    slack_channel: str | None = Field(
        None, max_length=80, description="Channel the bot posts to unless a route says otherwise."
    )
    slack_api_url: str | None = Field(
        None, description="Slack Web API base URL (default https://slack.com/api)."
    )
    teams_webhook_url: SecretStr | None = Field(
        None, description="Microsoft Teams Workflows webhook URL (secret)."
    )
    webhook_url: SecretStr | None = Field(
        None, description="Generic webhook receiving dorgu's JSON incident events (secret)."
    )
    routing_secret: str | None = Field(
        None,
        max_length=253,
        description="Secret in the operator's namespace whose routing.yaml routes incidents.",
    )


class SloIndicator(StrEnum):
    AVAILABILITY = "availability"  # share of requests that did not fail (not 5xx)
    LATENCY = "latency"  # share of requests faster than the threshold


SLO_WINDOW_PATTERN = r"^[1-9][0-9]*[dhw]$"
_MATCHER = r'\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"([^"\\]|\\.)*"\s*'
_MATCHERS = f"^{_MATCHER}(,{_MATCHER})*$"
"""PromQL label matchers, e.g. ``code=~"5..", method="GET"``: nothing else reaches a rule."""
LATENCY_THRESHOLD_PATTERN = r"^(0|[1-9][0-9]*)(\.[0-9]+)?(ms|s)$"


class SloEntry(_Section):
    """One service level objective: ``objective`` percent of requests are good over ``window``."""

    name: str = Field(
        pattern=r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$",
        description="SLO name (the slo label of its rules), e.g. availability.",
    )
    indicator: SloIndicator = Field(
        description="availability (requests that are not 5xx) or latency (requests faster "
        "than threshold)."
    )
    objective: float = Field(
        gt=0, lt=100, description="Percent of good requests, e.g. 99.9 (availability) or 99 (p99)."
    )
    window: str = Field(
        "30d", pattern=SLO_WINDOW_PATTERN, description="Compliance window, e.g. 30d or 4w."
    )
    threshold: str | None = Field(
        None,
        pattern=LATENCY_THRESHOLD_PATTERN,
        description="Latency only: the bound, e.g. 500ms; must be a bucket boundary (le) of the "
        "latency histogram.",
    )

    @model_validator(mode="after")
    def _threshold_only_for_latency(self) -> SloEntry:
        latency = self.indicator is SloIndicator.LATENCY
        if latency and self.threshold is None:
            raise ValueError("a latency SLO needs a threshold, e.g. 500ms")
        if not latency and self.threshold is not None:
            raise ValueError("threshold is only for latency SLOs")
        return self


class ObservabilitySection(_Section):
    """What `dorgu generate` writes under monitoring/ (ServiceMonitor, SLO and health alerts);
    see docs/observability.md."""

    release: LabelValue | None = Field(
        "kube-prometheus-stack",
        description="The release label put on ServiceMonitor/PodMonitor/PrometheusRule objects: "
        "kube-prometheus-stack selects them by release: <its Helm release name>. Empty: no label.",
    )
    labels: dict[QualifiedKey, LabelValue] = Field(
        default_factory=dict,
        description="More labels for the monitors and rules (the Prometheus' selectors).",
    )
    dashboard_labels: dict[QualifiedKey, LabelValue] = Field(
        default_factory=lambda: {"grafana_dashboard": "1"},
        description="Labels of the Grafana dashboard ConfigMap: what the Grafana sidecar "
        'selects by (default grafana_dashboard: "1").',
    )
    requests_metric: str | None = Field(
        None,
        pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$",
        description="Request counter of the app; default by framework, else http_requests_total.",
    )
    errors_selector: str | None = Field(
        None,
        pattern=_MATCHERS,
        description='Label matchers picking failed requests of requests_metric, e.g. code=~"5.."; '
        "default by framework.",
    )
    latency_histogram: str | None = Field(
        None,
        pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$",
        description="Request latency histogram (base name, without _bucket); default by "
        "framework, else http_request_duration_seconds.",
    )
    slos: list[SloEntry] | None = Field(
        None,
        description="SLOs of the app (replace, not merge); default by app type (api: 99.9 % "
        "available and 99 % under 500ms over 30d; web: 99.5 % and 95 % under 1s); [] for none.",
    )


class PricingSection(_Section):
    """Prices for cost estimates (defaults: OpenCost's default price sheet, USD)."""

    cpu_core_hour: float = Field(0.031611, ge=0, description="USD per vCPU-hour.")
    memory_gib_hour: float = Field(0.004237, ge=0, description="USD per GiB-hour of memory.")


class RecommendStrategy(StrEnum):
    KRR_SIMPLE = "krr-simple"
    VPA = "vpa"
    TARGET_UTILIZATION = "target-utilization"


class RecommendSection(_Section):
    """Defaults of `dorgu recommend`."""

    strategy: RecommendStrategy = Field(
        RecommendStrategy.KRR_SIMPLE,
        description="krr-simple, vpa or target-utilization (see docs/recommend.md).",
    )
    history: str = Field(
        "14d", pattern=r"^[1-9][0-9]*[mhdw]$", description="History window, e.g. 14d or 36h."
    )
    step: str = Field(
        "1m",
        pattern=r"^[1-9][0-9]*[mh]$",
        description="Resolution of the usage series (1m to 1h; the CPU rate is taken over twice "
        "it): raise it to the scrape interval when Prometheus keeps fewer samples (--step).",
    )
    min_cpu: Quantity = Field("10m", description="Lowest CPU request recommended.")
    min_memory: Quantity = Field("100Mi", description="Lowest memory request recommended.")


class GlobalDefaults(_Section):
    """Personal defaults, below workspace and app files."""

    registry: str | None = Field(None, description="Default image registry (-> image.registry).")
    namespace: str | None = Field(None, description="Default namespace (-> namespace).")
    environment: str | None = Field(None, description="Default environment (-> environment).")
    team: str | None = Field(None, description="Default team (-> app.team).")


def _labels() -> Any:
    return Field(
        default_factory=dict, description="Labels for every resource (keys may hold dots and '/')."
    )


def _annotations() -> Any:
    return Field(default_factory=dict, description="Annotations for every resource.")


def _namespace() -> Any:
    return Field(None, description="Kubernetes namespace.")


def _environment() -> Any:
    return Field(None, description="Environment name, e.g. production; the {env} naming variable.")


# -- files --------------------------------------------------------------------------------


class AppConfig(_Section):
    """The app file, ``.dorgu.yaml`` in the app directory (committed with the code)."""

    model_config = ConfigDict(defer_build=True, title="dorgu app configuration (.dorgu.yaml)")

    version: Literal[1] = Field(1, description="File format version; always 1.")
    app: AppSection = Field(default_factory=AppSection, description="App identity and ownership.")
    environment: str | None = _environment()
    namespace: str | None = _namespace()
    image: ImageSection = Field(default_factory=ImageSection, description="Container image.")
    resources: ResourcesSection = Field(default_factory=ResourcesSection, description="Resources.")
    scaling: ScalingSection = Field(
        default_factory=ScalingSection, description="Replicas and autoscaling."
    )
    health: HealthSection = Field(default_factory=HealthSection, description="Health probes.")
    dependencies: list[DependencyEntry] = Field(
        default_factory=list, description="Dependencies (replace, not merge)."
    )
    ingress: IngressSection = Field(default_factory=IngressSection, description="Ingress.")
    labels: dict[QualifiedKey, LabelValue] = _labels()
    annotations: dict[QualifiedKey, AnnotationValue] = _annotations()
    naming: NamingSection = Field(default_factory=NamingSection, description="Resource naming.")
    env: dict[EnvName, EnvValue] = Field(
        default_factory=dict,
        description="Non-secret environment variable overrides for the container.",
    )
    observability: ObservabilitySection = Field(
        default_factory=ObservabilitySection,
        description="Monitors, SLOs and alerts of `dorgu generate`.",
    )
    llm: AppLlmSection = Field(
        default_factory=AppLlmSection, description="LLM choice for this app."
    )
    descriptors: DescriptorsMode | None = Field(
        None,
        description="Deployment descriptions in the repository (Kubernetes manifests, kustomize, "
        "Helm, skaffold, Procfile): keep (default: generate keeps their ports, env, probes, "
        "resources, replicas), evidence (only ports and env; the rest shown as evidence), "
        "ignore (not read).",
    )


class WorkspaceConfig(_Section):
    """The workspace file, ``dorgu-workspace.yaml``, found upward from the app: org defaults."""

    model_config = ConfigDict(
        defer_build=True, title="dorgu workspace configuration (dorgu-workspace.yaml)"
    )

    version: Literal[1] = Field(1, description="File format version; always 1.")
    registry: str | None = Field(
        None, description="Image registry for every app (-> image.registry)."
    )
    namespace: str | None = _namespace()
    team: str | None = Field(None, description="Default team (-> app.team).")
    environment: str | None = _environment()
    labels: dict[QualifiedKey, LabelValue] = _labels()
    annotations: dict[QualifiedKey, AnnotationValue] = _annotations()
    security: SecuritySection = Field(
        default_factory=SecuritySection, description="Hardening defaults."
    )
    naming: NamingSection = Field(default_factory=NamingSection, description="Resource naming.")
    resources: ResourcesSection = Field(
        default_factory=ResourcesSection, description="Default resources."
    )
    scaling: ScalingSection = Field(default_factory=ScalingSection, description="Default scaling.")
    prometheus: PrometheusSection = Field(
        default_factory=PrometheusSection, description="Prometheus for `dorgu recommend`."
    )
    pricing: PricingSection = Field(default_factory=PricingSection, description="Cost prices.")
    recommend: RecommendSection = Field(
        default_factory=RecommendSection, description="`dorgu recommend` defaults."
    )
    observability: ObservabilitySection = Field(
        default_factory=ObservabilitySection,
        description="Monitors, SLOs and alerts of `dorgu generate`.",
    )


class GlobalConfig(_Section):
    """The global file, ``$XDG_CONFIG_HOME/dorgu/config.yaml``: LLM provider, keys, defaults."""

    model_config = ConfigDict(
        defer_build=True, title="dorgu global configuration (~/.config/dorgu/config.yaml)"
    )

    version: Literal[1] = Field(1, description="File format version; always 1.")
    llm: LlmSection = Field(
        default_factory=LlmSection, description="LLM provider settings and keys."
    )
    defaults: GlobalDefaults = Field(
        default_factory=GlobalDefaults, description="Personal defaults."
    )
    prometheus: PrometheusSection = Field(
        default_factory=PrometheusSection, description="Prometheus for `dorgu recommend`."
    )
    pricing: PricingSection = Field(default_factory=PricingSection, description="Cost prices.")
    recommend: RecommendSection = Field(
        default_factory=RecommendSection, description="`dorgu recommend` defaults."
    )


class EffectiveSettings(_Section):
    """The merged tree every entry point builds once and passes down (flag > env > app >
    workspace > global > default)."""

    app: AppSection = Field(default_factory=AppSection, description="App identity and ownership.")
    environment: str | None = _environment()
    namespace: str | None = _namespace()
    image: ImageSection = Field(default_factory=ImageSection, description="Container image.")
    resources: ResourcesSection = Field(default_factory=ResourcesSection, description="Resources.")
    scaling: ScalingSection = Field(
        default_factory=ScalingSection, description="Replicas and autoscaling."
    )
    health: HealthSection = Field(default_factory=HealthSection, description="Health probes.")
    dependencies: list[DependencyEntry] = Field(
        default_factory=list, description="Declared dependencies."
    )
    ingress: IngressSection = Field(default_factory=IngressSection, description="Ingress.")
    labels: dict[QualifiedKey, LabelValue] = _labels()
    annotations: dict[QualifiedKey, AnnotationValue] = _annotations()
    naming: NamingSection = Field(default_factory=NamingSection, description="Resource naming.")
    env: dict[EnvName, EnvValue] = Field(default_factory=dict, description="Environment overrides.")
    security: SecuritySection = Field(default_factory=SecuritySection, description="Hardening.")
    llm: LlmSection = Field(default_factory=LlmSection, description="LLM enhancer.")
    prometheus: PrometheusSection = Field(
        default_factory=PrometheusSection, description="Prometheus for `dorgu recommend`."
    )
    pricing: PricingSection = Field(default_factory=PricingSection, description="Cost prices.")
    recommend: RecommendSection = Field(
        default_factory=RecommendSection, description="`dorgu recommend` defaults."
    )
    notify: NotifySection = Field(
        default_factory=NotifySection, description="Incident notifications (the operator)."
    )
    observability: ObservabilitySection = Field(
        default_factory=ObservabilitySection,
        description="Monitors, SLOs and alerts of `dorgu generate`.",
    )
    descriptors: DescriptorsMode = Field(
        DescriptorsMode.KEEP,
        description="Deployment descriptions in the repository (Kubernetes manifests, kustomize, "
        "Helm, skaffold, Procfile): keep (default: generate keeps their ports, env, probes, "
        "resources, replicas), evidence (only ports and env; the rest shown as evidence), "
        "ignore (not read).",
    )
