package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.QueueTestSupport;
import dev.llmwatcher.queue.QueueUnavailableException;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;

import static dev.llmwatcher.queue.QueueTestSupport.ids;
import static dev.llmwatcher.queue.QueueTestSupport.query;
import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecuredElasticsearchTest {

    private final TestElasticsearch es = TestElasticsearch.secured();
    private final String queue = TestElasticsearch.uniqueIndex("secured-queue");

    @Test
    void theRightPasswordReadsTheQueue() throws IOException {
        es.indexQueueDocument(queue, "1", Map.of(), TestElasticsearch.pipelineMeta("a", "p"));
        ElasticsearchSettings settings = es.trustingCa(ElasticsearchSettings.basicAuth(es.url(),
                TestElasticsearch.SUPERUSER, TestElasticsearch.SUPERUSER_PASSWORD));
        try (ElasticsearchClient client = ElasticsearchClients.create(settings)) {
            ElasticsearchQueueStore store = new ElasticsearchQueueStore(client, settings);

            assertThat(ids(scanAll(store, query(queue, Selection.NEW, Instant.now())))).containsExactly("1");
        }
    }

    @Test
    void aWrongPasswordIsAnAuthenticationFailureThatDoesNotShowThePassword() throws IOException {
        String wrong = "wrong-pass-" + System.nanoTime();
        ElasticsearchSettings settings = es.trustingCa(ElasticsearchSettings.basicAuth(es.url(),
                TestElasticsearch.SUPERUSER, wrong));
        try (ElasticsearchClient client = ElasticsearchClients.create(settings)) {
            ElasticsearchQueueStore store = new ElasticsearchQueueStore(client, settings);

            assertThatThrownBy(() -> store.countEligible(query(queue, Selection.NEW, Instant.now())))
                    .isInstanceOfSatisfying(QueueUnavailableException.class, e -> {
                        assertThat(e.isAuthenticationFailure()).isTrue();
                        assertThat(e.getMessage()).contains(es.url().toString()).contains("401")
                                .doesNotContain(wrong).doesNotContain("\n");
                    });
        }
    }

    @Test
    void anUnknownApiKeyIsAnAuthenticationFailureThatDoesNotShowTheKey() throws IOException {
        String key = "bGxtd2F0Y2hlcjpub3QtYS1yZWFsLWtleQ==";
        ElasticsearchSettings settings = es.trustingCa(ElasticsearchSettings.apiKey(es.url(), key));
        try (ElasticsearchClient client = ElasticsearchClients.create(settings)) {
            ElasticsearchQueueStore store = new ElasticsearchQueueStore(client, settings);

            assertThatThrownBy(() -> scanAll(store, query(queue, Selection.NEW, Instant.now())))
                    .isInstanceOfSatisfying(QueueUnavailableException.class, e -> {
                        assertThat(e.isAuthenticationFailure()).isTrue();
                        assertThat(e.getMessage()).doesNotContain(key);
                    });
        }
    }

    @Test
    void anApiKeyGivenAsIdColonKeyIsSentEncodedAndNeverShown() throws IOException {
        String key = "some-id:some-secret-key-value";
        ElasticsearchSettings settings = es.trustingCa(ElasticsearchSettings.apiKey(es.url(), key));
        try (ElasticsearchClient client = ElasticsearchClients.create(settings)) {
            ElasticsearchQueueStore store = new ElasticsearchQueueStore(client, settings);

            assertThatThrownBy(() -> store.countEligible(query(queue, Selection.NEW, Instant.now())))
                    .isInstanceOfSatisfying(QueueUnavailableException.class, e -> {
                        assertThat(e.isAuthenticationFailure()).isTrue();
                        assertThat(e.getMessage()).doesNotContain("some-secret-key-value")
                                .doesNotContain(ElasticsearchClients.encodedApiKey(key));
                    });
        }
    }
}
