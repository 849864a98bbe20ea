package dev.llmwatcher.queue;

import java.time.Instant;

/**
 * A lease on a queue document: {@code owner} (one run) may work on it until {@code until}; after that any run may
 * take it over, so a crashed run's documents come back on their own.
 */
public record Claim(String owner, Instant until) {
}
