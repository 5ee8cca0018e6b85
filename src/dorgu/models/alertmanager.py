"""Alertmanager's webhook payload (``version: "4"``), as its ``webhook_configs`` receiver posts
it: the trust boundary of the operator's ``POST /alertmanager`` endpoint.

Every collection and string is bounded, so a hostile body cannot make the operator hold more
than the body-size limit allows; unknown fields are ignored (Alertmanager adds fields within a
version).  Timestamps must carry a zone (Alertmanager writes RFC 3339 in UTC); ``endsAt`` of
a firing alert is Go's zero time (year 1) or a time in the future.

Must not do I/O or import anything from dorgu but ``dorgu.models``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

MAX_ALERTS = 1000
MAX_LABELS = 64
MAX_LABEL_NAME = 128
MAX_LABEL_VALUE = 1024
MAX_ANNOTATION = 4096
MAX_URL = 4096

LabelName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_LABEL_NAME)]
LabelValue = Annotated[str, StringConstraints(max_length=MAX_LABEL_VALUE)]
AnnotationValue = Annotated[str, StringConstraints(max_length=MAX_ANNOTATION)]
Labels = Annotated[dict[LabelName, LabelValue], Field(max_length=MAX_LABELS)]


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as error:  # year 1 at +05:00 is year 0 in UTC
        raise ValueError("time out of range") from error


Time = Annotated[AwareDatetime, AfterValidator(_in_utc)]
"""An RFC 3339 time with a zone, held in UTC."""


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, strict=False)


class Alert(_Model):
    """One alert of a notification."""

    status: AlertStatus
    labels: Labels = Field(default_factory=dict)
    annotations: Annotated[
        dict[LabelName, AnnotationValue], Field(default_factory=dict, max_length=MAX_LABELS)
    ]
    starts_at: Time = Field(alias="startsAt")
    ends_at: Time | None = Field(None, alias="endsAt")
    generator_url: Annotated[str, StringConstraints(max_length=MAX_URL)] = Field(
        "", alias="generatorURL"
    )
    fingerprint: Annotated[str, StringConstraints(max_length=64, pattern=r"^[0-9a-fA-F]*$")] = ""


class WebhookPayload(_Model):
    """One notification: a group of alerts that share ``groupLabels``."""

    version: Literal["4"]
    status: AlertStatus
    receiver: Annotated[str, StringConstraints(max_length=MAX_LABEL_VALUE)] = ""
    group_key: Annotated[str, StringConstraints(max_length=MAX_URL)] = Field("", alias="groupKey")
    truncated_alerts: int = Field(0, ge=0, alias="truncatedAlerts")
    group_labels: Labels = Field(default_factory=dict, alias="groupLabels")
    common_labels: Labels = Field(default_factory=dict, alias="commonLabels")
    external_url: Annotated[str, StringConstraints(max_length=MAX_URL)] = Field(
        "", alias="externalURL"
    )
    alerts: list[Alert] = Field(default_factory=list, max_length=MAX_ALERTS)
