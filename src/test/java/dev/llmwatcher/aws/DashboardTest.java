package dev.llmwatcher.aws;

import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.FakeOpenAiBatchServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every metric the CloudWatch dashboard in {@code template.yaml} shows is one the handlers write: its namespace, its
 * name and its dimensions (names, and the values the widget names) match an EMF line the watcher and retry handlers
 * printed in real invocations against the real cluster, with a daily budget, the answer cache reusing answers, and a
 * batch open. A widget metric nobody writes would show an empty graph forever.
 */
class DashboardTest {

    private static final String WATCHER = "llm-watcher-test";
    private static final String RETRY = "llm-watcher-retry-test";
    private static final Pattern SEARCH = Pattern.compile(
            "SEARCH\\('\\{([^}]*)}\\s*(.*?)',\\s*'([^']+)',\\s*(\\d+)\\)");
    private static final Pattern TERM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final LambdaHarness lambda = new LambdaHarness();
    @AutoClose
    private final FakeOllamaServer ollama = new FakeOllamaServer();
    @AutoClose
    private final FakeOpenAiServer model = new FakeOpenAiServer();
    @AutoClose
    private final FakeOpenAiBatchServer batches = new FakeOpenAiBatchServer(model).statuses("validating");
    private final WatcherFixture fixture = new WatcherFixture(es, ollama, model)
            .with("OPENAI_BASE_URL", batches.baseUrl().toString())
            .with("LLM_WATCHER_BATCH_MODE", "auto")
            .with("LLM_WATCHER_BATCH_MIN_DOCUMENTS", "5")
            .with("LLM_WATCHER_DAILY_TOKEN_BUDGET", "llama3.3=1000000");
    private final String target = TestElasticsearch.uniqueIndex("dashboard-reviews");

    /** A metric a widget shows: what CloudWatch must have for it to draw anything. */
    private record WidgetMetric(String namespace, String name, Set<String> dimensions, Map<String, String> values,
                                String source) {
    }

    @Test
    void everyMetricTheDashboardShowsIsOneTheHandlersWrite() throws IOException {
        List<Map<String, Object>> lines = emittedLines();
        List<WidgetMetric> shown = dashboardMetrics();

        assertThat(shown).extracting(WidgetMetric::name).contains("Backlog", "OldestQueuedAgeSeconds",
                "DocumentsProcessed", "DocumentsFailed", "LlmLatency", "TokensSpent", "BudgetRemaining", "CacheHits",
                "SharedCalls", "OpenBatches", "OldestBatchAgeSeconds");
        assertThat(shown).allSatisfy(metric -> assertThat(lines).as("an EMF line for %s", metric.source())
                .anySatisfy(line -> assertThat(matches(metric, line)).isTrue()));
    }

    /** Both handlers' lines: a pass with a budget, shared calls and a batch submitted; cache hits; a retry pass. */
    private List<Map<String, Object>> emittedLines() {
        model.respond(Reply.success("{\"scale\": 4}", 20, 3, "stop"));
        ollama.respond(Reply.success("{\"scale\": 4}", 20, 3, "stop"));
        for (int i = 0; i < 5; i++) {
            queue("batch-" + i, "openai", "gpt-4o-mini", "review " + i);
        }
        for (int i = 0; i < 4; i++) {
            queue("same-" + i, "ollama", "llama3.3", "the same review");
        }
        queue("other", "ollama", "llama3.3", "another review");
        Map<String, Object> event = EventLoader.loadEvent(Path.of("events", "watcher-schedule-v2.json").toString(),
                Map.class);
        WatcherHandler watcher = lambda.watcher(fixture);
        watcher.handleRequest(event, lambda.context(WATCHER, Duration.ofSeconds(60)));
        queue("again", "ollama", "llama3.3", "the same review");
        watcher.handleRequest(event, lambda.context(WATCHER, Duration.ofSeconds(60)));
        lambda.retry(fixture).handleRequest(event, lambda.context(RETRY, Duration.ofSeconds(60)));
        return lambda.metricLines();
    }

    private void queue(String id, String provider, String modelName, String message) {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, "Rate: {{ctx.message}}");
        meta.put("provider", provider);
        meta.put("model", modelName);
        meta.put("format", SampleEventsTest.SCALE_SCHEMA);
        es.indexQueueDocument(fixture.queueIndex(), id, Map.of("message", message), meta);
    }

    @SuppressWarnings("unchecked")
    private static boolean matches(WidgetMetric metric, Map<String, Object> line) {
        Map<String, Object> aws = (Map<String, Object>) line.get("_aws");
        for (Object directive : (List<Object>) aws.get("CloudWatchMetrics")) {
            Map<String, Object> declared = (Map<String, Object>) directive;
            List<List<String>> dimensionSets = (List<List<String>>) declared.get("Dimensions");
            boolean named = ((List<Map<String, Object>>) declared.get("Metrics")).stream()
                    .anyMatch(m -> metric.name().equals(m.get("Name")));
            boolean sameDimensions = dimensionSets.stream().anyMatch(set -> Set.copyOf(set)
                    .equals(metric.dimensions()));
            boolean sameValues = metric.values().entrySet().stream()
                    .allMatch(value -> value.getValue().equals(line.get(value.getKey())));
            if (metric.namespace().equals(declared.get("Namespace")) && named && sameDimensions && sameValues) {
                return true;
            }
        }
        return false;
    }

    /** Every metric of every metric widget, with the template's references resolved as a deploy would. */
    @SuppressWarnings("unchecked")
    private List<WidgetMetric> dashboardMetrics() throws IOException {
        Map<String, Object> dashboard = (Map<String, Object>) ((Map<String, Object>) template().get("Resources"))
                .get("Dashboard");
        String body = (String) ((Map<String, Object>) ((Map<String, Object>) dashboard.get("Properties"))
                .get("DashboardBody")).get("Fn::Sub");
        String resolved = body.replace("${AWS::Region}", "eu-west-1").replace("${WatcherFunction}", WATCHER)
                .replace("${RetryFunction}", RETRY).replace("${WatchIndex}", fixture.queueIndex());
        assertThat(resolved).doesNotContain("${");
        Map<String, Object> parsed = LambdaHarness.JSON.readValue(resolved, new TypeReference<>() { });
        List<WidgetMetric> metrics = new ArrayList<>();
        for (Object widget : (List<Object>) parsed.get("widgets")) {
            Map<String, Object> properties = (Map<String, Object>) ((Map<String, Object>) widget).get("properties");
            assertThat(((Map<String, Object>) widget).get("type")).isEqualTo("metric");
            List<Object> rows = (List<Object>) properties.get("metrics");
            assertThat(rows).as("widget %s", properties.get("title")).isNotEmpty();
            rows.forEach(row -> metrics.add(metric((List<Object>) row, (String) properties.get("title"))));
        }
        return metrics;
    }

    /** A widget's metric row: {@code [namespace, name, dimension, value, ..., options]}, or a SEARCH expression. */
    @SuppressWarnings("unchecked")
    private static WidgetMetric metric(List<Object> row, String title) {
        if (row.getFirst() instanceof Map<?, ?> expression) {
            String search = (String) expression.get("expression");
            Matcher matcher = SEARCH.matcher(search);
            assertThat(matcher.matches()).as("a SEARCH expression: %s", search).isTrue();
            List<String> schema = List.of(matcher.group(1).split(","));
            Map<String, String> terms = new LinkedHashMap<>();
            Matcher term = TERM.matcher(matcher.group(2));
            while (term.find()) {
                terms.put(term.group(1), term.group(2));
            }
            String name = terms.remove("MetricName");
            return new WidgetMetric(schema.getFirst(), name, new TreeSet<>(schema.subList(1, schema.size())), terms,
                    title + ": " + search);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 2; i + 1 < row.size() && row.get(i) instanceof String dimension; i += 2) {
            values.put(dimension, (String) row.get(i + 1));
        }
        return new WidgetMetric((String) row.get(0), (String) row.get(1), new TreeSet<>(values.keySet()), values,
                title + ": " + row);
    }

    /** The template, with {@code !Sub} read as {@code {"Fn::Sub": ...}} and other short forms as plain values. */
    private static Map<String, Object> template() throws IOException {
        SafeConstructor constructor = new SafeConstructor(new LoaderOptions()) {
            {
                for (String name : List.of("Ref", "Sub", "GetAtt", "If", "Equals", "Not", "Join", "Select")) {
                    String key = name.equals("Ref") ? name : "Fn::" + name;
                    yamlConstructors.put(new Tag("!" + name), new AbstractConstruct() {
                        @Override
                        public Object construct(Node node) {
                            Object value = node instanceof ScalarNode scalar ? constructScalar(scalar) : null;
                            return value == null ? Map.of() : Map.of(key, value);
                        }
                    });
                }
            }
        };
        return new Yaml(constructor).load(Files.readString(Path.of("template.yaml")));
    }
}
