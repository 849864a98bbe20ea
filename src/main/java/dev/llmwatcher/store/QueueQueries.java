package dev.llmwatcher.store;

import dev.llmwatcher.queue.ModelFilter;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueuePart;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.queue.SortField;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The queue's queries in the query DSL Elasticsearch and OpenSearch share, as JSON maps an adapter hands to its
 * client. Which documents a run may take now (shared by the scan and the count, so "Found N" and the pages agree):
 *
 * <ul>
 *   <li>Both selections: not parked, and no live claim ({@code claim.until} missing or before now).</li>
 *   <li>{@link Selection#NEW}: no {@code error}.</li>
 *   <li>{@link Selection#RETRY}: an {@code error}, and {@code next_attempt_at} missing or not after now.</li>
 * </ul>
 */
public final class QueueQueries {

    private QueueQueries() {
    }

    /**
     * The query's eligible documents, without those of its excluded provider if it has one ({@code providerField}:
     * the field matching {@code _llm_watcher.provider} exactly), and only those of the models its model filter lets
     * through ({@code modelField} likewise).
     */
    public static Map<String, Object> eligible(QueueQuery query, String providerField, String modelField) {
        Map<String, Object> eligible = eligible(query.selection(), query.now());
        if (query.excludedProvider().isEmpty() && query.models().any()) {
            return eligible;
        }
        List<Object> filter = new ArrayList<>(List.of(eligible));
        List<Object> mustNot = new ArrayList<>();
        query.excludedProvider().ifPresent(provider -> mustNot.add(term(providerField, provider)));
        if (!query.models().any()) {
            models(query.models(), modelField, filter, mustNot);
        }
        return bool(filter, mustNot, List.of());
    }

    /** Eligible documents of one selection as of {@code now}. */
    public static Map<String, Object> eligible(Selection selection, Instant now) {
        String at = iso(now);
        List<Object> filter = new ArrayList<>();
        List<Object> mustNot = new ArrayList<>();
        filter.add(anyOf(missing(QueueFields.CLAIM_UNTIL_PATH), range(QueueFields.CLAIM_UNTIL_PATH, "lt", at)));
        mustNot.add(parked());
        if (selection == Selection.NEW) {
            mustNot.add(exists(QueueFields.ERROR_PATH));
        } else {
            filter.add(exists(QueueFields.ERROR_PATH));
            filter.add(anyOf(missing(QueueFields.NEXT_ATTEMPT_AT_PATH),
                    range(QueueFields.NEXT_ATTEMPT_AT_PATH, "lte", at)));
        }
        return bool(filter, mustNot, List.of());
    }

    /** Both queries at once. */
    public static Map<String, Object> both(Map<String, Object> first, Map<String, Object> second) {
        return bool(List.of(first, second), List.of(), List.of());
    }

    /**
     * A {@link ModelFilter}'s clauses on the exact-match {@code field}; a document naming no model asks for
     * {@link QueueFields#DEFAULT_MODEL}, as the stored script's default.
     */
    static void models(ModelFilter models, String field, List<Object> filter, List<Object> mustNot) {
        String path = QueueFields.path(QueueFields.MODEL);
        if (!models.excluded().isEmpty()) {
            mustNot.add(Map.of("terms", Map.of(field, List.copyOf(models.excluded()))));
            if (models.excluded().contains(QueueFields.DEFAULT_MODEL)) {
                mustNot.add(missing(path));
            }
        }
        models.only().ifPresent(model -> {
            Map<String, Object> named = term(field, model);
            filter.add(QueueFields.DEFAULT_MODEL.equals(model) ? anyOf(named, missing(path)) : named);
        });
    }

    public static Map<String, Object> parked() {
        return term(QueueFields.PARKED_PATH, true);
    }

    public static Map<String, Object> term(String field, Object value) {
        return Map.of("term", Map.of(field, Map.of("value", value)));
    }

    public static Map<String, Object> exists(String field) {
        return Map.of("exists", Map.of("field", field));
    }

    public static Map<String, Object> missing(String field) {
        return bool(List.of(), List.of(exists(field)), List.of());
    }

    public static Map<String, Object> matchAll() {
        return Map.of("match_all", Map.of());
    }

    /** A range clause: {@code op} is {@code lt}, {@code lte}, {@code gt} or {@code gte}. */
    public static Map<String, Object> range(String field, String op, Object value) {
        return Map.of("range", Map.of(field, Map.of(op, value)));
    }

    public static Map<String, Object> not(Map<String, Object> query) {
        return bool(List.of(), List.of(query), List.of());
    }

    static Map<String, Object> anyOf(Map<String, Object> first, Map<String, Object> second) {
        Map<String, Object> bool = new LinkedHashMap<>();
        bool.put("should", List.of(first, second));
        bool.put("minimum_should_match", "1");
        return Map.of("bool", bool);
    }

    private static Map<String, Object> bool(List<Object> filter, List<Object> mustNot, List<Object> should) {
        Map<String, Object> bool = new LinkedHashMap<>();
        if (!filter.isEmpty()) {
            bool.put("filter", List.copyOf(filter));
        }
        if (!mustNot.isEmpty()) {
            bool.put("must_not", List.copyOf(mustNot));
        }
        if (!should.isEmpty()) {
            bool.put("should", List.copyOf(should));
        }
        return Map.of("bool", bool);
    }

    /**
     * The scan's order: the configured sort field ascending (an index that does not map it yet sorts as its type),
     * then {@code _shard_doc}, the cheapest total order within a point in time.
     */
    public static List<Object> scanSort(Optional<SortField> sortField) {
        List<Object> sort = new ArrayList<>();
        sortField.ifPresent(f -> sort.add(Map.of(f.name(), Map.of("order", "asc", "unmapped_type", f.type()))));
        sort.add(SHARD_DOC_ORDER);
        return sort;
    }

    /** The tiebreaker of every point-in-time page. */
    /**
     * The slice of a point-in-time search that reads one part of a queue ({@link QueuePart}): on {@code _seq_no}, as
     * the Elasticsearch adapter slices, so a document keeps its part until it is written.
     */
    public static Map<String, Object> slice(QueuePart part) {
        return Map.of("field", "_seq_no", "id", part.id(), "max", part.count());
    }

    public static final Map<String, Object> SHARD_DOC_ORDER = Map.of("_shard_doc", "asc");

    /** Dates as we write and compare them: ISO-8601 UTC with milliseconds, both engines' default precision. */
    public static String iso(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
