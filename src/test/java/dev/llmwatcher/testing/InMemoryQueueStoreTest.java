package dev.llmwatcher.testing;

import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.FailureRecord;
import dev.llmwatcher.queue.QueueBusyException;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueScan;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.queue.WriteOutcome;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fake follows the queue port's contract as the Elasticsearch adapter does, or the engine tests prove nothing. */
class InMemoryQueueStoreTest {

    private static final String QUEUE = "q";
    private final InMemoryQueueStore store = new InMemoryQueueStore();
    private final Instant now = Instant.parse("2026-01-01T00:00:00Z");

    private void queue(String id, Map<String, Object> fields, Map<String, Object> meta) {
        Map<String, Object> source = new LinkedHashMap<>(fields);
        source.put("_llm_watcher", new LinkedHashMap<>(meta));
        store.queue(QUEUE, id, source);
    }

    private QueueQuery query(Selection selection, Instant at, Optional<String> sort, int pageSize) {
        return new QueueQuery(QUEUE, selection, at, sort, pageSize);
    }

    private List<String> scanIds(QueueQuery query) {
        List<String> ids = new ArrayList<>();
        try (QueueScan scan = store.scan(query)) {
            for (List<QueuedDocument> page = scan.nextPage(); !page.isEmpty(); page = scan.nextPage()) {
                assertThat(page.size()).isLessThanOrEqualTo(query.pageSize());
                page.forEach(d -> ids.add(d.id()));
            }
        }
        return ids;
    }

    @Test
    void aChangeFromAStaleVersionIsAConflictAndLeftOut() {
        queue("a", Map.of(), Map.of());
        QueuedDocument read = store.queued(QUEUE, "a").orElseThrow();
        List<QueuedDocument> first = store.claim(QUEUE, List.of(read), new Claim("one", now.plusSeconds(60)));

        List<QueuedDocument> second = store.claim(QUEUE, List.of(read), new Claim("two", now.plusSeconds(60)));
        store.recordFailures(QUEUE, List.of(new FailureRecord(read, "late", 1, now, now, false)));
        List<String> setAside = store.setAside(QUEUE, List.of(new CompletedDocument(read, "t", Map.of("x", 1))));

        assertThat(first).hasSize(1);
        assertThat(first.get(0).seqNo()).isGreaterThan(read.seqNo());
        assertThat(second).isEmpty();
        assertThat(setAside).isEmpty();
        assertThat(store.meta(QUEUE, "a")).doesNotContainKeys("error", "pending_result")
                .extractingByKey("claim").isEqualTo(Map.of("owner", "one", "until", "2026-01-01T00:01:00Z"));
    }

    @Test
    void storingAResultClaimedAtAStaleVersionKeepsTheQueueDocument() {
        queue("a", Map.of("m", 1), Map.of());
        QueuedDocument read = store.queued(QUEUE, "a").orElseThrow();
        QueuedDocument claimed = store.claim(QUEUE, List.of(read), new Claim("one", now)).get(0);

        List<WriteOutcome> stale = store.store(QUEUE, List.of(new CompletedDocument(read, "t", Map.of("m", 1))));
        List<WriteOutcome> current = store.store(QUEUE, List.of(new CompletedDocument(claimed, "t", Map.of("m", 2))));

        assertThat(stale.get(0).stored()).isTrue();
        assertThat(stale.get(0).removedFromQueue()).isFalse();
        assertThat(current).containsExactly(WriteOutcome.done("a"));
        assertThat(store.stored("t", "a")).contains(Map.of("m", 2));
        assertThat(store.queueSize(QUEUE)).isZero();
    }

    @Test
    void eligibilityFollowsTheSelectionTheLeaseAndTheRetryTime() {
        queue("new", Map.of(), Map.of());
        queue("leased", Map.of(), Map.of("claim", Map.of("owner", "x", "until", "2026-01-01T00:00:10.000Z")));
        queue("lease-over", Map.of(), Map.of("claim", Map.of("owner", "x", "until", "2025-12-31T23:59:59.000Z")));
        queue("due", Map.of(), Map.of("error", "e", "next_attempt_at", "2025-12-31T23:00:00.000Z"));
        queue("waiting", Map.of(), Map.of("error", "e", "next_attempt_at", "2026-01-01T01:00:00.000Z"));
        queue("parked", Map.of(), Map.of("error", "e", "parked", true));

        assertThat(scanIds(query(Selection.NEW, now, Optional.empty(), 10))).containsExactly("new", "lease-over");
        assertThat(scanIds(query(Selection.RETRY, now, Optional.empty(), 10))).containsExactly("due");
        assertThat(store.countEligible(query(Selection.RETRY, now.plusSeconds(7200), Optional.empty(), 10)))
                .isEqualTo(2);
    }

    @Test
    void aScanIsASortedPagedSnapshot() {
        queue("late", Map.of("at", 30), Map.of());
        queue("none", Map.of(), Map.of());
        queue("early", Map.of("at", 10), Map.of());
        queue("middle", Map.of("at", 20), Map.of());
        QueueScan scan = store.scan(query(Selection.NEW, now, Optional.of("at:long"), 3));
        queue("added-later", Map.of("at", 1), Map.of());

        List<QueuedDocument> first = scan.nextPage();
        List<QueuedDocument> second = scan.nextPage();

        assertThat(scan.totalEligible()).isEqualTo(4);
        assertThat(first).extracting(QueuedDocument::id).containsExactly("early", "middle", "late");
        assertThat(second).extracting(QueuedDocument::id).containsExactly("none");
        assertThat(scan.nextPage()).isEmpty();
    }

    @Test
    void scriptedBackPressureAnswersTheNextResultBulksAndThenStores() {
        queue("a", Map.of(), Map.of());
        QueuedDocument claimed = store.claim(QUEUE, List.of(store.queued(QUEUE, "a").orElseThrow()),
                new Claim("one", now)).get(0);
        List<CompletedDocument> result = List.of(new CompletedDocument(claimed, "t", Map.of("x", 1)));
        store.rejectResultBulksAsBusy(1);
        store.pushBackResultBulks(1);

        assertThatThrownBy(() -> store.store(QUEUE, result)).isInstanceOf(QueueBusyException.class);
        assertThat(store.store(QUEUE, result)).singleElement().satisfies(o -> assertThat(o.pushedBack()).isTrue());
        assertThat(store.store(QUEUE, result)).containsExactly(WriteOutcome.done("a"));
        assertThat(store.resultBulks()).isEqualTo(3);
    }
}
