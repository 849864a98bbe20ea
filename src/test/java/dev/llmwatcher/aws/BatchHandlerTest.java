package dev.llmwatcher.aws;

import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.llmwatcher.testing.BatchApiServers;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batch drain mode on Lambda: one invocation submits, a later one (the next schedule tick, the same warm
 * handler) collects; nothing waits inside an invocation. Driven by the real sample event.
 */
class BatchHandlerTest {

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final LambdaHarness lambda = new LambdaHarness();
    @AutoClose
    private final BatchApiServers servers = new BatchApiServers().completingAtOnce();
    private final FakeOpenAiServer model = servers.model();
    private final WatcherFixture fixture = servers.fixture(es)
            .with("LLM_WATCHER_BATCH_MODE", "auto")
            .with("LLM_WATCHER_BATCH_MIN_DOCUMENTS", "5");
    private final String target = TestElasticsearch.uniqueIndex("batch-reviews");

    @Test
    void oneInvocationSubmitsAndTheNextCollectsWithTheirCountsInTheSummaryAndTheMetrics() {
        model.respond(Reply.success("{\"scale\": 4}", 20, 3, "stop"));
        for (int i = 0; i < 5; i++) {
            Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, "Rate: {{ctx.message}}");
            meta.put("provider", "openai");
            meta.put("model", "gpt-4o-mini");
            meta.put("format", SampleEventsTest.SCALE_SCHEMA);
            es.indexQueueDocument(fixture.queueIndex(), "r" + i, Map.of("message", "review " + i), meta);
        }
        Map<String, Object> event = EventLoader.loadEvent(Path.of("events", "watcher-schedule-v2.json").toString(),
                Map.class);
        WatcherHandler handler = lambda.watcher(fixture);

        Map<String, Object> submitting = handler.handleRequest(event, lambda.context());

        assertThat(submitting).containsEntry("processed", 0);
        assertThat(submitting.get("batch")).isEqualTo(Map.of("submitted", 5, "batches", 1, "collected", 0,
                "failed", 0, "returned", 0, "open", 1));
        assertThat(model.calls()).isZero();
        assertThat(es.count(target)).isZero();

        Map<String, Object> collecting = handler.handleRequest(event, lambda.context());

        assertThat(collecting.get("batch")).isEqualTo(Map.of("submitted", 0, "batches", 0, "collected", 5,
                "failed", 0, "returned", 0, "open", 0));
        assertThat(es.count(target)).isEqualTo(5);
        assertThat(es.count(fixture.queueIndex())).isZero();
        assertThat(es.source(target, "r0").orElseThrow()).containsEntry("scale", 4);
        List<Map<String, Object>> metrics = lambda.metricLines();
        assertThat(metrics).anySatisfy(line -> assertThat(line).containsEntry("BatchDocumentsSubmitted", 5));
        assertThat(metrics).anySatisfy(line -> assertThat(line).containsEntry("BatchDocumentsCollected", 5));
        assertThat(metrics).anySatisfy(line -> assertThat(line).containsEntry("Model", "gpt-4o-mini")
                .containsEntry("BatchPromptTokens", 100).containsEntry("BatchCompletionTokens", 15));
    }
}
