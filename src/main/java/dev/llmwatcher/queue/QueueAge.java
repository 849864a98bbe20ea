package dev.llmwatcher.queue;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.aggregations.Aggregate;
import co.elastic.clients.elasticsearch.core.SearchResponse;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How long the oldest eligible document has been waiting ({@code _llm_watcher.queued_at}): the one number that
 * tells an operator the queue is not being drained, whatever the backlog's size. A separate small query rather than
 * part of the store, since only the Lambda metrics need it.
 */
public final class QueueAge {

    private static final String OLDEST = "oldest_queued_at";

    private final ElasticsearchConnection connection;
    private final ElasticsearchFailures failures;

    public QueueAge(ElasticsearchConnection connection) {
        this.connection = connection;
        this.failures = new ElasticsearchFailures(connection.settings());
    }

    /**
     * The age of the oldest document {@code selection} would take now; empty when none is eligible or none carries
     * a {@code queued_at} (documents queued by an older pipeline script).
     */
    public Optional<Duration> oldest(String queueIndex, Selection selection, Instant now) {
        try {
            SearchResponse<Void> response = connection.client().search(s -> s.index(queueIndex).size(0)
                    .query(EligibilityQuery.of(selection, now))
                    .aggregations(OLDEST, a -> a.min(m -> m.field(QueueFields.QUEUED_AT_PATH))), Void.class);
            Aggregate min = response.aggregations().get(OLDEST);
            if (min == null || min.min().value() == null || !Double.isFinite(min.min().value())) {
                return Optional.empty();
            }
            Instant oldest = Instant.ofEpochMilli(min.min().value().longValue());
            Duration age = Duration.between(oldest, now);
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
