package dev.llmwatcher.cli;

import com.sun.net.httpserver.HttpServer;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.CliRunner;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The original README's example through the command line on an 8.19 cluster and on a 9.5 cluster with security
 * on, over HTTPS with a private CA; the CA options (file, fingerprint) on the command line, and what happens
 * without them; credentials refused with a clear error; the API-key header as it reaches the server.
 */
class ClusterCompatibilityTest {

    private static final String PROMPT = "From a scale of 1-10 how good is this product review "
            + "(1 is very bad, 10 is very good): {{ctx.message}}";

    private final CliRunner cli = new CliRunner();

    /** Drains the example through {@code Main} with these settings (the URL among them) and options. */
    private void drainsTheSeedExample(TestElasticsearch es, Map<String, String> environment, String... options) {
        String queue = TestElasticsearch.uniqueIndex("llm-queue");
        String myIndex = TestElasticsearch.uniqueIndex("my-index");
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(myIndex, PROMPT);
        meta.put("model", "deepseek-r1:14b");
        meta.put("format", Map.of("type", "object", "properties", Map.of("scale", Map.of("type", "integer")),
                "required", List.of("scale")));
        es.indexQueueDocument(queue, "2", Map.of("message", "I love it!"), meta);
        List<String> args = new ArrayList<>(List.of(options));
        int status;
        try (FakeOllamaServer ollama = new FakeOllamaServer()) {
            ollama.respond(Reply.text("{\"scale\": 10}"));
            args.addAll(List.of("--ollama-api", ollama.baseUrl().toString(), "--watch-index", queue, "--once"));
            status = cli.run(environment, args.toArray(String[]::new));
        }

        assertThat(status).as(cli.err()).isZero();
        assertThat(es.source(myIndex, "2")).contains(Map.of("message", "I love it!", "scale", 10));
        assertThat(es.count(queue)).isZero();
    }

    @Test
    void seedExampleDrainsOnElasticsearch8() {
        TestElasticsearch es = TestElasticsearch.version8();
        drainsTheSeedExample(es, es.connectionVariables());
    }

    @Test
    void seedExampleDrainsOnASecuredElasticsearch9OverHttpsWithBasicAuthAndTheCaCertificateOption() {
        TestElasticsearch es = TestElasticsearch.secured();
        drainsTheSeedExample(es, superuserAt(es), "--elasticsearch-ca-cert", caPem(es));
    }

    @Test
    void theCaFingerprintOptionAsKeytoolPrintsItReachesTheSecuredElasticsearch9() {
        TestElasticsearch es = TestElasticsearch.secured();
        String fingerprint = String.join(":", es.certificates().orElseThrow().caFingerprint()
                .toUpperCase(Locale.ROOT).split("(?<=\\G..)"));

        int status = cli.run(superuserAt(es), "status", "--elasticsearch-ca-fingerprint", fingerprint);

        assertThat(status).as(cli.err()).isZero();
    }

    @Test
    void withoutTheCaTheSecuredElasticsearch9IsNotTrustedAndMainSaysSoInOneLine() {
        TestElasticsearch es = TestElasticsearch.secured();

        int status = cli.run(superuserAt(es), "status");

        assertThat(status).isEqualTo(Main.FAILED);
        assertThat(cli.err().strip()).startsWith("llm-watcher: ")
                .contains(es.url().toString()).contains("certificate is not trusted").doesNotContain("\n");
    }

    @Test
    void aCaCertificateFileWithoutACertificateIsAConfigurationError(@TempDir Path dir) throws IOException {
        TestElasticsearch es = TestElasticsearch.secured();
        Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");

        int status = cli.run(superuserAt(es), "status", "--elasticsearch-ca-cert", notPem.toString());

        assertThat(status).isEqualTo(Main.USAGE);
        assertThat(cli.err().strip()).startsWith("llm-watcher: ")
                .contains(notPem.toString()).contains("no certificate").doesNotContain("\n");
    }

    /** The URL and the superuser, not the CA: tests give that as an option, or not at all. */
    private static Map<String, String> superuserAt(TestElasticsearch es) {
        return Map.of("ELASTICSEARCH_URL", es.url().toString(),
                "ELASTICSEARCH_USERNAME", TestElasticsearch.SUPERUSER,
                "ELASTICSEARCH_PASSWORD", TestElasticsearch.SUPERUSER_PASSWORD);
    }

    private static String caPem(TestElasticsearch es) {
        return es.certificates().orElseThrow().caPem().toString();
    }

    @Test
    void wrongPasswordExitsOneWithAClearErrorThatHidesThePassword() {
        TestElasticsearch es = TestElasticsearch.secured();

        Map<String, String> environment = new HashMap<>(es.connectionVariables());
        environment.put("ELASTICSEARCH_USERNAME", TestElasticsearch.SUPERUSER);
        environment.put("ELASTICSEARCH_PASSWORD", "wrong-password-123");
        int status = cli.run(environment, "status");

        assertThat(status).isEqualTo(Main.FAILED);
        assertThat(cli.err()).contains("HTTP 401").doesNotContain("wrong-password-123");
    }

    @Test
    void apiKeyReachesTheServerAsAnApiKeyAuthorizationHeader() throws IOException {
        List<String> authorizations = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            synchronized (authorizations) {
                authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            }
            byte[] body = ("{\"error\":{\"type\":\"security_exception\",\"reason\":\"unable to authenticate\"},"
                    + "\"status\":401}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("X-elastic-product", "Elasticsearch");
            exchange.sendResponseHeaders(401, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        int status;
        try {
            status = cli.run(Map.of("ELASTICSEARCH_URL", "http://127.0.0.1:" + server.getAddress().getPort(),
                    "ELASTICSEARCH_API_KEY", "key-id:key-secret-value"), "status");
        } finally {
            server.stop(0);
        }

        String encoded = Base64.getEncoder().encodeToString("key-id:key-secret-value"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(authorizations).isNotEmpty().allSatisfy(h -> assertThat(h).isEqualTo("ApiKey " + encoded));
        assertThat(status).isEqualTo(Main.FAILED);
        assertThat(cli.err()).contains("401").doesNotContain("key-secret-value")
                .doesNotContain(encoded);
    }
}
