package dev.llmwatcher.queue;

import java.time.Instant;

/**
 * The queue from the operator's side ({@code status}): what is in it and what is stuck, and how many documents of a
 * model wait for its token budget. Each search-engine adapter implements it; no pass needs it, so it is a port of its
 * own rather than part of {@link QueueStore}.
 */
public interface QueueInspection {

    /** How many distinct errors, indices and models a status lists. */
    int TOP = 10;

    /**
     * The queue's state as of {@code now} (claims whose lease ended before it count as free); {@link
     * QueueStatus#missing} when the index does not exist.
     *
     * @throws QueueUnavailableException when the cluster cannot answer
     */
    QueueStatus inspect(String index, Instant now);

    /**
     * Documents of {@code model} a pass would take now, new ones and failed ones due for a retry together: what waits
     * for that model's token budget while it is spent. 0 when the queue does not exist.
     */
    long eligibleOf(String index, String model, Instant now);
}
