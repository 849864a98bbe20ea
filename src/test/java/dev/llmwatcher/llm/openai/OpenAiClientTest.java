package dev.llmwatcher.llm.openai;

import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.llm.http.JsonHttp;
import dev.llmwatcher.llm.retry.ConcurrencyLimit;
import dev.llmwatcher.llm.retry.RateLimitGate;
import dev.llmwatcher.llm.retry.RetryingLlmClient;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOpenAiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

class OpenAiClientTest {

    private static final JsonHttp HTTP = JsonHttp.create(Duration.ofSeconds(2));
    private static final String KEY = "sk-test-0123456789abcdef";
    private static final Map<String, Object> SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")));

    private final FakeOpenAiServer server = new FakeOpenAiServer();
    private final OpenAiClient client = new OpenAiClient(HTTP, server.baseUrl(), KEY);

    @AfterEach
    void stop() {
        server.close();
    }

    private static LlmRequest request(Object format, Map<String, Object> options) {
        return new LlmRequest("gpt-4o-mini", "Rate: I love it!", format, options, Duration.ofSeconds(5));
    }

    @Test
    void sendsChatCompletionWithSchemaResponseFormatAndTopLevelOptions() throws Exception {
        server.respond(Reply.text("{\"scale\": 9}"));

        client.complete(request(SCHEMA, Map.of("temperature", 0.2, "max_tokens", 100, "seed", 7)));

        var sent = server.lastRequest();
        assertThat(sent.path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(sent.body()).isEqualTo(Map.of(
                "model", "gpt-4o-mini",
                "messages", List.of(Map.of("role", "user", "content", "Rate: I love it!")),
                "temperature", 0.2, "max_tokens", 100, "seed", 7,
                "response_format", Map.of("type", "json_schema",
                        "json_schema", Map.of("name", "answer", "schema", SCHEMA, "strict", false))));
    }

    @Test
    void asksForAJsonObjectWhenFormatIsJson() throws Exception {
        server.respond(Reply.text("{}"));

        client.complete(request("json", Map.of()));

        assertThat(server.lastRequest().body()).containsEntry("response_format", Map.of("type", "json_object"));
    }

    @Test
    void sendsNoResponseFormatForTextAndNoAuthorizationWithoutKey() throws Exception {
        server.respond(Reply.text("nice"));
        var keyless = new OpenAiClient(HTTP, server.baseUrl(), null);

        keyless.complete(request(Map.of(), Map.of()));

        var sent = server.lastRequest();
        assertThat(sent.body()).doesNotContainKey("response_format");
        assertThat(sent.header("Authorization")).isNull();
    }

    @Test
    void returnsContentWithUsageAndFinishReason() throws Exception {
        server.respond(Reply.success("{\"scale\": 9}", 31, 4, "stop"));

        LlmAnswer answer = client.complete(request(SCHEMA, Map.of()));

        assertThat(answer.text()).isEqualTo("{\"scale\": 9}");
        assertThat(answer.usage()).isEqualTo(new TokenUsage(31, 4));
        assertThat(answer.finishReason()).isEqualTo("stop");
    }

    @Test
    void refusalFailsWithTheRefusalText() {
        server.respond(Reply.refusal("I'm sorry, I can't help with that."));

        assertThatThrownBy(() -> client.complete(request(SCHEMA, Map.of())))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.REFUSED);
                    assertThat(e.getMessage()).isEqualTo("the model refused to answer: I'm sorry, I can't help with that.");
                });
    }

    @Test
    void contentFilterIsARefusal() {
        server.respond(Reply.success("", 10, 0, "content_filter"));

        assertThatThrownBy(() -> client.complete(request(SCHEMA, Map.of())))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.REFUSED);
                    assertThat(e.getMessage()).contains("finish_reason=content_filter");
                });
    }

    @Test
    void truncatedAnswerFails() {
        server.respond(Reply.truncated("{\"scale\""));

        assertThatThrownBy(() -> client.complete(request(SCHEMA, Map.of())))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.TRUNCATED);
                    assertThat(e.getMessage()).contains("answer truncated at the token limit (finish_reason=length)");
                });
    }

    @Test
    void unknownModelNamesTheModel() {
        server.respond(Reply.modelNotFound());

        assertThatThrownBy(() -> client.complete(request(SCHEMA, Map.of())))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.MODEL_NOT_FOUND);
                    assertThat(e.getMessage()).isEqualTo("OpenAI-compatible server at " + server.baseUrl()
                            + " answered 404: The model `gpt-4o-mini` does not exist or you do not have access to it.");
                });
    }

    @Test
    void rejectedKeyIsAnAuthenticationFailureThatNeverShowsTheKey() {
        server.respond(Reply.error(401, "Incorrect API key provided: " + KEY + "."));

        assertThatThrownBy(() -> client.complete(request(SCHEMA, Map.of())))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.AUTHENTICATION);
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.getMessage()).contains("Incorrect API key provided: ***").doesNotContain(KEY);
                });
    }

    @Test
    void noFailureMessageContainsTheKey() {
        List<Reply> faults = List.of(Reply.serverError(), Reply.rateLimited(), Reply.malformed("{oops"),
                Reply.disconnect(), Reply.delayed(Duration.ofSeconds(2), Reply.text("late")));
        for (Reply fault : faults) {
            server.respond(fault);

            assertThatThrownBy(() -> client.complete(request(SCHEMA, Map.of()).withTimeout(Duration.ofMillis(300))))
                    .isInstanceOf(LlmException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(KEY.substring(3)));
        }
    }

    @Test
    void rateLimitUsesOpenAiErrorShape() {
        server.respond(Reply.rateLimited(Duration.ofSeconds(2)));

        assertThatThrownBy(() -> client.complete(request(SCHEMA, Map.of())))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.RATE_LIMITED);
                    assertThat(e.retryAfter()).contains(Duration.ofSeconds(2));
                    assertThat(e.getMessage()).endsWith("answered 429: rate limit exceeded");
                });
    }

    @Test
    void anAccountOutOfCreditIsNotARateLimit() {
        server.respond(Reply.raw(429, "{\"error\": {\"message\": \"You exceeded your current quota, please check your "
                + "plan and billing details.\", \"type\": \"insufficient_quota\", \"param\": null, "
                + "\"code\": \"insufficient_quota\"}}"));

        assertThatThrownBy(() -> client.complete(request(SCHEMA, Map.of())))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.QUOTA_EXHAUSTED);
                    assertThat(e.getMessage()).endsWith("answered 429: You exceeded your current quota, please check "
                            + "your plan and billing details.");
                });
    }

    @Test
    void aGatewaysSpentBudgetIsNeitherARateLimitNorTheDocumentsFaultWhateverItsStatus() {
        for (int status : List.of(400, 422, 429)) {
            server.respond(FakeOpenAiServer.budgetExceeded(status, "Budget has been exceeded! Team=team-7 Current "
                    + "cost: 10.51, Max budget: 10.0"));

            assertThatThrownBy(() -> client.complete(request(SCHEMA, Map.of())))
                    .asInstanceOf(type(LlmException.class))
                    .satisfies(e -> {
                        assertThat(e.kind()).as("HTTP %d", status).isEqualTo(LlmException.Kind.BUDGET_EXHAUSTED);
                        assertThat(e.getMessage()).endsWith("answered " + status + ": Budget has been exceeded! "
                                + "Team=team-7 Current cost: 10.51, Max budget: 10.0");
                    });
        }
    }

    @Test
    void aSpentGatewayBudgetIsNotRetriedWhileARateLimitIs() throws Exception {
        RetryingLlmClient retrying = new RetryingLlmClient(client, RetryingLlmClient.Policy.DEFAULT,
                new RateLimitGate(), new ConcurrencyLimit(), System::nanoTime, duration -> { }, new Random(1));
        server.respond(FakeOpenAiServer.budgetExceeded(429, "Budget has been exceeded!"));

        assertThatThrownBy(() -> retrying.complete(request(SCHEMA, Map.of()))).isInstanceOf(LlmException.class);
        int budgetCalls = server.calls();
        server.reset();
        AtomicInteger answered = new AtomicInteger();
        server.respondWith(request -> answered.getAndIncrement() == 0 ? Reply.rateLimited()
                : Reply.text("{\"scale\": 3}"));
        LlmAnswer afterRateLimit = retrying.complete(request(SCHEMA, Map.of()));

        assertThat(budgetCalls).isEqualTo(1);
        assertThat(server.calls()).isEqualTo(2);
        assertThat(afterRateLimit.text()).isEqualTo("{\"scale\": 3}");
    }

    @Test
    void answerWithoutChoicesIsMalformed() {
        server.respond(Reply.malformed("{\"choices\": []}"));

        assertThatThrownBy(() -> client.complete(request(SCHEMA, Map.of())))
                .asInstanceOf(type(LlmException.class))
                .extracting(LlmException::kind).isEqualTo(LlmException.Kind.MALFORMED_RESPONSE);
    }
}
