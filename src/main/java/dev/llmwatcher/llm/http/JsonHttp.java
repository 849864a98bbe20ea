package dev.llmwatcher.llm.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.json.Json;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.retry.RetryingLlmClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The one place LLM clients touch HTTP, so that every call gets the same care: one shared JDK {@link HttpClient}
 * (one connection pool) for every provider, a timeout on every request, and every failure turned into an
 * {@link LlmException} a user can act on. Messages name the provider and URL, never request headers, so an API key
 * cannot leak into a queue document's error.
 *
 * <p>Plain {@code http://} calls go out as HTTP/1.1: the JDK client would otherwise offer every one of them an h2c
 * upgrade, which servers such as Ollama do not speak. Over TLS, HTTP/2 is used when the server offers it. A POST is
 * never sent again by this layer: the JDK client replays only GET and HEAD after a connection breaks, unless
 * {@value #REPLAY_ALL_METHODS} is set, which {@link #create} refuses, because an LLM call that reached the provider
 * may have been paid for. Whether to try again is {@link RetryingLlmClient}'s decision.
 */
public final class JsonHttp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JsonHttp.class);

    public static final int MAX_BODY_CHARS = 500;
    /** The JDK property that makes its client replay any request, POST included, on a fresh connection. */
    static final String REPLAY_ALL_METHODS = "jdk.httpclient.enableAllMethodRetry";
    private static final String USER_AGENT = "llm-watcher";

    private final HttpClient http;
    private final ExecutorService executor;
    private final Clock clock;

    /** Builds the client over an executor of its own, closed with it. */
    private JsonHttp(HttpClient.Builder builder, Clock clock) {
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.http = builder.executor(executor).build();
        this.clock = clock;
    }

    /** A client with its own pool whose proxies are the JDK's standard properties; build one per process. */
    public static JsonHttp create(Duration connectTimeout) {
        return create(connectTimeout, Objects.requireNonNullElse(ProxySelector.getDefault(),
                HttpClient.Builder.NO_PROXY));
    }

    /**
     * A client with its own pool, going through the proxies {@code proxies} picks ({@link
     * HttpClient.Builder#NO_PROXY}: none at all); build one per process and share it between providers.
     *
     * @throws IllegalStateException when {@value #REPLAY_ALL_METHODS} is set, as LLM calls would then be replayed
     */
    public static JsonHttp create(Duration connectTimeout, ProxySelector proxies) {
        return new JsonHttp(builder(connectTimeout, proxies), Clock.systemUTC());
    }

    /** As above, trusting what {@code tls} trusts instead of the JDK's default. */
    public static JsonHttp create(Duration connectTimeout, ProxySelector proxies, SSLContext tls) {
        return new JsonHttp(builder(connectTimeout, proxies).sslContext(tls), Clock.systemUTC());
    }

    private static HttpClient.Builder builder(Duration connectTimeout, ProxySelector proxies) {
        String replayAll = System.getProperty(REPLAY_ALL_METHODS);
        if (replayAll != null && !"false".equalsIgnoreCase(replayAll.strip())) {
            throw new IllegalStateException("the system property " + REPLAY_ALL_METHODS + " is set: the JDK's HTTP "
                    + "client would then send an LLM call again after a broken connection, and it may be paid twice; "
                    + "remove it");
        }
        return HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(proxies);
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
        return exchange(uri, headers, "application/json",
                HttpRequest.BodyPublishers.ofByteArray(toJson(body)), timeout, target);
    }

    /**
     * POSTs a body of another content type (a multipart file upload) and returns the parsed 2xx JSON answer. Like
     * every POST here it is never replayed by this layer.
     */
    public JsonNode post(URI uri, Map<String, String> headers, String contentType,
                         HttpRequest.BodyPublisher body, Duration timeout, Target target) throws LlmException {
        return exchange(uri, headers, contentType, body, timeout, target);
    }

    /** GETs a JSON object (a batch's state, a page of a list). */
    public JsonNode get(URI uri, Map<String, String> headers, Duration timeout, Target target) throws LlmException {
        return exchange(uri, headers, null, null, timeout, target);
    }

    /**
     * GETs a body of JSON lines and hands each non-blank line to {@code each} as it arrives, so a file of any size
     * is never held in memory whole. A line {@code each} cannot use is its own business; the stream goes on.
     */
    public void getLines(URI uri, Map<String, String> headers, Duration timeout, Target target,
                         Consumer<String> each) throws LlmException {
        HttpRequest request = request(uri, headers, null, null, timeout, target).header("Accept", "*/*").build();
        HttpResponse<Stream<String>> response = send(request, HttpResponse.BodyHandlers.ofLines(), timeout, target);
        try (Stream<String> lines = response.body()) {
            if (response.statusCode() / 100 != 2) {
                byte[] body = String.join("\n", lines.limit(50).toList()).getBytes(StandardCharsets.UTF_8);
                throw statusError(response.statusCode(), body, response.headers(), target, headers);
            }
            lines.filter(line -> !line.isBlank()).forEach(each);
        } catch (UncheckedIOException e) {
            throw new LlmException(LlmException.Kind.CONNECTION,
                    "reading from " + target.label() + " failed: " + describe(e.getCause()), 0, null, e);
        }
    }

    private JsonNode exchange(URI uri, Map<String, String> headers, String contentType,
                              HttpRequest.BodyPublisher body, Duration timeout, Target target) throws LlmException {
        HttpRequest request = request(uri, headers, contentType, body, timeout, target)
                .header("Accept", "application/json").build();
        long started = System.nanoTime();
        HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray(), timeout, target);
        int status = response.statusCode();
        LOG.debug("{} {} {} answered HTTP {} in {} ms", target.label(), request.method(), uri.getPath(), status,
                (System.nanoTime() - started) / 1_000_000);
        if (status / 100 != 2) {
            throw statusError(status, response.body(), response.headers(), target, headers);
        }
        return parse(response.body(), target);
    }

    /** The request as every call here is built: a timeout, our user agent, HTTP/1.1 over plain http. */
    private static HttpRequest.Builder request(URI uri, Map<String, String> headers, String contentType,
                                               HttpRequest.BodyPublisher body, Duration timeout, Target target)
            throws LlmException {
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new LlmException(LlmException.Kind.TIMEOUT, target.label() + ": no time left for the call");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).header("User-Agent", USER_AGENT);
        if (body == null) {
            request.GET();
        } else {
            request.header("Content-Type", contentType).POST(body);
        }
        if ("http".equalsIgnoreCase(uri.getScheme())) {
            request.version(HttpClient.Version.HTTP_1_1);
        }
        headers.forEach(request::setHeader);
        return request;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, Duration timeout,
                                     Target target) throws LlmException {
        try {
            return http.send(request, handler);
        } catch (HttpConnectTimeoutException e) {
            throw new LlmException(LlmException.Kind.CONNECTION,
                    "cannot connect to " + target.label() + ": " + describe(e), 0, null, e);
        } catch (HttpTimeoutException e) {
            throw new LlmException(LlmException.Kind.TIMEOUT,
                    target.label() + " did not answer within " + timeout.toMillis() + " ms", 0, null, e);
        } catch (ConnectException e) {
            throw new LlmException(LlmException.Kind.CONNECTION,
                    "cannot connect to " + target.label() + ": " + describe(e), 0, null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LlmException(LlmException.Kind.INTERRUPTED,
                    "interrupted while waiting for " + target.label(), 0, null, e);
        } catch (IOException e) {
            throw new LlmException(LlmException.Kind.CONNECTION,
                    "connection to " + target.label() + " failed: " + describe(e), 0, null, e);
        }
    }

    /**
     * The first message in the cause chain. The JDK client's connect failures often carry none at all: an unknown
     * host is then an {@link UnresolvedAddressException} inside, and a refused connection a bare channel exception.
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

    private LlmException statusError(int status, byte[] body, HttpHeaders responseHeaders, Target target,
                                     Map<String, String> headers) {
        Duration retryAfter = responseHeaders.firstValue("Retry-After")
                .map(value -> parseRetryAfter(value, clock.instant()))
                .orElse(null);
        return errorOf(status, scrub(text(body), headers), retryAfter, target);
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
     * Closes the pool and waits (briefly) until its connections are closed, so none outlives its owner (a SnapStart
     * snapshot must not hold one). Calls still running fail.
     */
    @Override
    public void close() {
        http.shutdownNow();
        try {
            http.awaitTermination(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }
}
