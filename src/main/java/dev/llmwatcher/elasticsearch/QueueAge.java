package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.mapping.FieldType;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch.core.search.Hit;
import dev.llmwatcher.queue.OldestQueued;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.Selection;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * How long the oldest eligible document has been waiting ({@code _llm_watcher.queued_at}): the one number that
 * tells an operator the queue is not being drained, whatever the backlog's size. A separate small query rather than
 * part of the store, since only the Lambda metrics need it.
 *
 * <p>It asks for the eligible document that sorts first by that date (its sort value only) rather than for a
 * {@code min} aggregation: the same answer, but reading an aggregation makes the Elasticsearch client load its
 * deserializers for every kind of aggregation, about 330 classes, on every Lambda cold start.
 */
public final class QueueAge implements OldestQueued {

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;

    public QueueAge(ElasticsearchClient client, ElasticsearchFailures failures) {
        this.client = client;
        this.failures = failures;
    }

    @Override
    public Optional<Duration> oldest(String queueIndex, Selection selection, Instant now) {
        try {
            // unmappedType: a queue whose documents never carried queued_at (no template, an older pipeline) has no
            // mapping to sort on, which is no document to report rather than a failure.
            // The queue template refreshes rarely on its own (30 s): without this the pass just finished could
            // still be invisible, and the documents it stored counted as waiting.
            client.indices().refresh(r -> r.index(queueIndex).ignoreUnavailable(true).allowNoIndices(true));
            List<Hit<Void>> oldest = client.search(s -> s.index(queueIndex).size(1)
                    .trackTotalHits(t -> t.enabled(false)).source(source -> source.fetch(false))
                    .query(q -> q.bool(b -> b.filter(EligibilityQuery.of(selection, now))
                            .filter(Dsl.exists(QueueFields.QUEUED_AT_PATH))))
                    .sort(sort -> sort.field(f -> f.field(QueueFields.QUEUED_AT_PATH).order(SortOrder.Asc)
                            .unmappedType(FieldType.Date))),
                    Void.class).hits().hits();
            if (oldest.isEmpty() || oldest.getFirst().sort().isEmpty()) {
                return Optional.empty();
            }
            FieldValue queuedAt = oldest.getFirst().sort().getFirst();
            if (!queuedAt.isLong()) {
                return Optional.empty();
            }
            Duration age = Duration.between(Instant.ofEpochMilli(queuedAt.longValue()), now);
            return Optional.of(age.isNegative() ? Duration.ZERO : age);
        } catch (ElasticsearchException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return Optional.empty();
            }
            throw failures.unavailable("find the oldest queued document in " + queueIndex, e);
        } catch (IOException e) {
            throw failures.unavailable("find the oldest queued document in " + queueIndex, e);
        }
    }
}
