package dev.llmwatcher.queue;

import dev.llmwatcher.elasticsearch.ElasticsearchConnection;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

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
    void theRightPasswordReadsTheQueue() {
        es.indexQueueDocument(queue, "1", Map.of(), TestElasticsearch.pipelineMeta("a", "p"));
        try (ElasticsearchConnection connection = ElasticsearchConnection.open(es.trustingCa(ElasticsearchSettings
                .basicAuth(es.url(), TestElasticsearch.SUPERUSER, TestElasticsearch.SUPERUSER_PASSWORD)))) {
            ElasticsearchQueueStore store = new ElasticsearchQueueStore(connection);

            assertThat(ids(scanAll(store, query(queue, Selection.NEW, Instant.now())))).containsExactly("1");
        }
    }

    @Test
    void aWrongPasswordIsAnAuthenticationFailureThatDoesNotShowThePassword() {
        String wrong = "wrong-pass-" + System.nanoTime();
        try (ElasticsearchConnection connection = ElasticsearchConnection.open(
                es.trustingCa(ElasticsearchSettings.basicAuth(es.url(), TestElasticsearch.SUPERUSER, wrong)))) {
            ElasticsearchQueueStore store = new ElasticsearchQueueStore(connection);

            assertThatThrownBy(() -> store.countEligible(query(queue, Selection.NEW, Instant.now())))
                    .isInstanceOfSatisfying(QueueUnavailableException.class, e -> {
                        assertThat(e.isAuthenticationFailure()).isTrue();
                        assertThat(e.getMessage()).contains(es.url().toString()).contains("401")
                                .doesNotContain(wrong).doesNotContain("\n");
                    });
        }
    }

    @Test
    void anUnknownApiKeyIsAnAuthenticationFailureThatDoesNotShowTheKey() {
        String key = "bGxtd2F0Y2hlcjpub3QtYS1yZWFsLWtleQ==";
        try (ElasticsearchConnection connection = ElasticsearchConnection.open(
                es.trustingCa(ElasticsearchSettings.apiKey(es.url(), key)))) {
            ElasticsearchQueueStore store = new ElasticsearchQueueStore(connection);

            assertThatThrownBy(() -> scanAll(store, query(queue, Selection.NEW, Instant.now())))
                    .isInstanceOfSatisfying(QueueUnavailableException.class, e -> {
                        assertThat(e.isAuthenticationFailure()).isTrue();
                        assertThat(e.getMessage()).doesNotContain(key);
                    });
        }
    }

    @Test
    void anApiKeyGivenAsIdColonKeyIsSentEncodedAndNeverShown() {
        String key = "some-id:some-secret-key-value";
        try (ElasticsearchConnection connection = ElasticsearchConnection.open(
                es.trustingCa(ElasticsearchSettings.apiKey(es.url(), key)))) {
            ElasticsearchQueueStore store = new ElasticsearchQueueStore(connection);

            assertThatThrownBy(() -> store.countEligible(query(queue, Selection.NEW, Instant.now())))
                    .isInstanceOfSatisfying(QueueUnavailableException.class, e -> {
                        assertThat(e.isAuthenticationFailure()).isTrue();
                        assertThat(e.getMessage()).doesNotContain("some-secret-key-value")
                                .doesNotContain(ElasticsearchConnection.encodedApiKey(key));
                    });
        }
    }
}
