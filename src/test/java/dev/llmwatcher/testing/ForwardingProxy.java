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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A forward HTTP proxy on 127.0.0.1 for plain {@code http://} targets: it takes requests in absolute form
 * ({@code POST http://host:port/path HTTP/1.1}), as clients send them to a proxy, forwards each to its target and
 * relays the answer. It records what it was asked, so a test can tell a call that went through it from one that
 * went straight to the provider.
 */
public final class ForwardingProxy implements AutoCloseable {

    private static final Set<String> HOP_HEADERS = Set.of("connection", "content-length", "host", "upgrade",
            "transfer-encoding", "keep-alive", "expect", "proxy-connection", "http2-settings");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient upstream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .proxy(HttpClient.Builder.NO_PROXY).build();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    public ForwardingProxy() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::forward);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The proxy's URL, as {@code HTTP_PROXY} takes it. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** {@code METHOD target} of every request the proxy was given, the target as sent (absolute for a proxy). */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            URI target = exchange.getRequestURI();
            requests.add(exchange.getRequestMethod() + " " + target);
            if (!target.isAbsolute()) {
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(target)
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(value -> request.header(name, value));
                }
            });
            HttpResponse<byte[]> answer;
            try {
                answer = upstream.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("proxy stopped while forwarding", e);
            } catch (IOException e) {
                exchange.sendResponseHeaders(502, -1);
                return;
            }
            answer.headers().map().forEach((name, values) -> {
                if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            if (answer.body().length == 0) {
                exchange.sendResponseHeaders(answer.statusCode(), -1);
                return;
            }
            exchange.sendResponseHeaders(answer.statusCode(), answer.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer.body());
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        upstream.shutdownNow();
        executor.shutdownNow();
    }
}
