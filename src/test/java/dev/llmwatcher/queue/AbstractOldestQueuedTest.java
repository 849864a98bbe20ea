package dev.llmwatcher.queue;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules of {@link OldestQueued} (the Lambda's oldest-queued-age metric), for every adapter: the age of the
 * eligible document queued first, by the selection's eligibility; nothing for a missing queue or undated documents.
 */
public abstract class AbstractOldestQueuedTest extends AbstractPortTest {

    /** The implementation under test, over the same cluster as {@link #ports()}. */
    protected abstract OldestQueued oldestQueued();

    private void queueAt(String id, Instant queuedAt, Map<String, Object> extra) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("provider", "ollama");
        meta.put("model", "llama3.3");
        meta.put("prompt", "p");
        meta.put("_original_index", target);
        if (queuedAt != null) {
            meta.put("queued_at", queuedAt.toString());
        }
        meta.putAll(extra);
        ports.queue(queue, id, PortFixture.queueDocument(Map.of("text", id), meta));
    }

    @Test
    void aMissingQueueHasNoOldest() {
        assertThat(oldestQueued().oldest(queue, Selection.NEW, NOW)).isEmpty();
    }

    @Test
    void theOldestEligibleDocumentOfTheSelectionCounts() {
        queueAt("recent", NOW.minus(Duration.ofMinutes(30)), Map.of());
        queueAt("oldest-new", NOW.minus(Duration.ofHours(2)), Map.of());
        queueAt("parked", NOW.minus(Duration.ofHours(5)), Map.of("error", "e", "parked", true));
        queueAt("claimed", NOW.minus(Duration.ofHours(6)),
                Map.of("claim", Map.of("owner", "x", "until", NOW.plusSeconds(60).toString())));
        queueAt("retry-due", NOW.minus(Duration.ofHours(3)),
                Map.of("error", "e", "next_attempt_at", NOW.minusSeconds(1).toString()));
        queueAt("retry-later", NOW.minus(Duration.ofHours(4)),
                Map.of("error", "e", "next_attempt_at", NOW.plusSeconds(600).toString()));

        assertThat(oldestQueued().oldest(queue, Selection.NEW, NOW)).contains(Duration.ofHours(2));
        assertThat(oldestQueued().oldest(queue, Selection.RETRY, NOW)).contains(Duration.ofHours(3));
    }

    @Test
    void undatedDocumentsGiveNoAge() {
        queueAt("undated", null, Map.of());
        queueAt("retry", null, Map.of("error", "e"));

        assertThat(oldestQueued().oldest(queue, Selection.NEW, NOW)).isEmpty();
    }
}
