package dev.llmwatcher.store;

import dev.llmwatcher.batch.BatchRefusals.Refusals;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The batch refusals of a queue as one document in the token budget's index ({@code _id} {@code batch-refusals/QUEUE}):
 * {@code count}, {@code reason}, {@code last_at}, {@code not_before}, kept in {@code _source} and not indexed. Both
 * adapters write it the same way; the ledger's day query ignores it.
 */
public final class RefusalDocuments {

    private static final String PREFIX = "batch-refusals/";

    private RefusalDocuments() {
    }

    public static String id(String queueIndex) {
        return PREFIX + queueIndex;
    }

    public static Map<String, Object> source(String queueIndex, Refusals refusals) {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("queue", queueIndex);
        source.put("count", refusals.count());
        source.put("reason", refusals.reason());
        source.put("last_at", refusals.lastAt().toString());
        source.put("not_before", refusals.notBefore().toString());
        return source;
    }

    public static Refusals refusals(Map<?, ?> source) {
        return new Refusals(((Number) source.get("count")).intValue(), (String) source.get("reason"),
                Instant.parse((String) source.get("last_at")), Instant.parse((String) source.get("not_before")));
    }
}
