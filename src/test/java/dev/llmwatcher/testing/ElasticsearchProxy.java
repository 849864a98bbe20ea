package dev.llmwatcher.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An HTTP proxy in front of the test Elasticsearch that a test can break at a chosen request: from then on it
 * drops every connection without an answer (Elasticsearch gone) or answers 401 with Elasticsearch's own
 * {@code security_exception} (credentials refused). Lets a test take Elasticsearch away in the middle of a run, even
 * in the middle of one bulk write, without touching the shared instance.
 */
public final class ElasticsearchProxy implements AutoCloseable {

    /** What the proxy does with requests. */
    public enum Mode { FORWARD, GONE, REFUSE_CREDENTIALS }

    /** One request as the proxy sees it: method, path and body. */
    public record Request(String method, String path, String body) {
    }

    private static final Set<String> HOP_HEADERS = Set.of("connection", "content-length", "host", "upgrade",
            "transfer-encoding", "keep-alive", "expect");
    private static final String SECURITY_EXCEPTION = "{\"error\":{\"root_cause\":[{\"type\":\"security_exception\","
            + "\"reason\":\"unable to authenticate user [watcher] for REST request [/_bulk]\"}],"
            + "\"type\":\"security_exception\",\"reason\":\"unable to authenticate user [watcher] for REST request "
            + "[/_bulk]\"},\"status\":401}";
    private static final String INTERNAL_ERROR = "{\"error\":{\"root_cause\":[{\"type\":\"illegal_state_exception\","
            + "\"reason\":\"injected by the test proxy\"}],\"type\":\"illegal_state_exception\","
            + "\"reason\":\"injected by the test proxy\"},\"status\":500}";

    private final URI upstream;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.FORWARD);
    private volatile Predicate<Request> trigger = request -> false;
    private volatile Mode triggeredMode = Mode.FORWARD;
    private volatile Predicate<Request> failing = request -> false;
    private volatile Predicate<Request> answering = request -> false;
    private volatile Function<Request, Answer> answer = request -> null;

    /** An answer the proxy gives in place of Elasticsearch: status and JSON body. */
    public record Answer(int status, String json) {
    }

    public ElasticsearchProxy(URI upstream) {
        this.upstream = upstream;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public URI url() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
    }

    /** Switches to {@code then} on the first request matching {@code when}; that request already gets it. */
    public void breakOn(Predicate<Request> when, Mode then) {
        this.triggeredMode = then;
        this.trigger = when;
    }

    /**
     * Answers every request matching {@code when} with HTTP 500 and an Elasticsearch error, and forwards the others:
     * one kind of request failing on a cluster that is otherwise fine.
     */
    public void failEach(Predicate<Request> when) {
        this.failing = when;
    }

    /**
     * Answers every request matching {@code when} with {@code answer} (sent as Elasticsearch sends JSON) instead of
     * forwarding it: Elasticsearch refusing one kind of request, e.g. a bulk while it sheds load.
     */
    public void answerEach(Predicate<Request> when, Function<Request, Answer> answer) {
        this.answer = answer;
        this.answering = when;
    }

    public Mode mode() {
        return mode.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    new String(body, StandardCharsets.UTF_8));
            if (mode.get() == Mode.FORWARD && failing.test(request)) {
                reply(exchange, 500, INTERNAL_ERROR.getBytes(StandardCharsets.UTF_8), "application/json");
                return;
            }
            if (mode.get() == Mode.FORWARD && answering.test(request)) {
                Answer given = answer.apply(request);
                reply(exchange, given.status(), given.json().getBytes(StandardCharsets.UTF_8), "application/json");
                return;
            }
            if (mode.get() == Mode.FORWARD && trigger.test(request)) {
                mode.compareAndSet(Mode.FORWARD, triggeredMode);
            }
            switch (mode.get()) {
                case GONE -> {
                    // closing without response headers drops the connection, as a dead node would
                }
                case REFUSE_CREDENTIALS -> reply(exchange, 401, SECURITY_EXCEPTION.getBytes(StandardCharsets.UTF_8),
                        "application/json");
                case FORWARD -> forward(exchange, body);
            }
        }
    }

    private void forward(HttpExchange exchange, byte[] body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
                .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        response.headers().map().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                values.forEach(value -> exchange.getResponseHeaders().add(name, value));
            }
        });
        byte[] bytes = response.body();
        exchange.sendResponseHeaders(response.statusCode(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void reply(HttpExchange exchange, int status, byte[] bytes, String contentType)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("X-Elastic-Product", "Elasticsearch");
        exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"security\", charset=\"UTF-8\"");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
