package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.demo.LocalCertificates;
import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueScan;
import dev.llmwatcher.queue.QueueUnavailableException;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

/**
 * The private-CA options against a real Elasticsearch over HTTPS ({@link TestElasticsearch#secured()}, whose CA is
 * made anew at each start): with the CA's PEM or its fingerprint the queue store reads and writes; without them, or
 * with another CA or fingerprint, it refuses in one clear line; an unusable PEM file is a clear configuration error.
 * Against an in-process stub ({@link HttpsStub}): neither option trusts a certificate the CA did not sign, even shown
 * next to the CA's, nor one for another host.
 */
class TlsConnectionTest {

    @TempDir
    static Path scratch;
    private static LocalCertificates otherCa;

    private final TestElasticsearch es = TestElasticsearch.secured();
    private final LocalCertificates ca = es.certificates().orElseThrow();
    private final String queue = TestElasticsearch.uniqueIndex("tls-queue");

    private ElasticsearchSettings settings(Optional<Path> caCertificate, Optional<String> caFingerprint) {
        return new ElasticsearchSettings(List.of(es.url()), Optional.of(TestElasticsearch.SUPERUSER),
                Optional.of(TestElasticsearch.SUPERUSER_PASSWORD), Optional.empty(), caCertificate, caFingerprint,
                Duration.ofSeconds(30));
    }

    /**
     * A CA made the same way as the cluster's, under the same name but with another key, and a server certificate
     * it signed for {@code localhost} only (not 127.0.0.1): what anyone can make. Made once, on first use.
     */
    private static synchronized LocalCertificates otherCa() {
        if (otherCa == null) {
            otherCa = LocalCertificates.create(scratch.resolve("ca"), scratch.resolve("certs").resolve("http.p12"),
                    "dns:localhost");
        }
        return otherCa;
    }

    @Test
    void theServerSpeaksHttpsOnly() {
        assertThat(es.url().getScheme()).isEqualTo("https");
    }

    @Test
    void withTheCaCertificateTheQueueStoreReadsAndWrites() throws IOException {
        readsAndWritesTheQueue(settings(Optional.of(ca.caPem()), Optional.empty()));
    }

    /** The fingerprint as Elasticsearch prints it, as {@code openssl}/{@code keytool} print it, and mixed. */
    static Stream<String> fingerprintSpellings() {
        return Stream.of("lower-case", "UPPER-CASE", "lower:colons", "UPPER:COLONS");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fingerprintSpellings")
    void withTheCaFingerprintTheQueueStoreReadsAndWrites(String spelling) throws IOException {
        readsAndWritesTheQueue(settings(Optional.empty(), Optional.of(spell(ca.caFingerprint(), spelling))));
    }

    @Test
    void withoutTheCaTheServerIsNotTrustedAndTheErrorSaysSoInOneLine() throws IOException {
        assertRefusedForItsCertificate(settings(Optional.empty(), Optional.empty()), "the JDK's default CAs");
    }

    @Test
    void withAWrongFingerprintTheServerIsNotTrusted() throws IOException {
        assertRefusedForItsCertificate(settings(Optional.empty(), Optional.of(sha256("not the cluster's CA"))),
                "the CA fingerprint");
    }

    @Test
    void anotherCasCertificateIsNotTrusted() throws IOException {
        Path otherPem = otherCa().caPem();

        assertRefusedForItsCertificate(settings(Optional.of(otherPem), Optional.empty()),
                "the CA certificate " + otherPem);
    }

    /**
     * A server in the middle with a key and certificate of its own shows the cluster's CA certificate next to it
     * (anyone who connects to the cluster is sent that certificate). Its certificate names the cluster's CA as
     * issuer and the host the client asked for, but the CA never signed it, so neither option may trust it.
     */
    @ParameterizedTest(name = "trusting the CA by its fingerprint: {0}")
    @ValueSource(booleans = {true, false})
    void aServerShowingTheClustersCaNextToACertificateItDidNotSignIsNotTrusted(boolean byFingerprint) throws Exception {
        LocalCertificates forger = otherCa();
        PrivateKey forgersKey = HttpsStub.key(forger.serverKeystore(), forger.password(), "http");
        Certificate[] forgersChain = HttpsStub.chain(forger.serverKeystore(), forger.password(), "http");
        X509Certificate forgersCertificate = (X509Certificate) forgersChain[0];
        X509Certificate clustersCa = (X509Certificate) HttpsStub.certificate(ca.caPem());
        assertThat(forgersCertificate.getIssuerX500Principal()).isEqualTo(clustersCa.getSubjectX500Principal());

        try (HttpsStub honest = new HttpsStub(forgersKey, forgersChain);
             HttpsStub forged = new HttpsStub(forgersKey, forgersCertificate, clustersCa)) {
            assertThat(ping(trusting(honest.url("localhost"), forger, byFingerprint)))
                    .as("the stub serves its own chain to a client that trusts its CA").isTrue();

            assertThatThrownBy(() -> ping(trusting(forged.url("localhost"), ca, byFingerprint)))
                    .isInstanceOf(QueueUnavailableException.class).hasMessageContaining("not trusted");
        }
    }

    /** Host names are checked with either option: a certificate for {@code localhost} does not do for 127.0.0.1. */
    @ParameterizedTest(name = "trusting the CA by its fingerprint: {0}")
    @ValueSource(booleans = {true, false})
    void aCertificateForAnotherHostIsNotTrusted(boolean byFingerprint) throws Exception {
        LocalCertificates other = otherCa();
        try (HttpsStub server = new HttpsStub(HttpsStub.key(other.serverKeystore(), other.password(), "http"),
                HttpsStub.chain(other.serverKeystore(), other.password(), "http"))) {
            assertThat(ping(trusting(server.url("localhost"), other, byFingerprint))).isTrue();

            assertThatThrownBy(() -> ping(trusting(server.url("127.0.0.1"), other, byFingerprint)))
                    .isInstanceOf(QueueUnavailableException.class).hasMessageContaining("not trusted")
                    .hasMessageContaining("127.0.0.1");
        }
    }

    private void readsAndWritesTheQueue(ElasticsearchSettings settings) throws IOException {
        es.indexQueueDocument(queue, "1", Map.of("message", "hello over TLS"),
                TestElasticsearch.pipelineMeta("tls-target", "Rate: {{ctx.message}}"));
        Instant now = Instant.now();
        QueueQuery newDocuments = new QueueQuery(queue, Selection.NEW, now, Optional.empty(), 10);
        try (ElasticsearchClient client = ElasticsearchClients.create(settings)) {
            ElasticsearchQueueStore store = new ElasticsearchQueueStore(client, settings);

            assertThat(store.countEligible(newDocuments)).isEqualTo(1);
            List<QueuedDocument> scanned = scanAll(store, newDocuments);
            assertThat(scanned).extracting(QueuedDocument::id).containsExactly("1");
            assertThat(scanned.getFirst().userFields()).containsEntry("message", "hello over TLS");
            List<QueuedDocument> claimed = store.claim(queue, scanned, new Claim("tls-test", now.plusSeconds(600)));
            assertThat(claimed).extracting(QueuedDocument::id).containsExactly("1");
            assertThat(store.countEligible(newDocuments)).isZero();
        }
        assertThat(es.source(queue, "1").orElseThrow().get("_llm_watcher")).asInstanceOf(MAP)
                .extractingByKey("claim").asInstanceOf(MAP).containsEntry("owner", "tls-test");
    }

    private void assertRefusedForItsCertificate(ElasticsearchSettings settings, String trustedBy) throws IOException {
        try (ElasticsearchClient client = ElasticsearchClients.create(settings)) {
            ElasticsearchQueueStore store = new ElasticsearchQueueStore(client, settings);

            assertThatThrownBy(() -> store.countEligible(
                    new QueueQuery(queue, Selection.NEW, Instant.now(), Optional.empty(), 10)))
                    .isInstanceOfSatisfying(QueueUnavailableException.class, e -> {
                        assertThat(e.isAuthenticationFailure()).isFalse();
                        assertThat(e.getMessage()).contains(es.url().toString())
                                .contains("certificate is not trusted").contains(trustedBy)
                                .doesNotContain("\n").doesNotContain("\tat ")
                                .doesNotContainPattern("\\b(java|javax|sun|jdk)\\.[a-z]+\\.")
                                .doesNotContain(TestElasticsearch.SUPERUSER_PASSWORD);
                    });
        }
    }

    /** Anonymous settings for {@code url} that trust the CA of {@code certificates} by its file or fingerprint. */
    private static ElasticsearchSettings trusting(URI url, LocalCertificates certificates, boolean byFingerprint) {
        return new ElasticsearchSettings(List.of(url), Optional.empty(), Optional.empty(), Optional.empty(),
                byFingerprint ? Optional.empty() : Optional.of(certificates.caPem()),
                byFingerprint ? Optional.of(certificates.caFingerprint()) : Optional.empty(), Duration.ofSeconds(10));
    }

    /** Whether the server answers a ping; a failure as the store would report it. */
    private static boolean ping(ElasticsearchSettings settings) throws IOException {
        try (ElasticsearchClient client = ElasticsearchClients.create(settings)) {
            return client.ping().value();
        } catch (IOException | RuntimeException e) {
            throw new ElasticsearchFailures(settings).unavailable("answer a ping", e);
        }
    }

    private static List<QueuedDocument> scanAll(ElasticsearchQueueStore store, QueueQuery query) {
        List<QueuedDocument> all = new ArrayList<>();
        try (QueueScan scan = store.scan(query)) {
            for (List<QueuedDocument> page = scan.nextPage(); !page.isEmpty(); page = scan.nextPage()) {
                all.addAll(page);
            }
        }
        return all;
    }

    /** {@code hex} (lower case, no colons) spelled as named: upper or lower case, with or without colons. */
    static String spell(String hex, String spelling) {
        String cased = spelling.startsWith("UPPER") ? hex.toUpperCase(Locale.ROOT) : hex;
        return spelling.contains(":") ? String.join(":", cased.split("(?<=\\G..)")) : cased;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
