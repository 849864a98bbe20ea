package dev.llmwatcher.http;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP/1.1 client on blocking sockets, made for virtual threads: one thread per exchange that writes the request
 * and reads the answer, and a pool of keep-alive connections per host. The JDK's {@code java.net.http.HttpClient}
 * runs every exchange through a selector thread, a worker pool and a chain of futures; for the watcher's pattern
 * (dozens of concurrent JSON posts, each waited for by its own virtual thread) that machinery was the largest share
 * of our CPU per document and of start-up (see {@code BENCHMARKS.md}). TLS is set up on the first {@code https}
 * connection only.
 *
 * <p>What it does: {@code Content-Length} request bodies; answers framed by {@code Content-Length}, chunks or the
 * end of the connection; a timeout for the whole exchange; one retry on a fresh connection when a reused one turns
 * out to have been closed by the server before it answered anything (an idle keep-alive connection the server
 * dropped); TLS with host name verification. What it does not: proxies, redirects, compression, HTTP/2 — none of
 * which the watcher used with the JDK client either.
 *
 * <p>That retry is made for every method, POST included, and it cannot tell a connection dropped while idle from a
 * server that processed the request and then went away without a byte of answer (crashed, killed, restarted): then
 * the request is processed twice, and an LLM call may be paid twice. The JDK's client does not retry a POST in that
 * case (only GET and HEAD, unless {@code jdk.httpclient.enableAllMethodRetry}); we do, because servers that close
 * idle connections sooner than we expire them without saying so (uvicorn after 5 s, for one) would otherwise fail
 * every call after a pause, and because our callers repeat such failures anyway: {@code RetryingLlmClient} retries
 * connection failures, and the watcher's Elasticsearch writes are conditional or idempotent.
 */
public final class Http1Client implements AutoCloseable {

    /** How long an idle connection is kept when the server does not say (JDK's HttpClient keeps them 30 s too). */
    static final Duration DEFAULT_IDLE = Duration.ofSeconds(30);
    private static final Pattern KEEP_ALIVE_TIMEOUT = Pattern.compile("timeout\\s*=\\s*(\\d{1,9})");
    private static final String USER_AGENT = "llm-watcher";

    private final Duration connectTimeout;
    private final Optional<SSLContext> customTls;
    private final ConnectionPool pool = new ConnectionPool();
    private final Deadlines deadlines = new Deadlines();
    private final HostLookup hostLookup = new HostLookup();
    private volatile SSLContext tls;
    private volatile boolean closed;

    private Http1Client(Duration connectTimeout, Optional<SSLContext> customTls) {
        this.connectTimeout = connectTimeout;
        this.customTls = customTls;
    }

    /** A client trusting the JDK's default certificate authorities. */
    public static Http1Client create(Duration connectTimeout) {
        return new Http1Client(connectTimeout, Optional.empty());
    }

    /** A client whose TLS connections use {@code tls} (e.g. trusting a cluster's own CA). */
    public static Http1Client create(Duration connectTimeout, SSLContext tls) {
        return new Http1Client(connectTimeout, Optional.of(tls));
    }

    /**
     * Sends the request and reads the whole answer, whatever its status.
     *
     * @throws HttpTimeoutException   when the exchange did not finish within the call's timeout
     * @throws ConnectException       when no connection could be opened (refused, unknown host, connect timeout)
     * @throws InterruptedIOException when the calling thread was interrupted
     * @throws IOException            when the connection failed or the answer was not HTTP/1.1
     */
    public HttpAnswer send(HttpCall call) throws IOException {
        if (closed) {
            throw new IOException("the HTTP client is closed");
        }
        long deadline = System.nanoTime() + call.timeout().toNanos();
        Route route = Route.of(call.uri());
        byte[] head = head(call, route);
        Connection pooled = pool.take(route);
        if (pooled != null) {
            try {
                return exchange(pooled, call, head, deadline, null);
            } catch (DroppedConnection dropped) {
                // the server closed the idle connection: once more on a fresh one
            }
        }
        Deadlines.Deadline timer = deadlines.start(deadline);
        Connection fresh = connect(route, call, deadline, timer);
        try {
            return exchange(fresh, call, head, deadline, timer);
        } catch (DroppedConnection dropped) {
            throw (IOException) dropped.getCause();
        }
    }

    private HttpAnswer exchange(Connection connection, HttpCall call, byte[] head, long deadline,
                                Deadlines.Deadline started) throws IOException {
        Deadlines.Deadline timer = started != null ? started : deadlines.start(deadline);
        long before = connection.reader().bytesRead();
        try {
            timer.guard(connection);
            connection.write(head, call.body());
            ResponseReader.Head answer = connection.reader().readHead();
            ResponseReader.Body body = connection.reader().readBody(answer, "HEAD".equals(call.method()));
            if (timer.cancel() || !body.reusable() || !answer.keepAlive()) {
                connection.close();
            } else {
                pool.offer(connection, System.nanoTime() + idleTime(answer).toNanos());
            }
            return new HttpAnswer(answer.status(), answer.headers(), body.bytes());
        } catch (IOException | RuntimeException e) {
            timer.cancel();
            connection.close();
            stopIfCutShort(timer, call, "waiting for " + route(call) + " to answer", e);
            if (e instanceof IOException io && connection.reader().bytesRead() == before) {
                throw new DroppedConnection(io);
            }
            throw e;
        }
    }

    private Connection connect(Route route, HttpCall call, long deadline, Deadlines.Deadline timer)
            throws IOException {
        Socket raw = new Socket();
        try {
            raw.setTcpNoDelay(true);
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            int timeout = (int) Math.min(Math.min(left, connectTimeout.toMillis()), Integer.MAX_VALUE);
            InetSocketAddress address = new InetSocketAddress(hostLookup.resolve(route.address(), timeout),
                    route.port());
            try {
                raw.connect(address, timeout);
            } catch (SocketTimeoutException e) {
                throw new ConnectException("connect timed out after " + timeout + " ms");
            }
            Connection connection = new Connection(route, raw, route.secure() ? tlsOver(raw, route) : raw);
            timer.guard(connection);
            if (route.secure()) {
                ((SSLSocket) connection.socket()).startHandshake();
            }
            return connection;
        } catch (IOException | RuntimeException e) {
            timer.cancel();
            raw.close();
            stopIfCutShort(timer, call, "connecting to " + route, e);
            throw e;
        }
    }

    private SSLSocket tlsOver(Socket raw, Route route) throws IOException {
        SSLSocket socket = (SSLSocket) tls().getSocketFactory().createSocket(raw, route.address(), route.port(), true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        return socket;
    }

    private SSLContext tls() throws IOException {
        SSLContext current = tls;
        if (current == null) {
            try {
                current = customTls.isPresent() ? customTls.get() : SSLContext.getDefault();
            } catch (NoSuchAlgorithmException e) {
                throw new IOException("this JDK has no default TLS context", e);
            }
            tls = current;
        }
        return current;
    }

    /** The server's {@code Keep-Alive: timeout=N} less a second, when it is shorter than our default. */
    private static Duration idleTime(ResponseReader.Head answer) {
        String keepAlive = answer.first("keep-alive");
        if (keepAlive != null) {
            Matcher matcher = KEEP_ALIVE_TIMEOUT.matcher(keepAlive.toLowerCase(Locale.ROOT));
            if (matcher.find()) {
                long seconds = Long.parseLong(matcher.group(1));
                return seconds <= 1 ? Duration.ZERO
                        : Duration.ofSeconds(Math.min(seconds - 1, DEFAULT_IDLE.toSeconds()));
            }
        }
        return DEFAULT_IDLE;
    }

    private static byte[] head(HttpCall call, Route route) {
        URI uri = call.uri();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        StringBuilder head = new StringBuilder(256).append(call.method()).append(' ').append(path);
        if (uri.getRawQuery() != null) {
            head.append('?').append(uri.getRawQuery());
        }
        head.append(" HTTP/1.1\r\nHost: ").append(route.hostHeader()).append("\r\n");
        boolean userAgent = false;
        for (var header : call.headers().entrySet()) {
            head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
            userAgent |= header.getKey().equalsIgnoreCase("User-Agent");
        }
        if (!userAgent) {
            head.append("User-Agent: ").append(USER_AGENT).append("\r\n");
        }
        if (call.body() != null || !("GET".equals(call.method()) || "HEAD".equals(call.method())
                || "DELETE".equals(call.method()))) {
            head.append("Content-Length: ").append(call.body() == null ? 0 : call.body().length).append("\r\n");
        }
        return head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A failure that came from the exchange's own deadline (which aborted the socket) or from an interrupt is
     * reported as that, not as the socket error it caused.
     */
    private static void stopIfCutShort(Deadlines.Deadline timer, HttpCall call, String doing, Exception cause)
            throws IOException {
        if (timer.passed()) {
            throw timedOut(call);
        }
        if (Thread.currentThread().isInterrupted()) {
            InterruptedIOException interrupted = new InterruptedIOException("interrupted while " + doing);
            interrupted.initCause(cause);
            throw interrupted;
        }
    }

    private static HttpTimeoutException timedOut(HttpCall call) {
        return new HttpTimeoutException(route(call) + " did not answer within " + call.timeout().toMillis() + " ms");
    }

    private static String route(HttpCall call) {
        return Route.of(call.uri()).toString();
    }

    /** Closes idle connections; exchanges in flight finish, and their connections are closed instead of kept. */
    @Override
    public void close() {
        closed = true;
        pool.close();
        deadlines.close();
    }

    /**
     * The server closed a connection before sending a byte of the answer; retried once when it was reused, though
     * the server may have processed the request (see the class comment).
     */
    private static final class DroppedConnection extends IOException {
        private DroppedConnection(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
