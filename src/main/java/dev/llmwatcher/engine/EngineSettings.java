package dev.llmwatcher.engine;

import dev.llmwatcher.config.WatcherConfig;

import java.time.Duration;
import java.util.Optional;

/**
 * The part of the configuration the engine uses.
 *
 * @param pageSize       queue documents read and claimed per request
 * @param concurrency    LLM calls in flight at once
 * @param callTimeout    longest one LLM call may take (shortened near the deadline)
 * @param writeReserve   time kept before the deadline for the final write-back
 * @param claimMargin    how long past the deadline a claim lasts, so a slow final write is still covered
 * @param flushSize      write back once this many documents are finished ...
 * @param flushInterval  ... or once the oldest finished one waited this long
 * @param stopGrace      after a stop signal, how long in-flight calls may still finish
 */
public record EngineSettings(int pageSize, int concurrency, Optional<String> sortField, Duration callTimeout,
                             int maxPromptChars, RetryPolicy retryPolicy, Duration writeReserve,
                             Duration claimMargin, int flushSize, Duration flushInterval,
                             Duration stopGrace) {

    /** Smallest call timeout worth starting a call with near the deadline. */
    public static final Duration MIN_CALL_TIME = Duration.ofSeconds(1);

    public static EngineSettings from(WatcherConfig config) {
        return new EngineSettings(config.batchSize(), config.concurrency(), config.sortField(),
                config.llm().callTimeout(), config.maxPromptChars(),
                new RetryPolicy(config.maxAttempts(), config.retryBackoff(), Duration.ofHours(6)),
                Duration.ofSeconds(2), Duration.ofSeconds(60),
                Math.max(50, Math.max(config.batchSize(), config.concurrency())),
                Duration.ofMillis(500), config.shutdownGrace());
    }
}
