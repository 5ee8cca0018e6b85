"""What the channel streams: informers on personas and IncidentMemories of its own (compact
summaries, no full objects), turned into hub events when a section changes, and the snapshot a
new watcher starts from."""

from __future__ import annotations

import asyncio

from dorgu.operator import api as kinds
from dorgu.operator.api import Api, JsonObject, Kind
from dorgu.operator.caching import Key, Store, key_of, run_informer
from dorgu.operator.channel.hub import Event, Hub
from dorgu.operator.channel.summaries import (
    SECTIONS,
    Summary,
    changes,
    incident_summary,
    persona_summary,
)

INCIDENTS = Kind("dorgu.io", "v1", "incidentmemories")


class Feeder:
    def __init__(self, *, api: Api, hub: Hub) -> None:
        self.api, self.hub = api, hub
        self.personas: Store[Summary] = Store("channel:applicationpersonas", persona_summary)
        self.incidents: Store[dict[str, object] | None] = Store(
            "channel:incidentmemories", lambda o: _incident(o)
        )
        self._seen: dict[Key, Summary] = {}
        self._incidents_seen: dict[Key, dict[str, object]] = {}
        self.personas.listeners.append(self._persona_changed)
        self.incidents.listeners.append(self._incident_changed)

    def start(self) -> list[asyncio.Task[None]]:
        return [
            asyncio.create_task(run_informer(self.api, kinds.PERSONAS, self.personas),
                                name="informer:channel-personas"),
            asyncio.create_task(run_informer(self.api, INCIDENTS, self.incidents),
                                name="informer:channel-incidents"),
        ]  # fmt: skip

    def _persona_changed(self, action: str, key: Key, value: object) -> None:
        if action == "DELETE":
            self._seen.pop(key, None)
            self.hub.publish(namespace=key[0], persona=key[1], type="deleted", data=None)
            return
        assert isinstance(value, dict)
        first = key not in self._seen
        old = self._seen.get(key)
        self._seen[key] = value
        if first and not self.personas.synced.is_set():
            return  # the initial listing is the snapshot, not news
        for section, data in changes(old, value):
            self.hub.publish(namespace=key[0], persona=key[1], type=section, data=data)

    def _incident_changed(self, action: str, key: Key, value: object) -> None:
        if action == "DELETE" or not isinstance(value, dict):
            self._incidents_seen.pop(key, None)
            return
        known = self._incidents_seen.get(key)
        self._incidents_seen[key] = value
        if known == value or (known is None and not self.incidents.synced.is_set()):
            return  # unchanged (a resync), or part of the initial listing
        data = {k: v for k, v in value.items() if not k.startswith("_")}
        self.hub.publish(namespace=str(value["_namespace"]), persona=str(value["_persona"]),
                         type="incident", data=data)  # fmt: skip

    def snapshot(self, namespace: str | None, name: str | None) -> list[Event]:
        events: list[Event] = []
        for (ns, persona), summary in sorted(self.personas.items()):
            if (namespace and ns != namespace) or (name and persona != name):
                continue
            for section in SECTIONS:
                if summary.get(section) is not None:
                    events.append({"id": f"{self.hub.epoch}-{self.hub.sequence}",
                                   "type": section, "namespace": ns, "persona": persona,
                                   "data": summary[section], "snapshot": True})  # fmt: skip
        return events


def _incident(obj: JsonObject) -> dict[str, object] | None:
    found = incident_summary(obj)
    if found is None:
        return None
    namespace, persona, data = found
    key = key_of(obj)
    return {**data, "_namespace": namespace or key[0], "_persona": persona}
