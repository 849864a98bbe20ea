package dev.llmwatcher.opensearch;

import dev.llmwatcher.budget.LeaseRequest;
import dev.llmwatcher.budget.TokenLedger;
import dev.llmwatcher.budget.TokenLedgerContract;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The OpenSearch adapter keeps the token ledger's contract on OpenSearch 3.x; its index gets the shipped mappings. */
class OpenSearchTokenLedgerTest extends TokenLedgerContract {

    /** The OpenSearch these tests run against: the shared 3.x server ({@link OpenSearch2Test} overrides it). */
    OpenSearchServer server() {
        return OpenSearchServer.shared();
    }

    private final String index = TestElasticsearch.uniqueIndex("token-budget");
    private final List<OpenSearchClient> clients = new ArrayList<>();

    @Override
    protected TokenLedger ledger() {
        return anotherProcess();
    }

    /** A ledger over a client of its own, as another process would have. */
    @Override
    protected TokenLedger anotherProcess() {
        OpenSearchClient client = OpenSearchClients.create(server().settings());
        clients.add(client);
        return new OpenSearchTokenLedger(client, new OpenSearchFailures(server().settings()), index);
    }

    @AfterEach
    void closeClients() throws IOException {
        for (OpenSearchClient client : clients) {
            client._transport().close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theFirstExchangeCreatesTheIndexWithTheShippedMappings() {
        ledger().exchange(new LeaseRequest("gpt-4o-mini", DAY, "a", 100, 0, 0, 10, 10, NOW.plusSeconds(60), NOW));

        Map<String, Object> mapping = (Map<String, Object>) ((Map<String, Object>) server().send("GET",
                "/" + index + "/_mapping", null).json().get(index)).get("mappings");
        assertThat(mapping).containsEntry("dynamic", "false");
        assertThat(server().source(index, DAY + "/gpt-4o-mini")).get().satisfies(source -> assertThat(source)
                .containsEntry("spent", 0).containsEntry("leases", List.of(Map.of("holder", "a", "tokens", 10,
                        "until", "2026-03-01T12:01:00Z"))));
    }
}
