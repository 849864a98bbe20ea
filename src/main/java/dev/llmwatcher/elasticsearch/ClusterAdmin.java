package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.HealthStatus;
import co.elastic.clients.elasticsearch.cluster.HealthResponse;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.backfill.BackfillStore;
import dev.llmwatcher.queue.QueueTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Optional;

/**
 * The operator's side of the adapter over one client: installers, the queue inspector and releaser, the queue's
 * age, plain document reads and writes. The command-line commands, the demo and the watcher compose these without
 * seeing the client library's types; this class alone decides whether it closes the client.
 */
public final class ClusterAdmin implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterAdmin.class);

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;
    private final boolean ownsClient;

    private ClusterAdmin(ElasticsearchClient client, ElasticsearchFailures failures, boolean ownsClient) {
        this.client = client;
        this.failures = failures;
        this.ownsClient = ownsClient;
    }

    /** A client of its own for these settings, closed with this; nothing is sent until the first request. */
    public static ClusterAdmin open(ElasticsearchSettings settings) {
        return new ClusterAdmin(ElasticsearchClients.create(settings), new ElasticsearchFailures(settings), true);
    }

    /** Over a client someone else owns (and closes): closing this leaves it open. */
    public static ClusterAdmin over(ElasticsearchClient client, ElasticsearchSettings settings) {
        return over(client, new ElasticsearchFailures(settings));
    }

    /** As above, with the owner's way of describing failures. */
    static ClusterAdmin over(ElasticsearchClient client, ElasticsearchFailures failures) {
        return new ClusterAdmin(client, failures, false);
    }

    public QueueTemplateInstaller templates() {
        return new QueueTemplateInstaller(client, failures);
    }

    /** The queue template port over {@link #templates()}. */
    public QueueTemplate queueTemplate() {
        return (queueIndex, sortField) -> QueueTemplate.Outcome.valueOf(templates().install(queueIndex, sortField)
                .name());
    }

    public PipelineInstaller pipelines() {
        return new PipelineInstaller(client, failures);
    }

    public QueueInspector inspector() {
        return new QueueInspector(client, failures);
    }

    public QueueReleaser releaser() {
        return new QueueReleaser(client, failures);
    }

    public QueueAge queueAge() {
        return new QueueAge(client, failures);
    }

    /** The answer cache in {@code index}: its size, its index template, and emptying or pruning it. */
    public ElasticsearchAnswerCache answerCache(String index) {
        return new ElasticsearchAnswerCache(client, failures, index);
    }

    /** The daily token budgets' ledger in {@code index}: today's spend per model, and its index template. */
    public ElasticsearchTokenLedger tokenLedger(String index) {
        return new ElasticsearchTokenLedger(client, failures, index);
    }

    /** The backfills of a queue: their records and what of them is still queued ({@code status}). */
    public BackfillStore backfills() {
        return new ElasticsearchBackfill(client, failures);
    }

    /** The batch refusals of every queue, kept in the token budget's index {@code index}. */
    public ElasticsearchBatchRefusals batchRefusals(String index) {
        return new ElasticsearchBatchRefusals(client, failures, tokenLedger(index));
    }

    public PlainDocuments documents() {
        return new PlainDocuments(client, failures);
    }

    /**
     * Empty once the cluster is at least yellow (it is asked to wait up to two seconds for that); else what it
     * answered, for a message if it never gets there. Cluster health rather than {@code GET /}, which the test
     * distribution does not serve.
     */
    public Optional<String> notYetYellow() {
        try {
            HealthResponse health = client.cluster().health(h -> h.waitForStatus(HealthStatus.Yellow)
                    .timeout(t -> t.time("2s")));
            if (health.timedOut() || health.status() == HealthStatus.Red) {
                return Optional.of("cluster health " + health.status().jsonValue());
            }
            return Optional.empty();
        } catch (ElasticsearchException | IOException e) {
            return Optional.of(failures.unavailable("report its health", e).getMessage());
        }
    }

    /** Closes the client when this opened it; a failure to close is only logged, there is nothing left to lose. */
    @Override
    public void close() {
        if (!ownsClient) {
            return;
        }
        try {
            client._transport().close();
        } catch (IOException e) {
            LOG.debug("Could not close the Elasticsearch client cleanly: {}", e.getMessage());
        }
    }
}
