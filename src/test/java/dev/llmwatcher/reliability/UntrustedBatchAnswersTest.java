package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.FakeOpenAiBatchServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Answers collected from OpenAI's Batch API are as untrusted as direct ones: filtered by their schema, counted, never
 * cached with what was dropped, and written only where the allow-list says when they are collected (which may be a
 * day after they were submitted).
 */
class UntrustedBatchAnswersTest {

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final FakeOllamaServer ollama = new FakeOllamaServer();
    @AutoClose
    private final FakeOpenAiServer model = new FakeOpenAiServer();
    @AutoClose
    private final FakeOpenAiBatchServer batches = new FakeOpenAiBatchServer(model);
    private final WatcherFixture fixture = new WatcherFixture(es, ollama, model)
            .with("OPENAI_BASE_URL", batches.baseUrl().toString())
            .with("LLM_WATCHER_BATCH_MODE", "always");
    private final String target = TestElasticsearch.uniqueIndex("batch-reviews");

    UntrustedBatchAnswersTest() {
        model.respondWith(UntrustedAnswersTest::obedientModel);
    }

    private void queueReview(String id, int n, boolean injected) {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(target,
                "From a scale of 1-10 how good is this product review: {{ctx.message}}");
        meta.put("provider", "openai");
        meta.put("model", "gpt-4o-mini");
        meta.put("format", UntrustedAnswersTest.SCALE_SCHEMA);
        es.indexQueueDocument(fixture.queueIndex(), id, UntrustedAnswersTest.review(n, injected), meta);
    }

    /** Passes with one watcher until the queue is empty (at most five): the first submits, later ones collect. */
    private List<RunReport> drain(Watcher watcher) {
        List<RunReport> reports = new ArrayList<>();
        for (int i = 0; i < 5 && es.count(fixture.queueIndex()) > 0; i++) {
            reports.add(watcher.runPass(Selection.NEW, Instant.now().plusSeconds(120), Integer.MAX_VALUE,
                    StopSignal.never()));
            es.refresh(fixture.queueIndex());
        }
        return reports;
    }

    @Test
    void collectedAnswersKeepOnlyWhatTheSchemaDeclaresAndOnlyHonestOnesAreCached() {
        for (int n = 0; n < 4; n++) {
            queueReview("injected-" + n, n, true);
            queueReview("honest-" + n, n, false);
        }

        List<RunReport> reports;
        try (Watcher watcher = fixture.watcher()) {
            reports = drain(watcher);
        }

        assertThat(batches.batchesCreated()).isEqualTo(1);
        assertThat(reports.stream().mapToInt(r -> r.batch().collected()).sum()).isEqualTo(8);
        assertThat(reports.stream().mapToInt(r -> r.batch().undeclaredFieldsDropped()).sum()).isEqualTo(12);
        assertThat(reports.stream().mapToInt(RunReport::undeclaredFieldsDropped).sum()).isEqualTo(12);
        for (int n = 0; n < 4; n++) {
            for (boolean injected : new boolean[] {true, false}) {
                Map<String, Object> expected = new LinkedHashMap<>(UntrustedAnswersTest.review(n, injected));
                expected.put("scale", UntrustedAnswersTest.scaleOf(n));
                assertThat(es.source(target, (injected ? "injected-" : "honest-") + n)).contains(expected);
            }
        }
        assertThat(NumberedDocuments.all(es, fixture.settings().get("LLM_WATCHER_ANSWER_CACHE_INDEX")).values())
                .hasSize(4).allSatisfy(entry -> assertThat((String) entry.get("answer")).doesNotContain("pwned"));
    }

    @Test
    void aDocumentWhoseIndexLeftTheAllowListWhileItsBatchRanFailsAtCollectionWithNothingWritten() {
        queueReview("submitted", 1, false);
        try (Watcher watcher = fixture.watcher()) {
            RunReport submitting = watcher.runPass(Selection.NEW, Instant.now().plusSeconds(120), Integer.MAX_VALUE,
                    StopSignal.never());
            assertThat(submitting.batch().submitted()).isEqualTo(1);
        }

        fixture.with("LLM_WATCHER_ALLOWED_TARGET_INDICES", "somewhere-else-*");
        List<RunReport> collecting;
        try (Watcher watcher = fixture.watcher()) {
            collecting = drain(watcher);
        }

        assertThat(collecting.stream().mapToInt(r -> r.batch().failed()).sum()).isEqualTo(1);
        assertThat(QueueAssertions.error(es, fixture.queueIndex(), "submitted")).contains("_original_index \""
                + target + "\" is not an index answers may be written to (--allowed-target-indices somewhere-else-*)");
        assertThat(es.get("/" + target).status()).isEqualTo(404);
    }
}
