package dev.llmwatcher.backfill;

import java.util.Map;

/**
 * The documents to backfill: those of {@code from} (an index, an alias or a pattern) that {@code query} (Query DSL,
 * parsed JSON; empty = all) matches.
 */
public record SourceSelection(String from, Map<String, Object> query) {

    public SourceSelection {
        if (from == null || from.isBlank()) {
            throw new IllegalArgumentException("no index, alias or pattern to backfill from");
        }
        query = query == null ? Map.of() : Map.copyOf(query);
    }

    public static SourceSelection all(String from) {
        return new SourceSelection(from, Map.of());
    }
}
