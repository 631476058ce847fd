package dev.spanlens.clients;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Sends traces to an OTLP endpoint with the real OpenTelemetry Java SDK and prints, as JSON on
 * stdout, every span the exporter reported as delivered, so a test can look each one up.
 *
 * <p>Usage: {@code SendTraces <http|grpc> <endpoint> <service.name> <traces> [gzip|none]}; the
 * endpoint is the base URL ({@code http://127.0.0.1:4318} or {@code http://127.0.0.1:4317}).
 */
public final class SendTraces {
  private SendTraces() {}

  public static void main(String[] args) {
    if (args.length < 4 || args.length > 5 || !(args[0].equals("http") || args[0].equals("grpc"))) {
      System.err.println("usage: SendTraces <http|grpc> <endpoint> <service.name> <traces> [gzip|none]");
      System.exit(2);
    }
    String protocol = args[0];
    String endpoint = args[1].replaceAll("/+$", "");
    String service = args[2];
    int traces = Integer.parseInt(args[3]);
    String compression = args.length == 5 ? args[4] : "none";

    SpanExporter wire = protocol.equals("http")
        ? OtlpHttpSpanExporter.builder().setEndpoint(endpoint + "/v1/traces").setCompression(compression).setTimeout(10, TimeUnit.SECONDS).build()
        : OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setCompression(compression).setTimeout(10, TimeUnit.SECONDS).build();
    RecordingExporter exporter = new RecordingExporter(wire);
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), service,
        AttributeKey.stringKey("service.version"), "2.0.0",
        AttributeKey.stringKey("deployment.environment.name"), "test")));
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(resource)
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).setMaxExportBatchSize(512).build())
        .build();
    Tracer tracer = provider.get("spanlens-java-client", "1.0.0");

    for (int t = 0; t < traces; t++) recordTrace(tracer, t);

    CompletableResultCode flushed = provider.forceFlush().join(20, TimeUnit.SECONDS);
    provider.shutdown().join(20, TimeUnit.SECONDS);
    System.out.println(exporter.json(protocol, service));
    if (!flushed.isSuccess() || exporter.failures > 0) {
      System.err.println("export failed: " + exporter.failures + " batch(es) were not accepted");
      System.exit(1);
    }
  }

  /** A server request with a database call and a failed payment, like the JS tests' traces. */
  private static void recordTrace(Tracer tracer, int index) {
    Span root = tracer.spanBuilder("GET /orders/{id}")
        .setSpanKind(SpanKind.SERVER)
        .setAttribute("http.request.method", "GET")
        .setAttribute("http.route", "/orders/{id}")
        .setAttribute("http.response.status_code", 500L)
        .startSpan();
    Context inRoot = Context.current().with(root);
    Span db = tracer.spanBuilder("SELECT orders")
        .setParent(inRoot)
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute("db.system.name", "postgresql")
        .setAttribute("db.query.text", "SELECT * FROM orders WHERE id = ?")
        .startSpan();
    db.addEvent("cache miss", Attributes.of(AttributeKey.stringKey("cache.key"), "order-" + index));
    db.end();
    Span pay = tracer.spanBuilder("OrderService.charge")
        .setParent(inRoot)
        .setAttribute("code.function.name", "com.example.shop.OrderService.charge")
        .setAttribute("retries", 2L)
        .setAttribute("ratio", 0.5)
        .setAttribute("ok", false)
        .startSpan();
    pay.recordException(new IllegalStateException("card declined"));
    pay.setStatus(StatusCode.ERROR, "card declined");
    pay.end();
    root.setStatus(StatusCode.ERROR);
    root.end();
  }

  /** Passes batches to the real exporter and keeps the spans of those it delivered. */
  private static final class RecordingExporter implements SpanExporter {
    private final SpanExporter delegate;
    private final List<SpanData> delivered = new ArrayList<>();
    private int failures;

    RecordingExporter(SpanExporter delegate) {
      this.delegate = delegate;
    }

    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> spans) {
      List<SpanData> batch = new ArrayList<>(spans);
      CompletableResultCode result = delegate.export(batch);
      result.whenComplete(() -> {
        synchronized (this) {
          if (result.isSuccess()) delivered.addAll(batch);
          else failures++;
        }
      });
      return result;
    }

    @Override
    public CompletableResultCode flush() {
      return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
      return delegate.shutdown();
    }

    synchronized String json(String protocol, String service) {
      StringBuilder out = new StringBuilder();
      out.append("{\"protocol\":").append(quote(protocol)).append(",\"service\":").append(quote(service)).append(",\"spans\":[");
      for (int i = 0; i < delivered.size(); i++) {
        SpanData span = delivered.get(i);
        if (i > 0) out.append(',');
        out.append("{\"traceId\":").append(quote(span.getTraceId()))
            .append(",\"spanId\":").append(quote(span.getSpanId()))
            .append(",\"parentSpanId\":").append(span.getParentSpanContext().isValid() ? quote(span.getParentSpanId()) : "null")
            .append(",\"name\":").append(quote(span.getName()))
            .append(",\"kind\":").append(quote(span.getKind().name()))
            .append(",\"status\":").append(quote(span.getStatus().getStatusCode().name()))
            .append(",\"events\":").append(span.getEvents().size())
            .append('}');
      }
      return out.append("]}").toString();
    }
  }

  private static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }
}
