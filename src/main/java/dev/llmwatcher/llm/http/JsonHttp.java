package dev.llmwatcher.llm.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.json.Json;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.retry.RetryingLlmClient;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.routing.SystemDefaultRoutePlanner;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The one place LLM clients touch HTTP, so that every call gets the same care: one shared Apache HttpClient 5 (one
 * connection pool) for every provider, a timeout on every request, and every failure turned into an {@link
 * LlmException} a user can act on. Messages name the provider and URL, never request headers, so an API key cannot
 * leak into a queue document's error.
 *
 * <p>HttpClient 5 is the client Elasticsearch's {@code Rest5Client} already brings, so the process runs one HTTP stack
 * instead of two; its classic (blocking) API runs on the caller's virtual thread, which the JDK parks while the socket
 * waits, so a call costs no thread of its own and no hand-off between threads (the JDK's {@code HttpClient} spent about
 * 30% of the watcher's CPU per document on its selector and completion stages, profile in BENCHMARKS.md). Calls
 * go out as HTTP/1.1, one connection per call in flight, kept alive between calls.
 *
 * <p>A request is never sent again by this layer: automatic retries are off (the client would otherwise resend an
 * idempotent request after an I/O error), because an LLM call that reached the provider may have been paid for.
 * Whether to try again is {@link RetryingLlmClient}'s decision. Redirects are not followed, cookies not kept, and
 * bodies are not compressed.
 *
 * <p>The timeout of a call bounds the whole exchange, from asking for a connection to the answer's last byte: the
 * client's own timeouts bound each wait (for a free connection, for the next bytes), and a deadline cancels the
 * request ({@link HttpUriRequestBase#cancel()}, which closes its connection) when the call as a whole runs out, so a
 * server that drips an answer byte by byte cannot hold a call past it. The token budget's leases and the claims count
 * on that bound. Streaming downloads ({@link #getLines}) are bounded per wait only: a batch's result file may take
 * longer than one call.
 */
public final class JsonHttp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JsonHttp.class);

    public static final int MAX_BODY_CHARS = 500;
    private static final String USER_AGENT = "llm-watcher";
    /** Connections per provider host at most: far above any --concurrency, so the pool never limits the calls. */
    private static final int MAX_CONNECTIONS_PER_HOST = 4096;
    private static final ContentType JSON = ContentType.create("application/json");

    /** Cancels the requests whose call ran out of time: one daemon thread for every client, idle between deadlines. */
    private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

    private final CloseableHttpClient http;
    private final Clock clock;

    private static ScheduledThreadPoolExecutor deadlines() {
        ScheduledThreadPoolExecutor deadlines = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("llm-call-deadline").factory());
        deadlines.setRemoveOnCancelPolicy(true);
        return deadlines;
    }

    private JsonHttp(Duration connectTimeout, ProxySelector proxies, TlsSocketStrategy tls, Clock clock) {
        this.http = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setTlsSocketStrategy(tls)
                        .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.LAX)
                        .setMaxConnPerRoute(MAX_CONNECTIONS_PER_HOST)
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.of(connectTimeout)).build())
                        .build())
                .setRoutePlanner(new SystemDefaultRoutePlanner(proxies))
                .setUserAgent(USER_AGENT)
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableConnectionState()
                .disableContentCompression()
                .build();
        this.clock = clock;
    }

    /** A client with its own pool whose proxies are the JDK's standard properties; build one per process. */
    public static JsonHttp create(Duration connectTimeout) {
        return create(connectTimeout, Objects.requireNonNullElse(ProxySelector.getDefault(), ProxySelector.of(null)));
    }

    /**
     * A client with its own pool, going through the proxies {@code proxies} picks ({@code
     * ProxySelector.of(null)}: none at all); build one per process and share it between providers.
     * TLS trusts what the JDK's default does, the {@code javax.net.ssl} system properties included.
     */
    public static JsonHttp create(Duration connectTimeout, ProxySelector proxies) {
        return new JsonHttp(connectTimeout, proxies, ClientTlsStrategyBuilder.create().useSystemProperties()
                .buildClassic(), Clock.systemUTC());
    }

    /** As above, trusting what {@code tls} trusts instead of the JDK's default. */
    public static JsonHttp create(Duration connectTimeout, ProxySelector proxies, SSLContext tls) {
        return new JsonHttp(connectTimeout, proxies, ClientTlsStrategyBuilder.create().setSslContext(tls)
                .buildClassic(), Clock.systemUTC());
    }

    public static ObjectMapper mapper() {
        return Json.mapper();
    }

    /** Who is being called, for messages: e.g. {@code Ollama at http://localhost:11434} and the model asked for. */
    public record Target(String label, String model) {
    }

    /**
     * POSTs {@code body} as JSON and returns the parsed 2xx answer.
     *
     * @param headers extra headers (e.g. {@code Authorization}); never echoed in any message
     */
    public JsonNode post(URI uri, Map<String, String> headers, Object body, Duration timeout, Target target)
            throws LlmException {
        HttpPost post = new HttpPost(uri);
        post.setEntity(new ByteArrayEntity(toJson(body), JSON));
        return exchange(post, headers, timeout, target);
    }

    /**
     * POSTs a body of another content type (a multipart file upload), the concatenation of {@code parts}, and returns
     * the parsed 2xx JSON answer. Like every request here it is never replayed by this layer.
     */
    public JsonNode post(URI uri, Map<String, String> headers, String contentType, List<byte[]> parts,
                         Duration timeout, Target target) throws LlmException {
        HttpPost post = new HttpPost(uri);
        post.setEntity(new PartsEntity(parts, ContentType.parse(contentType)));
        return exchange(post, headers, timeout, target);
    }

    /** GETs a JSON object (a batch's state, a page of a list). */
    public JsonNode get(URI uri, Map<String, String> headers, Duration timeout, Target target) throws LlmException {
        return exchange(new HttpGet(uri), headers, timeout, target);
    }

    /**
     * GETs a body of JSON lines and hands each non-blank line to {@code each} as it arrives, so a file of any size
     * is never held in memory whole. A line {@code each} cannot use is its own business; the stream goes on.
     */
    public void getLines(URI uri, Map<String, String> headers, Duration timeout, Target target,
                         Consumer<String> each) throws LlmException {
        HttpGet get = new HttpGet(uri);
        prepare(get, headers, "*/*", timeout, target);
        Answer failed;
        try {
            failed = http.execute(get, response -> {
                HttpEntity entity = response.getEntity();
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(
                        entity == null ? java.io.InputStream.nullInputStream() : entity.getContent(),
                        StandardCharsets.UTF_8))) {
                    if (response.getCode() / 100 != 2) {
                        List<String> first = new ArrayList<>();
                        for (String line; first.size() < 50 && (line = lines.readLine()) != null; ) {
                            first.add(line);
                        }
                        return new Answer(response.getCode(), String.join("\n", first)
                                .getBytes(StandardCharsets.UTF_8), response.getFirstHeader("Retry-After"));
                    }
                    for (String line; (line = lines.readLine()) != null; ) {
                        if (!line.isBlank()) {
                            each.accept(line);
                        }
                    }
                    return null;
                }
            });
        } catch (IOException e) {
            throw failure(e, timeout, target, "reading from ");
        }
        if (failed != null) {
            throw statusError(failed, target, headers);
        }
    }

    /** A whole answer: status, body, and the one header a failure needs. */
    private record Answer(int status, byte[] body, Header retryAfter) {

        static Answer of(ClassicHttpResponse response) throws IOException {
            HttpEntity entity = response.getEntity();
            return new Answer(response.getCode(), entity == null ? new byte[0] : EntityUtils.toByteArray(entity),
                    response.getFirstHeader("Retry-After"));
        }
    }

    private JsonNode exchange(HttpUriRequestBase request, Map<String, String> headers, Duration timeout,
                              Target target) throws LlmException {
        prepare(request, headers, "application/json", timeout, target);
        long started = System.nanoTime();
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> deadline = DEADLINES.schedule(() -> {
            expired.set(true);
            request.cancel();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        Answer answer;
        try {
            answer = http.execute(request, Answer::of);
        } catch (IOException e) {
            if (expired.get()) {
                throw new LlmException(LlmException.Kind.TIMEOUT, target.label() + " did not answer within "
                        + timeout.toMillis() + " ms (the whole call)", 0, null, e);
            }
            throw failure(e, timeout, target, "connection to ");
        } finally {
            deadline.cancel(false);
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} {} answered HTTP {} in {} ms", target.label(), request.getMethod(), request.getPath(),
                    answer.status(), (System.nanoTime() - started) / 1_000_000);
        }
        if (answer.status() / 100 != 2) {
            throw statusError(answer, target, headers);
        }
        return parse(answer.body(), target);
    }

    /** The request as every call here is built: a timeout for the connection and for the answer, extra headers. */
    private static void prepare(HttpUriRequestBase request, Map<String, String> headers, String accept,
                                Duration timeout, Target target) throws LlmException {
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new LlmException(LlmException.Kind.TIMEOUT, target.label() + ": no time left for the call");
        }
        Timeout limit = Timeout.of(timeout);
        request.setConfig(RequestConfig.custom().setConnectionRequestTimeout(limit).setResponseTimeout(limit).build());
        request.setHeader("Accept", accept);
        headers.forEach(request::setHeader);
    }

    /** An exchange that failed before an answer came: what kind of failure it is, for the retry policy and the user. */
    private static LlmException failure(IOException e, Duration timeout, Target target, String what) {
        if (Thread.currentThread().isInterrupted()) {
            return new LlmException(LlmException.Kind.INTERRUPTED,
                    "interrupted while waiting for " + target.label(), 0, null, e);
        }
        return switch (e) {
            case ConnectTimeoutException c -> new LlmException(LlmException.Kind.CONNECTION,
                    "cannot connect to " + target.label() + ": " + describe(e), 0, null, e);
            case SocketTimeoutException t -> new LlmException(LlmException.Kind.TIMEOUT,
                    target.label() + " did not answer within " + timeout.toMillis() + " ms", 0, null, e);
            case ConnectionRequestTimeoutException t -> new LlmException(LlmException.Kind.TIMEOUT,
                    target.label() + " did not answer within " + timeout.toMillis() + " ms (no free connection)",
                    0, null, e);
            case ConnectException c -> new LlmException(LlmException.Kind.CONNECTION,
                    "cannot connect to " + target.label() + ": " + describe(e), 0, null, e);
            case UnknownHostException u -> new LlmException(LlmException.Kind.CONNECTION,
                    "cannot connect to " + target.label() + ": unknown host " + u.getMessage(), 0, null, e);
            case InterruptedIOException i -> {
                Thread.currentThread().interrupt();
                yield new LlmException(LlmException.Kind.INTERRUPTED,
                        "interrupted while waiting for " + target.label(), 0, null, e);
            }
            default -> new LlmException(LlmException.Kind.CONNECTION,
                    what + target.label() + " failed: " + describe(e), 0, null, e);
        };
    }

    /**
     * The first message in the cause chain; a failure without any is named by its kind.
     */
    private static String describe(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (!blank(t.getMessage())) {
                return t.getMessage();
            }
            if (t instanceof UnresolvedAddressException) {
                return "unknown host";
            }
        }
        return e instanceof ConnectException ? "connection refused" : e.getClass().getSimpleName();
    }

    private static boolean blank(String text) {
        return text == null || text.isBlank();
    }

    private LlmException statusError(Answer answer, Target target, Map<String, String> headers) {
        Duration retryAfter = answer.retryAfter() == null ? null
                : parseRetryAfter(answer.retryAfter().getValue(), clock.instant());
        return errorOf(answer.status(), scrub(text(answer.body()), headers), retryAfter, target);
    }

    /**
     * The failure a non-2xx answer means, for an answer that did not come over this client's own exchange (a line of
     * a batch's error file carries the status and body the call would have had).
     */
    public static LlmException answeredError(int status, String body, Target target) {
        return errorOf(status, body, null, target);
    }

    private static LlmException errorOf(int status, String body, Duration retryAfter, Target target) {
        ErrorBody error = ErrorBody.of(body);
        String detail = error.detail();
        LlmException.Kind kind = status / 100 == 4 && error.budgetExceeded() ? LlmException.Kind.BUDGET_EXHAUSTED
                : status == 429 && error.quotaExhausted() ? LlmException.Kind.QUOTA_EXHAUSTED
                : kindOf(status);
        if (kind == LlmException.Kind.MODEL_NOT_FOUND && target.model() != null
                && !detail.contains(target.model())) {
            detail = detail + " (model \"" + target.model() + "\")";
        }
        String message = target.label() + " answered " + status + ": " + detail;
        return new LlmException(kind, message, status, retryAfter, null);
    }

    /** Some servers echo the key they were given in a 401 body; it must not reach a queue document. */
    private static String scrub(String body, Map<String, String> headers) {
        if (body == null) {
            return null;
        }
        String scrubbed = body;
        for (String value : headers.values()) {
            String secret = value.startsWith("Bearer ") ? value.substring("Bearer ".length()) : value;
            if (secret.length() >= 4) {
                scrubbed = scrubbed.replace(secret, "***");
            }
        }
        return scrubbed;
    }

    static LlmException.Kind kindOf(int status) {
        return switch (status) {
            case 401, 403 -> LlmException.Kind.AUTHENTICATION;
            case 404 -> LlmException.Kind.MODEL_NOT_FOUND;
            case 408 -> LlmException.Kind.TIMEOUT;
            case 429 -> LlmException.Kind.RATE_LIMITED;
            default -> status >= 500 ? LlmException.Kind.SERVER_ERROR : LlmException.Kind.BAD_REQUEST;
        };
    }

    /**
     * What an error body says, read in one parse: its human part (Ollama's {@code {"error": "..."}}, OpenAI's
     * {@code error.message}, or the raw text) and OpenAI's machine-readable {@code error.code} and {@code error.type}.
     */
    record ErrorBody(String detail, String code, String type) {

        static ErrorBody of(String body) {
            if (body == null || body.isBlank()) {
                return new ErrorBody("(empty body)", "", "");
            }
            try {
                JsonNode error = Json.mapper().readTree(body).path("error");
                if (error.isTextual()) {
                    return new ErrorBody(truncate(error.asText(), MAX_BODY_CHARS), "", "");
                }
                String detail = error.path("message").isTextual() ? error.path("message").asText() : body.strip();
                return new ErrorBody(truncate(detail, MAX_BODY_CHARS), error.path("code").asText(),
                        error.path("type").asText());
            } catch (JsonProcessingException e) {
                // not JSON: the raw body is the best we have
            }
            return new ErrorBody(truncate(body.strip(), MAX_BODY_CHARS), "", "");
        }

        /**
         * A gateway's spent budget: LiteLLM's proxy answers one with {@code error.type} {@code budget_exceeded}
         * (HTTP 400 in older versions, 429 in newer ones, or as configured), before any provider is called. Unlike a
         * rate limit, no wait within a pass lifts it.
         */
        boolean budgetExceeded() {
            return "budget_exceeded".equals(type) || "budget_exceeded".equals(code);
        }

        /** OpenAI's 429 for an account out of credit: unlike a rate limit, no wait within a run lifts it. */
        boolean quotaExhausted() {
            return "insufficient_quota".equals(code) || "insufficient_quota".equals(type);
        }
    }

    /**
     * {@code Retry-After} as delta-seconds or an HTTP-date; null when unparseable. A date in the past gives zero.
     */
    public static Duration parseRetryAfter(String value, Instant now) {
        String trimmed = value.strip();
        try {
            long seconds = Long.parseLong(trimmed);
            return Duration.ofSeconds(Math.max(0, seconds));
        } catch (NumberFormatException e) {
            // not seconds: try an HTTP-date
        }
        try {
            Instant at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration wait = Duration.between(now, at);
            return wait.isNegative() ? Duration.ZERO : wait;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static JsonNode parse(byte[] body, Target target) throws LlmException {
        try {
            JsonNode node = body == null || body.length == 0 ? null : Json.mapper().readTree(body);
            if (node == null || !node.isObject()) {
                throw malformed(text(body), target, null);
            }
            return node;
        } catch (IOException e) {
            throw malformed(text(body), target, e);
        }
    }

    private static String text(byte[] body) {
        return body == null ? null : new String(body, StandardCharsets.UTF_8);
    }

    /** For a 2xx answer that is not what the protocol promises. */
    public static LlmException malformed(String body, Target target, Throwable cause) {
        return new LlmException(LlmException.Kind.MALFORMED_RESPONSE,
                target.label() + " sent an unreadable answer: " + truncate(String.valueOf(body), MAX_BODY_CHARS),
                0, null, cause);
    }

    private static byte[] toJson(Object body) {
        try {
            return JsonCodec.write(body);
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException("request body is not serialisable as JSON", e);
        }
    }

    public static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "…";
    }

    /** A URL fit for messages: scheme, host, port and path, without user info or query (which may hold secrets). */
    public static String redact(URI uri) {
        StringBuilder out = new StringBuilder().append(uri.getScheme()).append("://").append(uri.getHost());
        if (uri.getPort() >= 0) {
            out.append(':').append(uri.getPort());
        }
        if (uri.getRawPath() != null) {
            out.append(uri.getRawPath());
        }
        String text = out.toString();
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }

    /** {@code base} + {@code path}, tolerating a trailing slash on the base. */
    public static URI resolve(URI base, String path) {
        String text = base.toString();
        return URI.create((text.endsWith("/") ? text.substring(0, text.length() - 1) : text) + path);
    }

    /**
     * Closes the pool and its connections at once, so none outlives its owner (a SnapStart snapshot must not hold
     * one). Calls still running fail.
     */
    @Override
    public void close() {
        http.close(CloseMode.IMMEDIATE);
    }
}
