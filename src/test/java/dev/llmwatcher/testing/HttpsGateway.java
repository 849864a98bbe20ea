package dev.llmwatcher.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.llmwatcher.demo.LocalCertificates;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * An HTTPS front for a cluster that speaks plain HTTP, as a managed service or a security plugin puts one in front
 * of it: TLS with a private CA made at start ({@link #caPem()}), and a {@link Gate} that refuses what it must
 * (a request not signed with SigV4, {@link SigV4Proxy}; one without the right user and password, {@link #basicAuth}),
 * forwarding the rest to the real cluster. OpenSearch's integ-test-zip has no security plugin, so this is how the
 * suite gives an OpenSearch TLS and basic authentication.
 */
public final class HttpsGateway implements AutoCloseable {

    /** Decides on each request before it is forwarded. */
    @FunctionalInterface
    public interface Gate {

        /** Why and how the request is refused, or null to forward it. */
        Refusal check(HttpExchange exchange, byte[] body);
    }

    /** A refused request: why (for {@link #refusals()}), and the status and JSON body it is answered with. */
    public record Refusal(String reason, int status, String json) {
    }

    /** Hop-by-hop headers the JDK's client sets itself, and the credentials the front consumed. */
    private static final Set<String> NOT_FORWARDED = Set.of("host", "connection", "content-length", "authorization",
            "expect", "upgrade");

    private final HttpsServer server;
    private final URI target;
    private final Gate gate;
    private final LocalCertificates certificates;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> refusals = new CopyOnWriteArrayList<>();
    private final List<String> forwarded = new CopyOnWriteArrayList<>();

    public HttpsGateway(URI target, Path work, Gate gate) {
        this.target = target;
        this.gate = gate;
        this.certificates = LocalCertificates.create(work.resolve("ca"), work.resolve("server.p12"));
        try {
            server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setHttpsConfigurator(new HttpsConfigurator(certificates.serverTls()));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * A front that lets through only requests with HTTP basic authentication as {@code username}/{@code password},
     * answering others 401 with a {@code security_exception}, as a secured cluster does.
     */
    public static HttpsGateway basicAuth(URI target, Path work, String username, String password) {
        String expected = "Basic " + Base64.getEncoder().encodeToString((username + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
        return new HttpsGateway(target, work, (exchange, body) -> {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (expected.equals(authorization)) {
                return null;
            }
            String reason = authorization == null ? "no Authorization header" : "wrong credentials";
            return new Refusal(reason, 401, "{\"error\":{\"type\":\"security_exception\",\"reason\":\""
                    + "unable to authenticate user for REST request: " + reason + "\"},\"status\":401}");
        });
    }

    /** {@code https://127.0.0.1:PORT}. */
    public URI url() {
        return URI.create("https://127.0.0.1:" + port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public Path caPem() {
        return certificates.caPem();
    }

    /** SHA-256 of the CA certificate, lower-case hex without colons (as Elasticsearch prints it). */
    public String caFingerprint() {
        return certificates.caFingerprint();
    }

    /** Why each refused request was refused. */
    public List<String> refusals() {
        return List.copyOf(refusals);
    }

    /** Method and path of each request forwarded. */
    public List<String> forwarded() {
        return List.copyOf(forwarded);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Refusal refusal = gate.check(exchange, body);
            if (refusal != null) {
                refusals.add(refusal.reason());
                answer(exchange, refusal.status(), refusal.json());
                return;
            }
            forwarded.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath());
            HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
                    .timeout(Duration.ofSeconds(30))
                    .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(value -> request.header(name, value));
                }
            });
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            for (String header : List.of("Content-Type", "Content-Encoding")) {
                response.headers().firstValue(header).ifPresent(value ->
                        exchange.getResponseHeaders().add(header, value));
            }
            exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1
                    : response.body().length);
            if (response.body().length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response.body());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
