package dev.llmwatcher.store;

import dev.llmwatcher.queue.ModelFilter;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueueInspection;
import dev.llmwatcher.queue.QueueRelease;
import dev.llmwatcher.queue.QueueStatus;
import dev.llmwatcher.queue.Selection;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The operator commands' queries in the query DSL both engines speak, as JSON maps an adapter hands to its client:
 * the {@code status} search (one search of size 0 with aggregations, and how to read its answer into a
 * {@link QueueStatus}), the count of a model's eligible documents, and which documents {@code release} puts back.
 * The fields to aggregate on or match exactly are the caller's ({@link KeywordChoice}: keyword fields of our template,
 * or the {@code .keyword} subfields of a dynamic mapping).
 */
public final class QueueStatusQueries {

    /** The fields the status aggregates on (and {@link #eligibleOf} matches the model on). */
    public static final List<String> AGGREGATED = List.of(QueueFields.ERROR_PATH,
            QueueFields.path(QueueFields.ORIGINAL_INDEX), QueueFields.path(QueueFields.MODEL));

    private static final String ERRORED = "errored";

    private QueueStatusQueries() {
    }

    /**
     * The status search's aggregations by name, as of {@code now}; {@code fields} maps each of {@link #AGGREGATED} to
     * the field to aggregate on.
     */
    public static Map<String, Map<String, Object>> aggregations(Map<String, String> fields, Instant now) {
        Map<String, Object> hasError = QueueQueries.exists(QueueFields.ERROR_PATH);
        Map<String, Map<String, Object>> aggs = new LinkedHashMap<>();
        aggs.put("eligible_new", filter(QueueQueries.eligible(Selection.NEW, now)));
        aggs.put("eligible_retry", filter(QueueQueries.eligible(Selection.RETRY, now)));
        aggs.put("claimed", filter(liveClaim(now)));
        aggs.put(ERRORED, filter(hasError));
        aggs.put("parked", filter(QueueQueries.parked()));
        aggs.put("oldest", Map.of("min", Map.of("field", QueueFields.QUEUED_AT_PATH)));
        aggs.put("errors", terms(fields.get(QueueFields.ERROR_PATH)));
        aggs.put("by_index", termsWithErrored(fields.get(QueueFields.path(QueueFields.ORIGINAL_INDEX)), hasError));
        aggs.put("by_model", termsWithErrored(fields.get(QueueFields.path(QueueFields.MODEL)), hasError));
        return aggs;
    }

    /** The whole status search's body: no hits, every document counted, {@link #aggregations}. */
    public static Map<String, Object> search(Map<String, String> fields, Instant now) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("size", 0);
        body.put("track_total_hits", true);
        body.put("aggregations", aggregations(fields, now));
        return body;
    }

    /** A claim whose lease has not ended by {@code now}. */
    public static Map<String, Object> liveClaim(Instant now) {
        return QueueQueries.range(QueueFields.CLAIM_UNTIL_PATH, "gte", QueueQueries.iso(now));
    }

    /**
     * The status from the status search's answer as JSON (without typed keys): its total and aggregations. A terms
     * aggregation on a field mapped nowhere yet has no buckets; a minimum over no document is absent.
     */
    public static QueueStatus read(String index, Map<String, Object> answer) {
        Map<?, ?> hits = answer.get("hits") instanceof Map<?, ?> h ? h : Map.of();
        long total = hits.get("total") instanceof Map<?, ?> t ? number(t.get("value")) : number(hits.get("total"));
        Map<?, ?> aggs = answer.get("aggregations") instanceof Map<?, ?> a ? a : Map.of();
        Optional<Instant> oldest = Optional.ofNullable(aggs.get("oldest")).filter(Map.class::isInstance)
                .map(o -> ((Map<?, ?>) o).get("value")).filter(Number.class::isInstance).map(Number.class::cast)
                .filter(v -> !Double.isNaN(v.doubleValue()) && !Double.isInfinite(v.doubleValue()))
                .map(v -> Instant.ofEpochMilli(v.longValue()));
        List<QueueStatus.Count> errors = buckets(aggs, "errors").stream()
                .map(b -> new QueueStatus.Count(String.valueOf(b.get("key")), number(b.get("doc_count")))).toList();
        return new QueueStatus(index, true, total, count(aggs, "eligible_new"), count(aggs, "eligible_retry"),
                count(aggs, "claimed"), count(aggs, ERRORED), count(aggs, "parked"), oldest, errors,
                groups(aggs, "by_index"), groups(aggs, "by_model"));
    }

    /**
     * Documents of {@code model} a pass would take now, new and due for a retry; {@code modelField} matches
     * {@code _llm_watcher.model} exactly. A document naming no model asks for {@link QueueFields#DEFAULT_MODEL}.
     */
    public static Map<String, Object> eligibleOf(String modelField, String model, Instant now) {
        List<Object> filter = new ArrayList<>();
        List<Object> mustNot = new ArrayList<>();
        filter.add(QueueQueries.anyOf(QueueQueries.eligible(Selection.NEW, now),
                QueueQueries.eligible(Selection.RETRY, now)));
        QueueQueries.models(ModelFilter.onlyModel(model), modelField, filter, mustNot);
        return bool(filter, mustNot);
    }

    /**
     * The documents {@code release} puts back: parked (or, without {@code parkedOnly}, parked or errored), whose
     * error contains the phrase when one is given, with one of the ids when some are given, and without a live claim.
     */
    public static Map<String, Object> released(QueueRelease.Criteria criteria, Instant now) {
        List<Object> filter = new ArrayList<>();
        if (criteria.parkedOnly()) {
            filter.add(QueueQueries.parked());
        } else {
            filter.add(QueueQueries.anyOf(QueueQueries.parked(), QueueQueries.exists(QueueFields.ERROR_PATH)));
        }
        if (criteria.errorContains() != null && !criteria.errorContains().isBlank()) {
            filter.add(Map.of("match_phrase", Map.of(QueueFields.ERROR_PATH,
                    Map.of("query", criteria.errorContains()))));
        }
        if (!criteria.ids().isEmpty()) {
            filter.add(Map.of("ids", Map.of("values", criteria.ids())));
        }
        return bool(filter, List.of(liveClaim(now)));
    }

    private static Map<String, Object> bool(List<Object> filter, List<Object> mustNot) {
        Map<String, Object> bool = new LinkedHashMap<>();
        if (!filter.isEmpty()) {
            bool.put("filter", List.copyOf(filter));
        }
        if (!mustNot.isEmpty()) {
            bool.put("must_not", List.copyOf(mustNot));
        }
        return Map.of("bool", bool);
    }

    private static Map<String, Object> filter(Map<String, Object> query) {
        return Map.of("filter", query);
    }

    private static Map<String, Object> terms(String field) {
        return Map.of("terms", Map.of("field", field, "size", QueueInspection.TOP));
    }

    private static Map<String, Object> termsWithErrored(String field, Map<String, Object> hasError) {
        return Map.of("terms", Map.of("field", field, "size", QueueInspection.TOP),
                "aggs", Map.of(ERRORED, filter(hasError)));
    }

    private static long count(Map<?, ?> aggs, String name) {
        return aggs.get(name) instanceof Map<?, ?> filter ? number(filter.get("doc_count")) : 0;
    }

    private static List<QueueStatus.Group> groups(Map<?, ?> aggs, String name) {
        return buckets(aggs, name).stream().map(b -> new QueueStatus.Group(String.valueOf(b.get("key")),
                number(b.get("doc_count")), count(b, ERRORED))).toList();
    }

    private static List<Map<?, ?>> buckets(Map<?, ?> aggs, String name) {
        if (aggs.get(name) instanceof Map<?, ?> terms && terms.get("buckets") instanceof List<?> buckets) {
            return buckets.stream().filter(Map.class::isInstance).<Map<?, ?>>map(b -> (Map<?, ?>) b).toList();
        }
        return List.of();
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }
}
