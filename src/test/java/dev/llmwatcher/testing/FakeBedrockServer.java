package dev.llmwatcher.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Amazon Bedrock Runtime's Converse API as the AWS SDK sees it on the wire: {@code POST /model/{modelId}/converse}
 * (the model id URL-encoded, so inference profile ARNs arrive as {@code arn%3Aaws%3A...}), the JSON request and
 * response shapes, and errors as restJson services send them: the status, an {@code x-amzn-errortype} header naming
 * the exception and a {@code {"message": ...}} body. Built on the JDK's {@code HttpServer}, one virtual thread per
 * exchange, bound to 127.0.0.1 on a free port; reach it with the SDK's endpoint override.
 *
 * <p>A scripted text answer to a request that forces a tool (a document with a schema or {@code "json"}) is sent
 * back as that tool's {@code toolUse} input when the text is a JSON object, as a model obeying the tool choice would.
 */
public final class FakeBedrockServer extends RecordingServer<FakeBedrockServer.Request> {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern CONVERSE = Pattern.compile("/model/([^/]+)/converse");
    private static final Pattern CREDENTIAL = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([^,]+), "
                    + "Signature=([0-9a-f]{64})");

    /** One request as it arrived; {@code modelId} decoded from the path. */
    public record Request(String method, String rawPath, String modelId, Map<String, String> headers, JsonNode json) {

        /** A header by case-insensitive name, or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The last user message's text. */
        public String prompt() {
            JsonNode messages = json.path("messages");
            for (int i = messages.size() - 1; i >= 0; i--) {
                if ("user".equals(messages.path(i).path("role").asText())) {
                    return messages.path(i).path("content").path(0).path("text").asText(null);
                }
            }
            return null;
        }

        /** The body as plain maps and lists, for AssertJ's map assertions. */
        public Map<String, Object> body() {
            return MAPPER.convertValue(json, new TypeReference<>() { });
        }

        /** The name of the tool the request forces, or null. */
        public String forcedTool() {
            JsonNode name = json.path("toolConfig").path("toolChoice").path("tool").path("name");
            return name.isTextual() ? name.asText() : null;
        }

        /** The SigV4 {@code Authorization} header's parts; throws when it is not one. */
        public Signature signature() {
            String authorization = header("Authorization");
            Matcher matcher = CREDENTIAL.matcher(authorization == null ? "" : authorization);
            if (!matcher.matches()) {
                throw new AssertionError("not a SigV4 Authorization header: " + authorization);
            }
            return new Signature(matcher.group(1), matcher.group(2), matcher.group(3), matcher.group(4),
                    List.of(matcher.group(5).split(";")));
        }
    }

    /** The credential scope and signed headers of a SigV4 signature. */
    public record Signature(String accessKeyId, String date, String region, String service,
                            List<String> signedHeaders) {
    }

    /** What the server does with one request. */
    public sealed interface Reply {

        /** A model's answer: text (or, to a forced tool, its input), usage and the stop reason. */
        record Answer(String text, int inputTokens, int outputTokens, String stopReason) implements Reply {
        }

        /** A Bedrock error: {@code type} goes to {@code x-amzn-errortype}, {@code message} to the body. */
        record Error(String type, int status, String message) implements Reply {
        }

        /** Waits, then replies; longer than the client's timeout gives a client-side timeout. */
        record Delayed(Duration delay, Reply then) implements Reply {
        }
    }

    public static Reply text(String text) {
        return new Reply.Answer(text, 12, 7, null);
    }

    public static Reply answer(String text, int inputTokens, int outputTokens) {
        return new Reply.Answer(text, inputTokens, outputTokens, null);
    }

    /** An answer cut off at the token limit: stop reason {@code max_tokens}. */
    public static Reply truncated(String partialText) {
        return new Reply.Answer(partialText, 12, 4096, "max_tokens");
    }

    public static Reply error(String type, int status, String message) {
        return new Reply.Error(type, status, message);
    }

    public static Reply throttled() {
        return error("ThrottlingException", 429, "Too many requests, please wait before trying again.");
    }

    public static Reply unavailable() {
        return error("ServiceUnavailableException", 503, "Bedrock is unable to process your request.");
    }

    public static Reply notReady() {
        return error("ModelNotReadyException", 429, "Model is not ready to serve inference requests.");
    }

    public static Reply delayed(Duration delay, Reply then) {
        return new Reply.Delayed(delay, then);
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong toolUseIds = new AtomicLong();
    private volatile Function<Request, Reply> responder = request -> text("{}");
    private volatile Duration latency = Duration.ZERO;
    /** The credentials installed for the SDK's default chain, removed on close; none for a server started plainly. */
    private final List<AwsTestCredentials> credentials = new ArrayList<>();

    public FakeBedrockServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the fake Bedrock server", e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * A server for code that builds its own Bedrock client from the SDK's default chain, as production does: the
     * test credentials ({@link AwsTestCredentials}) are installed while it runs.
     */
    public static FakeBedrockServer withTestCredentials() {
        FakeBedrockServer server = new FakeBedrockServer();
        server.credentials.add(AwsTestCredentials.install());
        return server;
    }

    /** What the SDK's endpoint override is set to ({@code AWS_ENDPOINT_URL_BEDROCK_RUNTIME}). */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public FakeBedrockServer respondWith(Function<Request, Reply> responder) {
        this.responder = Objects.requireNonNull(responder);
        return this;
    }

    public FakeBedrockServer respond(Reply reply) {
        return respondWith(request -> reply);
    }

    /** Time from a request's arrival to its answer, as a model's latency. */
    public FakeBedrockServer latency(Duration latency) {
        this.latency = Objects.requireNonNull(latency);
        return this;
    }

    /** Stop keeping requests (for benchmarks); the counters still count. */
    public FakeBedrockServer recordRequests(boolean record) {
        keepRequests(record);
        return this;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
        credentials.forEach(AwsTestCredentials::close);
    }

    private void handle(HttpExchange exchange) throws IOException {
        long arrived = System.nanoTime();
        arrived();
        try (exchange) {
            Request request = read(exchange);
            received(request);
            Reply reply;
            if (!"POST".equals(request.method()) || request.modelId() == null) {
                reply = error("UnknownOperationException", 404, "no such operation: " + request.rawPath());
            } else {
                FakeLlmServer.pause(latency.minusNanos(System.nanoTime() - arrived));
                reply = responder.apply(request);
            }
            while (reply instanceof Reply.Delayed delayed) {
                FakeLlmServer.pause(delayed.delay());
                reply = delayed.then();
            }
            send(exchange, request, reply);
        } finally {
            decided();
        }
    }

    private static Request read(HttpExchange exchange) throws IOException {
        String rawPath = exchange.getRequestURI().getRawPath();
        Matcher matcher = CONVERSE.matcher(rawPath);
        String modelId = matcher.matches() ? URLDecoder.decode(matcher.group(1), StandardCharsets.UTF_8) : null;
        Map<String, String> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.put(name.toLowerCase(Locale.ROOT), values.getFirst()));
        byte[] body = exchange.getRequestBody().readAllBytes();
        JsonNode json;
        try {
            json = body.length == 0 ? MAPPER.nullNode() : MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            json = MAPPER.nullNode();
        }
        return new Request(exchange.getRequestMethod(), rawPath, modelId, headers, json);
    }

    private void send(HttpExchange exchange, Request request, Reply reply) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("x-amzn-RequestId", "fake-" + System.nanoTime());
        int status;
        String body;
        switch (reply) {
            case Reply.Answer answer -> {
                status = 200;
                body = FakeLlmServer.json(answerBody(request, answer));
            }
            case Reply.Error error -> {
                status = error.status();
                exchange.getResponseHeaders().set("x-amzn-ErrorType",
                        error.type() + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
                body = FakeLlmServer.json(Map.of("message", error.message()));
            }
            case Reply.Delayed delayed -> throw new IllegalStateException("delays are waited out before answering");
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private Map<String, Object> answerBody(Request request, Reply.Answer answer) {
        String tool = request.forcedTool();
        Object input = tool == null ? null : objectOrNull(answer.text());
        Map<String, Object> block = input != null
                ? Map.of("toolUse", Map.of("toolUseId", "tooluse_" + toolUseIds.incrementAndGet(), "name", tool,
                "input", input))
                : Map.of("text", answer.text());
        String stopReason = answer.stopReason() != null ? answer.stopReason() : input != null ? "tool_use"
                : "end_turn";
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("output", Map.of("message", Map.of("role", "assistant", "content", List.of(block))));
        body.put("stopReason", stopReason);
        body.put("usage", Map.of("inputTokens", answer.inputTokens(), "outputTokens", answer.outputTokens(),
                "totalTokens", answer.inputTokens() + answer.outputTokens()));
        body.put("metrics", Map.of("latencyMs", 1));
        return body;
    }

    private static Object objectOrNull(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            return node != null && node.isObject() ? node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
