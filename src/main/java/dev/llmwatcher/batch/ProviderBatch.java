package dev.llmwatcher.batch;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A batch as the provider reports it.
 *
 * @param status       the provider's word for its state ({@code validating}, {@code in_progress}, ...)
 * @param outputFileId the answered requests, once there are any
 * @param errorFileId  the failed requests, once there are any
 * @param inputFileId  the file of requests it was made from ("" when not known)
 * @param errors       why a {@code failed} batch failed, as the provider says
 */
public record ProviderBatch(String id, String status, Optional<String> outputFileId, Optional<String> errorFileId,
                            RequestCounts counts, Map<String, String> metadata, Instant createdAt,
                            String inputFileId, List<BatchError> errors) {

    public ProviderBatch {
        errors = List.copyOf(errors);
    }

    /** A batch without refusal errors, its input file not known. */
    public ProviderBatch(String id, String status, Optional<String> outputFileId, Optional<String> errorFileId,
                         RequestCounts counts, Map<String, String> metadata, Instant createdAt) {
        this(id, status, outputFileId, errorFileId, counts, metadata, createdAt, "", List.of());
    }

    /** Failed as a whole: refused, or a line of its file did not validate. */
    public boolean failed() {
        return "failed".equals(status);
    }

    /** Expired: the completion window ended before every request ran. */
    public boolean expired() {
        return "expired".equals(status);
    }

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
