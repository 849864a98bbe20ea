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
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An HTTP server on 127.0.0.1 (the JDK's {@link HttpServer}, each exchange on its own virtual thread) whose answers
 * a {@link Handler} decides: the tests' fake LLM providers run on it. A handler that returns null drops the connection
 * without answering, as a provider that crashed mid-call would.
 */
public final class LoopbackServer implements AutoCloseable {

    /**
     * One request. {@code target} is the path and query as sent, {@code path} the path alone; {@code headers} by
     * lower-case name (the last value of a repeated header); {@code arrivedNanos} when the handler was given it.
     */
    public record Request(String method, String target, String path, Map<String, String> headers, byte[] body,
                          long arrivedNanos) {
    }

    /** What to answer: status, headers besides {@code Content-Length}, body. */
    public record Response(int status, Map<String, String> headers, byte[] body) {
    }

    @FunctionalInterface
    public interface Handler {
        /** The response to {@code request}, or null to close the connection without one. */
        Response handle(Request request) throws IOException;
    }

    private final HttpServer server;
    private final Handler handler;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    /** A server answering every request with what {@code handler} returns. */
    public LoopbackServer(Handler handler) {
        this.handler = handler;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a loopback port", e);
        }
        server.setExecutor(threads);
        server.createContext("/", this::serve);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** {@code METHOD target} of every request served, in order. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            long arrived = System.nanoTime();
            URI uri = exchange.getRequestURI();
            String target = uri.getRawQuery() == null ? uri.getRawPath() : uri.getRawPath() + "?" + uri.getRawQuery();
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.put(name.toLowerCase(Locale.ROOT), values.getLast()));
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            requests.add(method + " " + target);
            Response response = handler.handle(new Request(method, target, uri.getPath(), headers, body, arrived));
            if (response != null) {
                write(exchange, response);
            }
        }
    }

    /** A HEAD answer has no body: given a length, the JDK's server would print a warning on standard error. */
    private static void write(HttpExchange exchange, Response response) throws IOException {
        response.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        boolean bodyless = response.body().length == 0 || response.status() == 204 || response.status() == 304
                || exchange.getRequestMethod().equalsIgnoreCase("HEAD");
        exchange.sendResponseHeaders(response.status(), bodyless ? -1 : response.body().length);
        if (!bodyless) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(response.body());
            }
        }
    }

    /** Stops at once: open connections are closed, and handlers still running are interrupted. */
    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
