package dev.llmwatcher.engine.batch;

import dev.llmwatcher.batch.BatchRefusals;
import dev.llmwatcher.batch.BatchRefusals.Refusals;
import dev.llmwatcher.queue.QueueUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How the batch drain answers a provider that refuses whole batches: each refusal is remembered beside the queue
 * ({@link BatchRefusals}, shared by every drainer) with a growing delay before the next submission (5 minutes, doubled
 * with each refusal in a row, at most 6 hours), and after {@link #GIVE_UP_AFTER} refusals in a row the documents stop
 * waiting for batches while the delay runs: called directly in the {@code auto} mode, failed with the provider's
 * reason in the {@code always} mode. When the delay is over one submission is tried again; a completed batch forgets
 * the refusals.
 */
final class BatchBackOff {

    private static final Logger LOG = LoggerFactory.getLogger(BatchBackOff.class);
    /** Refusals in a row after which documents no longer wait for a batch. */
    static final int GIVE_UP_AFTER = 3;
    private static final Duration FIRST_DELAY = Duration.ofMinutes(5);
    private static final Duration LONGEST_DELAY = Duration.ofHours(6);

    private final BatchRefusals refusals;
    private final Clock clock;

    BatchBackOff(BatchRefusals refusals, Clock clock) {
        this.refusals = refusals;
        this.clock = clock;
    }

    /** The delay after {@code count} refusals in a row. */
    static Duration delay(int count) {
        Duration delay = FIRST_DELAY.multipliedBy(1L << Math.min(count - 1, 16));
        return delay.compareTo(LONGEST_DELAY) > 0 ? LONGEST_DELAY : delay;
    }

    /** The refusals whose delay still runs: no submission now. */
    Optional<Refusals> pending(String queueIndex) {
        return read(queueIndex).filter(refused -> clock.instant().isBefore(refused.notBefore()));
    }

    /** Remembers one more refusal of a whole batch; returns the refusals as they are now. */
    Refusals refused(String queueIndex, String batchId, long documents, String reason) {
        int count = read(queueIndex).map(Refusals::count).orElse(0) + 1;
        Instant now = clock.instant();
        Refusals recorded = new Refusals(count, reason, now, now.plus(delay(count)));
        try {
            refusals.write(queueIndex, recorded);
        } catch (QueueUnavailableException e) {
            LOG.warn("Could not record the refusal of batch {}: {}", batchId, e.getMessage());
        }
        LOG.warn("The Batch API refused batch {} ({} in a row; its {} documents go back to the queue, and the next "
                + "submission waits until {}{}): {}", batchId, count, documents, recorded.notBefore(),
                count >= GIVE_UP_AFTER ? "; meanwhile OpenAI documents are called directly in the auto batch mode and "
                        + "fail with this reason in the always batch mode" : "", reason);
        return recorded;
    }

    /** A batch completed: the provider takes batches again. */
    void completed(String queueIndex) {
        if (read(queueIndex).isPresent()) {
            refusals.clear(queueIndex);
        }
    }

    private Optional<Refusals> read(String queueIndex) {
        try {
            return refusals.read(queueIndex);
        } catch (QueueUnavailableException e) {
            LOG.warn("Could not read the batch refusals of {}: {}", queueIndex, e.getMessage());
            return Optional.empty();
        }
    }
}
