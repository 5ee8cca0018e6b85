"""A strict model of the part of the Adaptive Card schema (version 1.5, the newest Teams
renders) that dorgu's cards use, written from the published element reference because no
package on the registries ships the official JSON schema file: the ``adaptivecards`` npm
package (3.0.6) holds only TypeScript serialisation code.  Unknown keys, unknown enum values
and missing required properties are errors, so a typo in a builder fails the tests.

Elements: ``TextBlock``, ``FactSet``, ``Container``; actions: ``Action.OpenUrl``; the Teams
extension ``msteams.width``; the Workflows webhook envelope (``type: message`` with one
attachment of content type ``application/vnd.microsoft.card.adaptive``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AnyUrl, BaseModel, ConfigDict, Field

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
MAX_MESSAGE_BYTES = 28 * 1024
"""Teams rejects bot and webhook messages above about 28 KB."""

Spacing = Literal["None", "Small", "Default", "Medium", "Large", "ExtraLarge", "Padding"]
Color = Literal["Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Element(_Strict):
    id: str | None = None
    spacing: Spacing | None = None
    separator: bool | None = None
    is_visible: bool | None = Field(None, alias="isVisible")
    height: Literal["auto", "stretch"] | None = None


class TextBlock(_Element):
    type: Literal["TextBlock"]
    text: str = Field(min_length=1)
    color: Color | None = None
    font_type: Literal["Default", "Monospace"] | None = Field(None, alias="fontType")
    horizontal_alignment: Literal["Left", "Center", "Right"] | None = Field(
        None, alias="horizontalAlignment"
    )
    is_subtle: bool | None = Field(None, alias="isSubtle")
    max_lines: int | None = Field(None, alias="maxLines", ge=1)
    size: Literal["Default", "Small", "Medium", "Large", "ExtraLarge"] | None = None
    weight: Literal["Default", "Lighter", "Bolder"] | None = None
    wrap: bool | None = None
    style: Literal["default", "heading"] | None = None


class Fact(_Strict):
    title: str
    value: str


class FactSet(_Element):
    type: Literal["FactSet"]
    facts: list[Fact] = Field(min_length=1)


class Container(_Element):
    type: Literal["Container"]
    items: list[Annotated[TextBlock | FactSet | Container, Field(discriminator="type")]]
    style: Literal["default", "emphasis", "good", "attention", "warning", "accent"] | None = None
    bleed: bool | None = None


Element = Annotated[TextBlock | FactSet | Container, Field(discriminator="type")]


class OpenUrl(_Strict):
    type: Literal["Action.OpenUrl"]
    url: AnyUrl
    title: str | None = None
    id: str | None = None
    style: Literal["default", "positive", "destructive"] | None = None
    tooltip: str | None = None


class TeamsExtension(_Strict):
    width: Literal["Full"] | None = None


class AdaptiveCard(_Strict):
    type: Literal["AdaptiveCard"]
    version: Literal["1.0", "1.1", "1.2", "1.3", "1.4", "1.5"]
    schema_: str | None = Field(None, alias="$schema")
    body: list[Element] = Field(default_factory=list)
    actions: list[OpenUrl] = Field(default_factory=list)
    fallback_text: str | None = Field(None, alias="fallbackText")
    lang: str | None = None
    msteams: TeamsExtension | None = None


class Attachment(_Strict):
    content_type: Literal["application/vnd.microsoft.card.adaptive"] = Field(alias="contentType")
    content_url: None = Field(alias="contentUrl")
    content: AdaptiveCard


class WorkflowsMessage(_Strict):
    """What a Teams Workflows ("When a Teams webhook request is received") flow accepts."""

    type: Literal["message"]
    attachments: list[Attachment] = Field(min_length=1, max_length=1)
