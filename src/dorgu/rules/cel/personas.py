"""The persona rules that compile to CEL (``persona.replica-range``,
``persona.resource-bounds``, ``persona.security-context``), judged on the main container
(``variables.main``: the one named like the persona or the workload, else the first), with
the messages of ``dorgu.rules.personas``.

Must not do I/O.
"""

from __future__ import annotations

from dorgu.rules.cel.checks import POD
from dorgu.rules.cel.literals import bind, concat, finding, quote

SPEC = "params.spec"
MAIN = f"{POD}.containers[variables.main]"
MAIN_PATH = "'spec.template.spec.containers[' + string(variables.main) + ']'"


def replica_range() -> str:
    scaling = f"{SPEC}.scaling"
    low, high = f"has({scaling}.minReplicas)", f"has({scaling}.maxReplicas)"
    shown = (
        f"(({low} ? string({scaling}.minReplicas) : '0') + '..' + "
        f"({high} ? string({scaling}.maxReplicas) : 'any'))"
    )
    outside = (
        f"({low} && variables.replicas < {scaling}.minReplicas) || "
        f"({high} && variables.replicas > {scaling}.maxReplicas)"
    )
    item = finding(
        "persona.replica-range", "warning", None, quote("spec.replicas"),
        concat("'replicas '", "string(variables.replicas)",
               "' is outside the persona\\'s scaling range '", shown,
               "' (scaling.minReplicas..scaling.maxReplicas)'"),
        concat("'set spec.replicas within '", shown, "', or add an HPA with that range'"),
    )  # fmt: skip
    return f"(has({scaling}) && ({outside}) ? [{item}] : [])"


def _bounds(name: str) -> tuple[str, str, str, str]:
    """CEL for (has bounds, high, low, field) of resource ``name`` ('' for none)."""
    resources = f"{SPEC}.resources"
    bound = f"{resources}.bounds.{name}"
    has_bound = (
        f"(has({SPEC}.resources) && has({resources}.bounds) && has({bound}) && "
        f"(has({bound}.min) || has({bound}.max)))"
    )
    limit = f"{resources}.limits.{name}"
    high = (
        f"({has_bound} ? (has({bound}.max) ? string({bound}.max) : '') : "
        f"(has({SPEC}.resources) && has({resources}.limits) && has({limit}) ? string({limit}) "
        ": ''))"
    )
    low = f"({has_bound} && has({bound}.min) ? string({bound}.min) : '')"
    field = f"({has_bound} ? 'resources.bounds.{name}.max' : 'resources.limits.{name}')"
    return has_bound, high, low, field


def _section(name: str, section: str) -> str:
    amounts = f"{MAIN}.resources.{section}"
    present = f"has({MAIN}.resources) && has({amounts}) && '{name}' in {amounts}"
    path = f"{MAIN_PATH} + '.resources.{section}.{name}'"
    above = finding(
        "persona.resource-bounds", "error", f"{MAIN}.name", path,
        concat(quote(f"{name} {section[:-1]} "), "given", "' is above the persona\\'s bound '",
               "high", "' ('", "field", "')'"),
        concat(quote(f"lower {section}.{name} to at most "), "high", "', or raise '", "field",
               "' in the persona'"),
    )  # fmt: skip
    checks = f"high != '' && isQuantity(high) && quantity(given).isGreaterThan(quantity(high)) ? [{above}] : "
    if section == "requests":
        below = finding(
            "persona.resource-bounds", "error", f"{MAIN}.name", path,
            concat(quote(f"{name} request "), "given", "' is below the persona\\'s bound '",
                   "low", quote(f" (resources.bounds.{name}.min)")),
            concat(quote(f"raise requests.{name} to at least "), "low",
                   "', or lower the persona\\'s bound'"),
        )  # fmt: skip
        checks += (
            "low != '' && isQuantity(low) && quantity(given).isLessThan(quantity(low)) "
            f"? [{below}] : "
        )
    checks += "[]"
    return (
        f"({present} ? [string({amounts}['{name}'])].map(given, isQuantity(given) ? "
        f"({checks}) : [])[0] : [])"
    )


def resource_bounds() -> str:
    parts = []
    for name in ("cpu", "memory"):
        _, high, low, field = _bounds(name)
        body = " + ".join(_section(name, section) for section in ("requests", "limits"))
        parts.append(bind("high", high, bind("low", low, bind("field", field, body))))
    return " + ".join(parts)


def _effective(key: str, default: str) -> str:
    own, pod = f"{MAIN}.securityContext", f"{POD}.securityContext"
    return (
        f"(has({own}) && has({own}.{key}) ? {own}.{key} : "
        f"(has({pod}) && has({pod}.{key}) ? {pod}.{key} : {default}))"
    )


def _own(key: str, default: str) -> str:
    own = f"{MAIN}.securityContext"
    return f"(has({own}) && has({own}.{key}) ? {own}.{key} : {default})"


def security_context() -> str:
    policy = f"{SPEC}.policies.security"
    present = f"has({SPEC}.policies) && has({policy})"

    def setting(key: str, default: str) -> str:
        return f"(has({policy}.{key}) ? {policy}.{key} : {default})"

    user = _effective("runAsUser", "-1")
    checks = (
        (f"{setting('runAsNonRoot', 'true')} && {_effective('runAsNonRoot', 'false')} != true "
         f"&& !({user} > 0)", "runAsNonRoot", quote("may run as root"),
         quote("policies.security.runAsNonRoot: true"), quote("true")),
        (f"{setting('readOnlyRootFilesystem', 'true')} && "
         f"{_own('readOnlyRootFilesystem', 'false')} != true",
         "readOnlyRootFilesystem", quote("has a writable root filesystem"),
         quote("policies.security.readOnlyRootFilesystem: true"), quote("true")),
        (f"!{setting('allowPrivilegeEscalation', 'false')} && "
         f"{_own('allowPrivilegeEscalation', 'true')} != false",
         "allowPrivilegeEscalation", quote("allows privilege escalation"),
         quote("policies.security.allowPrivilegeEscalation: false"), quote("false")),
        (f"has({policy}.runAsUser) && {user} != {policy}.runAsUser", "runAsUser",
         f"'runs as uid ' + ({user} >= 0 ? string({user}) : '(image default)')",
         f"'policies.security.runAsUser: ' + string({policy}.runAsUser)",
         f"string({policy}.runAsUser)"),
    )  # fmt: skip
    parts = []
    for failed, key, what, rule, value in checks:
        item = finding(
            "persona.security-context",
            "error",
            f"{MAIN}.name",
            f"{MAIN_PATH} + '.securityContext.{key}'",
            concat("'the container '", what, "'; the persona requires '", rule),
            concat(quote(f"set securityContext.{key}: "), value),
        )
        parts.append(f"({failed} ? [{item}] : [])")
    return f"({present} ? {' + '.join(parts)} : [])"


PERSONA_CHECKS = {
    "persona.resource-bounds": resource_bounds(),
    "persona.replica-range": replica_range(),
    "persona.security-context": security_context(),
}
