package dev.llmwatcher.batch;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A batch as the provider reports it.
 *
 * @param status       the provider's word for its state ({@code validating}, {@code in_progress}, ...)
 * @param outputFileId the answered requests, once there are any
 * @param errorFileId  the failed requests, once there are any
 */
public record ProviderBatch(String id, String status, Optional<String> outputFileId, Optional<String> errorFileId,
                            RequestCounts counts, Map<String, String> metadata, Instant createdAt) {

    /** How many of the batch's requests are done, and how many of them failed. */
    public record RequestCounts(long total, long completed, long failed) {
    }

    /** Completed: every request answered or failed, the files final. */
    public boolean completed() {
        return "completed".equals(status);
    }

    /** Ended without answering everything: the unanswered requests go back to the queue. */
    public boolean endedEarly() {
        return "expired".equals(status) || "failed".equals(status) || "cancelled".equals(status);
    }

    /** Still being worked on: nothing to collect yet. */
    public boolean open() {
        return !completed() && !endedEarly();
    }
}
