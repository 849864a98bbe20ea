package dev.llmwatcher.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Which search engine serves the cluster URL: {@link #AUTO} asks the cluster once at start-up ({@code GET /}, its
 * {@code version.distribution}); the others are the override for clusters that hide their version.
 */
public enum SearchEngine {
    AUTO, ELASTICSEARCH, OPENSEARCH;

    /** The setting's value, as a user writes it. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<SearchEngine> parse(String value) {
        return Arrays.stream(values()).filter(e -> e.value().equals(value.strip().toLowerCase(Locale.ROOT)))
                .findFirst();
    }
}
