package dev.llmwatcher.queue;

/** Which queue documents a run works on: the original's default mode, or its {@code --retry-errors} mode. */
public enum Selection {
    /** Documents that never failed: no {@code _llm_watcher.error}. */
    NEW,
    /** Documents that failed before, are not parked, and whose {@code next_attempt_at} has come. */
    RETRY
}
