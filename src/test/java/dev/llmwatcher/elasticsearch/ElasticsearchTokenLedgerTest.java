package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.llmwatcher.budget.Lease;
import dev.llmwatcher.budget.LeaseRequest;
import dev.llmwatcher.budget.TokenLedger;
import dev.llmwatcher.budget.TokenLedgerContract;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.testing.ElasticsearchProxy;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Elasticsearch adapter keeps the token ledger's contract against the real cluster (whose test distribution has
 * no painless: every exchange is a get and a conditional write); and its index gets the shipped mappings.
 */
class ElasticsearchTokenLedgerTest extends TokenLedgerContract {

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final String index = TestElasticsearch.uniqueIndex("token-budget");
    private final List<ElasticsearchClient> ownClients = new ArrayList<>();

    @Override
    protected TokenLedger ledger() {
        return new ElasticsearchTokenLedger(es.client(), new ElasticsearchFailures(es.settings()), index);
    }

    /** A ledger over a client of its own, as another process would have. */
    @Override
    protected TokenLedger anotherProcess() {
        ElasticsearchClient client = ElasticsearchClients.create(es.settings());
        ownClients.add(client);
        return new ElasticsearchTokenLedger(client, new ElasticsearchFailures(es.settings()), index);
    }

    @AfterEach
    void closeClients() throws IOException {
        for (ElasticsearchClient client : ownClients) {
            client.close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theFirstExchangeCreatesTheIndexWithTheShippedMappings() {
        ledger().exchange(new LeaseRequest("gpt-4o-mini", DAY, "a", 100, 0, 0, 10, 10, NOW.plusSeconds(60), NOW));

        Map<String, Object> mapping = (Map<String, Object>) ((Map<String, Object>) es.get("/" + index + "/_mapping")
                .json().get(index)).get("mappings");
        assertThat(mapping).containsEntry("dynamic", "false");
        assertThat((Map<String, Object>) mapping.get("properties")).containsEntry("leases",
                Map.of("type", "object", "enabled", false)).containsKeys("model", "day", "spent");
        assertThat(es.source(index, DAY + "/gpt-4o-mini")).get().satisfies(source -> assertThat(source)
                .containsEntry("spent", 0).containsEntry("leases", List.of(Map.of("holder", "a", "tokens", 10,
                        "until", "2026-03-01T12:01:00Z"))));
    }

    @Test
    void setupInstallsTheIndexTemplateOnceAndLeavesAnIdenticalOneAlone() {
        ElasticsearchTokenLedger ledger = new ElasticsearchTokenLedger(es.client(),
                new ElasticsearchFailures(es.settings()), index);

        QueueTemplateInstaller.Result first = ledger.installTemplate();
        QueueTemplateInstaller.Result second = ledger.installTemplate();

        assertThat(first).isEqualTo(QueueTemplateInstaller.Result.CREATED);
        assertThat(second).isEqualTo(QueueTemplateInstaller.Result.UNCHANGED);
        assertThat(es.get("/_index_template/" + ElasticsearchTokenLedger.templateName(index)).body())
                .contains("\"" + index + "\"");
    }

    @Test
    void aLedgerIndexDeletedWhileADrainerRunsIsWrittenAgainByItsNextExchange() {
        TokenLedger ledger = ledger();
        ledger.exchange(new LeaseRequest("gpt-4o-mini", DAY, "a", 100, 0, 0, 10, 10, NOW.plusSeconds(60), NOW));
        assertThat(es.delete("/" + index).isSuccess()).isTrue();

        Lease lease = ledger.exchange(new LeaseRequest("gpt-4o-mini", DAY, "a", 100, 7, 0, 10, 10,
                NOW.plusSeconds(60), NOW));

        assertThat(lease.day().spent()).as("what was spent before is lost with the index").isEqualTo(7);
        assertThat(ledger.day(DAY, NOW)).singleElement().extracting(d -> d.held()).isEqualTo(10L);
    }

    @Test
    void aLedgerWhoseShardIsNotStartedYetIsAskedAgainLikeAConflict() {
        ledger().exchange(new LeaseRequest("gpt-4o-mini", DAY, "a", 100, 0, 0, 10, 10, NOW.plusSeconds(60), NOW));
        AtomicInteger refused = new AtomicInteger();
        try (ElasticsearchProxy proxy = new ElasticsearchProxy(es.url())) {
            proxy.answerEach(request -> request.method().equals("GET") && request.path().contains("/_doc/")
                    && refused.getAndIncrement() < 2, request -> new ElasticsearchProxy.Answer(503, NO_SHARD));
            ElasticsearchSettings settings = ElasticsearchSettings.anonymous(proxy.url());
            ElasticsearchClient client = ElasticsearchClients.create(settings);
            ownClients.add(client);
            TokenLedger throughProxy = new ElasticsearchTokenLedger(client, new ElasticsearchFailures(settings), index);

            Lease lease = throughProxy.exchange(new LeaseRequest("gpt-4o-mini", DAY, "b", 100, 0, 0, 10, 10,
                    NOW.plusSeconds(60), NOW));

            assertThat(lease.granted()).isEqualTo(10);
            assertThat(refused.get()).as("two refused reads, then the one that went through").isEqualTo(3);
        }
    }

    /** Elasticsearch's answer to a get on an index whose shard is still recovering (just created elsewhere). */
    private static final String NO_SHARD = "{\"error\":{\"root_cause\":[{\"type\":\"no_shard_available_action_"
            + "exception\",\"reason\":\"No shard available\"}],\"type\":\"no_shard_available_action_exception\","
            + "\"reason\":\"No shard available\"},\"status\":503}";

    @Test
    void aDayOfAnIndexThatDoesNotExistIsEmpty() {
        assertThat(ledger().day(DAY, Instant.now())).isEmpty();
    }
}
