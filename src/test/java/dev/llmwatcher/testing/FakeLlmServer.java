package dev.llmwatcher.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A local HTTP server that speaks an LLM provider's wire protocol, scripted per test by a responder
 * ({@link Request} → {@link Reply}). Bound to 127.0.0.1 on a free port on the JDK's {@code HttpServer}, each exchange
 * on its own virtual thread ({@link LoopbackServer}), so it keeps up with
 * benchmarks of many concurrent calls. Thread-safe: counters are atomic and the script may be swapped while it runs.
 * Subclasses render the provider's bodies: {@link FakeOllamaServer}, {@link FakeOpenAiServer}.
 */
public abstract class FakeLlmServer extends RecordingServer<FakeLlmServer.Request> {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    /** One request as it arrived. {@code json} is null when the body was not JSON. */
    public record Request(String method, String path, Map<String, String> headers, String rawBody, JsonNode json,
                          String model, String prompt) {

        /** A header by case-insensitive name, or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The body as a map, for assertions with AssertJ's map support. */
        public Map<String, Object> body() {
            return MAPPER.convertValue(json, MAP);
        }
    }

    /** What the server does with one request; build with the static factories. */
    public sealed interface Reply {

        /** A normal answer: {@code text} as the model's output. */
        record Success(String text, long promptTokens, long completionTokens, String finishReason) implements Reply {
        }

        /** OpenAI's {@code message.refusal}; Ollama has none and answers the text as content. */
        record Refusal(String text) implements Reply {
        }

        /** An error in the provider's own error body shape, with an optional {@code Retry-After} header value. */
        record Failure(int status, String message, String retryAfter) implements Reply {
        }

        /** The provider's 404 for the requested model, with its real message. */
        record ModelNotFound() implements Reply {
        }

        /** Exactly this status, body and headers. */
        record Raw(int status, String body, Map<String, String> headers) implements Reply {
        }

        /** Waits, then replies; longer than the client's timeout gives a client-side timeout. */
        record Delayed(Duration delay, Reply then) implements Reply {
        }

        /** Closes the connection without any response. */
        record Disconnect() implements Reply {
        }

        static Reply text(String text) {
            return new Success(text, 10, 5, "stop");
        }

        static Reply success(String text, long promptTokens, long completionTokens, String finishReason) {
            return new Success(text, promptTokens, completionTokens, finishReason);
        }

        /** A cut-off answer: finish/done reason {@code length}. */
        static Reply truncated(String partialText) {
            return new Success(partialText, 10, 5, "length");
        }

        static Reply refusal(String text) {
            return new Refusal(text);
        }

        static Reply error(int status, String message) {
            return new Failure(status, message, null);
        }

        static Reply serverError() {
            return new Failure(500, "internal server error", null);
        }

        static Reply unauthorized() {
            return new Failure(401, "invalid API key", null);
        }

        static Reply rateLimited() {
            return new Failure(429, "rate limit exceeded", null);
        }

        static Reply rateLimited(Duration retryAfter) {
            return new Failure(429, "rate limit exceeded", Long.toString(retryAfter.toSeconds()));
        }

        /** 429 with a literal {@code Retry-After} value, e.g. an HTTP-date. */
        static Reply rateLimited(String retryAfterHeader) {
            return new Failure(429, "rate limit exceeded", retryAfterHeader);
        }

        static Reply modelNotFound() {
            return new ModelNotFound();
        }

        /** 200 with a body that is not what the protocol promises (e.g. {@code "{not json"}). */
        static Reply malformed(String body) {
            return new Raw(200, body, Map.of("Content-Type", "application/json"));
        }

        static Reply raw(int status, String body) {
            return new Raw(status, body, Map.of());
        }

        static Reply delayed(Duration delay, Reply then) {
            return new Delayed(delay, then);
        }

        static Reply disconnect() {
            return new Disconnect();
        }
    }

    private final LoopbackServer server;
    private final AtomicLong firstRequestEpochMillis = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong lastAnswerEpochMillis = new AtomicLong(Long.MIN_VALUE);
    private final Map<String, LongAdder> callsPerMarker = new ConcurrentHashMap<>();

    private volatile Function<Request, Reply> responder = request -> Reply.text("{}");
    private volatile Supplier<Duration> latency = () -> Duration.ZERO;
    private volatile int concurrencyLimit = Integer.MAX_VALUE;
    private volatile Duration limitRetryAfter;
    private volatile Function<Request, String> marker = Request::prompt;

    protected FakeLlmServer() {
        server = new LoopbackServer(this::handle);
    }

    /** The path this protocol answers, e.g. {@code /api/generate}. */
    protected abstract String path();

    /** The base URL a client is configured with (the OpenAI one ends in {@code /v1}). */
    public abstract URI baseUrl();

    protected abstract String modelOf(JsonNode body);

    protected abstract String promptOf(JsonNode body);

    protected abstract String successBody(Request request, Reply.Success success);

    protected abstract String refusalBody(Request request, String refusal);

    protected abstract String errorBody(int status, String message);

    protected abstract String modelNotFoundMessage(String model);

    /** The origin, {@code http://127.0.0.1:port}, without any API prefix. */
    public URI origin() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    public int port() {
        return server.port();
    }

    /**
     * Wall-clock times (epoch milliseconds) of the first request's arrival and of the last answer sent, comparable
     * with another process's clock; empty before any answer.
     */
    public Optional<long[]> callingEpochMillis() {
        long first = firstRequestEpochMillis.get();
        long last = lastAnswerEpochMillis.get();
        return first == Long.MIN_VALUE || last == Long.MIN_VALUE ? Optional.empty()
                : Optional.of(new long[] {first, last});
    }

    /** Scripts every following request. */
    public FakeLlmServer respondWith(Function<Request, Reply> responder) {
        this.responder = Objects.requireNonNull(responder);
        return this;
    }

    /** Answers every request with the same reply. */
    public FakeLlmServer respond(Reply reply) {
        return respondWith(request -> reply);
    }

    /**
     * Time from a request's arrival to its reply (after the concurrency check), as a provider's latency is: reading
     * and parsing the request here is part of it, not added to it.
     */
    public FakeLlmServer latency(Duration fixed) {
        return latency(() -> fixed);
    }

    /** Latency drawn per request, e.g. from a seeded log-normal distribution. Must be thread-safe. */
    public FakeLlmServer latency(Supplier<Duration> distribution) {
        this.latency = Objects.requireNonNull(distribution);
        return this;
    }

    /** Answers 429 (with {@code Retry-After} when non-null) while more than {@code maxInFlight} are in flight. */
    public FakeLlmServer concurrencyLimit(int maxInFlight, Duration retryAfter) {
        this.concurrencyLimit = maxInFlight;
        this.limitRetryAfter = retryAfter;
        return this;
    }

    /** What {@link #callsFor(String)} counts by; the prompt by default, e.g. a document id extracted from it. */
    public FakeLlmServer countBy(Function<Request, String> marker) {
        this.marker = Objects.requireNonNull(marker);
        return this;
    }

    /** Stop keeping request bodies (for big benchmarks); counters still count. */
    public FakeLlmServer recordRequests(boolean record) {
        keepRequests(record);
        return this;
    }

    public int callsFor(String marker) {
        LongAdder count = callsPerMarker.get(marker);
        return count == null ? 0 : count.intValue();
    }

    /** Calls per marker, a snapshot. */
    public Map<String, Integer> callsPerMarker() {
        Map<String, Integer> snapshot = new LinkedHashMap<>();
        callsPerMarker.forEach((key, count) -> snapshot.put(key, count.intValue()));
        return snapshot;
    }

    /** Forgets counters and recorded requests; the script stays. */
    public void reset() {
        forget();
        callsPerMarker.clear();
    }

    @Override
    public void close() {
        server.close();
    }

    /**
     * A request counts as in flight from its arrival until its answer is decided, before the answer is sent: a
     * client that has read an answer must find it no longer counted, however the threads here are scheduled.
     * Returns null to drop the connection unanswered.
     */
    private LoopbackServer.Response handle(LoopbackServer.Request exchange) throws IOException {
        int current = arrived();
        boolean counted = true;
        firstRequestEpochMillis.compareAndSet(Long.MIN_VALUE, System.currentTimeMillis());
        try {
            Request request = read(exchange);
            received(request);
            callsPerMarker.computeIfAbsent(String.valueOf(marker.apply(request)), key -> new LongAdder()).increment();
            Reply reply;
            if (!path().equals(request.path()) || !"POST".equals(request.method())) {
                reply = Reply.raw(404, "404 page not found");
            } else if (current > concurrencyLimit) {
                Duration retryAfter = limitRetryAfter;
                reply = new Reply.Failure(429, "too many concurrent requests",
                        retryAfter == null ? null : Long.toString(retryAfter.toSeconds()));
            } else {
                pause(latency.get().minusNanos(System.nanoTime() - exchange.arrivedNanos()));
                reply = responder.apply(request);
            }
            while (reply instanceof Reply.Delayed delayed) {
                pause(delayed.delay());
                reply = delayed.then();
            }
            decided();
            counted = false;
            LoopbackServer.Response response = response(request, reply);
            lastAnswerEpochMillis.accumulateAndGet(System.currentTimeMillis(), Math::max);
            return response;
        } finally {
            if (counted) {
                decided();
            }
        }
    }

    private Request read(LoopbackServer.Request exchange) {
        String raw = new String(exchange.body(), StandardCharsets.UTF_8);
        JsonNode json;
        try {
            json = MAPPER.readTree(raw);
        } catch (JsonProcessingException e) {
            json = null;
        }
        String model = json == null ? null : modelOf(json);
        String prompt = json == null ? null : promptOf(json);
        return new Request(exchange.method(), exchange.path(), exchange.headers(), raw, json, model, prompt);
    }

    /** The response to send, or null for {@link Reply.Disconnect}. */
    private LoopbackServer.Response response(Request request, Reply reply) {
        return switch (reply) {
            case Reply.Success success -> jsonResponse(200, successBody(request, success), Map.of());
            case Reply.Refusal refusal -> jsonResponse(200, refusalBody(request, refusal.text()), Map.of());
            case Reply.Failure failure -> jsonResponse(failure.status(), errorBody(failure.status(), failure.message()),
                    failure.retryAfter() == null ? Map.of() : Map.of("Retry-After", failure.retryAfter()));
            case Reply.ModelNotFound ignored ->
                    jsonResponse(404, errorBody(404, modelNotFoundMessage(request.model())), Map.of());
            case Reply.Raw raw -> jsonResponse(raw.status(), raw.body(), raw.headers());
            case Reply.Delayed delayed -> throw new IllegalStateException("delays are waited out before answering");
            case Reply.Disconnect ignored -> null;
        };
    }

    private static LoopbackServer.Response jsonResponse(int status, String body, Map<String, String> headers) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("Content-Type", "application/json; charset=utf-8");
        all.putAll(headers);
        return new LoopbackServer.Response(status, all, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Sleeps for {@code duration} (nothing for null or non-positive); shared by the fake servers. */
    static void pause(Duration duration) throws IOException {
        if (duration == null || !duration.isPositive()) {
            return;
        }
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("server stopped while delaying", e);
        }
    }

    protected static String json(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
