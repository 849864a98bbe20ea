package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.aggregations.Aggregate;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.Selection;

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

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;

    public QueueAge(ElasticsearchClient client, ElasticsearchFailures failures) {
        this.client = client;
        this.failures = failures;
    }

    /**
     * The age of the oldest document {@code selection} would take now; empty when none is eligible or none carries
     * a {@code queued_at} (documents queued by an older pipeline script).
     */
    public Optional<Duration> oldest(String queueIndex, Selection selection, Instant now) {
        try {
            // The queue template refreshes rarely on its own (30 s): without this the pass just finished could
            // still be invisible, and the documents it stored counted as waiting.
            client.indices().refresh(r -> r.index(queueIndex).ignoreUnavailable(true).allowNoIndices(true));
            Aggregate oldest = client.search(s -> s.index(queueIndex).size(0)
                    .query(EligibilityQuery.of(selection, now))
                    .aggregations(OLDEST, a -> a.min(m -> m.field(QueueFields.QUEUED_AT_PATH))), Void.class)
                    .aggregations().get(OLDEST);
            Double min = oldest == null || !oldest.isMin() ? null : oldest.min().value();
            if (min == null || min.isNaN() || min.isInfinite()) {
                return Optional.empty();
            }
            Duration age = Duration.between(Instant.ofEpochMilli(min.longValue()), now);
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
