package dev.llmwatcher.opensearch;

import dev.llmwatcher.batch.BatchRefusals;
import dev.llmwatcher.store.RefusalDocuments;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.GetResponse;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * The batch refusals of each queue on OpenSearch, one document per queue ({@link RefusalDocuments}) in the token
 * budget's index, as on Elasticsearch: a plain write, the last one wins (two drainers settling two refused batches
 * at once may count one refusal where there were two, which only shortens one delay).
 */
public final class OpenSearchBatchRefusals implements BatchRefusals {

    private final OpenSearchClient client;
    private final OpenSearchFailures failures;
    private final OpenSearchTokenLedger ledger;

    public OpenSearchBatchRefusals(OpenSearchClient client, OpenSearchFailures failures,
                                   OpenSearchTokenLedger ledger) {
        this.client = client;
        this.failures = failures;
        this.ledger = ledger;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Optional<Refusals> read(String queueIndex) {
        try {
            GetResponse<Map> response = client.get(g -> g.index(ledger.index()).id(RefusalDocuments.id(queueIndex)),
                    Map.class);
            if (!response.found() || response.source() == null) {
                return Optional.empty();
            }
            return Optional.of(RefusalDocuments.refusals(response.source()));
        } catch (IOException | RuntimeException e) {
            if (OpenSearchFailures.isIndexNotFound(e)) {
                return Optional.empty();
            }
            throw failures.unavailable("read the batch refusals of " + queueIndex, e);
        }
    }

    @Override
    public void write(String queueIndex, Refusals refusals) {
        ledger.ensureIndex();
        Map<String, Object> source = RefusalDocuments.source(queueIndex, refusals);
        try {
            client.index(i -> i.index(ledger.index()).id(RefusalDocuments.id(queueIndex)).document(source));
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable("record a batch refusal of " + queueIndex, e);
        }
    }

    @Override
    public void clear(String queueIndex) {
        try {
            client.delete(d -> d.index(ledger.index()).id(RefusalDocuments.id(queueIndex)));
        } catch (IOException | RuntimeException e) {
            if (!OpenSearchFailures.isIndexNotFound(e)) {
                throw failures.unavailable("clear the batch refusals of " + queueIndex, e);
            }
        }
    }
}
