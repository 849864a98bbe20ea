package dev.llmwatcher.cli;

import dev.llmwatcher.budget.TokenLedger;
import dev.llmwatcher.elasticsearch.ClusterAdmin;
import dev.llmwatcher.testing.TestElasticsearch;

import java.net.URI;
import java.util.function.Consumer;

/** {@code status} with daily token budgets on Elasticsearch ({@link AbstractBudgetStatusCommandTest}). */
class BudgetStatusCommandTest extends AbstractBudgetStatusCommandTest {

    private final TestElasticsearch es = TestElasticsearch.shared();

    @Override
    protected URI url() {
        return es.url();
    }

    @Override
    protected TestElasticsearch.Response send(String method, String path, String json) {
        return es.send(method, path, json, json == null ? null : "application/json");
    }

    @Override
    protected void withLedger(String index, Consumer<TokenLedger> use) {
        try (ClusterAdmin admin = ClusterAdmin.open(es.settings())) {
            use.accept(admin.tokenLedger(index));
        }
    }
}
