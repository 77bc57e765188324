"""Counts what the embedded default bills (bench_cost.py): every AWS request, measured where AWS would bill it.

The functions run in worker processes with boto3 clients of their own, so a hook on our clients would have to be
installed in each of them; every one of their requests reaches the embedded AWS (moto server, in the bench's process)
instead, so the meter sits there: a WSGI middleware around moto's application (`metered_moto`) sees each request with
its caller's credential scope (the service), its operation, its payload and moto's answer. From those it derives the
billed units: DynamoDB read and write request units from the item sizes and an index's writes only where the item is in
it (cost_dynamodb.py; moto's own ConsumedCapacity is a constant), SQS requests per 64 KB chunk, EventBridge events per
64 KB chunk. Lambda invocations and their duration come from the local runtime's function pools (`meter_functions`).
Nothing in the product changes.
"""

import io
import json
import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock
from urllib.parse import parse_qs

from local.runtime import LocalRuntime
from tests.benchmarks.cost_dynamodb import Item, TableShape, index_write_units, item_size, read_units, write_units

CHUNK = 64 * 1024
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class AwsMeter:
    """Request counts per (service, operation) and billed units per name; `snapshot` copies both."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.units: Counter[str] = Counter()
        self.tables: dict[str, TableShape] = {}  # tables with global secondary indexes, by name

    def add(self, request: str, units: dict[str, float]) -> None:
        """Records one request and the units it bills."""
        with self._lock:
            self.requests[request] += 1
            self.units.update(units)

    def snapshot(self) -> tuple[Counter[str], Counter[str]]:
        """A copy of the counts so far (requests, units)."""
        with self._lock:
            return Counter(self.requests), Counter(self.units)

    def wrap(self, app: WSGIApp) -> WSGIApp:
        """moto's WSGI application, metered."""

        def metered(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            statuses: list[str] = []
            before = self._before_images(environ, body, app)

            def capture(status: str, headers: Any, exc_info: Any = None) -> Any:
                statuses.append(status)
                return start_response(status, headers, exc_info)

            answer = b"".join(app(environ, capture))
            service = _service(environ)
            if service and not str(environ.get("PATH_INFO", "")).startswith("/moto-api"):
                operation = _operation(environ, body)
                ok = bool(statuses) and statuses[0].startswith("2")
                try:
                    units = self._units(service, operation, body, answer, ok, app, environ)
                    if service == "dynamodb" and ok:
                        index = self._index_writes(operation, json.loads(body), before, app, environ)
                        units = {k: units.get(k, 0.0) + index.get(k, 0.0) for k in {*units, *index}}
                except (ValueError, KeyError, TypeError):
                    units = {}
                self.add(f"{service}:{operation}", units)
            return [answer]

        return metered

    def _units(
        self, service: str, op: str, body: bytes, answer: bytes, ok: bool, app: WSGIApp, environ: dict[str, Any]
    ) -> dict[str, float]:
        if service == "dynamodb":
            return self._dynamodb(
                op, json.loads(body or b"{}"), json.loads(answer or b"{}") if ok else {}, app, environ
            )
        if service == "sqs":
            return {f"sqs.requests:{op}": _sqs_chunks(op, body, environ)}
        if service == "events" and op == "PutEvents":
            entries = json.loads(body)["Entries"]
            sizes = [len(json.dumps(entry).encode()) for entry in entries]
            return {"events.entries": sum(max(1, math.ceil(s / CHUNK)) for s in sizes), "events.bytes": sum(sizes)}
        return {}

    def _dynamodb(
        self, op: str, req: dict[str, Any], resp: dict[str, Any], app: WSGIApp, environ: dict[str, Any]
    ) -> dict[str, float]:
        table = str(req.get("TableName", ""))
        if op == "PutItem":
            return self._writes(table, [write_units(item_size(req["Item"]))])
        if op == "UpdateItem":
            current = _inner_get(app, environ, table, req["Key"])
            return self._writes(table, [write_units(item_size(current or req["Key"]))])
        if op == "DeleteItem":
            return self._writes(table, [1.0])
        if op == "BatchWriteItem":
            units: Counter[str] = Counter()
            for name, requests in req.get("RequestItems", {}).items():
                sizes = [
                    write_units(item_size(r["PutRequest"]["Item"])) if "PutRequest" in r else 1.0 for r in requests
                ]
                units.update(self._writes(name, sizes))
            return dict(units)
        if op == "TransactWriteItems":
            units = Counter()
            for entry in req.get("TransactItems", []):
                ((_, spec),) = entry.items()
                size = item_size(spec.get("Item", spec.get("Key", {})))
                units.update(self._writes(str(spec["TableName"]), [2 * write_units(size)]))
            return dict(units)
        return _dynamodb_reads(op, req, resp)

    def _writes(self, table: str, units: list[float]) -> dict[str, float]:
        return {f"dynamodb.write:{table}": sum(units)}

    def _before_images(self, environ: dict[str, Any], body: bytes, app: WSGIApp) -> dict[tuple[str, str], Item | None]:
        """The stored items a write to an indexed table is about to change (asked of moto before it runs)."""
        if not self.tables or _service(environ) != "dynamodb":
            return {}
        try:
            targets = self._targets(_operation(environ, body), json.loads(body or b"{}"))
        except (ValueError, KeyError, TypeError):
            return {}
        return {(t, _key_id(k)): _inner_get(app, environ, t, k) for t, k, _, _ in targets}

    def _targets(self, op: str, req: dict[str, Any]) -> list[tuple[str, Item, Item | None, bool]]:
        """(table, key, the item written or None, whether the stored item is read after) per item a write touches,
        on indexed tables; a transaction's entries twice (a transactional write is two writes)."""
        entries: list[tuple[str, str, dict[str, Any]]] = []
        if op in ("PutItem", "UpdateItem", "DeleteItem"):
            entries.append((str(req.get("TableName", "")), op, req))
        elif op == "BatchWriteItem":
            for name, requests in req.get("RequestItems", {}).items():
                for r in requests:
                    entries += [(name, "PutItem", r["PutRequest"])] if "PutRequest" in r else []
                    entries += [(name, "DeleteItem", r["DeleteRequest"])] if "DeleteRequest" in r else []
        elif op == "TransactWriteItems":
            for entry in req.get("TransactItems", []):
                ((kind, spec),) = entry.items()
                if kind in ("Put", "Update", "Delete"):
                    entries += 2 * [(str(spec["TableName"]), f"{kind}Item", spec)]
        targets = []
        for table, kind, spec in entries:
            shape = self.tables.get(table)
            if shape is None:
                continue
            item = spec.get("Item") if kind == "PutItem" else None
            key = shape.key_of(item) if item is not None else spec["Key"]
            targets.append((table, key, item, kind == "UpdateItem"))
        return targets

    def _index_writes(
        self,
        op: str,
        req: dict[str, Any],
        before: dict[tuple[str, str], Item | None],
        app: WSGIApp,
        environ: dict[str, Any],
    ) -> dict[str, float]:
        """The index writes of a write that succeeded, under the table's name (an index's writes bill as the
        table's)."""
        units: dict[str, float] = {}
        for table, key, item, read_after in self._targets(op, req):
            old = before.get((table, _key_id(key)))
            new = _inner_get(app, environ, table, key) if read_after else item
            name = f"dynamodb.write:{table}"
            units[name] = units.get(name, 0.0) + sum(index_write_units(i, old, new) for i in self.tables[table].indexes)
        return units


def _dynamodb_reads(op: str, req: dict[str, Any], resp: dict[str, Any]) -> dict[str, float]:
    """Read request units of a read: the returned items' sizes (a filter's discarded items are not counted)."""
    consistent, table = bool(req.get("ConsistentRead")), str(req.get("TableName", ""))
    if op == "GetItem":
        return {f"dynamodb.read:{table}": read_units(item_size(resp.get("Item", {})), consistent)}
    if op in ("Query", "Scan"):
        size = sum(item_size(item) for item in resp.get("Items", []))
        return {f"dynamodb.read:{table}": read_units(size, consistent)}
    if op == "BatchGetItem":
        return {
            f"dynamodb.read:{name}": sum(read_units(item_size(item), consistent) for item in items)
            for name, items in resp.get("Responses", {}).items()
        }
    return {}


def _key_id(key: Item) -> str:
    return json.dumps(key, sort_keys=True)


def _service(environ: dict[str, Any]) -> str:
    """The service of a signed request, from its credential scope (…/date/region/service/aws4_request)."""
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    if "Credential=" not in auth:
        return ""
    return auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")[3]


def _operation(environ: dict[str, Any], body: bytes) -> str:
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target:
        return target.rsplit(".", 1)[-1]
    path = str(environ.get("PATH_INFO", ""))
    if "/operation/" in path:  # smithy RPC v2 (CloudWatch)
        return path.rsplit("/", 1)[-1]
    query = parse_qs(str(environ.get("QUERY_STRING", ""))) or parse_qs(body.decode(errors="replace"))
    if "Action" in query:
        return query["Action"][0]
    return f"{environ.get('REQUEST_METHOD')} /{path.strip('/').split('/')[0]}"


def _sqs_chunks(op: str, body: bytes, environ: dict[str, Any]) -> float:
    """Billed SQS requests: one per 64 KB chunk of what a send carries, one for anything else."""
    if op not in ("SendMessage", "SendMessageBatch"):
        return 1.0
    if str(environ.get("HTTP_X_AMZ_TARGET", "")):
        req = json.loads(body)
        entries = req.get("Entries", [req])
        size = sum(
            len(str(e.get("MessageBody", "")).encode()) + len(json.dumps(e.get("MessageAttributes", {})))
            for e in entries
        )
    else:
        form = parse_qs(body.decode())
        size = sum(len(v[0].encode()) for k, v in form.items() if k.endswith("MessageBody"))
    return float(max(1, math.ceil(size / CHUNK)))


def _inner_get(app: WSGIApp, environ: dict[str, Any], table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    """The item as stored now, asked of moto directly (not metered): an update bills the item's size."""
    payload = json.dumps({"TableName": table, "Key": key, "ConsistentRead": True}).encode()
    inner = dict(environ)
    inner.update(
        {
            "wsgi.input": io.BytesIO(payload),
            "CONTENT_LENGTH": str(len(payload)),
            "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.GetItem",
        }
    )
    answer = b"".join(app(inner, lambda status, headers, exc_info=None: None))
    found = json.loads(answer or b"{}").get("Item")
    return found if isinstance(found, dict) else None


@contextmanager
def metered_moto(meter: AwsMeter) -> Iterator[None]:
    """Every moto server started in this process during the block serves through `meter`."""
    from moto.moto_server import threaded_moto_server

    original = threaded_moto_server.DomainDispatcherApplication

    def build(*args: Any, **kwargs: Any) -> WSGIApp:
        return meter.wrap(original(*args, **kwargs))

    with mock.patch.object(threaded_moto_server, "DomainDispatcherApplication", build):
        yield


class FunctionMeter:
    """Lambda invocations and their measured duration x configured memory, per function."""

    def __init__(self, runtime: LocalRuntime) -> None:
        self._lock = threading.Lock()
        self.invocations: Counter[str] = Counter()
        self.gb_seconds: Counter[str] = Counter()
        self.memory_mb = {name: pool.spec.memory_mb for name, pool in runtime.pools.items()}
        for name, pool in runtime.pools.items():
            pool.invoke = self._metered(name, pool.invoke)  # type: ignore[method-assign,assignment]

    def _metered(self, name: str, invoke: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def metered(event: Any) -> Any:
            result = invoke(event)
            billed_ms = math.ceil(result.duration_ms)
            with self._lock:
                self.invocations[name] += 1
                self.gb_seconds[name] += billed_ms / 1000 * self.memory_mb[name] / 1024
            return result

        return metered

    def snapshot(self) -> tuple[Counter[str], Counter[str]]:
        """A copy of the counts so far (invocations, GB-seconds)."""
        with self._lock:
            return Counter(self.invocations), Counter(self.gb_seconds)
