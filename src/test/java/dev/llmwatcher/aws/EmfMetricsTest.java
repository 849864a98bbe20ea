package dev.llmwatcher.aws;

import dev.llmwatcher.engine.LatencyStats;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The metric lines a handler prints parse as Embedded Metric Format and carry the run's real counts. */
class EmfMetricsTest {

    private static final String FUNCTION = "llm-watcher-WatcherFunction-Ab12";

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final LambdaHarness lambda = new LambdaHarness();
    @AutoClose
    private final WatcherFixture fixture = WatcherFixture.withFakeProviders(es);
    private final FakeOllamaServer ollama = fixture.ollama();
    private final String target = TestElasticsearch.uniqueIndex("reviews");

    private void queue(String id, String model, Instant queuedAt) {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, "Rate: {{ctx.message}} #" + id);
        meta.put("model", model);
        meta.put("format", SampleEventsTest.SCALE_SCHEMA);
        meta.put("queued_at", queuedAt.toString());
        es.indexQueueDocument(fixture.queueIndex(), id, Map.of("message", "review " + id), meta);
    }

    @Test
    void oneRunLineAndOneLinePerModelWithTheRunsCounts() {
        ollama.respondWith(request -> request.prompt().endsWith("#bad") ? Reply.error(400, "bad options")
                : request.model().equals("model-a") ? Reply.success("{\"scale\": 3}", 12, 3, "stop")
                : Reply.success("{\"scale\": 4}", 20, 7, "stop"));
        Instant now = Instant.now();
        List.of("a1", "a2", "bad").forEach(id -> queue(id, "model-a", now));
        queue("b1", "model-b", now);

        Map<String, Object> summary = lambda.watcher(fixture).handleRequest(Map.of(),
                lambda.context(FUNCTION, Duration.ofSeconds(60)));

        List<Map<String, Object>> lines = lambda.metricLines();
        assertThat(lines).hasSize(3).allSatisfy(EmfMetricsTest::assertValidEmf);
        Map<String, Object> run = lines.getFirst();
        assertThat(run).containsEntry(Metric.FUNCTION_DIMENSION, FUNCTION)
                .containsEntry(Metric.QUEUE_DIMENSION, fixture.queueIndex())
                .containsEntry(Metric.DOCUMENTS_PROCESSED.metricName(), summary.get("processed"))
                .containsEntry(Metric.DOCUMENTS_PROCESSED.metricName(), (int) es.count(target))
                .containsEntry(Metric.DOCUMENTS_FAILED.metricName(), 1)
                .containsEntry(Metric.DOCUMENTS_PARKED.metricName(), 0)
                .containsEntry(Metric.DOCUMENTS_RETRIED.metricName(), 0)
                .containsEntry(Metric.BACKLOG.metricName(), 0)
                .containsEntry(Metric.OLDEST_QUEUED_AGE.metricName(), 0.0)
                .hasEntrySatisfying(Metric.LLM_LATENCY.metricName(), values -> assertThat(values)
                        .as("one value per answered call, for CloudWatch's own percentiles")
                        .asInstanceOf(InstanceOfAssertFactories.LIST).hasSize(3)
                        .allSatisfy(value -> assertThat(value).isInstanceOf(Number.class)));
        assertThat(lines.subList(1, 3)).extracting(line -> line.get(Metric.MODEL_DIMENSION))
                .containsExactlyInAnyOrder("model-a", "model-b");
        Map<String, Object> modelA = lines.stream().filter(l -> "model-a".equals(l.get(Metric.MODEL_DIMENSION)))
                .findFirst().orElseThrow();
        assertThat(modelA).containsEntry(Metric.PROMPT_TOKENS.metricName(), 2 * 12)
                .containsEntry(Metric.COMPLETION_TOKENS.metricName(), 2 * 3)
                .containsEntry(Metric.FUNCTION_DIMENSION, FUNCTION);
    }

    @Test
    void fieldsDroppedFromAnswersAreAMetricAndInTheSummaryOnlyTheRunsThatDroppedAnyPayForTheMetric() {
        ollama.respondWith(request -> request.prompt().endsWith("#told")
                ? Reply.text("{\"scale\": 3, \"price\": 0, \"approved\": true}") : Reply.text("{\"scale\": 4}"));
        Instant now = Instant.now();
        List.of("told", "honest").forEach(id -> queue(id, "model-a", now));

        Map<String, Object> summary = lambda.watcher(fixture).handleRequest(Map.of(),
                lambda.context(FUNCTION, Duration.ofSeconds(60)));
        Map<String, Object> run = lambda.metricLines().getFirst();

        assertValidEmf(run);
        assertThat(run).containsEntry(Metric.UNDECLARED_FIELDS_DROPPED.metricName(), 2);
        assertThat(summary).containsEntry("undeclared_fields_dropped", 2).containsEntry("processed", 2);

        queue("honest-again", "model-a", now);
        Map<String, Object> clean = lambda.watcher(fixture).handleRequest(Map.of(),
                lambda.context(FUNCTION, Duration.ofSeconds(60)));

        assertThat(lambda.metricLines()).filteredOn(line -> !line.containsKey(Metric.MODEL_DIMENSION))
                .last().satisfies(line -> assertThat(line)
                        .doesNotContainKey(Metric.UNDECLARED_FIELDS_DROPPED.metricName()));
        assertThat(clean).containsEntry("undeclared_fields_dropped", 0);
    }

    @Test
    void theModelLineCountsCacheHitsSharedCallsAndTheTokensTheySaved() {
        ollama.respond(Reply.success("{\"scale\": 5}", 12, 3, "stop"));
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, "Rate: {{ctx.message}}");
        meta.put("format", SampleEventsTest.SCALE_SCHEMA);
        List.of("1", "2", "3").forEach(id -> es.indexQueueDocument(fixture.queueIndex(), id,
                Map.of("message", "same review"), meta));
        lambda.watcher(fixture).handleRequest(Map.of(), lambda.context(FUNCTION, Duration.ofSeconds(60)));
        Map<String, Object> shared = lambda.metricLines().get(1);
        es.indexQueueDocument(fixture.queueIndex(), "4", Map.of("message", "same review"), meta);

        lambda.watcher(fixture).handleRequest(Map.of(), lambda.context(FUNCTION, Duration.ofSeconds(60)));

        Map<String, Object> cached = lambda.metricLines().getLast();
        assertThat(ollama.calls()).isEqualTo(1);
        assertThat(List.of(shared, cached)).allSatisfy(EmfMetricsTest::assertValidEmf);
        assertThat(shared).containsEntry(Metric.MODEL_DIMENSION, "llama3.3")
                .containsEntry(Metric.PROMPT_TOKENS.metricName(), 12).containsEntry(Metric.CACHE_HITS.metricName(), 0)
                .containsEntry(Metric.SHARED_CALLS.metricName(), 2)
                .containsEntry(Metric.TOKENS_SAVED.metricName(), 2 * (12 + 3));
        assertThat(cached).containsEntry(Metric.MODEL_DIMENSION, "llama3.3")
                .containsEntry(Metric.PROMPT_TOKENS.metricName(), 0).containsEntry(Metric.CACHE_HITS.metricName(), 1)
                .containsEntry(Metric.SHARED_CALLS.metricName(), 0)
                .containsEntry(Metric.TOKENS_SAVED.metricName(), 12 + 3);
    }

    @Test
    void backlogAndTheOldestQueuedAgeDescribeWhatIsLeft() {
        ollama.respond(Reply.text("{\"scale\": 3}"));
        Instant queuedAt = Instant.now().minusSeconds(300);
        List.of("1", "2", "3").forEach(id -> queue(id, "llama3.3", queuedAt));

        lambda.watcher(fixture).handleRequest(Map.of("max_documents", 1), lambda.context());

        Map<String, Object> run = lambda.metricLines().getFirst();
        assertThat(run).containsEntry(Metric.BACKLOG.metricName(), 2)
                .containsEntry(Metric.DOCUMENTS_PROCESSED.metricName(), 1);
        assertThat(((Number) run.get(Metric.OLDEST_QUEUED_AGE.metricName())).doubleValue()).isBetween(300.0, 600.0);
    }

    @Test
    void llmLatencyIsTheProvidersAnswerTimeWithoutTheWaitARateLimitImposed() {
        AtomicInteger calls = new AtomicInteger();
        ollama.respondWith(request -> calls.getAndIncrement() == 0 ? Reply.rateLimited(Duration.ofSeconds(2))
                : Reply.text("{\"scale\": 3}"));
        queue("1", "llama3.3", Instant.now());

        lambda.watcher(fixture).handleRequest(Map.of(), lambda.context());

        Map<String, Object> run = lambda.metricLines().getFirst();
        assertThat(calls).as("answered on the second attempt, 2 s after the first").hasValue(2);
        assertThat(run).containsEntry(Metric.DOCUMENTS_PROCESSED.metricName(), 1);
        assertThat(run.get(Metric.LLM_LATENCY.metricName())).asInstanceOf(InstanceOfAssertFactories.LIST)
                .singleElement().satisfies(latency -> assertThat(((Number) latency).longValue())
                        .as("the answered attempt alone, not the 2 s Retry-After before it").isLessThan(1500));
    }

    @Test
    void latenciesBeyondAHundredGoOnFurtherLinesWithTheRunsDimensions() {
        long[] millis = LongStream.rangeClosed(1, 250).toArray();
        RunReport report = new RunReport(250, 250, 0, 0, 0, 0, 0, Map.of(), LatencyStats.ofMillis(millis),
                Duration.ofSeconds(30), Optional.empty());

        List<Map<String, Object>> lines = EmfMetrics.lines(FUNCTION, "llm-queue", Selection.NEW, report,
                Duration.ZERO, Instant.now(), "request-1").stream().map(LambdaHarness::parse).toList();

        assertThat(lines).hasSize(3).allSatisfy(EmfMetricsTest::assertValidEmf).allSatisfy(line -> assertThat(line)
                .containsEntry(Metric.FUNCTION_DIMENSION, FUNCTION).containsEntry(Metric.QUEUE_DIMENSION, "llm-queue")
                .containsEntry(EmfMetrics.REQUEST_ID_PROPERTY, "request-1"));
        assertThat(lines).extracting(line -> ((List<?>) line.get(Metric.LLM_LATENCY.metricName())).size())
                .containsExactly(100, 100, 50);
        assertThat(lines).flatExtracting(line -> (List<?>) line.get(Metric.LLM_LATENCY.metricName()))
                .extracting(value -> ((Number) value).longValue())
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 250).boxed().toList());
        assertThat(lines.get(0)).containsEntry(Metric.DOCUMENTS_PROCESSED.metricName(), 250);
        assertThat(lines.get(1)).doesNotContainKey(Metric.DOCUMENTS_PROCESSED.metricName());
    }

    @Test
    void eachModelsLineCarriesItsOwnLatenciesAndTheSpendAgainstItsDailyBudget() {
        ollama.respondWith(request -> request.model().equals("model-a") ? Reply.success("{\"scale\": 3}", 40, 10,
                "stop") : Reply.success("{\"scale\": 4}", 20, 5, "stop"));
        List.of("1", "2", "3").forEach(id -> queue(id, "model-a", Instant.now()));
        queue("4", "model-b", Instant.now());
        queue("5", "model-c", Instant.now());
        fixture.with("LLM_WATCHER_DAILY_TOKEN_BUDGET", "model-a=100000,model-c=0");

        Map<String, Object> summary = lambda.watcher(fixture).handleRequest(Map.of(),
                lambda.context(FUNCTION, Duration.ofSeconds(60)));

        assertThat(summary.get("budgets")).asInstanceOf(InstanceOfAssertFactories.LIST).contains(
                Map.of("model", "model-a", "limit", 100_000L, "spent_by_invocation", 150L, "remaining",
                        100_000L - 150, "spent", false, "waiting_documents", 0L),
                Map.of("model", "model-c", "limit", 0L, "spent_by_invocation", 0L, "remaining", 0L, "spent", true,
                        "waiting_documents", 1L));
        List<Map<String, Object>> lines = lambda.metricLines();
        assertThat(lines).allSatisfy(EmfMetricsTest::assertValidEmf);
        assertThat(lines.getFirst()).containsEntry(Metric.BUDGETS_SPENT.metricName(), 1)
                .hasEntrySatisfying(Metric.LLM_LATENCY.metricName(), values -> assertThat((List<?>) values)
                        .hasSize(4));
        Map<String, Object> modelA = modelLine(lines, "model-a");
        assertThat((List<?>) modelA.get(Metric.LLM_LATENCY.metricName())).hasSize(3);
        assertThat(modelA).containsEntry(Metric.TOKENS_SPENT.metricName(), 3 * 50)
                .containsEntry(Metric.BUDGET_REMAINING.metricName(), 100_000 - 3 * 50);
        Map<String, Object> modelB = modelLine(lines, "model-b");
        assertThat((List<?>) modelB.get(Metric.LLM_LATENCY.metricName())).hasSize(1);
        assertThat(modelB).as("no budget, no budget metrics").doesNotContainKeys(Metric.TOKENS_SPENT.metricName(),
                Metric.BUDGET_REMAINING.metricName());
        assertThat(modelLine(lines, "model-c")).containsEntry(Metric.TOKENS_SPENT.metricName(), 0)
                .containsEntry(Metric.BUDGET_REMAINING.metricName(), 0)
                .doesNotContainKey(Metric.LLM_LATENCY.metricName());
    }

    private static Map<String, Object> modelLine(List<Map<String, Object>> lines, String model) {
        return lines.stream().filter(line -> model.equals(line.get(Metric.MODEL_DIMENSION))).findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + model + " in " + lines));
    }

    /** EMF's rules: a namespace, and every declared dimension and metric present at the root. */
    @SuppressWarnings("unchecked")
    static void assertValidEmf(Map<String, Object> line) {
        Map<String, Object> aws = (Map<String, Object>) line.get("_aws");
        assertThat(aws.get("Timestamp")).isInstanceOf(Long.class);
        List<Map<String, Object>> directives = (List<Map<String, Object>>) aws.get("CloudWatchMetrics");
        assertThat(directives).isNotEmpty().allSatisfy(directive -> {
            assertThat(directive).containsEntry("Namespace", Metric.NAMESPACE);
            List<List<String>> dimensionSets = (List<List<String>>) directive.get("Dimensions");
            assertThat(dimensionSets).isNotEmpty().allSatisfy(set -> assertThat(set).isNotEmpty()
                    .allSatisfy(dimension -> assertThat(line.get(dimension)).isInstanceOf(String.class)));
            List<Map<String, String>> metrics = (List<Map<String, String>>) directive.get("Metrics");
            assertThat(metrics).isNotEmpty().allSatisfy(metric -> {
                Metric known = Metric.byName(metric.get("Name")).orElseThrow();
                assertThat(metric.get("Unit")).isEqualTo(known.unit());
                Object value = line.get(known.metricName());
                if (value instanceof List<?> values) {
                    assertThat(values).isNotEmpty().hasSizeLessThanOrEqualTo(EmfMetrics.MAX_VALUES_PER_METRIC)
                            .allSatisfy(v -> assertThat(v).isInstanceOf(Number.class));
                } else {
                    assertThat(value).isInstanceOf(Number.class);
                }
            });
        });
    }
}
