package dev.llmwatcher.llm.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmwatcher.batch.BatchLimits;
import dev.llmwatcher.batch.BatchResult;
import dev.llmwatcher.batch.ProviderBatch;
import dev.llmwatcher.json.Json;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import dev.llmwatcher.llm.http.JsonHttp;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOpenAiBatchServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Files and Batches API client against a server that speaks that API's wire format. */
class OpenAiBatchClientTest {

    private static final Map<String, Object> SCHEMA = Map.of("type", "object",
            "properties", Map.of("value", Map.of("type", "integer")));

    @AutoClose
    private final FakeOpenAiServer model = new FakeOpenAiServer();
    @AutoClose
    private final FakeOpenAiBatchServer server = new FakeOpenAiBatchServer(model);
    @AutoClose
    private final JsonHttp http = JsonHttp.create(Duration.ofSeconds(5));
    private final OpenAiClient chat = new OpenAiClient(http, server.baseUrl(), "sk-batch-test");
    private final OpenAiBatchClient client = new OpenAiBatchClient(http, chat, BatchLimits.OPENAI,
            Duration.ofSeconds(30));

    private static LlmRequest request(String prompt) {
        return new LlmRequest("gpt-4o-mini", prompt, SCHEMA, Map.of("temperature", 0), Duration.ofSeconds(30));
    }

    @Test
    void aRequestLineCarriesExactlyTheBodyOfADirectCall() throws Exception {
        model.respond(Reply.text("{\"value\": 1}"));
        chat.complete(request("hello"));

        JsonNode line = Json.mapper().readTree(client.requestLine("s-1:doc-1", request("hello")));

        assertThat(line.path("custom_id").asText()).isEqualTo("s-1:doc-1");
        assertThat(line.path("method").asText()).isEqualTo("POST");
        assertThat(line.path("url").asText()).isEqualTo("/v1/chat/completions");
        assertThat(line.path("body")).isEqualTo(model.lastRequest().json());
        assertThat(line.path("body").path("response_format").path("type").asText()).isEqualTo("json_schema");
    }

    @Test
    void aSubmittedBatchWalksItsStatusesAndItsOutputIsReadLineByLine() throws Exception {
        model.respondWith(request -> request.prompt().equals("bad") ? Reply.error(400, "invalid prompt")
                : Reply.success("{\"value\": 7}", 12, 3, "stop"));
        List<String> lines = List.of(client.requestLine("s-1:a", request("good")),
                client.requestLine("s-1:b", request("bad")));

        ProviderBatch batch = client.submit(lines, Map.of("llm_watcher_submission", "s-1"));

        assertThat(server.uploads()).containsExactly(lines);
        assertThat(batch.status()).isEqualTo("validating");
        assertThat(client.get(batch.id()).status()).isEqualTo("in_progress");
        assertThat(client.get(batch.id()).status()).isEqualTo("finalizing");
        ProviderBatch done = client.get(batch.id());
        assertThat(done.completed()).isTrue();
        assertThat(done.counts()).isEqualTo(new ProviderBatch.RequestCounts(2, 1, 1));
        assertThat(done.metadata()).containsEntry("llm_watcher_submission", "s-1");

        List<BatchResult> results = new ArrayList<>();
        client.results(done.outputFileId().orElseThrow(), results::add);
        client.results(done.errorFileId().orElseThrow(), results::add);

        assertThat(results).hasSize(2);
        assertThat(results.get(0).customId()).isEqualTo("s-1:a");
        assertThat(results.get(0).answer().orElseThrow().text()).isEqualTo("{\"value\": 7}");
        assertThat(results.get(0).answer().orElseThrow().usage().promptTokens()).isEqualTo(12);
        assertThat(results.get(1).customId()).isEqualTo("s-1:b");
        assertThat(results.get(1).error().orElseThrow().kind()).isEqualTo(LlmException.Kind.BAD_REQUEST);
        assertThat(results.get(1).error().orElseThrow().getMessage()).contains("400", "invalid prompt");
        assertThat(results.get(1).unanswered()).isFalse();
    }

    @Test
    void requestsAnExpiredBatchNeverRanAreUnansweredNotFailed() throws Exception {
        model.respond(Reply.text("{\"value\": 1}"));
        server.statuses("validating", "in_progress", "expired").runsOnly(line -> line == 0);
        ProviderBatch batch = client.submit(List.of(client.requestLine("s:a", request("x")),
                client.requestLine("s:b", request("y"))), Map.of());
        client.get(batch.id());
        ProviderBatch expired = client.get(batch.id());

        List<BatchResult> unrun = new ArrayList<>();
        client.results(expired.errorFileId().orElseThrow(), unrun::add);

        assertThat(expired.endedEarly()).isTrue();
        assertThat(expired.outputFileId()).isPresent();
        assertThat(unrun).singleElement().satisfies(result -> {
            assertThat(result.customId()).isEqualTo("s:b");
            assertThat(result.unanswered()).isTrue();
            assertThat(result.error().orElseThrow().getMessage()).contains("batch_expired");
        });
    }

    @Test
    void aBatchIsFoundAgainByItsMetadataAcrossListPages() throws Exception {
        Instant before = Instant.now().minusSeconds(5);
        for (int i = 0; i < 120; i++) {
            client.submit(List.of(client.requestLine("s" + i + ":a", request("x"))),
                    Map.of("llm_watcher_submission", "s" + i));
        }

        assertThat(client.findByMetadata("llm_watcher_submission", "s3", before))
                .hasValueSatisfying(batch -> assertThat(batch.metadata()).containsEntry("llm_watcher_submission",
                        "s3"));
        assertThat(client.findByMetadata("llm_watcher_submission", "missing", before)).isEmpty();
    }

    @Test
    void aCancelledBatchEndsEarlyWithItsRequestsUnanswered() throws Exception {
        ProviderBatch batch = client.submit(List.of(client.requestLine("s:a", request("x"))), Map.of());

        assertThat(client.cancel(batch.id()).status()).isEqualTo("cancelling");
        ProviderBatch cancelled = client.get(batch.id());
        List<BatchResult> results = new ArrayList<>();
        client.results(cancelled.errorFileId().orElseThrow(), results::add);

        assertThat(cancelled.endedEarly()).isTrue();
        assertThat(results).singleElement().satisfies(result -> assertThat(result.unanswered()).isTrue());
        assertThat(model.calls()).isZero();
    }

    @Test
    void aFileTheProviderDoesNotHaveIsAnErrorNamingTheStatusAndNeverTheKey() {
        assertThatThrownBy(() -> client.results("file-missing", result -> { }))
                .isInstanceOfSatisfying(LlmException.class, e -> assertThat(e.status()).isEqualTo(404))
                .hasMessageContaining("404").hasMessageContaining("No such File object")
                .hasMessageNotContaining("sk-batch-test");
    }

    @Test
    void theMultipartBodyFramesFieldsAndTheFileAsRfc7578Says() throws Exception {
        MultipartBody body = new MultipartBody("b0undary").field("purpose", "batch")
                .file("file", "x.jsonl", "application/jsonl",
                        List.of("{\"a\":1}\n".getBytes(), "{\"b\":2}\n".getBytes()));
        String text = new String(HttpBodies.bytes(body.parts()));

        assertThat(body.contentType()).isEqualTo("multipart/form-data; boundary=b0undary");
        assertThat(text).isEqualTo("--b0undary\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n{\"a\":1}\n{\"b\":2}\n\r\n--b0undary--\r\n");
    }
}
