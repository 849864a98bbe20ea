package dev.llmwatcher.queue;

import java.util.Optional;

/**
 * What happened to one completed document at write-back. {@code stored} means the result is in its target index;
 * {@code removedFromQueue} that the queue copy is gone too. A document that was stored but not removed is harmless
 * (a later run writes the same result again); one that was not stored carries Elasticsearch's reason.
 */
public record WriteOutcome(String id, boolean stored, boolean removedFromQueue, Optional<String> error) {

    public static WriteOutcome done(String id) {
        return new WriteOutcome(id, true, true, Optional.empty());
    }

    public static WriteOutcome storedNotRemoved(String id, String reason) {
        return new WriteOutcome(id, true, false, Optional.of(reason));
    }

    public static WriteOutcome notStored(String id, String reason) {
        return new WriteOutcome(id, false, false, Optional.of(reason));
    }
}
