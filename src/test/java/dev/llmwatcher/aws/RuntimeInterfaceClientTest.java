package dev.llmwatcher.aws;

import dev.llmwatcher.testing.FakeLambdaServer;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.LambdaPackage;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Both handlers run as Lambda runs them, which is what {@code sam local invoke} would show without Docker: the
 * package {@code make build-WatcherFunction} makes, in AWS's own Runtime Interface Client, on a runtime without
 * {@code jdk.httpserver} and {@code keytool} ({@link ReducedRuntime}), against a local Lambda Runtime API
 * ({@link LambdaRuntimeApi}), the test Elasticsearch and a fake Ollama, with the function's JSON log format. Once as
 * an on-demand function (a cold and a warm invocation, with the sample events), once with SnapStart (priming before
 * the snapshot, then an invocation after the restore). Every line the function prints must be a JSON object, and
 * every line of an invocation must carry that invocation's request id.
 */
class RuntimeInterfaceClientTest {

    private static final Duration ANSWER_WITHIN = Duration.ofMinutes(3);
    private static final int QUEUED = 2;
    private static final Map<String, Object> SCALE_SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")), "required", List.of("scale"));

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final WatcherFixture fixture = WatcherFixture.withFakeProviders(es)
            .with("LLM_WATCHER_SAFETY_MARGIN", "1");
    private final String target = TestElasticsearch.uniqueIndex("reviews");
    @TempDir
    Path work;

    @BeforeEach
    void answerEveryCall() {
        fixture.ollama().respond(Reply.text("{\"scale\": 4}"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"watcher", "retry"})
    void aColdAndAWarmInvocationEachLogJsonLinesCarryingTheirRequestId(String kind) throws IOException {
        Path output = work.resolve("function.log");
        List<Invoked> invoked;
        try (LambdaRuntimeApi api = new LambdaRuntimeApi(output);
             LambdaFunctionProcess function = start(kind, api, Map.of(), output)) {
            queue(kind, 0);
            Invoked cold = invoke(api, function, event(kind, "scheduled-event"));
            queue(kind, QUEUED);
            Invoked warm = invoke(api, function, event(kind, "schedule-v2"));
            invoked = List.of(cold, warm);
            assertLogs(function, api, invoked, 0);
        }

        assertThat(invoked).allSatisfy(invocation -> assertThat(invocation.summary())
                .containsEntry("processed", QUEUED).containsEntry("failed", 0)
                .containsEntry("mode", kind.equals("retry") ? "retry" : "new"));
        assertThat(es.count(target)).isEqualTo(2 * QUEUED);
        assertThat(es.count(fixture.queueIndex())).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"watcher", "retry"})
    void underSnapStartPrimingLogsOneLineBeforeTheSnapshotAndTheRestoredFunctionWorks(String kind)
            throws IOException {
        Path output = work.resolve("function.log");
        Invoked restored;
        try (LambdaRuntimeApi api = new LambdaRuntimeApi(output);
             LambdaFunctionProcess function = start(kind, api,
                     Map.of("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start"), output)) {
            queue(kind, 0);
            restored = invoke(api, function, event(kind, "schedule-v2"));
            List<String> init = assertLogs(function, api, List.of(restored), 1);

            assertThat(api.calls()).extracting(LambdaRuntimeApi.Call::request).startsWith(
                    "GET /2018-06-01/runtime/restore/next", "GET /2018-06-01/runtime/invocation/next");
            assertThat(LambdaHarness.parse(init.getFirst())).containsEntry("level", "INFO")
                    .doesNotContainKey("errorType").extractingByKey("message").asString()
                    .startsWith("SnapStart priming: one " + kind + " invocation").contains("nothing left this JVM");
        }

        assertThat(restored.summary()).containsEntry("processed", QUEUED).containsEntry("failed", 0);
        assertThat(es.count(target)).isEqualTo(QUEUED);
    }

    @Test
    void thePackagedWatcherStartsMoreDrainersThroughItsShrunkLambdaClient() {
        fixture.with("LLM_WATCHER_CONCURRENCY", "1").with("LLM_WATCHER_MAX_DRAINERS", "5");
        Map<String, Map<String, Object>> backlog = new LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
            backlog.put("doc-" + i, Map.of("message", "review " + i,
                    "_llm_watcher", TestElasticsearch.pipelineMeta(target, "Rate: {{ctx.message}}")));
        }
        es.bulkIndex(fixture.queueIndex(), backlog);
        Path output = work.resolve("function.log");
        try (FakeLambdaServer lambda = new FakeLambdaServer()) {
            Map<String, String> aws = Map.of("AWS_REGION", "us-east-1",
                    "AWS_ENDPOINT_URL_LAMBDA", lambda.endpoint().toString(),
                    "AWS_ACCESS_KEY_ID", "AKIDLLMWATCHERTEST", "AWS_SECRET_ACCESS_KEY", "llm-watcher-test-secret",
                    "AWS_EC2_METADATA_DISABLED", "true");
            try (LambdaRuntimeApi api = new LambdaRuntimeApi(output);
                 LambdaFunctionProcess function = start("watcher", api, aws, output)) {
                // C = 1 and no latency measured yet (1 s), about 58 s for calls: 200 documents need 4 drainers.
                Invoked invoked = invoke(api, function, "{\"source\":\"llm-watcher.scheduler\",\"max_documents\":2}");
                assertThat(invoked.summary()).containsEntry("processed", 2);
                assertThat(lambda.invocations()).as(function.text()).hasSize(3);
            }

            assertThat(lambda.invocations()).allSatisfy(invocation -> {
                assertThat(invocation.function()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:"
                        + "llm-watcher");
                assertThat(invocation.payload()).containsEntry("fanned_out", true).containsEntry("max_documents", 2);
            });
        }
    }

    /** An invocation's request id and the summary the handler answered with. */
    private record Invoked(String requestId, Map<String, Object> summary, long outputBefore) {
    }

    private LambdaFunctionProcess start(String kind, LambdaRuntimeApi api, Map<String, String> extra, Path output) {
        Map<String, String> environment = new HashMap<>(fixture.settings());
        environment.put("AWS_LAMBDA_LOG_FORMAT", "JSON");
        environment.put("AWS_LAMBDA_LOG_LEVEL", "INFO");
        environment.putAll(extra);
        String handler = "dev.llmwatcher.aws." + (kind.equals("retry") ? "RetryHandler" : "WatcherHandler")
                + "::handleRequest";
        return LambdaFunctionProcess.start(ReducedRuntime.java(), LambdaPackage.get(), "llm-watcher-" + kind, handler,
                api, environment, output);
    }

    private static Invoked invoke(LambdaRuntimeApi api, LambdaFunctionProcess function, String event) {
        LambdaRuntimeApi.Invocation invocation = api.invoke(event);
        LambdaRuntimeApi.Outcome outcome = function.await(invocation.outcome(), ANSWER_WITHIN);
        assertThat(outcome.error()).as("the invocation failed: %s%nthe function's output:%n%s", outcome.body(),
                function.text()).isFalse();
        return new Invoked(invocation.requestId(), LambdaHarness.parse(outcome.body()), outcome.outputBefore());
    }

    /**
     * Checks that every line is a JSON object; that the init phase (up to the runtime's first call after it) logged
     * {@code initLines} lines, none with a request id; that each invocation's lines (from the runtime's
     * {@code invocation/next} to its answer) carry its request id and include its metrics; and that nothing was
     * logged between invocations. Returns the init phase's lines.
     */
    private static List<String> assertLogs(LambdaFunctionProcess function, LambdaRuntimeApi api,
                                           List<Invoked> invoked, int initLines) {
        List<LambdaRuntimeApi.Call> calls = api.calls();
        List<Long> nextCalls = calls.stream().filter(call -> call.request().endsWith("/invocation/next"))
                .map(LambdaRuntimeApi.Call::outputBefore).toList();
        String all = function.text();
        List<String> init = function.lines(0, calls.getFirst().outputBefore());
        assertThat(init).as(all).hasSize(initLines).allSatisfy(line -> assertThat(LambdaHarness.parse(line))
                .doesNotContainKey("AWSRequestId"));
        assertThat(function.lines(calls.getFirst().outputBefore(), nextCalls.getFirst())).as(all).isEmpty();
        for (int i = 0; i < invoked.size(); i++) {
            Invoked invocation = invoked.get(i);
            List<Map<String, Object>> lines = function.lines(nextCalls.get(i), invocation.outputBefore()).stream()
                    .map(LambdaHarness::parse).toList();
            assertThat(lines).as(all).isNotEmpty()
                    .allSatisfy(line -> assertThat(line).containsEntry("AWSRequestId", invocation.requestId()))
                    .anySatisfy(line -> assertThat(line).containsKey("_aws"))
                    .anySatisfy(line -> assertThat(line).containsEntry("level", "INFO"));
            long end = i + 1 < nextCalls.size() ? nextCalls.get(i + 1) : Long.MAX_VALUE;
            assertThat(function.lines(invocation.outputBefore(), end)).as("after the answer: " + all).isEmpty();
        }
        return init;
    }

    private static String event(String kind, String name) throws IOException {
        return Files.readString(Path.of("events", kind + "-" + name + ".json"));
    }

    /** {@value #QUEUED} documents for the handler of {@code kind}; failed once before and due, for the retry one. */
    private void queue(String kind, int firstNumber) {
        for (int i = firstNumber; i < firstNumber + QUEUED; i++) {
            Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, "Rate: {{ctx.message}}");
            meta.put("format", SCALE_SCHEMA);
            if (kind.equals("retry")) {
                meta.put("error", "ollama answered HTTP 500");
                meta.put("attempts", 1);
                meta.put("next_attempt_at", Instant.now().minusSeconds(60).toString());
            }
            es.indexQueueDocument(fixture.queueIndex(), "doc-" + i, Map.of("message", "review " + i), meta);
        }
    }
}
