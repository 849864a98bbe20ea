package dev.llmwatcher.cli;

import dev.llmwatcher.budget.TokenLedger;
import dev.llmwatcher.opensearch.OpenSearchClients;
import dev.llmwatcher.opensearch.OpenSearchFailures;
import dev.llmwatcher.opensearch.OpenSearchTokenLedger;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.function.Consumer;

/** {@code status} with daily token budgets on OpenSearch 3.x, as {@link BudgetStatusCommandTest} on Elasticsearch. */
class OpenSearchBudgetStatusCommandTest extends AbstractBudgetStatusCommandTest {

    private final OpenSearchServer server = OpenSearchServer.shared();

    @Override
    protected URI url() {
        return server.url();
    }

    @Override
    protected TestElasticsearch.Response send(String method, String path, String json) {
        return server.send(method, path, json);
    }

    @Override
    protected void withLedger(String index, Consumer<TokenLedger> use) {
        OpenSearchClient client = OpenSearchClients.create(server.settings());
        try {
            use.accept(new OpenSearchTokenLedger(client, new OpenSearchFailures(server.settings()), index));
        } finally {
            try {
                client._transport().close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
