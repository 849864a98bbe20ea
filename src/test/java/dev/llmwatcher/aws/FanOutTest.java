package dev.llmwatcher.aws;

import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.QueueTestSupport;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeLambdaServer;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scheduled function starts more drainers for a backlog (issue 28): asynchronous invocations of itself through
 * the AWS SDK's Lambda client, against a local stand-in speaking Lambda's Invoke API. Every pass here claims at most
 * {@value #CLAIMED} documents ({@code max_documents}), so the queue stays a backlog while the count sizes the fleet.
 * With C = 2 and no pass measured yet (L = 1 s), a drainer calls 2 documents a second.
 */
class FanOutTest {

    private static final int CLAIMED = 2;
    private static final String REGION = "eu-west-1";

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final WatcherFixture fixture = WatcherFixture.withFakeProviders(es)
            .with("LLM_WATCHER_CONCURRENCY", "2").with("LLM_WATCHER_BATCH_SIZE", "2")
            .with("LLM_WATCHER_SAFETY_MARGIN", "1").with("AWS_REGION", REGION);
    @AutoClose
    private final FakeLambdaServer lambda = new FakeLambdaServer();
    private final String target = TestElasticsearch.uniqueIndex("fan-out");

    private void queue(int documents) {
        Map<String, Map<String, Object>> sources = new LinkedHashMap<>();
        for (int i = 0; i < documents; i++) {
            sources.put("doc-" + i, Map.of("message", "review " + i,
                    "_llm_watcher", TestElasticsearch.pipelineMeta(target, "Rate: {{ctx.message}}")));
        }
        es.bulkIndex(fixture.queueIndex(), sources);
    }

    /** One scheduled invocation with {@code remaining} seconds; the number of drainers it started. */
    private int invoke(Map<String, Object> input, int remainingSeconds) {
        return invoke(input, remainingSeconds, CLAIMED);
    }

    private int invoke(Map<String, Object> input, int remainingSeconds, int processed) {
        fixture.ollama().respond(Reply.text("{\"scale\": 3}"));
        HandlerEnvironment environment = new HandlerEnvironment(fixture.settings(), Clock.systemUTC(), Optional.empty(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                Optional.of(SdkLambdaInvoker.clientBuilder(REGION).endpointOverride(lambda.endpoint())
                        .credentialsProvider(StaticCredentialsProvider.create(
                                AwsBasicCredentials.create("testing", "testing"))).build()));
        int before = lambda.invocations().size();
        Map<String, Object> summary = new WatcherHandler(environment).handleRequest(input,
                new LambdaHarness().context("llm-watcher-watcher", Duration.ofSeconds(remainingSeconds)));
        assertThat(summary).containsEntry("processed", processed);
        return lambda.invocations().size() - before;
    }

    private static Map<String, Object> scheduled() {
        return Map.of("source", "llm-watcher.scheduler", "max_documents", CLAIMED);
    }

    @Test
    void theDrainersFollowTheBacklogOverWhatOneDrainerCallsBeforeItsDeadlineUpToTheCap() {
        assertThat(FanOut.drainers(0, 2, Duration.ofSeconds(10), 50)).isEqualTo(1);
        assertThat(FanOut.drainers(20, 2, Duration.ofSeconds(10), 50)).isEqualTo(1);
        assertThat(FanOut.drainers(21, 2, Duration.ofSeconds(10), 50)).isEqualTo(2);
        assertThat(FanOut.drainers(1_000, 2, Duration.ofSeconds(10), 50)).isEqualTo(50);
        assertThat(FanOut.drainers(1_000_000, 16, Duration.ofSeconds(890), 10)).isEqualTo(10);
        assertThat(FanOut.drainers(100, 2, Duration.ZERO, 10)).isEqualTo(1);
    }

    @Test
    void aBacklogStartsAsManyMoreDrainersAsItNeedsEachMarkedSoItStartsNoneItself() {
        fixture.with("LLM_WATCHER_MAX_DRAINERS", "10");
        queue(100);

        // 100 eligible; 21 s less the 1 s margin at 2 a second: 40 a drainer, so 3 drainers in all.
        int started = invoke(scheduled(), 21);

        assertThat(started).isEqualTo(2);
        assertThat(lambda.invocations()).allSatisfy(invocation -> {
            assertThat(invocation.function()).isEqualTo("arn:aws:lambda:local:000000000000:function:"
                    + "llm-watcher-watcher");
            assertThat(invocation.payload()).containsEntry("fanned_out", true).containsEntry("max_documents", CLAIMED)
                    .containsEntry("watch_index", fixture.queueIndex());
            assertThat(invocation.authorization()).startsWith("AWS4-HMAC-SHA256 Credential=testing/")
                    .contains("/" + REGION + "/lambda/aws4_request");
        });
        int startedByAFannedOutOne = invoke(lambda.invocations().getFirst().payload(), 21);
        assertThat(startedByAFannedOutOne).isZero();
    }

    @Test
    void theCapLimitsTheDrainersAndASmallQueueStartsNone() {
        fixture.with("LLM_WATCHER_MAX_DRAINERS", "3");
        queue(400);

        assertThat(invoke(scheduled(), 21)).isEqualTo(2);

        es.delete("/" + fixture.queueIndex());
        queue(30);
        assertThat(invoke(scheduled(), 21)).as("30 documents: one drainer's work").isZero();
    }

    @Test
    void drainersAlreadyWorkingCountAgainstTheCap() {
        fixture.with("LLM_WATCHER_MAX_DRAINERS", "3");
        queue(400);
        List<QueuedDocument> held = QueueTestSupport.scanAll(es.queueStore(),
                QueueTestSupport.query(fixture.queueIndex(), Selection.NEW, Instant.now())).subList(0, 3);
        for (int i = 0; i < held.size(); i++) {
            es.queueStore().claim(fixture.queueIndex(), List.of(held.get(i)),
                    new Claim("lambda-other-" + i, Instant.now().plusSeconds(600)));
        }

        assertThat(invoke(scheduled(), 21)).as("three drainers work already").isZero();
    }

    @Test
    void withoutMaxDrainersTheFunctionNeverFansOut() {
        queue(400);

        assertThat(invoke(scheduled(), 21)).isZero();
    }

    @Test
    void documentsOfAModelWhoseBudgetIsSpentStartNoDrainer() {
        fixture.with("LLM_WATCHER_MAX_DRAINERS", "10").with("LLM_WATCHER_DAILY_TOKEN_BUDGET", "llama3.3=0")
                .with("LLM_WATCHER_TOKEN_BUDGET_INDEX", TestElasticsearch.uniqueIndex("fan-out-budget"));
        queue(400);

        int started = invoke(scheduled(), 21, 0);

        assertThat(started).isZero();
        assertThat(fixture.ollama().calls()).isZero();
    }
}
