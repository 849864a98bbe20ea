package dev.llmwatcher.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;

/** One open socket to a route, with the reader that knows where the last answer on it ended. */
final class Connection {

    private final Route route;
    private final Socket raw;
    private final Socket socket;
    private final OutputStream out;
    private final ResponseReader reader;
    private volatile long idleUntilNanos;

    /**
     * @param raw    the TCP socket, closed by a deadline from another thread (closing a TLS socket there could wait
     *               on a lock held by the thread it should free)
     * @param socket what requests are written to and answers read from: {@code raw} itself, or TLS over it
     */
    Connection(Route route, Socket raw, Socket socket) throws IOException {
        this.route = route;
        this.raw = raw;
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.reader = new ResponseReader(socket.getInputStream());
    }

    Route route() {
        return route;
    }

    Socket socket() {
        return socket;
    }

    ResponseReader reader() {
        return reader;
    }

    /** Writes the request head and body; small bodies go in the same packet as the head. */
    void write(byte[] head, byte[] body) throws IOException {
        if (body != null && body.length > 0 && body.length <= 16 * 1024) {
            byte[] whole = new byte[head.length + body.length];
            System.arraycopy(head, 0, whole, 0, head.length);
            System.arraycopy(body, 0, whole, head.length, body.length);
            out.write(whole);
        } else {
            out.write(head);
            if (body != null && body.length > 0) {
                out.write(body);
            }
        }
        out.flush();
    }

    void idleUntil(long nanos) {
        idleUntilNanos = nanos;
    }

    /** Nothing arrived on it since its last answer: safe to send the next request on. */
    boolean quiet() {
        return reader.nothingMore();
    }

    boolean expired(long nowNanos) {
        return nowNanos - idleUntilNanos >= 0;
    }

    /** Closes the TCP socket at once: safe from any thread, and frees a thread blocked reading or writing it. */
    void abort() {
        try {
            raw.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }

    void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // a failing close of a connection we no longer want changes nothing
        } finally {
            abort();
        }
    }
}
