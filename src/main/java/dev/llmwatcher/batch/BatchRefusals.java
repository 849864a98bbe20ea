package dev.llmwatcher.batch;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The batch drain's memory of batches the provider refused as a whole, per queue: how many in a row, the provider's
 * last reason, and when the next submission may be tried. It lives beside the queue, so every drainer of the cluster
 * backs off alike; a completed batch clears it.
 */
public interface BatchRefusals {

    /** Refusals in a row, the last one's reason and time, and the time before which nothing is submitted. */
    record Refusals(int count, String reason, Instant lastAt, Instant notBefore) {
    }

    Optional<Refusals> read(String queueIndex);

    void write(String queueIndex, Refusals refusals);

    /** Forgets the refusals: a batch was accepted and completed. */
    void clear(String queueIndex);

    /** Refusals kept in this process only: for a drain without a cluster to share them through. */
    static BatchRefusals thisProcessOnly() {
        Map<String, Refusals> byQueue = new ConcurrentHashMap<>();
        return new BatchRefusals() {
            @Override
            public Optional<Refusals> read(String queueIndex) {
                return Optional.ofNullable(byQueue.get(queueIndex));
            }

            @Override
            public void write(String queueIndex, Refusals refusals) {
                byQueue.put(queueIndex, refusals);
            }

            @Override
            public void clear(String queueIndex) {
                byQueue.remove(queueIndex);
            }
        };
    }
}
