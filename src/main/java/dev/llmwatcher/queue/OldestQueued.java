package dev.llmwatcher.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How long the oldest eligible document of a queue has been waiting ({@code _llm_watcher.queued_at}): the one number
 * that tells an operator the queue is not being drained, whatever the backlog's size. Only the Lambda metrics need
 * it, so it is a port of its own rather than part of {@link QueueStore}.
 */
@FunctionalInterface
public interface OldestQueued {

    /**
     * The age of the oldest document {@code selection} would take now; empty when none is eligible, the queue does
     * not exist, or none carries a {@code queued_at} (documents queued by an older pipeline script).
     *
     * @throws QueueUnavailableException when the cluster cannot answer
     */
    Optional<Duration> oldest(String queueIndex, Selection selection, Instant now);
}
