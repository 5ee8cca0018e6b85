"""Suite-wide settings.  In CI (``CI=true``) hypothesis runs derandomized so a failure
reproduces exactly; locally it explores new examples each run."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
