"""Variables frameworks read on their own to pick the listen port.

``ASPNETCORE_URLS=http://+:5005`` means 5005 to any ASP.NET Core app, ``SERVER_PORT`` sets a
Spring Boot app's port, ``PORT`` a Next.js or Rails server's.  Each convention is a
``ListenExpr`` without a default (the analyser reports the framework default itself).
``FIXED_IN_CODE`` lists the rules whose port the code fixes so firmly that the convention does
not apply (Kestrel ``Listen`` or ``UseUrls`` beat ``ASPNETCORE_URLS``).

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

from dorgu.analysis.listening.expressions import ListenExpr, Shape, env, make_expr

_N, _U, _P = Shape.NUMBER, Shape.URLS, Shape.PORTS
_CONVENTIONS: dict[str, tuple[tuple[tuple[str, ...], Shape], ...]] = {
    "aspnetcore": (
        (("ASPNETCORE_URLS", "DOTNET_URLS"), _U),
        (("ASPNETCORE_HTTP_PORTS", "DOTNET_HTTP_PORTS", "HTTP_PORTS"), _P),
    ),
    "spring-boot": ((("SERVER_PORT",), _N),),
    "quarkus": ((("QUARKUS_HTTP_PORT",), _N),),
    "micronaut": ((("MICRONAUT_SERVER_PORT",), _N),),
    "nextjs": ((("PORT",), _N),),
    "nuxt": ((("NUXT_PORT", "NITRO_PORT", "PORT"), _N),),
    "rails": ((("PORT",), _N),),
    "phoenix": ((("PORT",), _N),),
}
FIXED_IN_CODE = frozenset(
    {
        "dotnet.use-urls",
        "dotnet.kestrel-listen",
        "dotnet.kestrel-endpoints",
    }
)
# Any app: a port variable set in the container, when nothing else names the port.
PAAS_VARIABLES = ("PORT", "HTTP_PORT", "SERVER_PORT", "ASPNETCORE_HTTP_PORTS")


def convention_exprs(framework: str | None) -> list[ListenExpr]:
    """The framework's own port variables, most specific first."""
    out: list[ListenExpr] = []
    for names, shape in _CONVENTIONS.get((framework or "").lower(), ()):
        text = f"{framework} reads {' / '.join(names)}"
        rule = f"listen.convention.{framework}"
        out.append(
            make_expr(text, [env(n) for n in names], rule, None, shape=shape, confidence=0.8)
        )
    return out


def paas_expr() -> ListenExpr:
    chain = [env(n) for n in PAAS_VARIABLES]
    return make_expr(
        "a port variable set for the container",
        chain,
        "env.port",
        None,
        shape=Shape.PORTS,
        confidence=0.7,
    )
