"""Writing ``IncidentMemory`` objects: create (then the status through the status subresource),
update by PUT with the resourceVersion read (a concurrent writer gives a 409, never a lost
update), status writes, deletes.  Counts every API write by verb for the metrics and the storm
benchmark.

Must not decide what to write (the tracker does) or retry: a 409 is raised as ``ApiFailure``.
"""

from __future__ import annotations

from pydantic import ValidationError

from dorgu.models.incidents import IncidentMemory
from dorgu.models.personas_base import JsonValue, dump_wire
from dorgu.operator.api import Api, ApiFailure, JsonObject
from dorgu.operator.incident_sources import INCIDENTS


def parse_incident(obj: JsonObject) -> IncidentMemory | None:
    """An informer's object as a model (managedFields dropped); ``None`` when invalid."""
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        obj = {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}
    try:
        return IncidentMemory.model_validate(obj)
    except ValidationError:
        return None


def _body(incident: IncidentMemory) -> JsonObject:
    return dict(dump_wire(incident))


class IncidentWriter:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.writes: dict[str, int] = {"create": 0, "update": 0, "status": 0, "delete": 0}

    def _count(self, verb: str) -> None:
        self.writes[verb] = self.writes.get(verb, 0) + 1

    def _parsed(self, obj: JsonObject) -> IncidentMemory:
        found = parse_incident(obj)
        if found is None:
            raise ApiFailure(500, "the API server returned an IncidentMemory dorgu cannot read")
        return found

    async def create(self, incident: IncidentMemory) -> IncidentMemory:
        """POST the object, then its status (the status subresource ignores it on create)."""
        body = _body(incident)
        status = body.pop("status", None)
        namespace = incident.metadata.namespace
        self._count("create")
        created = self._parsed(await self.api.create(INCIDENTS, body, namespace=namespace))
        if status is None:
            return created
        return await self.write_status(created, incident)

    async def update(self, current: IncidentMemory, desired: IncidentMemory) -> IncidentMemory:
        """Write what changed between ``current`` (as read) and ``desired``: the spec (PUT of
        the object) and then the status (PUT of the status subresource)."""
        written = current
        if dump_wire(current.spec) != dump_wire(desired.spec):
            body = _body(desired.model_copy(update={"metadata": current.metadata}))
            body.pop("status", None)
            self._count("update")
            name, namespace = current.metadata.name or "", current.metadata.namespace
            path = INCIDENTS.path(namespace=namespace, name=name)
            written = self._parsed(await self.api.request("PUT", path, body=body))
        if _status(written) != _status(desired):
            written = await self.write_status(written, desired)
        return written

    async def write_status(
        self, current: IncidentMemory, desired: IncidentMemory
    ) -> IncidentMemory:
        """PUT ``desired.status`` onto ``current`` (its resourceVersion guards the write)."""
        body = _body(current.model_copy(update={"status": desired.status}))
        name, namespace = current.metadata.name or "", current.metadata.namespace
        self._count("status")
        path = INCIDENTS.path(namespace=namespace, name=name) + "/status"
        return self._parsed(await self.api.request("PUT", path, body=body))

    async def read(self, name: str, namespace: str) -> IncidentMemory | None:
        try:
            found = await self.api.get(INCIDENTS, name, namespace=namespace)
        except ApiFailure as error:
            if error.code == 404:
                return None
            raise
        return parse_incident(found)

    async def delete(self, incident: IncidentMemory) -> None:
        self._count("delete")
        try:
            await self.api.delete(INCIDENTS, incident.metadata.name or "",
                                  namespace=incident.metadata.namespace)  # fmt: skip
        except ApiFailure as error:
            if error.code != 404:
                raise


def _status(incident: IncidentMemory) -> dict[str, JsonValue] | None:
    return dump_wire(incident.status) if incident.status is not None else None
