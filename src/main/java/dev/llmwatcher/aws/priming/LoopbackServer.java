package dev.llmwatcher.aws.priming;

import java.io.BufferedInputStream;
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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A minimal HTTP/1.1 server on the loopback interface that answers every request with what {@link Route} returns.
 * Only {@code java.base}: Lambda's runtime need not carry {@code jdk.httpserver}. It reads {@code Content-Length}
 * bodies (what {@code Http1Client} sends for every request with a body) and keeps connections alive.
 */
public final class LoopbackServer implements AutoCloseable {

    /** An answer: status and JSON body. */
    public record Answer(int status, String json) {
    }

    /** Picks the answer to one request. */
    public interface Route {
        Answer answer(String method, String path, String body);
    }

    private final ServerSocket socket;
    private final Route route;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<Socket> connections = Collections.synchronizedList(new ArrayList<>());

    public LoopbackServer(Route route) {
        this.route = route;
        try {
            socket = new ServerSocket();
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a loopback port for priming", e);
        }
        threads.submit(this::accept);
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    /** {@code METHOD path} of every request served, in order. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket connection = socket.accept();
                connections.add(connection);
                threads.submit(() -> serve(connection));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket connection) {
        try (connection; InputStream in = new BufferedInputStream(connection.getInputStream());
             OutputStream out = connection.getOutputStream()) {
            String requestLine;
            while ((requestLine = line(in)) != null && !requestLine.isEmpty()) {
                int length = 0;
                String header;
                while ((header = line(in)) != null && !header.isEmpty()) {
                    int colon = header.indexOf(':');
                    if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                        length = Integer.parseInt(header.substring(colon + 1).trim());
                    }
                }
                String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                String[] parts = requestLine.split(" ");
                requests.add(parts[0] + " " + parts[1]);
                Answer answer = route.answer(parts[0].toUpperCase(Locale.ROOT), parts[1], body);
                byte[] json = answer.json().getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 " + answer.status() + " X\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + json.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(json);
                out.flush();
            }
        } catch (IOException | RuntimeException ended) {
            // the client closed the connection, or sent something this server does not speak: drop it
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                String text = bytes.toString(StandardCharsets.US_ASCII);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            bytes.write(b);
        }
        return bytes.size() == 0 ? null : bytes.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        synchronized (connections) {
            for (Socket connection : connections) {
                try {
                    connection.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
        threads.shutdownNow();
    }
}
