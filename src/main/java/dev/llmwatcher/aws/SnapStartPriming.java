package dev.llmwatcher.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmwatcher.aws.priming.PrimingCertificate;
import dev.llmwatcher.aws.priming.PrimingRoutes;
import dev.llmwatcher.aws.priming.PrimingSecret;
import dev.llmwatcher.aws.priming.PrimingServer;
import dev.llmwatcher.config.Setting;
import dev.llmwatcher.json.Json;
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
import org.slf4j.MDC;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SnapStart priming: before Lambda snapshots an initialized function, run one whole invocation of the handler
 * against loopback servers that answer as Secrets Manager, Elasticsearch, Ollama and OpenAI would, and one LLM call
 * over TLS, so that the classes of every step (AWS SDK, both HTTP clients, TLS, JSON, templates, schema validation,
 * bulk writes, metrics) are loaded, linked and compiled in the snapshot instead of on the first real invocation after
 * each restore. Nothing leaves the JVM: no real secret or credential is read, no real cluster or LLM is contacted,
 * and every priming client, server and connection is closed before the snapshot.
 *
 * <p>Publishing a version runs the hook, and a hook that throws fails the version. Priming is an optimisation, so it
 * never throws: it does what the runtime allows (its servers are Apache HttpCore's, which the package carries; its
 * certificate is made by the build, not by a {@code keytool} the runtime may lack) and says in one log line whether
 * it did everything. The priming pass's own lines are not logged: they would carry a request id Lambda never issued
 * (log4j2.xml drops every line of a thread marked with {@link #MDC_KEY}).
 *
 * <p>Registered with CRaC's global context by the handler constructors; outside SnapStart (a plain JVM) the hook is
 * never called. {@link #run()} is also what the benchmark and tests run directly.
 */
public final class SnapStartPriming implements Resource {

    /** Marks the threads of a priming pass (those it starts inherit the mark); their log lines are dropped. */
    public static final String MDC_KEY = "llmwatcher.priming";

    private static final Logger LOG = LoggerFactory.getLogger(SnapStartPriming.class);
    private static final int DOCUMENTS = 2;

    private final String kind;
    private final Selection selection;
    private final Map<String, String> extraSettings;

    /**
     * What priming did: the requests its loopback servers served, in order per server, each prefixed with the server
     * ({@code elasticsearch}, {@code llm}, {@code secretsmanager}, {@code https}); and what it could not do (empty
     * when it primed everything).
     */
    public record Result(List<String> requests, List<String> problems) {
    }

    private SnapStartPriming(String kind, Selection selection, Map<String, String> extraSettings) {
        this.kind = kind;
        this.selection = selection;
        this.extraSettings = Map.copyOf(extraSettings);
    }

    /** Registers the hook; the caller keeps the returned object referenced for as long as it lives. */
    static SnapStartPriming register(String kind, Selection selection) {
        SnapStartPriming priming = new SnapStartPriming(kind, selection, Map.of());
        Core.getGlobalContext().register(priming);
        return priming;
    }

    /** The priming for a handler of this kind ({@code watcher} or {@code retry}), not registered anywhere. */
    public static SnapStartPriming of(String kind, Selection selection) {
        return new SnapStartPriming(kind, selection, Map.of());
    }

    /** The same, with settings added to the priming pass's own (a test breaks priming with an invalid one). */
    static SnapStartPriming of(String kind, Selection selection, Map<String, String> extraSettings) {
        return new SnapStartPriming(kind, selection, extraSettings);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        run();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // nothing to restore: the real watcher never connected anywhere before the snapshot
    }

    /**
     * Primes and logs one line about it. Never throws: whatever goes wrong, even a class the runtime lacks, is a
     * problem in the result and in that line, and the snapshot is taken all the same.
     */
    public Result run() {
        long started = System.nanoTime();
        Result result;
        Throwable failure = null;
        try {
            result = prime();
        } catch (RuntimeException | Error e) {
            failure = e;
            result = new Result(List.of(), List.of("it stopped with " + e));
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        if (result.problems().isEmpty()) {
            LOG.info("SnapStart priming: one {} invocation against loopback servers in this JVM (Secrets Manager, "
                    + "Elasticsearch over TLS, Ollama, OpenAI) and one OpenAI call over TLS, {} requests in {} ms; "
                    + "made-up documents only, nothing left this JVM", kind, result.requests().size(), millis);
        } else {
            LOG.warn("SnapStart priming was incomplete after {} ms ({}); the snapshot is taken all the same, and the "
                    + "first invocation after a restore loads what priming did not. Nothing left this JVM", millis,
                    String.join("; ", result.problems()), failure);
        }
        return result;
    }

    private Result prime() {
        MDC.put(MDC_KEY, "true");
        try {
            List<String> problems = new ArrayList<>();
            Optional<PrimingCertificate> certificate = PrimingCertificate.load();
            if (certificate.isEmpty()) {
                problems.add("no TLS: this package has no " + PrimingCertificate.RESOURCE);
            }
            List<String> served = new ArrayList<>(invoke(certificate, problems));
            certificate.ifPresent(tls -> served.addAll(callOverTls(tls, problems)));
            return new Result(List.copyOf(served), List.copyOf(problems));
        } finally {
            MDC.remove(MDC_KEY);
        }
    }

    /**
     * One invocation of the handler's runner. It reads its secret as a real one does, through a Secrets Manager
     * client built as the handler builds its own, but with made-up credentials: no real credential is looked up, so
     * none is in the snapshot. Elasticsearch speaks TLS when the certificate is there, as a real cluster does.
     */
    private List<String> invoke(Optional<PrimingCertificate> certificate, List<String> problems) {
        PrimingRoutes routes = new PrimingRoutes();
        ByteArrayOutputStream metrics = new ByteArrayOutputStream();
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        try (PrimingServer cluster = certificate.map(tls -> PrimingServer.https(routes, tls.server()))
                     .orElseGet(() -> PrimingServer.http(routes));
             PrimingServer llm = PrimingServer.http(routes);
             PrimingServer secrets = PrimingServer.http(new PrimingSecret());
             SecretsManagerClient secretsClient = SecretSource.clientBuilder(PrimingSecret.REGION)
                     .endpointOverride(secrets.url())
                     .credentialsProvider(StaticCredentialsProvider.create(
                             AwsBasicCredentials.create("priming", "priming-not-a-secret")))
                     .build()) {
            Map<String, String> variables = new HashMap<>(Map.of("ELASTICSEARCH_URL", cluster.url().toString(),
                    "OLLAMA_API_URL", llm.url().toString(), "OPENAI_BASE_URL", llm.url() + "/v1",
                    "LLM_WATCHER_WATCH_INDEX", PrimingRoutes.QUEUE, Setting.SECRET_ID.variable(), PrimingSecret.ID,
                    LambdaSettings.REGION_VARIABLE, PrimingSecret.REGION));
            certificate.ifPresent(tls -> variables.put(Setting.ELASTICSEARCH_CA_FINGERPRINT.variable(),
                    tls.fingerprint()));
            variables.putAll(extraSettings);
            Clock clock = Clock.systemUTC();
            InvocationSummary summary;
            try (LambdaRunner runner = new LambdaRunner(kind + "-priming", new HandlerEnvironment(variables, clock,
                    Optional.of(secretsClient), new PrintStream(metrics, true, StandardCharsets.UTF_8)))) {
                summary = runner.invoke(selection, Map.of(),
                        new LocalContext("priming", Duration.ofMinutes(1), clock, discard));
            }
            if (summary.processed() != DOCUMENTS) {
                problems.add("the pass stored " + summary.processed() + " of its " + DOCUMENTS
                        + " made-up documents (" + summary.failed() + " failed)");
            }
            if (!measuredQueueAge(metrics.toString(StandardCharsets.UTF_8))) {
                problems.add("the queue-age query's answer was not read");
            }
            List<String> served = new ArrayList<>();
            cluster.requests().forEach(request -> served.add("elasticsearch " + request));
            llm.requests().forEach(request -> served.add("llm " + request));
            secrets.requests().forEach(request -> served.add("secretsmanager " + request));
            return served;
        }
    }

    /** Whether the invocation's metrics carry the age the loopback cluster answered (a failed query reports 0). */
    private static boolean measuredQueueAge(String metricLines) {
        for (String line : metricLines.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode age = Json.mapper().readTree(line).get(Metric.OLDEST_QUEUED_AGE.metricName());
                if (age != null && age.asDouble() > 0) {
                    return true;
                }
            } catch (JsonProcessingException e) {
                return false;
            }
        }
        return false;
    }

    /**
     * One OpenAI call to a loopback HTTPS server, so the JDK client's TLS handshake (key exchange, certificate
     * checks, ALPN) is in the snapshot too.
     */
    private static List<String> callOverTls(PrimingCertificate certificate, List<String> problems) {
        try (PrimingServer https = PrimingServer.https(new PrimingRoutes(), certificate.server());
             JsonHttp http = JsonHttp.create(Duration.ofSeconds(10), HttpClient.Builder.NO_PROXY,
                     certificate.client())) {
            new OpenAiClient(http, URI.create(https.url() + "/v1"), "priming-not-a-key").complete(new LlmRequest(
                    "priming", "Rate from 1 to 5: I love it!", "json", Map.of(), Duration.ofSeconds(30)));
            return https.requests().stream().map(request -> "https " + request).toList();
        } catch (LlmException e) {
            problems.add("the OpenAI call over TLS failed: " + e.getMessage());
            return List.of();
        }
    }
}
