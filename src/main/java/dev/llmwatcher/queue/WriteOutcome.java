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
 */
public record WriteOutcome(String id, boolean stored, boolean removedFromQueue, boolean pushedBack,
                           Optional<String> error) {

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
}
