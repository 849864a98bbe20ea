package dev.llmwatcher.engine;

import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.InMemoryQueueStore;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The backlog a pass reports, and the counts it costs the queue. */
class BacklogCountTest {

    private static final Instant NOW = Instant.parse("2026-12-08T00:00:00Z");
    private static final String QUEUE = "llm-queue";

    private final InMemoryQueueStore queue = new InMemoryQueueStore();
    private final AtomicInteger counts = new AtomicInteger();
    private final QueueStore counting = (QueueStore) Proxy.newProxyInstance(QueueStore.class.getClassLoader(),
            new Class<?>[] {QueueStore.class}, (proxy, method, args) -> {
                if (method.getName().equals("countEligible")) {
                    counts.incrementAndGet();
                }
                try {
                    return method.invoke(queue, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final QueueQuery query = new QueueQuery(QUEUE, Selection.NEW, NOW, Optional.empty(), 8);

    private static WriteBack.Tally tally(int processed, int released) {
        return new WriteBack.Tally(processed, 0, 0, released, 0, Map.of(), LatencyStats.EMPTY, Map.of(), 0, Map.of());
    }

    private void queueOne(String id) {
        queue.queue(QUEUE, id, Map.of("_llm_watcher", Map.of("prompt", "p", "_original_index", "target")));
    }

    @Test
    void aWalkThatEndedOnAWholeQueueCheckThatFoundNothingHasItsBacklogCountedAlready() {
        queueOne("queued-since");
        BacklogCount backlog = new BacklogCount(counting, clock, query);

        backlog.startEarly(OptionalLong.of(0));

        assertThat(backlog.atEnd(tally(5, 0))).as("the check's 0, taken a moment ago").isZero();
        assertThat(counts).as("no count asked for").hasValue(0);
    }

    @Test
    void aWalkThatEndedOnACheckThatFoundDocumentsLeftCountsAtTheEndOfThePassNotEarly() {
        queueOne("finished-by-another");
        BacklogCount backlog = new BacklogCount(counting, clock, query);

        backlog.startEarly(OptionalLong.of(1));
        assertThat(counts).as("nothing counted while the last calls run").hasValue(0);
        queue.remove(QUEUE, "finished-by-another");

        assertThat(backlog.atEnd(tally(5, 0))).as("counted after the last calls").isZero();
        assertThat(counts).hasValue(1);
    }

    @Test
    void aPassThatGaveDocumentsBackCountsAgainEvenAfterAnEmptyCheck() {
        queueOne("released");
        BacklogCount backlog = new BacklogCount(counting, clock, query);

        backlog.startEarly(OptionalLong.of(0));

        assertThat(backlog.atEnd(tally(5, 1))).isEqualTo(1);
        assertThat(counts).hasValue(1);
    }

    @Test
    void aWalkThatRanOutOfPartsIsCountedEarly() throws Exception {
        queueOne("left");
        BacklogCount backlog = new BacklogCount(counting, clock, query);

        backlog.startEarly(OptionalLong.empty());

        assertThat(backlog.atEnd(tally(5, 0))).isEqualTo(1);
        assertThat(counts).hasValue(1);
    }
}
