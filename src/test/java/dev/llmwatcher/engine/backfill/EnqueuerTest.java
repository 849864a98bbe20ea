package dev.llmwatcher.engine.backfill;

import dev.llmwatcher.backfill.BackfillRecord;
import dev.llmwatcher.backfill.SourceSelection;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.testing.InMemoryQueueStore;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What a backfill puts in the queue, on the in-memory store (the contract suites hold it to Elasticsearch's rules). */
class EnqueuerTest {

    private static final Instant START = Instant.parse("2026-12-07T21:04:00Z");

    private final InMemoryQueueStore store = new InMemoryQueueStore();
    private Clock clock = Clock.fixed(START, ZoneOffset.UTC);

    private EnqueueRequest request(String backfillId) {
        return new EnqueueRequest(new SourceSelection("reviews-*", Map.of("term", Map.of("lang", "en"))), "q",
                new BackfillInstructions("openai", null, "Rate: {{ctx.text}}", Map.of("type", "object"),
                        Map.of("temperature", 0), "rating"), backfillId, 3, 2, null);
    }

    @Test
    void eachSelectedDocumentIsQueuedAsItsSourcePlusTheInstructionsItsIndexAndItsVersion() throws Exception {
        store.write("reviews-2025", "a", Map.of("text", "good", "lang", "en"));
        store.write("reviews-2026", "b", Map.of("text", "bad", "lang", "en"));
        store.write("reviews-2026", "c", Map.of("text", "mal", "lang", "es"));
        store.write("other", "d", Map.of("text", "good", "lang", "en"));

        EnqueueReport report = new Enqueuer(store, clock).run(request("bf-1"));

        assertThat(report.matched()).isEqualTo(2);
        assertThat(report.read()).isEqualTo(2);
        assertThat(report.result().created()).isEqualTo(2);
        QueuedDocument a = store.queued("q", "a").orElseThrow();
        assertThat(a.userFields()).isEqualTo(Map.of("text", "good", "lang", "en"));
        assertThat(a.meta()).containsEntry("provider", "openai").containsEntry("model", "llama3.3")
                .containsEntry("prompt", "Rate: {{ctx.text}}").containsEntry("format", Map.of("type", "object"))
                .containsEntry("options", Map.of("temperature", 0)).containsEntry("target_field", "rating")
                .containsEntry("_original_index", "reviews-2025").containsEntry("source_seq_no", 0L)
                .containsEntry("source_primary_term", 1L).containsEntry("backfill", "bf-1")
                .containsEntry("queued_at", "2026-12-07T21:04:00Z");
        assertThat(store.queued("q", "b").orElseThrow().meta()).containsEntry("_original_index", "reviews-2026")
                .containsEntry("source_seq_no", 1L);
        assertThat(store.queued("q", "c")).isEmpty();
        assertThat(store.queued("q", "d")).isEmpty();
    }

    @Test
    void runningItAgainQueuesNothingTwiceAndAddsToTheSameBackfillsRecord() throws Exception {
        store.write("reviews-1", "a", Map.of("lang", "en"));
        new Enqueuer(store, clock).run(request("bf-1"));
        store.write("reviews-1", "b", Map.of("lang", "en"));
        clock = Clock.fixed(START.plusSeconds(300), ZoneOffset.UTC);

        EnqueueReport again = new Enqueuer(store, clock).run(request("bf-1"));

        assertThat(again.result().created()).isEqualTo(1);
        assertThat(again.result().alreadyQueued()).isEqualTo(1);
        assertThat(store.backfillRecords("q")).containsExactly(new BackfillRecord("bf-1", "reviews-*", 2, 2, START,
                START.plusSeconds(300)));
    }

    @Test
    void aBackfillIdNamesWhenItStarted() {
        assertThat(Enqueuer.newBackfillId(clock)).matches("bf-20261207-2104-[0-9a-f]{4}");
    }

    @Test
    void aBackfillWithoutAPromptIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BackfillInstructions(null, null, " ", null, null,
                null)).hasMessageContaining("--prompt");
    }
}
