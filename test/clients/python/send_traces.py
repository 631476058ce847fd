"""Sends traces with the real OpenTelemetry Python SDK and prints what it sent as JSON.

    send_traces.py ENDPOINT PROTOCOL SERVICE COUNT [SPANS_PER_TRACE]

ENDPOINT  http://127.0.0.1:PORT (a path, if given, is used as is; otherwise /v1/traces for
          http, /api/v2/spans for zipkin; grpc takes host:port with or without http://)
PROTOCOL  http (OTLP/HTTP protobuf) | grpc (OTLP/gRPC) | zipkin (Zipkin v2 JSON)
SERVICE   service.name of the resource
COUNT     number of traces
SPANS_PER_TRACE  default 3: a SERVER root "GET /checkout", then INTERNAL children
          "charge-card" with code.function.name = "chargeCard" and
          code.file.path = "src/payments.py"; the last child of every odd trace is an error

Prints {"service": ..., "protocol": ..., "traceIds": [32-hex ids], "spanCount": N} and exits 0
only when the exporter reported success for every batch; 1 otherwise (a test should see the
failure rather than find fewer spans later), 2 on bad arguments.
"""

import json
import sys
import time
from urllib.parse import urlparse

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

BATCH_SIZE = 512
EXPORT_TIMEOUT_SECONDS = 10


def make_exporter(endpoint, protocol):
    parsed = urlparse(endpoint if "://" in endpoint else "http://" + endpoint)
    has_path = parsed.path not in ("", "/")
    if protocol == "http":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        url = endpoint if has_path else endpoint.rstrip("/") + "/v1/traces"
        return OTLPSpanExporter(endpoint=url, timeout=EXPORT_TIMEOUT_SECONDS)
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(endpoint=parsed.netloc, insecure=True, timeout=EXPORT_TIMEOUT_SECONDS)
    if protocol == "zipkin":
        from opentelemetry.exporter.zipkin.json import ZipkinExporter

        url = endpoint if has_path else endpoint.rstrip("/") + "/api/v2/spans"
        return ZipkinExporter(endpoint=url, timeout=EXPORT_TIMEOUT_SECONDS)
    raise ValueError(f"unknown protocol {protocol!r}: use http, grpc or zipkin")


def record_traces(service, count, spans_per_trace):
    # Spans are recorded in memory first and handed to the real exporter afterwards, so the
    # exporter's own result for each batch decides the exit code.
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("spanlens.test.python-sender", "1.0.0")
    trace_ids = []
    for index in range(count):
        with tracer.start_as_current_span("GET /checkout", kind=SpanKind.SERVER) as root:
            root.set_attribute("http.request.method", "GET")
            root.set_attribute("http.route", "/checkout")
            root.set_attribute("test.trace_index", index)
            trace_ids.append(format(root.get_span_context().trace_id, "032x"))
            for child_index in range(spans_per_trace - 1):
                with tracer.start_as_current_span("charge-card") as child:
                    child.set_attribute("code.function.name", "chargeCard")
                    child.set_attribute("code.file.path", "src/payments.py")
                    time.sleep(0.001)
                    if index % 2 == 1 and child_index == spans_per_trace - 2:
                        child.set_status(Status(StatusCode.ERROR, "card declined"))
    provider.shutdown()
    return trace_ids, memory.get_finished_spans()


def main(argv):
    if len(argv) not in (5, 6):
        print(__doc__, file=sys.stderr)
        return 2
    endpoint, protocol, service = argv[1], argv[2], argv[3]
    count = int(argv[4])
    spans_per_trace = int(argv[5]) if len(argv) == 6 else 3
    if count < 1 or spans_per_trace < 1:
        print("COUNT and SPANS_PER_TRACE must be at least 1", file=sys.stderr)
        return 2
    try:
        exporter = make_exporter(endpoint, protocol)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    trace_ids, spans = record_traces(service, count, spans_per_trace)
    failed = 0
    for start in range(0, len(spans), BATCH_SIZE):
        if exporter.export(spans[start : start + BATCH_SIZE]) is not SpanExportResult.SUCCESS:
            failed += 1
    exporter.shutdown()
    if failed:
        print(f"{protocol} export to {endpoint} failed for {failed} batch(es)", file=sys.stderr)
        return 1
    print(json.dumps({"service": service, "protocol": protocol, "traceIds": trace_ids, "spanCount": len(spans)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
