package dev.llmwatcher.engine.backfill;

import dev.llmwatcher.backfill.EnqueueResult;

import java.time.Duration;

/**
 * What a backfill's enqueue did: the documents its selection matched when it started, those it read, what creating
 * their queue documents did, and how long it took.
 */
public record EnqueueReport(String backfillId, long matched, long read, EnqueueResult result, Duration took) {

    /** Documents read per second (0 for an empty backfill). */
    public double rate() {
        double seconds = took.toNanos() / 1e9;
        return seconds <= 0 ? 0 : read / seconds;
    }
}
