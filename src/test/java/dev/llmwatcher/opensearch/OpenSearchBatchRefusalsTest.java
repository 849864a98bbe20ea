package dev.llmwatcher.opensearch;

import dev.llmwatcher.batch.BatchRefusals;
import dev.llmwatcher.batch.BatchRefusalsContract;
import dev.llmwatcher.budget.LeaseRequest;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.IOException;
import java.time.LocalDate;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batch refusals in the token budget's index on OpenSearch 3.x keep the contract, and are no model's day to the
 * ledger that shares the index.
 */
class OpenSearchBatchRefusalsTest extends BatchRefusalsContract {

    /** The OpenSearch these tests run against: the shared 3.x server ({@link OpenSearch2Test} overrides it). */
    OpenSearchServer server() {
        return OpenSearchServer.shared();
    }

    private final String index = TestElasticsearch.uniqueIndex("token-budget");
    private final OpenSearchClient client = OpenSearchClients.create(server().settings());
    private final OpenSearchFailures failures = new OpenSearchFailures(server().settings());
    private final OpenSearchTokenLedger ledger = new OpenSearchTokenLedger(client, failures, index);

    @AfterEach
    void closeClient() throws IOException {
        client._transport().close();
    }

    @Override
    protected BatchRefusals refusals() {
        return new OpenSearchBatchRefusals(client, failures, ledger);
    }

    @Override
    protected String queue() {
        return TestElasticsearch.uniqueIndex("queue");
    }

    @Test
    void theLedgerReadsNoModelsDayFromARefusal() {
        LocalDate day = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
        ledger.exchange(new LeaseRequest("gpt-4o-mini", day, "a", 100, 0, 0, 10, 10, NOW.plusSeconds(60), NOW));
        refusals().write(queue(), new BatchRefusals.Refusals(1, "token_limit_exceeded", NOW, NOW.plusSeconds(300)));

        assertThat(ledger.day(day, NOW)).singleElement().satisfies(spend ->
                assertThat(spend.model()).isEqualTo("gpt-4o-mini"));
    }
}
