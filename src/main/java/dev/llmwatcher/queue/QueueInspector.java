package dev.llmwatcher.queue;

import dev.llmwatcher.elasticsearch.ElasticsearchConnection;
import dev.llmwatcher.elasticsearch.ElasticsearchException;
import dev.llmwatcher.elasticsearch.JsonPath;

import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Answers "what is in the queue?" for the {@code status} command in one search of size 0 with aggregations. Works
 * on a queue index made by our template (keyword fields) and on one mapped dynamically (text fields with a
 * {@code .keyword} subfield): field capabilities tell which field to aggregate on.
 */
public final class QueueInspector {

    /** How many distinct errors, indices and models the status lists. */
    public static final int TOP = 10;

    private final ElasticsearchConnection connection;
    private final ElasticsearchFailures failures;

    public QueueInspector(ElasticsearchConnection connection) {
        this.connection = connection;
        this.failures = new ElasticsearchFailures(connection.settings());
    }

    /** The queue's state as of {@code now} (claims whose lease ended before it count as free). */
    public QueueStatus inspect(String index, Instant now) {
        try {
            connection.send("POST", "/" + index + "/_refresh", null);
            Map<String, String> fields = aggregatableFields(index);
            Map<String, Object> response = connection.send("POST", "/" + index + "/_search",
                    Map.of("size", 0, "track_total_hits", true, "aggs", aggregations(fields, now)));
            return read(index, response);
        } catch (ElasticsearchException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return QueueStatus.missing(index);
            }
            throw failures.unavailable("inspect the queue " + index, e);
        } catch (IOException e) {
            throw failures.unavailable("inspect the queue " + index, e);
        }
    }

    private static Map<String, Object> aggregations(Map<String, String> fields, Instant now) {
        Map<String, Object> hasError = Dsl.exists(QueueFields.ERROR_PATH);
        Map<String, Object> aggs = new HashMap<>();
        aggs.put("eligible_new", filter(EligibilityQuery.of(Selection.NEW, now)));
        aggs.put("eligible_retry", filter(EligibilityQuery.of(Selection.RETRY, now)));
        aggs.put("claimed", filter(EligibilityQuery.liveClaim(now)));
        aggs.put("errored", filter(hasError));
        aggs.put("parked", filter(EligibilityQuery.parked()));
        aggs.put("oldest", Dsl.min(QueueFields.QUEUED_AT_PATH));
        aggs.put("errors", terms(fields.get(QueueFields.ERROR_PATH), null));
        aggs.put("by_index", terms(fields.get(QueueFields.path(QueueFields.ORIGINAL_INDEX)), hasError));
        aggs.put("by_model", terms(fields.get(QueueFields.path(QueueFields.MODEL)), hasError));
        return aggs;
    }

    private static Map<String, Object> filter(Map<String, Object> query) {
        return Map.of("filter", query);
    }

    private static Map<String, Object> terms(String field, Map<String, Object> erroredFilter) {
        Map<String, Object> terms = Map.of("terms", Map.of("field", field, "size", TOP));
        if (erroredFilter == null) {
            return terms;
        }
        Map<String, Object> withSub = new HashMap<>(terms);
        withSub.put("aggs", Map.of("errored", filter(erroredFilter)));
        return withSub;
    }

    private static QueueStatus read(String index, Map<String, Object> response) {
        Map<String, Object> aggs = JsonPath.object(response, "aggregations");
        long total = JsonPath.number(response, "hits", "total", "value").orElse(0L);
        Optional<Instant> oldestQueuedAt = JsonPath.decimal(aggs, "oldest", "value")
                .map(oldest -> Instant.ofEpochMilli(oldest.longValue()));
        List<QueueStatus.Count> errors = JsonPath.list(aggs, "errors", "buckets").stream()
                .map(b -> new QueueStatus.Count(key(b), docCount(b))).toList();
        return new QueueStatus(index, true, total, count(aggs, "eligible_new"), count(aggs, "eligible_retry"),
                count(aggs, "claimed"), count(aggs, "errored"), count(aggs, "parked"), oldestQueuedAt, errors,
                groups(aggs, "by_index"), groups(aggs, "by_model"));
    }

    private static long count(Map<String, Object> aggs, String name) {
        return JsonPath.number(aggs, name, "doc_count").orElse(0L);
    }

    private static List<QueueStatus.Group> groups(Map<String, Object> aggs, String name) {
        return JsonPath.list(aggs, name, "buckets").stream()
                .map(b -> new QueueStatus.Group(key(b), docCount(b),
                        JsonPath.number(b, "errored", "doc_count").orElse(0L)))
                .toList();
    }

    private static String key(Object bucket) {
        return String.valueOf(JsonPath.at(bucket, "key"));
    }

    private static long docCount(Object bucket) {
        return JsonPath.number(bucket, "doc_count").orElse(0L);
    }

    /**
     * For each keyword-ish field: itself when aggregatable, else its {@code .keyword} subfield (dynamic mapping),
     * else itself (a field no document has yet; the aggregation is then empty).
     */
    private Map<String, String> aggregatableFields(String index) throws IOException {
        List<String> wanted = List.of(QueueFields.ERROR_PATH, QueueFields.path(QueueFields.ORIGINAL_INDEX),
                QueueFields.path(QueueFields.MODEL));
        String asked = String.join(",", wanted.stream().flatMap(f -> Stream.of(f, f + ".keyword")).toList());
        Map<String, Object> caps = JsonPath.object(connection.send("GET", "/" + index + "/_field_caps?fields="
                + ElasticsearchConnection.segment(asked), null), "fields");
        Map<String, String> chosen = new HashMap<>();
        for (String field : wanted) {
            String pick = field;
            if (!aggregatable(caps.get(field)) && aggregatable(caps.get(field + ".keyword"))) {
                pick = field + ".keyword";
            }
            chosen.put(field, pick);
        }
        return chosen;
    }

    /** {@code byType} is the field's entry in {@code _field_caps}: one capability object per mapped type. */
    private static boolean aggregatable(Object byType) {
        Map<String, Object> types = JsonPath.object(byType);
        return !types.isEmpty() && types.values().stream()
                .allMatch(capability -> Boolean.TRUE.equals(JsonPath.at(capability, "aggregatable")));
    }
}
