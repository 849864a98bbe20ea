package dev.llmwatcher.cli;

import dev.llmwatcher.backfill.BackfillRecord;
import dev.llmwatcher.backfill.QueueEntry;
import dev.llmwatcher.queue.FailureRecord;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.testing.InMemoryQueueStore;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code status}'s backfill lines: done is what left the queue of what was queued; the rate is since the start. */
class BackfillStatusTest {

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    private final InMemoryQueueStore store = new InMemoryQueueStore();

    @Test
    void aRunningBackfillShowsWhatIsDoneWaitingAndFailedItsRateAndTheTimeLeft() {
        List<QueueEntry> entries = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            entries.add(new QueueEntry("d-" + i, Map.of("_llm_watcher", Map.of("backfill", "bf-1", "prompt", "p"))));
        }
        store.enqueue("q", entries);
        QueuedDocument failing = store.queued("q", "d-0").orElseThrow();
        store.recordFailures("q", List.of(new FailureRecord(failing, "boom", 1, NOW, NOW, false)));
        store.recordBackfill("q", new BackfillRecord("bf-1", "reviews", 100, 100, NOW.minusSeconds(100),
                NOW.minusSeconds(90)));
        store.enqueue("q", List.of(new QueueEntry("x", Map.of("_llm_watcher", Map.of("backfill", "bf-2")))));

        List<BackfillStatus> status = BackfillStatus.read(store, "q");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        BackfillStatus.print(status, NOW, new PrintStream(printed, true, StandardCharsets.UTF_8));

        BackfillStatus first = status.stream().filter(s -> s.backfill().equals("bf-1")).findFirst().orElseThrow();
        assertThat(first.done()).isEqualTo(50);
        assertThat(first.rate(NOW)).contains(0.5);
        assertThat(first.timeLeft(NOW)).contains(Duration.ofSeconds(98));
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("bf-1 from reviews: 100 queued, 50 done, 49 waiting, 1 failed, 0.5 documents/s, "
                        + "about 1m 38s left")
                .contains("bf-2 (enqueue still running): ? queued, ? done, 1 waiting, 0 failed");
    }
}
