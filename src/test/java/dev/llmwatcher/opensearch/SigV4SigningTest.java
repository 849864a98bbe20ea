package dev.llmwatcher.opensearch;

import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.config.SearchEngine;
import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.QueueUnavailableException;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.AwsTestCredentials;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.SigV4Proxy;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.llmwatcher.queue.QueueTestSupport.query;
import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static dev.llmwatcher.testing.TestElasticsearch.pipelineMeta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Amazon OpenSearch Service with IAM: every request the adapter sends is signed with SigV4 for service {@code es} by
 * the AWS SDK (the SDK's default credential chain, here the test credentials), checked by a proxy that verifies the
 * signature with the SDK's own signer and forwards to a real OpenSearch; an unsigned client is refused.
 */
class SigV4SigningTest {

    private static final String REGION = "eu-west-1";

    private final OpenSearchServer server = OpenSearchServer.shared();
    private final String queue = TestElasticsearch.uniqueIndex("queue");
    private SigV4Proxy proxy;
    private AwsTestCredentials credentials;
    private String previousRegion;

    @BeforeEach
    void start() {
        proxy = new SigV4Proxy(server.url(), REGION, TestElasticsearch.workDir().resolve(
                TestElasticsearch.uniqueIndex("sigv4")));
        credentials = AwsTestCredentials.install();
        previousRegion = System.getProperty("aws.region");
        System.setProperty("aws.region", REGION);
    }

    @AfterEach
    void stop() {
        proxy.close();
        credentials.close();
        if (previousRegion == null) {
            System.clearProperty("aws.region");
        } else {
            System.setProperty("aws.region", previousRegion);
        }
    }

    private ElasticsearchSettings signed() {
        return new ElasticsearchSettings(List.of(proxy.url()), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(proxy.caPem()), Optional.empty(), Duration.ofSeconds(30), SearchEngine.OPENSEARCH,
                Optional.of("es"));
    }

    @Test
    void theQueueIsScannedAndClaimedThroughSignedRequestsOnly() {
        server.indexDocument(queue, "a", Map.of("message", "hi", "_llm_watcher", pipelineMeta("target", "p")));
        Instant now = Instant.now();

        try (OpenSearchQueueStore store = OpenSearchQueueStore.connect(signed(), Optional.empty())) {
            List<QueuedDocument> found = scanAll(store, query(queue, Selection.NEW, now));
            List<QueuedDocument> claimed = store.claim(queue, found, new Claim("signed", now.plusSeconds(60)));

            assertThat(claimed).extracting(QueuedDocument::id).containsExactly("a");
        }
        assertThat(proxy.refusals()).isEmpty();
        assertThat(proxy.forwarded()).anyMatch(r -> r.startsWith("POST /_search"))
                .anyMatch(r -> r.startsWith("POST /_bulk"));
    }

    @Test
    void aClientThatDoesNotSignIsRefusedAsAnAuthenticationFailure() {
        ElasticsearchSettings unsigned = new ElasticsearchSettings(List.of(proxy.url()), Optional.of("master"),
                Optional.of("hunter2-secret"), Optional.empty(), Optional.of(proxy.caPem()), Optional.empty(),
                Duration.ofSeconds(30), SearchEngine.OPENSEARCH, Optional.empty());

        try (OpenSearchQueueStore store = OpenSearchQueueStore.connect(unsigned, Optional.empty())) {
            assertThatThrownBy(() -> store.countEligible(query(queue, Selection.NEW, Instant.now())))
                    .isInstanceOfSatisfying(QueueUnavailableException.class, e -> {
                        assertThat(e.isAuthenticationFailure()).isTrue();
                        assertThat(e.getMessage()).contains("HTTP 403").doesNotContain("hunter2-secret");
                    });
        }
        assertThat(proxy.refusals()).isNotEmpty().allMatch(r -> r.startsWith("not a SigV4 Authorization: Basic"));
        assertThat(proxy.forwarded()).isEmpty();
    }

    @Test
    void aSignatureMadeWithAnotherSecretDoesNotVerify() {
        String secret = System.getProperty("aws.secretAccessKey");
        System.setProperty("aws.secretAccessKey", "not-the-secret-the-domain-knows");
        try (OpenSearchQueueStore store = OpenSearchQueueStore.connect(signed(), Optional.empty())) {
            assertThatThrownBy(() -> store.countEligible(query(queue, Selection.NEW, Instant.now())))
                    .isInstanceOfSatisfying(QueueUnavailableException.class,
                            e -> assertThat(e.isAuthenticationFailure()).isTrue());
        } finally {
            System.setProperty("aws.secretAccessKey", secret);
        }
        assertThat(proxy.refusals()).isNotEmpty().allMatch(r -> r.startsWith("signature does not verify"));
    }
}
