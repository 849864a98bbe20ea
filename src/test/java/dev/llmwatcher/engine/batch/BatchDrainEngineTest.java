package dev.llmwatcher.engine.batch;

import dev.llmwatcher.batch.BatchLimits;
import dev.llmwatcher.config.BatchSettings;
import dev.llmwatcher.engine.BatchReport;
import dev.llmwatcher.engine.EngineHarness;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.RunRequest;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.llm.http.JsonHttp;
import dev.llmwatcher.llm.openai.OpenAiBatchClient;
import dev.llmwatcher.llm.openai.OpenAiClient;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOpenAiBatchServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.InMemoryQueueStore;
import dev.llmwatcher.testing.ScriptedLlmClient;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batch drain mode's engine over the in-memory queue, against a server speaking the Files and Batches API: the
 * order of a pass (collect, submit, direct calls for the rest) in milliseconds, for the behaviours the Elasticsearch
 * tests ({@code reliability.BatchDrainTest}) prove end to end.
 */
class BatchDrainEngineTest {

    private final EngineHarness harness = new EngineHarness();
    @AutoClose
    private final FakeOpenAiServer model = new FakeOpenAiServer();
    @AutoClose
    private final FakeOpenAiBatchServer batches = new FakeOpenAiBatchServer(model).statuses("validating",
            "completed");
    @AutoClose
    private final JsonHttp http = JsonHttp.create(Duration.ofSeconds(5));
    private final OpenAiBatchClient provider = new OpenAiBatchClient(http,
            new OpenAiClient(http, batches.baseUrl(), "sk-test"), BatchLimits.OPENAI, Duration.ofSeconds(30));

    private void queue(String id, String provider) {
        Map<String, Object> meta = EngineHarness.meta();
        meta.put("provider", provider);
        harness.queue(id, "review " + id, meta);
    }

    private RunReport pass(BatchSettings settings) {
        return harness.engine(provider, settings).run(new RunRequest(EngineHarness.QUEUE,
                Selection.NEW, Instant.now().plusSeconds(30), Integer.MAX_VALUE,
                StopSignal.never()));
    }

    @Test
    void aPassCollectsThenSubmitsThenCallsTheRestDirectly() {
        model.respond(Reply.success("{\"scale\": 3}", 11, 2, "stop"));
        harness.llm.answerAll(ScriptedLlmClient.Reply.answer("{\"scale\": 9}"));
        for (int i = 0; i < 6; i++) {
            queue("openai-" + i, "openai");
        }
        queue("local", "ollama");
        BatchSettings always = BatchSettings.defaults(BatchSettings.Mode.ALWAYS, 1000);

        RunReport submitting = pass(always);

        assertThat(submitting.batch().submitted()).isEqualTo(6);
        assertThat(submitting.processed()).as("the Ollama document, called directly").isEqualTo(1);
        assertThat(harness.llm.calls()).isEqualTo(1);
        assertThat(harness.store.queueSize(EngineHarness.QUEUE)).isEqualTo(6);
        assertThat(harness.queueMeta("openai-0").get("batch")).isInstanceOfSatisfying(Map.class,
                batch -> assertThat(batch.get("id")).isNotNull());

        RunReport collecting = pass(always);

        assertThat(collecting.batch().collected()).isEqualTo(6);
        assertThat(collecting.batch().tokens()).isEqualTo(new TokenUsage(66, 12));
        assertThat(harness.store.queueSize(EngineHarness.QUEUE)).isZero();
        assertThat(harness.store.stored(EngineHarness.TARGET, "openai-5").orElseThrow()).containsEntry("scale", 3);
        assertThat(harness.store.stored(EngineHarness.TARGET, "local").orElseThrow()).containsEntry("scale", 9);
        assertThat(harness.llm.calls()).as("no OpenAI document called directly").isEqualTo(1);
        assertThat(harness.store.events()).extracting(InMemoryQueueStore.Event::operation)
                .containsSubsequence("enterSubmission", "recordBatchId", "store");
    }

    @Test
    void theModeOffCallsEveryDocumentDirectlyAndSubmitsNothing() {
        harness.llm.answerAll(ScriptedLlmClient.Reply.answer("{\"scale\": 9}"));
        queue("openai-0", "openai");

        RunReport report = pass(BatchSettings.OFF);

        assertThat(report.processed()).isEqualTo(1);
        assertThat(report.batch()).isEqualTo(BatchReport.NONE);
        assertThat(batches.uploads()).isEmpty();
    }
}
