package dev.llmwatcher.queue;

import java.util.Optional;

/**
 * What happened to one completed document at write-back. {@code stored} means the result is in its target index;
 * {@code removedFromQueue} that the queue copy is gone too. A document that was stored but not removed is harmless
 * (a later run writes the same result again); one that was not stored carries Elasticsearch's reason.
 *
 * <p>{@code pushedBack} marks a result Elasticsearch did not take because it was shedding load (a bulk item answered
 * 429, {@code es_rejected_execution_exception}): the answer is good and already paid for, so the caller tries again
 * later instead of failing the document.
 *
 * <p>{@code superseded} marks a backfilled document's result that was not stored because the application changed or
 * deleted the source document since it was queued: the application's write wins. A deleted one's queue document is
 * removed ({@code removedFromQueue}); a changed one's queue document now holds the current version, to be answered
 * again. Neither is a failure of the document.
 */
public record WriteOutcome(String id, boolean stored, boolean removedFromQueue, boolean pushedBack,
                           Optional<String> error, boolean superseded) {

    public WriteOutcome(String id, boolean stored, boolean removedFromQueue, boolean pushedBack,
                        Optional<String> error) {
        this(id, stored, removedFromQueue, pushedBack, error, false);
    }

    public static WriteOutcome done(String id) {
        return new WriteOutcome(id, true, true, false, Optional.empty());
    }

    public static WriteOutcome storedNotRemoved(String id, String reason) {
        return new WriteOutcome(id, true, false, false, Optional.of(reason));
    }

    public static WriteOutcome notStored(String id, String reason) {
        return new WriteOutcome(id, false, false, false, Optional.of(reason));
    }

    /** Not stored because Elasticsearch pushed back (HTTP 429 for the item); worth writing again shortly. */
    public static WriteOutcome pushedBack(String id, String reason) {
        return new WriteOutcome(id, false, false, true, Optional.of(reason));
    }

    /**
     * Not stored: the application deleted the source document since it was queued; the queue copy is removed
     * ({@code removed}), or left when another run changed it meanwhile.
     */
    public static WriteOutcome sourceDeleted(String id, boolean removed) {
        return new WriteOutcome(id, false, removed, false,
                Optional.of("the source document was deleted since it was queued; result dropped"), true);
    }

    /**
     * Not stored: the application changed the source document since it was queued; the queue copy now holds the
     * current version ({@code requeued}), or is left for the next pass when even that raced ({@code !requeued}).
     */
    public static WriteOutcome sourceChanged(String id, boolean requeued) {
        return new WriteOutcome(id, false, false, false, Optional.of(requeued
                ? "the source document changed since it was queued; queued again at its current version"
                : "the source document changed since it was queued; its queue copy changed too and was left alone"),
                true);
    }
}
