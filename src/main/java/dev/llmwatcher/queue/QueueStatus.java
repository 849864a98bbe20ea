package dev.llmwatcher.queue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What is in a queue index right now, for an operator: how much waits, how much is stuck and why. Counts overlap
 * the way an operator thinks of them: {@code errored} includes {@code parked}; {@code claimed} counts live leases
 * whatever the document's state.
 *
 * @param index          the queue index
 * @param exists         false when the index does not exist (every count is then 0)
 * @param total          every document in the index
 * @param eligibleNew    new documents a pass would take now
 * @param eligibleRetry  failed documents a {@code --retry-errors} pass would take now (backoff over)
 * @param claimed        documents leased by a running pass
 * @param errored        documents with an error (parked ones included)
 * @param parked         documents that reached the attempt limit and wait for {@code release}
 * @param oldestQueuedAt the earliest {@code _llm_watcher.queued_at}, when documents carry one
 * @param topErrors      the most common error messages with their counts
 * @param byIndex        per original index: documents and errored documents
 * @param byModel        per model: documents and errored documents
 */
public record QueueStatus(String index, boolean exists, long total, long eligibleNew, long eligibleRetry,
                          long claimed, long errored, long parked, Optional<Instant> oldestQueuedAt,
                          List<Count> topErrors, List<Group> byIndex, List<Group> byModel) {

    /** A value and how many documents have it. */
    public record Count(String value, long documents) {
    }

    /** A value, how many documents have it, and how many of those carry an error. */
    public record Group(String value, long documents, long errored) {
    }

    public static QueueStatus missing(String index) {
        return new QueueStatus(index, false, 0, 0, 0, 0, 0, 0, Optional.empty(), List.of(), List.of(), List.of());
    }
}
