package dev.llmwatcher.aws.priming;

import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.impl.bootstrap.HttpServer;
import org.apache.hc.core5.http.impl.bootstrap.ServerBootstrap;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

import javax.net.ssl.SSLContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP or HTTPS server on 127.0.0.1 that answers SnapStart priming's requests as a {@link Handler} decides.
 *
 * <p>It is Apache HttpCore 5's classic (blocking) server: the package carries HttpCore anyway, under the
 * Elasticsearch client, so priming needs nothing of the JDK beyond what the watcher itself needs. The JDK's own
 * {@code com.sun.net.httpserver}, which priming used before, lives in the {@code jdk.httpserver} module, and nobody
 * promises that a Lambda runtime ships it; on a runtime without it the priming hook failed and so did the deploy.
 */
public final class PrimingServer implements AutoCloseable {

    /** One request: method, path with query as sent, headers by lower-case name, body as text. */
    public record Request(String method, String target, Map<String, String> headers, String body) {
    }

    /** What to answer: status, headers (a {@code Content-Type} for the body, JSON if none), body (or empty). */
    public record Response(int status, Map<String, String> headers, String body) {
    }

    /** Decides the answer to one request. */
    @FunctionalInterface
    public interface Handler {
        Response handle(Request request);
    }

    /** The one header given with the body rather than set on its own (HttpCore adds it from the body). */
    private static final String CONTENT_TYPE = "Content-Type";
    private static final String HOST = "127.0.0.1";
    private static final Timeout SOCKET_TIMEOUT = Timeout.ofSeconds(30);
    private static final TimeValue STOP_WAIT = TimeValue.ofSeconds(5);

    private final HttpServer server;
    private final boolean tls;
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    private PrimingServer(Handler handler, SSLContext tlsContext) {
        this.tls = tlsContext != null;
        ServerBootstrap bootstrap = ServerBootstrap.bootstrap()
                .setLocalAddress(InetAddress.getLoopbackAddress())
                .setListenerPort(0)
                // The name its clients use (url()); any other host name in a request would be answered 421.
                .setCanonicalHostName(HOST)
                .setSocketConfig(SocketConfig.custom().setSoTimeout(SOCKET_TIMEOUT).build())
                .register("*", (request, response, context) -> answer(handler, request, response));
        if (tls) {
            bootstrap.setSslContext(tlsContext);
        }
        server = bootstrap.create();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a loopback port for priming", e);
        }
    }

    /** A plain HTTP server. */
    public static PrimingServer http(Handler handler) {
        return new PrimingServer(handler, null);
    }

    /** An HTTPS server with the key and certificate of {@code tls}. */
    public static PrimingServer https(Handler handler, SSLContext tls) {
        return new PrimingServer(handler, tls);
    }

    public URI url() {
        return URI.create((tls ? "https" : "http") + "://" + HOST + ":" + server.getLocalPort());
    }

    /** {@code METHOD target} of every request served, in order. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void answer(Handler handler, ClassicHttpRequest request, ClassicHttpResponse response) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : request.getHeaders()) {
            headers.put(header.getName().toLowerCase(Locale.ROOT), header.getValue());
        }
        HttpEntity entity = request.getEntity();
        String body = entity == null ? "" : new String(EntityUtils.toByteArray(entity), StandardCharsets.UTF_8);
        String method = request.getMethod().toUpperCase(Locale.ROOT);
        requests.add(method + " " + request.getRequestUri());
        Response answer = handler.handle(new Request(method, request.getRequestUri(), headers, body));
        response.setCode(answer.status());
        answer.headers().forEach((name, value) -> {
            if (!name.equalsIgnoreCase(CONTENT_TYPE)) {
                response.setHeader(name, value);
            }
        });
        if (!answer.body().isEmpty()) {
            ContentType type = ContentType.parse(answer.headers().getOrDefault(CONTENT_TYPE, "application/json"));
            response.setEntity(new StringEntity(answer.body(), type.withCharset(StandardCharsets.UTF_8)));
        }
    }

    /** Stops at once: open connections are closed, and the server's threads have ended when this returns. */
    @Override
    public void close() {
        server.close(CloseMode.IMMEDIATE);
        try {
            server.awaitTermination(STOP_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
