package dev.llmwatcher.backfill;

import java.time.Instant;

/**
 * What one backfill's enqueue did, kept beside the queue so {@code status} can tell how far the drain is:
 * {@code queued} documents created at {@code finishedAt}, out of {@code matched}.
 */
public record BackfillRecord(String backfill, String from, long matched, long queued, Instant startedAt,
                             Instant finishedAt) {
}
