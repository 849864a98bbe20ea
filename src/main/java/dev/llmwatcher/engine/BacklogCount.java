package dev.llmwatcher.engine;

import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.Selection;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The backlog of a pass's report: what is still eligible when it ends. Counting refreshes the queue first, and after
 * a drain that refresh writes out every claim the pass made (0.06-0.15 s after a 5,000-document drain). So when the
 * pass has claimed its last document, the count starts at once, beside the last calls, and the pass uses it if
 * nothing it did after that can have made a document eligible again (it released or set aside none, and failed none
 * that its selection would take back) and it ends within {@link #MAX_AGE} of the count. Otherwise, or if the early
 * count failed, it counts again at the end. Either way a document queued in the last moments of a pass may be missing
 * from its backlog, as one queued just after the count would be; with the early count that window is at most
 * {@link #MAX_AGE}.
 */
final class BacklogCount {

    static final Duration MAX_AGE = Duration.ofSeconds(1);

    private final QueueStore store;
    private final Clock clock;
    private final QueueQuery query;
    private volatile Early early;

    private record Early(Instant startedAt, CompletableFuture<Long> count) {
    }

    /** @param query the pass's query; counted again as of the moment of each count */
    BacklogCount(QueueStore store, Clock clock, QueueQuery query) {
        this.store = store;
        this.clock = clock;
        this.query = query;
    }

    /**
     * The pass has claimed its last document: starts counting on a thread of its own. When its walk ended on a
     * whole-queue check a moment ago ({@code counted}: what that found eligible), a check that found nothing is the
     * count (0, as of now); one that found documents left means other drainers are finishing them, so the pass counts
     * at its end instead, after its last calls, when they have most likely claimed them and a drainer that runs
     * passes until none is left does not start another pass for them.
     */
    void startEarly(OptionalLong counted) {
        if (early != null || counted.isPresent() && counted.getAsLong() > 0) {
            return;
        }
        early = new Early(clock.instant(), counted.isPresent() ? CompletableFuture.completedFuture(0L)
                : CompletableFuture.supplyAsync(this::countNow,
                task -> Thread.ofVirtual().name("backlog-count").start(task)));
    }

    /** The backlog once the pass has ended with {@code tally}. */
    long atEnd(WriteBack.Tally tally) {
        Early counted = early;
        boolean nothingBack = tally.backInQueue() == 0 && (query.selection() == Selection.NEW || tally.failed() == 0);
        if (counted != null && nothingBack
                && !Duration.between(counted.startedAt(), clock.instant()).minus(MAX_AGE).isPositive()) {
            try {
                return counted.count().join();
            } catch (CompletionException e) {
                // counted again below, where a queue that is really gone fails the pass
            }
        }
        return countNow();
    }

    private long countNow() {
        return store.countEligible(query.asOf(clock.instant()));
    }
}
