package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.aggregations.Aggregate;
import co.elastic.clients.elasticsearch._types.aggregations.StringTermsBucket;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueueInspection;
import dev.llmwatcher.queue.QueueStatus;
import dev.llmwatcher.store.QueueStatusQueries;

import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Answers "what is in the queue?" for the {@code status} command in one search of size 0 with aggregations (the
 * shared {@link QueueStatusQueries}). Works on a queue index made by our template (keyword fields) and on one mapped
 * dynamically (text fields with a {@code .keyword} subfield): field capabilities tell which field to aggregate on.
 */
public final class QueueInspector implements QueueInspection {

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;

    public QueueInspector(ElasticsearchClient client, ElasticsearchFailures failures) {
        this.client = client;
        this.failures = failures;
    }

    @Override
    public QueueStatus inspect(String index, Instant now) {
        try {
            client.indices().refresh(r -> r.index(index));
            Map<String, String> fields = KeywordFields.pick(client, index, QueueStatusQueries.AGGREGATED);
            String body = JsonCodec.writeString(QueueStatusQueries.search(fields, now));
            SearchResponse<Void> response = client.search(s -> s.withJson(new StringReader(body)).index(index),
                    Void.class);
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

    @Override
    public long eligibleOf(String index, String model, Instant now) {
        try {
            String path = QueueFields.path(QueueFields.MODEL);
            String field = KeywordFields.pick(client, index, List.of(path)).get(path);
            String query = JsonCodec.writeString(QueueStatusQueries.eligibleOf(field, model, now));
            return client.count(c -> c.index(index).query(Query.of(q -> q.withJson(new StringReader(query)))))
                    .count();
        } catch (ElasticsearchException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return 0;
            }
            throw failures.unavailable("count the documents of " + model + " in " + index, e);
        } catch (IOException e) {
            throw failures.unavailable("count the documents of " + model + " in " + index, e);
        }
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
}
