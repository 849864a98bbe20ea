package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.aggregations.Aggregate;
import co.elastic.clients.elasticsearch._types.aggregations.Aggregation;
import co.elastic.clients.elasticsearch._types.aggregations.StringTermsBucket;
import co.elastic.clients.elasticsearch._types.query_dsl.BoolQuery;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import dev.llmwatcher.queue.ModelFilter;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueueStatus;
import dev.llmwatcher.queue.Selection;

import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Answers "what is in the queue?" for the {@code status} command in one search of size 0 with aggregations. Works
 * on a queue index made by our template (keyword fields) and on one mapped dynamically (text fields with a
 * {@code .keyword} subfield): field capabilities tell which field to aggregate on.
 */
public final class QueueInspector {

    /** How many distinct errors, indices and models the status lists. */
    public static final int TOP = 10;

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;

    public QueueInspector(ElasticsearchClient client, ElasticsearchFailures failures) {
        this.client = client;
        this.failures = failures;
    }

    /** The queue's state as of {@code now} (claims whose lease ended before it count as free). */
    public QueueStatus inspect(String index, Instant now) {
        try {
            client.indices().refresh(r -> r.index(index));
            Map<String, String> fields = aggregatableFields(index);
            SearchResponse<Void> response = client.search(s -> s.index(index).size(0)
                    .trackTotalHits(t -> t.enabled(true)).aggregations(aggregations(fields, now)), Void.class);
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

    /**
     * Documents of {@code model} a pass would take now, new ones and failed ones due for a retry together: what waits
     * for that model's token budget while it is spent. 0 when the queue does not exist.
     */
    public long eligibleOf(String index, String model, Instant now) {
        try {
            String path = QueueFields.path(QueueFields.MODEL);
            String field = KeywordFields.pick(client, index, List.of(path)).get(path);
            BoolQuery.Builder query = new BoolQuery.Builder().filter(Dsl.anyOf(
                    EligibilityQuery.of(Selection.NEW, now), EligibilityQuery.of(Selection.RETRY, now)));
            ModelQuery.apply(ModelFilter.onlyModel(model), field, query);
            return client.count(c -> c.index(index).query(query.build()._toQuery())).count();
        } catch (ElasticsearchException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return 0;
            }
            throw failures.unavailable("count the documents of " + model + " in " + index, e);
        } catch (IOException e) {
            throw failures.unavailable("count the documents of " + model + " in " + index, e);
        }
    }

    private static Map<String, Aggregation> aggregations(Map<String, String> fields, Instant now) {
        Query hasError = Dsl.exists(QueueFields.ERROR_PATH);
        Map<String, Aggregation> aggs = new HashMap<>();
        aggs.put("eligible_new", filter(EligibilityQuery.of(Selection.NEW, now)));
        aggs.put("eligible_retry", filter(EligibilityQuery.of(Selection.RETRY, now)));
        aggs.put("claimed", filter(EligibilityQuery.liveClaim(now)));
        aggs.put("errored", filter(hasError));
        aggs.put("parked", filter(EligibilityQuery.parked()));
        aggs.put("oldest", Aggregation.of(a -> a.min(m -> m.field(QueueFields.QUEUED_AT_PATH))));
        aggs.put("errors", Aggregation.of(a -> a.terms(t -> t.field(fields.get(QueueFields.ERROR_PATH)).size(TOP))));
        aggs.put("by_index", termsWithErrored(fields.get(QueueFields.path(QueueFields.ORIGINAL_INDEX)), hasError));
        aggs.put("by_model", termsWithErrored(fields.get(QueueFields.path(QueueFields.MODEL)), hasError));
        return aggs;
    }

    private static Aggregation filter(Query query) {
        return Aggregation.of(a -> a.filter(query));
    }

    private static Aggregation termsWithErrored(String field, Query hasError) {
        return Aggregation.of(a -> a.terms(t -> t.field(field).size(TOP)).aggregations("errored", filter(hasError)));
    }

    private static QueueStatus read(String index, SearchResponse<Void> response) {
        Map<String, Aggregate> aggs = response.aggregations();
        long total = response.hits().total() == null ? 0 : response.hits().total().value();
        Optional<Instant> oldestQueuedAt = Optional.ofNullable(aggs.get("oldest")).filter(Aggregate::isMin)
                .map(oldest -> oldest.min().value()).filter(value -> !value.isNaN() && !value.isInfinite())
                .map(oldest -> Instant.ofEpochMilli(oldest.longValue()));
        List<QueueStatus.Count> errors = buckets(aggs, "errors").stream()
                .map(b -> new QueueStatus.Count(b.key().stringValue(), b.docCount())).toList();
        return new QueueStatus(index, true, total, count(aggs, "eligible_new"), count(aggs, "eligible_retry"),
                count(aggs, "claimed"), count(aggs, "errored"), count(aggs, "parked"), oldestQueuedAt, errors,
                groups(aggs, "by_index"), groups(aggs, "by_model"));
    }

    private static long count(Map<String, Aggregate> aggs, String name) {
        Aggregate aggregate = aggs.get(name);
        return aggregate != null && aggregate.isFilter() ? aggregate.filter().docCount() : 0;
    }

    private static List<QueueStatus.Group> groups(Map<String, Aggregate> aggs, String name) {
        return buckets(aggs, name).stream()
                .map(b -> new QueueStatus.Group(b.key().stringValue(), b.docCount(), count(b.aggregations(),
                        "errored")))
                .toList();
    }

    /** A terms aggregation's buckets; none when its field is mapped nowhere yet. */
    private static List<StringTermsBucket> buckets(Map<String, Aggregate> aggs, String name) {
        Aggregate aggregate = aggs.get(name);
        return aggregate != null && aggregate.isSterms() ? aggregate.sterms().buckets().array() : List.of();
    }

    private Map<String, String> aggregatableFields(String index) throws IOException {
        return KeywordFields.pick(client, index, List.of(QueueFields.ERROR_PATH,
                QueueFields.path(QueueFields.ORIGINAL_INDEX), QueueFields.path(QueueFields.MODEL)));
    }
}
