package dev.llmwatcher.aws.priming;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small HTTP/1.1 server on 127.0.0.1, {@code java.base} only (Lambda's runtime need not carry
 * {@code jdk.httpserver}): SnapStart priming answers as Elasticsearch, Ollama and OpenAI with it, and the tests' fake
 * LLM providers run on it. One virtual thread per connection reads a request, hands it to the handler and writes its
 * response, then reads the next on the same connection. A request's arrival time is taken when its request line has
 * been read, not after a dispatcher thread has passed it on (as {@code com.sun.net.httpserver} does), so a
 * benchmark's latency counts from the request reaching the fake provider.
 *
 * <p>Reads {@code Content-Length} bodies (what {@code Http1Client} sends) and chunked ones; honours
 * {@code Connection: close}. A handler that returns null drops the connection without answering.
 */
public final class LoopbackServer implements AutoCloseable {

    /**
     * One request. {@code target} is the path and query as sent, {@code path} the path alone; {@code headers} by
     * lower-case name (the last value of a repeated header).
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

    /** A JSON answer: status and body. */
    public record Answer(int status, String json) {
    }

    /** Picks the JSON answer to one request. */
    public interface Route {
        Answer answer(String method, String path, String body);
    }

    private static final int MAX_LINE = 16 * 1024;

    private final ServerSocket socket;
    private final Handler handler;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    /** A server answering every request with what {@code handler} returns. */
    public LoopbackServer(Handler handler) {
        this.handler = handler;
        try {
            socket = new ServerSocket();
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a loopback port", e);
        }
        threads.submit(this::accept);
    }

    /** A server answering every request with the JSON {@code route} picks (priming's routes). */
    public LoopbackServer(Route route) {
        this(request -> {
            Answer answer = route.answer(request.method(), request.target(),
                    new String(request.body(), StandardCharsets.UTF_8));
            return new Response(answer.status(), Map.of("Content-Type", "application/json",
                            "X-Elastic-Product", "Elasticsearch"),
                    answer.json().getBytes(StandardCharsets.UTF_8));
        });
    }

    public int port() {
        return socket.getLocalPort();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** {@code METHOD target} of every request served, in order. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket connection = socket.accept();
                connection.setTcpNoDelay(true);
                connections.add(connection);
                threads.submit(() -> serve(connection));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket connection) {
        try (connection; InputStream in = new BufferedInputStream(connection.getInputStream());
             OutputStream out = new BufferedOutputStream(connection.getOutputStream())) {
            while (true) {
                String requestLine = line(in);
                if (requestLine == null || requestLine.isEmpty()) {
                    return;
                }
                long arrived = System.nanoTime();
                String[] parts = requestLine.split(" ");
                if (parts.length != 3) {
                    return;
                }
                Map<String, String> headers = new LinkedHashMap<>();
                String header;
                while ((header = line(in)) != null && !header.isEmpty()) {
                    int colon = header.indexOf(':');
                    if (colon > 0) {
                        headers.put(header.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                                header.substring(colon + 1).strip());
                    }
                }
                byte[] body = body(in, headers);
                String method = parts[0].toUpperCase(Locale.ROOT);
                requests.add(method + " " + parts[1]);
                Response response = handler.handle(new Request(method, parts[1], URI.create(parts[1]).getPath(),
                        headers, body, arrived));
                if (response == null) {
                    return;
                }
                write(out, response);
                if ("close".equalsIgnoreCase(headers.get("connection"))) {
                    return;
                }
            }
        } catch (IOException | RuntimeException ended) {
            // the client went away, or sent something this server does not speak: drop the connection
        } finally {
            connections.remove(connection);
        }
    }

    private static byte[] body(InputStream in, Map<String, String> headers) throws IOException {
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String size = line(in);
                if (size == null) {
                    throw new IOException("request body ended inside a chunk header");
                }
                int length = Integer.parseInt(size.split(";", 2)[0].strip(), 16);
                if (length == 0) {
                    while (true) {
                        String trailer = line(in);
                        if (trailer == null || trailer.isEmpty()) {
                            return body.toByteArray();
                        }
                    }
                }
                body.write(in.readNBytes(length));
                line(in);
            }
        }
        String length = headers.get("content-length");
        return length == null ? new byte[0] : in.readNBytes(Integer.parseInt(length));
    }

    private static void write(OutputStream out, Response response) throws IOException {
        StringBuilder head = new StringBuilder(256).append("HTTP/1.1 ").append(response.status()).append(' ')
                .append(reason(response.status())).append("\r\n");
        response.headers().forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        boolean bodyless = response.status() == 204 || response.status() == 304;
        if (!bodyless) {
            head.append("Content-Length: ").append(response.body().length).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (!bodyless) {
            out.write(response.body());
        }
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    /** A line without its CRLF (or LF); null at the end of the stream before any byte. */
    private static String line(InputStream in) throws IOException {
        StringBuilder text = new StringBuilder(64);
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                int end = text.length();
                return end > 0 && text.charAt(end - 1) == '\r' ? text.substring(0, end - 1) : text.toString();
            }
            if (text.length() == MAX_LINE) {
                throw new IOException("request line or header longer than " + MAX_LINE + " bytes");
            }
            text.append((char) b);
        }
        return text.isEmpty() ? null : text.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket connection : connections) {
            try {
                connection.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }
}
