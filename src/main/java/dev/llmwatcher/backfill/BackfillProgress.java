package dev.llmwatcher.backfill;

/**
 * One backfill's documents in the queue now: {@code waiting} to be answered (neither failed nor parked) and
 * {@code failed} (with an error; waiting for a retry or parked).
 */
public record BackfillProgress(String backfill, long waiting, long failed) {
}
