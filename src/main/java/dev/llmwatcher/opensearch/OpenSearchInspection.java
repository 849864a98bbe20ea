package dev.llmwatcher.opensearch;

import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueueInspection;
import dev.llmwatcher.queue.QueueStatus;
import dev.llmwatcher.store.QueueStatusQueries;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@link QueueInspection} on OpenSearch: the shared status search and count ({@link QueueStatusQueries}) through the
 * generic API, the answer read as JSON, on the keyword fields of our template or the {@code .keyword} subfields of a
 * dynamic mapping, whichever the index has.
 */
public final class OpenSearchInspection implements QueueInspection {

    private final OpenSearchClient client;
    private final OpenSearchFailures failures;
    private final RawRequests raw;

    public OpenSearchInspection(OpenSearchClient client, OpenSearchFailures failures) {
        this.client = client;
        this.failures = failures;
        this.raw = new RawRequests(client, failures);
    }

    @Override
    public QueueStatus inspect(String index, Instant now) {
        String action = "inspect the queue " + index;
        if (raw.send("POST", "/" + index + "/_refresh", null, action, 404).status() == 404) {
            return QueueStatus.missing(index);
        }
        Map<String, String> fields = keywordFields(index, QueueStatusQueries.AGGREGATED, action);
        RawRequests.Answer answer = raw.send("POST", "/" + index + "/_search",
                QueueStatusQueries.search(fields, now), action, 404);
        return answer.status() == 404 ? QueueStatus.missing(index) : QueueStatusQueries.read(index, answer.json());
    }

    @Override
    public long eligibleOf(String index, String model, Instant now) {
        String action = "count the documents of " + model + " in " + index;
        String path = QueueFields.path(QueueFields.MODEL);
        String field = keywordFields(index, List.of(path), action).get(path);
        RawRequests.Answer answer = raw.send("POST", "/" + index + "/_count",
                Map.of("query", QueueStatusQueries.eligibleOf(field, model, now)), action, 404);
        return answer.status() != 404 && answer.json().get("count") instanceof Number count ? count.longValue() : 0;
    }

    private Map<String, String> keywordFields(String index, List<String> wanted, String action) {
        try {
            return new OpenSearchBatches(client, failures).keywordFields(index, wanted);
        } catch (IOException e) {
            throw failures.unavailable(action, e);
        }
    }
}
