package dev.llmwatcher.llm.ollama;

import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.llm.http.JsonHttp;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

class OllamaClientTest {

    private static final JsonHttp HTTP = JsonHttp.create(Duration.ofSeconds(2));
    private static final Map<String, Object> SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")), "required", java.util.List.of("scale"));

    private final FakeOllamaServer server = new FakeOllamaServer();
    private final OllamaClient client = new OllamaClient(HTTP, server.baseUrl());

    @AfterEach
    void stop() {
        server.close();
    }

    private static LlmRequest request(Object format, Map<String, Object> options) {
        return new LlmRequest("llama3.3", "Rate: I love it!", format, options, Duration.ofSeconds(5));
    }

    private static LlmRequest request() {
        return request(SCHEMA, Map.of());
    }

    @Test
    void sendsModelPromptSchemaAndOptionsWithoutStreaming() throws Exception {
        server.respond(Reply.text("{\"scale\": 9}"));

        client.complete(request(SCHEMA, Map.of("temperature", 0.2, "num_ctx", 4096)));

        var sent = server.lastRequest();
        assertThat(sent.path()).isEqualTo("/api/generate");
        assertThat(sent.header("Content-Type")).isEqualTo("application/json");
        assertThat(sent.body()).isEqualTo(Map.of("model", "llama3.3", "prompt", "Rate: I love it!", "stream", false,
                "format", SCHEMA, "options", Map.of("temperature", 0.2, "num_ctx", 4096)));
    }

    @Test
    void omitsFormatAndOptionsWhenThereAreNone() throws Exception {
        server.respond(Reply.text("fine"));

        client.complete(request(null, Map.of()));
        client.complete(request(Map.of(), null));

        assertThat(server.requests()).allSatisfy(sent -> assertThat(sent.body())
                .isEqualTo(Map.of("model", "llama3.3", "prompt", "Rate: I love it!", "stream", false)));
    }

    @Test
    void sendsTheStringJsonAsFormat() throws Exception {
        server.respond(Reply.text("{}"));

        client.complete(request("json", Map.of()));

        assertThat(server.lastRequest().body()).containsEntry("format", "json");
    }

    @Test
    void returnsTheResponseTextWithUsageAndDoneReason() throws Exception {
        server.respond(Reply.success("{\"scale\": 9}", 42, 7, "stop"));

        LlmAnswer answer = client.complete(request());

        assertThat(answer.text()).isEqualTo("{\"scale\": 9}");
        assertThat(answer.usage()).isEqualTo(new TokenUsage(42, 7));
        assertThat(answer.finishReason()).isEqualTo("stop");
        assertThat(answer.latency()).isPositive();
    }

    @Test
    void unknownModelNamesTheModelAndTheServer() {
        server.respond(Reply.modelNotFound());

        assertThatThrownBy(() -> client.complete(request()))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.MODEL_NOT_FOUND);
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.getMessage()).isEqualTo("Ollama at " + server.origin()
                            + " answered 404: model \"llama3.3\" not found, try pulling it first");
                });
    }

    @Test
    void truncatedAnswerFails() {
        server.respond(Reply.truncated("{\"scale\": "));

        assertThatThrownBy(() -> client.complete(request()))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.TRUNCATED);
                    assertThat(e.getMessage()).contains("answer truncated at the token limit (done_reason=length)");
                });
    }

    @Test
    void unreadableSuccessBodyIsMalformed() {
        server.respond(Reply.malformed("{not json"));

        assertThatThrownBy(() -> client.complete(request()))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.MALFORMED_RESPONSE);
                    assertThat(e.getMessage()).contains("{not json");
                });
    }

    @Test
    void successBodyWithoutResponseIsMalformed() {
        server.respond(Reply.malformed("{\"done\": true}"));

        assertThatThrownBy(() -> client.complete(request()))
                .asInstanceOf(type(LlmException.class))
                .extracting(LlmException::kind).isEqualTo(LlmException.Kind.MALFORMED_RESPONSE);
    }

    @Test
    void serverErrorCarriesStatusAndErrorText() {
        server.respond(Reply.error(500, "llama runner process has terminated"));

        assertThatThrownBy(() -> client.complete(request()))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.SERVER_ERROR);
                    assertThat(e.status()).isEqualTo(500);
                    assertThat(e.getMessage()).endsWith("answered 500: llama runner process has terminated");
                });
    }

    @Test
    void longErrorBodiesAreTruncated() {
        server.respond(Reply.raw(502, "x".repeat(5_000)));

        assertThatThrownBy(() -> client.complete(request()))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.SERVER_ERROR);
                    assertThat(e.getMessage()).hasSizeLessThan(600);
                });
    }

    @Test
    void badRequestIsItsOwnKind() {
        server.respond(Reply.error(400, "invalid format"));

        assertThatThrownBy(() -> client.complete(request()))
                .asInstanceOf(type(LlmException.class))
                .extracting(LlmException::kind).isEqualTo(LlmException.Kind.BAD_REQUEST);
    }

    @Test
    void rateLimitCarriesRetryAfterSeconds() {
        server.respond(Reply.rateLimited(Duration.ofSeconds(7)));

        assertThatThrownBy(() -> client.complete(request()))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.RATE_LIMITED);
                    assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
                });
    }

    @Test
    void rateLimitCarriesRetryAfterHttpDate() {
        String inOneMinute = DateTimeFormatter.RFC_1123_DATE_TIME
                .format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(60));
        server.respond(Reply.rateLimited(inOneMinute));

        assertThatThrownBy(() -> client.complete(request()))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> assertThat(e.retryAfter()).hasValueSatisfying(wait ->
                        assertThat(wait).isBetween(Duration.ofSeconds(55), Duration.ofSeconds(60))));
    }

    @Test
    void rateLimitWithoutRetryAfterHasNone() {
        server.respond(Reply.rateLimited());

        assertThatThrownBy(() -> client.complete(request()))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.RATE_LIMITED);
                    assertThat(e.retryAfter()).isEmpty();
                });
    }

    @Test
    void slowServerTimesOut() {
        server.respond(Reply.delayed(Duration.ofSeconds(3), Reply.text("late")));

        assertThatThrownBy(() -> client.complete(request().withTimeout(Duration.ofMillis(200))))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.TIMEOUT);
                    assertThat(e.getMessage()).contains("did not answer within 200 ms");
                });
    }

    @Test
    void refusedConnectionNamesTheUrl() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        var unreachable = new OllamaClient(HTTP, URI.create("http://127.0.0.1:" + closedPort));

        assertThatThrownBy(() -> unreachable.complete(request()))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.CONNECTION);
                    assertThat(e.getMessage()).contains("http://127.0.0.1:" + closedPort);
                });
    }

    @Test
    void droppedConnectionIsAConnectionFailure() {
        server.respond(Reply.disconnect());

        assertThatThrownBy(() -> client.complete(request()))
                .asInstanceOf(type(LlmException.class))
                .extracting(LlmException::kind).isEqualTo(LlmException.Kind.CONNECTION);
    }

    @Test
    void interruptedCallerGetsInterruptedAndKeepsTheFlag() throws Exception {
        var arrived = new java.util.concurrent.CountDownLatch(1);
        server.respondWith(sent -> {
            arrived.countDown();
            return Reply.delayed(Duration.ofSeconds(3), Reply.text("late"));
        });
        var outcome = new java.util.concurrent.CompletableFuture<LlmException>();
        var flag = new java.util.concurrent.CompletableFuture<Boolean>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                client.complete(request());
                outcome.complete(null);
            } catch (LlmException e) {
                flag.complete(Thread.currentThread().isInterrupted());
                outcome.complete(e);
            }
        });
        arrived.await();

        caller.interrupt();

        assertThat(outcome.get(2, java.util.concurrent.TimeUnit.SECONDS).kind())
                .isEqualTo(LlmException.Kind.INTERRUPTED);
        assertThat(flag.get()).isTrue();
    }
}
