package dev.llmwatcher.config;

import java.time.Duration;
import java.util.Optional;

/**
 * The answer cache: whether documents whose question was answered before (and documents with the same question in
 * one pass) reuse that answer instead of paying for a call, how old a cached answer may be, and the index that
 * keeps the answers.
 */
public record AnswerCacheSettings(boolean enabled, Duration maxAge, String index) {

    /** The cache index when the cache is on. */
    public Optional<String> activeIndex() {
        return enabled ? Optional.of(index) : Optional.empty();
    }
}
