"""Sends traces with the real OpenTelemetry Python SDK and prints every span it delivered.

    send_detailed_spans.py PROTOCOL ENDPOINT SERVICE TRACES [gzip|none]

PROTOCOL  http (OTLP/HTTP protobuf to ENDPOINT/v1/traces) | grpc (OTLP/gRPC to ENDPOINT's host:port)
Each trace is a SERVER root "GET /orders/{id}" with a CLIENT child "SELECT orders" carrying a
"cache miss" event, and an INTERNAL child "OrderService.charge" that records an exception and
ends in error: the same shape as the Java client in test/clients/java, so one test checks both.

Prints {"protocol", "service", "spans": [{traceId, spanId, parentSpanId, name, kind, status,
events}]} (ids as lower-case hex) and exits 0 only when the exporter reported success for every
batch; 1 otherwise, 2 on bad arguments.
"""

import json
import sys

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

BATCH_SIZE = 512
TIMEOUT_SECONDS = 10


def exporter_for(protocol, endpoint, gzip):
    endpoint = endpoint.rstrip("/")
    if protocol == "http":
        from opentelemetry.exporter.otlp.proto.http import Compression
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        compression = Compression.Gzip if gzip else Compression.NoCompression
        return OTLPSpanExporter(endpoint=endpoint + "/v1/traces", timeout=TIMEOUT_SECONDS, compression=compression)
    if protocol == "grpc":
        from grpc import Compression
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        compression = Compression.Gzip if gzip else Compression.NoCompression
        return OTLPSpanExporter(endpoint=endpoint.split("://")[-1], insecure=True, timeout=TIMEOUT_SECONDS, compression=compression)
    raise ValueError(f"unknown protocol {protocol!r}: use http or grpc")


def record(service, traces):
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": service, "service.version": "2.0.0", "deployment.environment.name": "test"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("spanlens-python-client", "1.0.0")
    for index in range(traces):
        with tracer.start_as_current_span("GET /orders/{id}", kind=SpanKind.SERVER) as root:
            root.set_attribute("http.request.method", "GET")
            root.set_attribute("http.route", "/orders/{id}")
            root.set_attribute("http.response.status_code", 500)
            with tracer.start_as_current_span("SELECT orders", kind=SpanKind.CLIENT) as db:
                db.set_attribute("db.system.name", "postgresql")
                db.set_attribute("db.query.text", "SELECT * FROM orders WHERE id = %s")
                db.add_event("cache miss", {"cache.key": f"order-{index}"})
            with tracer.start_as_current_span("OrderService.charge", record_exception=False, set_status_on_exception=False) as pay:
                pay.set_attribute("code.function.name", "shop.orders.OrderService.charge")
                pay.set_attribute("retries", 2)
                pay.set_attribute("ratio", 0.5)
                pay.set_attribute("ok", False)
                pay.record_exception(ValueError("card declined"))
                pay.set_status(Status(StatusCode.ERROR, "card declined"))
            root.set_status(Status(StatusCode.ERROR))
    provider.shutdown()
    return memory.get_finished_spans()


def describe(span):
    parent = span.parent
    return {
        "traceId": format(span.context.trace_id, "032x"),
        "spanId": format(span.context.span_id, "016x"),
        "parentSpanId": format(parent.span_id, "016x") if parent is not None and parent.is_valid else None,
        "name": span.name,
        "kind": span.kind.name,
        "status": span.status.status_code.name,
        "events": len(span.events),
    }


def main(argv):
    if len(argv) not in (5, 6) or (len(argv) == 6 and argv[5] not in ("gzip", "none")):
        print(__doc__, file=sys.stderr)
        return 2
    protocol, endpoint, service, traces = argv[1], argv[2], argv[3], int(argv[4])
    gzip = len(argv) == 6 and argv[5] == "gzip"
    try:
        exporter = exporter_for(protocol, endpoint, gzip)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    spans = record(service, traces)
    delivered = []
    failed = 0
    for start in range(0, len(spans), BATCH_SIZE):
        batch = spans[start : start + BATCH_SIZE]
        if exporter.export(batch) is SpanExportResult.SUCCESS:
            delivered.extend(batch)
        else:
            failed += 1
    exporter.shutdown()
    print(json.dumps({"protocol": protocol, "service": service, "spans": [describe(span) for span in delivered]}))
    if failed:
        print(f"{protocol} export to {endpoint} failed for {failed} batch(es)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
