package dev.llmwatcher.queue;

import java.time.Instant;

/**
 * The bookkeeping written onto a queue document whose processing failed. It stays in the queue; the retry mode
 * picks it up after {@code nextAttemptAt}, unless {@code parked} (too many attempts: only a user releases it).
 */
public record FailureRecord(QueuedDocument queued, String error, int attempts, Instant attemptedAt,
                            Instant nextAttemptAt, boolean parked) {
}
