package dev.llmwatcher.aws;

import dev.llmwatcher.aws.priming.LoopbackServer;
import dev.llmwatcher.aws.priming.PrimingRoutes;
import dev.llmwatcher.aws.priming.PrimingSecret;
import dev.llmwatcher.config.Setting;
import dev.llmwatcher.demo.LocalCertificates;
import dev.llmwatcher.llm.http.JsonHttp;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import dev.llmwatcher.llm.openai.OpenAiClient;
import dev.llmwatcher.queue.Selection;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * SnapStart priming: before Lambda snapshots an initialized function, run one whole invocation of the handler
 * against loopback servers that answer as Secrets Manager, Elasticsearch, Ollama and OpenAI would, and one LLM call
 * over TLS, so that the classes of every step (AWS SDK, HTTP client, TLS, JSON, templates, schema validation, bulk
 * writes, metrics) are loaded, linked and compiled in the snapshot instead of on the first real invocation after
 * each restore. Nothing leaves the JVM: no real secret or credential is read, no real cluster or LLM is contacted,
 * and every priming client, server and connection is closed before the snapshot.
 *
 * <p>Registered with CRaC's global context by the handler constructors; outside SnapStart (a plain JVM) the hook is
 * never called. {@link #prime()} is also what the benchmark and tests run directly.
 */
public final class SnapStartPriming implements Resource {

    private static final Logger LOG = LoggerFactory.getLogger(SnapStartPriming.class);

    private final String kind;
    private final Selection selection;

    private SnapStartPriming(String kind, Selection selection) {
        this.kind = kind;
        this.selection = selection;
    }

    /** Registers the hook; the caller keeps the returned object referenced for as long as it lives. */
    static SnapStartPriming register(String kind, Selection selection) {
        SnapStartPriming priming = new SnapStartPriming(kind, selection);
        Core.getGlobalContext().register(priming);
        return priming;
    }

    /** The priming for a handler of this kind ({@code watcher} or {@code retry}), not registered anywhere. */
    public static SnapStartPriming of(String kind, Selection selection) {
        return new SnapStartPriming(kind, selection);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        prime();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // nothing to restore: the real watcher never connected anywhere before the snapshot
    }

    /**
     * Runs one invocation against the loopback servers, then one LLM call over TLS, and returns the requests served,
     * in order: the loopback's as {@code METHOD target}, then Secrets Manager's prefixed {@code secretsmanager} and
     * the TLS server's prefixed {@code https}.
     */
    public List<String> prime() {
        LOG.info("SnapStart priming: one {} invocation against a loopback server (made-up documents; nothing leaves "
                + "this JVM)", kind);
        List<String> served = new ArrayList<>(invoke());
        served.addAll(callOverTls());
        return served;
    }

    /**
     * The invocation reads its secret as a real one does, through a Secrets Manager client built as the handler
     * builds its own, but with made-up credentials: no real credential is looked up, so none is in the snapshot.
     */
    private List<String> invoke() {
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        try (LoopbackServer server = new LoopbackServer(new PrimingRoutes());
             LoopbackServer secrets = new LoopbackServer(new PrimingSecret());
             SecretsManagerClient secretsClient = SecretSource.clientBuilder(PrimingSecret.REGION)
                     .endpointOverride(secrets.url())
                     .credentialsProvider(StaticCredentialsProvider.create(
                             AwsBasicCredentials.create("priming", "priming-not-a-secret")))
                     .build()) {
            String url = server.url().toString();
            Map<String, String> variables = Map.of("ELASTICSEARCH_URL", url, "OLLAMA_API_URL", url,
                    "OPENAI_BASE_URL", url + "/v1", "LLM_WATCHER_WATCH_INDEX", PrimingRoutes.QUEUE,
                    Setting.SECRET_ID.variable(), PrimingSecret.ID, LambdaSettings.REGION_VARIABLE,
                    PrimingSecret.REGION);
            Clock clock = Clock.systemUTC();
            try (LambdaRunner runner = new LambdaRunner(kind + "-priming",
                    new HandlerEnvironment(variables, clock, Optional.of(secretsClient), discard))) {
                runner.invoke(selection, Map.of(), new LocalContext("priming", Duration.ofMinutes(1), clock, discard));
            }
            List<String> served = new ArrayList<>(server.requests());
            secrets.requests().forEach(request -> served.add("secretsmanager " + request));
            return served;
        }
    }

    /**
     * One OpenAI call to a loopback HTTPS server with a throwaway self-signed certificate, so the TLS handshake
     * (key exchange, certificate checks, ALPN) is in the snapshot too. Skipped, with a line, on a runtime without
     * {@code keytool}; the certificate's files are deleted afterwards.
     */
    private static List<String> callOverTls() {
        if (!LocalCertificates.canMakeCertificates()) {
            LOG.info("SnapStart priming: no keytool in this runtime, so no TLS handshake is primed");
            return List.of();
        }
        Path dir = temporaryDirectory();
        try {
            LocalCertificates certificate = LocalCertificates.selfSigned(dir);
            try (LoopbackServer https = LoopbackServer.https(new PrimingRoutes(), certificate.serverTls());
                 JsonHttp http = JsonHttp.create(Duration.ofSeconds(10), HttpClient.Builder.NO_PROXY,
                         certificate.trustingCa())) {
                new OpenAiClient(http, URI.create(https.url() + "/v1"), "priming-not-a-key").complete(new LlmRequest(
                        "priming", "Rate from 1 to 5: I love it!", "json", Map.of(), Duration.ofSeconds(30)));
                return https.requests().stream().map(request -> "https " + request).toList();
            } catch (LlmException e) {
                throw new IllegalStateException("SnapStart priming: the call over TLS failed: " + e.getMessage(), e);
            }
        } finally {
            delete(dir);
        }
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("llm-watcher-priming-tls");
        } catch (IOException e) {
            throw new UncheckedIOException("SnapStart priming: cannot make a temporary directory", e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("SnapStart priming: cannot delete " + dir, e);
        }
    }
}
