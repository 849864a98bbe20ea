package dev.llmwatcher.opensearch;

import dev.llmwatcher.cache.CacheMaintenance;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.OldestQueued;
import dev.llmwatcher.queue.QueueInspection;
import dev.llmwatcher.queue.QueueRelease;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.IOException;

/**
 * The operator's side of the OpenSearch adapter over a client of its own, as {@code ClusterAdmin} is Elasticsearch's:
 * the answer cache's maintenance, the queue's inspection, releasing stuck documents and the queue's age.
 */
public final class OpenSearchAdmin implements AutoCloseable {

    private final OpenSearchClient client;
    private final OpenSearchFailures failures;

    private OpenSearchAdmin(OpenSearchClient client, OpenSearchFailures failures) {
        this.client = client;
        this.failures = failures;
    }

    /** A client of its own for these settings, closed with this. */
    public static OpenSearchAdmin open(ElasticsearchSettings settings) {
        return new OpenSearchAdmin(OpenSearchClients.create(settings), new OpenSearchFailures(settings));
    }

    /** The answer cache in {@code index}: its size, emptying or pruning it. */
    public CacheMaintenance answerCache(String index) {
        return new OpenSearchAnswerCache(client, failures, index);
    }

    /** What is in the queue ({@code status}). */
    public QueueInspection inspection() {
        return new OpenSearchInspection(client, failures);
    }

    /** Putting stuck documents back ({@code release}). */
    public QueueRelease release() {
        return new OpenSearchRelease(client, failures);
    }

    public OldestQueued queueAge() {
        return new OpenSearchQueueAge(client, failures);
    }

    @Override
    public void close() {
        try {
            client._transport().close();
        } catch (IOException e) {
            // nothing left to lose: the process is done with this client
        }
    }
}
