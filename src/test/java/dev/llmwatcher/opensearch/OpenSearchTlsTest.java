package dev.llmwatcher.opensearch;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.QueueUnavailableException;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.HttpsGateway;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.StderrCapture;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static dev.llmwatcher.queue.QueueTestSupport.query;
import static dev.llmwatcher.testing.TestElasticsearch.pipelineMeta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * OpenSearch behind HTTPS with basic authentication, as a cluster with the security plugin serves it: the
 * integ-test-zip has no security plugin, so a TLS-terminating front with a private CA that checks the user and
 * password ({@link HttpsGateway#basicAuth}) stands before the real OpenSearch 3.x. With the CA's PEM and the
 * credentials a whole drain goes through it (the engine told from the cluster's answer too); a wrong password is an
 * authentication failure in one line that does not repeat it; the CA given by its SHA-256 fingerprint
 * ({@code ELASTICSEARCH_CA_FINGERPRINT}, with or without colons) is trusted as its certificate is; without the CA, or
 * with another fingerprint, the front is not trusted and nothing reaches the cluster.
 */
class OpenSearchTlsTest {

    private static final String USER = "watcher";
    private static final String PASSWORD = "Tls-basic-auth-pw-0042";

    private final OpenSearchServer server = OpenSearchServer.shared();
    @AutoClose
    private final HttpsGateway gateway = HttpsGateway.basicAuth(server.url(), work(), USER, PASSWORD);
    @AutoClose
    private final WatcherFixture fixture = WatcherFixture.withFakeProviders(server)
            .with("ELASTICSEARCH_URL", gateway.url().toString())
            .with("ELASTICSEARCH_CA_CERT", gateway.caPem().toString())
            .with("ELASTICSEARCH_USERNAME", USER)
            .with("ELASTICSEARCH_PASSWORD", PASSWORD);
    private final StderrCapture stderr = StderrCapture.start();

    private static Path work() {
        return TestElasticsearch.workDir().resolve(TestElasticsearch.uniqueIndex("opensearch-tls"));
    }

    @AfterEach
    void noPasswordLogged() {
        stderr.close();
        assertThat(stderr.text()).doesNotContain(PASSWORD);
    }

    private ElasticsearchSettings settings(String password, Optional<Path> ca) {
        return new ElasticsearchSettings(List.of(gateway.url()), Optional.of(USER), Optional.of(password),
                Optional.empty(), ca, Optional.empty(), Duration.ofSeconds(30));
    }

    private ElasticsearchSettings byFingerprint(String fingerprint) {
        return new ElasticsearchSettings(List.of(gateway.url()), Optional.of(USER), Optional.of(PASSWORD),
                Optional.empty(), Optional.empty(), Optional.of(fingerprint), Duration.ofSeconds(30));
    }

    @Test
    void withTheCasFingerprintTheQueueIsReadAsWithItsCertificate() {
        String colons = gateway.caFingerprint().toUpperCase(Locale.ROOT).replaceAll("(..)(?!$)", "$1:");
        for (String spelling : List.of(gateway.caFingerprint(), colons)) {
            try (OpenSearchQueueStore store = OpenSearchQueueStore.connect(byFingerprint(spelling),
                    Optional.empty())) {
                assertThat(store.countEligible(query(fixture.queueIndex(), Selection.NEW, Instant.now())))
                        .as(spelling).isZero();
            }
        }
        assertThat(gateway.refusals()).isEmpty();
        assertThat(gateway.forwarded()).isNotEmpty();
    }

    @Test
    void withAnotherFingerprintTheFrontIsNotTrustedAndNothingReachesTheCluster() {
        String other = "0".repeat(64);
        try (OpenSearchQueueStore store = OpenSearchQueueStore.connect(byFingerprint(other), Optional.empty())) {
            assertThatThrownBy(() -> store.countEligible(query(fixture.queueIndex(), Selection.NEW, Instant.now())))
                    .isInstanceOfSatisfying(QueueUnavailableException.class, e ->
                            assertThat(e.getMessage()).startsWith("OpenSearch at ").doesNotContain("\n"));
        }
        assertThat(gateway.forwarded()).isEmpty();
    }

    @Test
    void aWholeDrainGoesThroughHttpsWithTheUserAndPassword() {
        String target = TestElasticsearch.uniqueIndex("tls-target");
        Map<String, Object> meta = pipelineMeta(target, "Rate: {{ctx.message}}");
        meta.put("format", "json");
        server.indexQueueDocument(fixture.queueIndex(), "1", Map.of("message", "I love it!"), meta);
        fixture.ollama().respond(Reply.text("{\"scale\": 9}"));

        RunReport report;
        try (Watcher watcher = fixture.watcher()) {
            report = watcher.runPass(Selection.NEW, Instant.now().plusSeconds(60), Integer.MAX_VALUE,
                    StopSignal.never());
        }

        assertThat(report.processed()).isEqualTo(1);
        assertThat(server.source(target, "1")).contains(Map.of("message", "I love it!", "scale", 9));
        assertThat(server.count(fixture.queueIndex())).isZero();
        assertThat(gateway.refusals()).isEmpty();
        assertThat(gateway.forwarded()).contains("GET /").anyMatch(r -> r.startsWith("POST /_bulk"));
    }

    @Test
    void aWrongPasswordIsAnAuthenticationFailureInOneLineThatDoesNotRepeatIt() {
        String wrong = "not-the-password-9931";
        try (OpenSearchQueueStore store = OpenSearchQueueStore.connect(settings(wrong, Optional.of(gateway.caPem())),
                Optional.empty())) {
            assertThatThrownBy(() -> store.countEligible(query(fixture.queueIndex(), Selection.NEW, Instant.now())))
                    .isInstanceOfSatisfying(QueueUnavailableException.class, e -> {
                        assertThat(e.isAuthenticationFailure()).isTrue();
                        assertThat(e.getMessage()).contains("HTTP 401").contains("Unauthorized")
                                .doesNotContain(wrong).doesNotContain("\n");
                    });
        }
        assertThat(gateway.refusals()).isNotEmpty().containsOnly("wrong credentials");
        assertThat(gateway.forwarded()).isEmpty();
    }

    @Test
    void withoutTheCaTheFrontIsNotTrustedAndNothingReachesTheCluster() {
        try (OpenSearchQueueStore store = OpenSearchQueueStore.connect(settings(PASSWORD, Optional.empty()),
                Optional.empty())) {
            assertThatThrownBy(() -> store.countEligible(query(fixture.queueIndex(), Selection.NEW, Instant.now())))
                    .isInstanceOfSatisfying(QueueUnavailableException.class, e -> {
                        assertThat(e.isAuthenticationFailure()).isFalse();
                        assertThat(e.getMessage()).startsWith("OpenSearch at ").doesNotContain(PASSWORD);
                    });
        }
        assertThat(gateway.refusals()).isEmpty();
        assertThat(gateway.forwarded()).isEmpty();
    }
}
