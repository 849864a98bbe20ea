package dev.llmwatcher.queue;

import dev.llmwatcher.elasticsearch.ElasticsearchConnection;
import dev.llmwatcher.elasticsearch.ElasticsearchException;
import dev.llmwatcher.elasticsearch.JsonPath;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
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
            // The queue template refreshes rarely on its own (30 s): without this the pass just finished could
            // still be invisible, and the documents it stored counted as waiting.
            connection.send("POST", "/" + queueIndex + "/_refresh?ignore_unavailable=true&allow_no_indices=true",
                    null);
            Map<String, Object> response = connection.send("POST", "/" + queueIndex + "/_search",
                    Map.of("size", 0, "query", EligibilityQuery.of(selection, now),
                            "aggs", Map.of(OLDEST, Dsl.min(QueueFields.QUEUED_AT_PATH))));
            Optional<Double> min = JsonPath.decimal(response, "aggregations", OLDEST, "value");
            if (min.isEmpty()) {
                return Optional.empty();
            }
            Instant oldest = Instant.ofEpochMilli(min.get().longValue());
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
