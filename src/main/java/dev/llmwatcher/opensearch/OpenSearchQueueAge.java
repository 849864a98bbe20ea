package dev.llmwatcher.opensearch;

import dev.llmwatcher.queue.OldestQueued;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.store.QueueQueries;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The oldest eligible document's age on OpenSearch, as the Elasticsearch adapter's {@code QueueAge} measures it: the
 * eligible document that sorts first by {@code _llm_watcher.queued_at}, its sort value only, through the generic
 * API so no typed search response is loaded for one number.
 */
public final class OpenSearchQueueAge implements OldestQueued {

    private final OpenSearchClient client;
    private final OpenSearchFailures failures;

    public OpenSearchQueueAge(OpenSearchClient client, OpenSearchFailures failures) {
        this.client = client;
        this.failures = failures;
    }

    @Override
    public Optional<Duration> oldest(String queueIndex, Selection selection, Instant now) {
        String action = "find the oldest queued document in " + queueIndex;
        try {
            // The queue template refreshes rarely on its own: the pass just finished could still be invisible.
            client.indices().refresh(r -> r.index(queueIndex).ignoreUnavailable(true).allowNoIndices(true));
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable(action, e);
        }
        Map<String, Object> body = Map.of("size", 1, "track_total_hits", false, "_source", false,
                "query", QueueQueries.both(QueueQueries.eligible(selection, now),
                        QueueQueries.exists(QueueFields.QUEUED_AT_PATH)),
                "sort", List.of(Map.of(QueueFields.QUEUED_AT_PATH, Map.of("order", "asc",
                        "unmapped_type", "date"))));
        RawRequests.Answer answer = new RawRequests(client, failures).send("POST", "/" + queueIndex + "/_search",
                body, action, 404);
        if (answer.status() == 404
                || !(answer.json().get("hits") instanceof Map<?, ?> hits)
                || !(hits.get("hits") instanceof List<?> list) || list.isEmpty()
                || !(list.getFirst() instanceof Map<?, ?> hit)
                || !(hit.get("sort") instanceof List<?> sort) || sort.isEmpty()
                || !(sort.getFirst() instanceof Number queuedAt)) {
            return Optional.empty();
        }
        Duration age = Duration.between(Instant.ofEpochMilli(queuedAt.longValue()), now);
        return Optional.of(age.isNegative() ? Duration.ZERO : age);
    }
}
