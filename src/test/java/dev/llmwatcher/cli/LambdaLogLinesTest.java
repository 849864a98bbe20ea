package dev.llmwatcher.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.testing.ChildJava;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Log lines on Lambda ({@code AWS_LAMBDA_FUNCTION_NAME} set): AWS's Lambda appender in the format and at the level
 * the function's {@code AWS_LAMBDA_LOG_FORMAT} and {@code AWS_LAMBDA_LOG_LEVEL} say, each line carrying the
 * invocation's request id. Child JVMs, because the appender and level are chosen when logging starts.
 */
class LambdaLogLinesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ON_LAMBDA_IN_JSON = Map.of(
            "AWS_LAMBDA_FUNCTION_NAME", "llm-watcher-test", "AWS_LAMBDA_LOG_FORMAT", "JSON");

    @TempDir
    Path dir;

    @Test
    void invokeLogsOneJsonObjectPerLineWithTheRequestIdAlsoFromThePassThreads() throws Exception {
        TestElasticsearch es = TestElasticsearch.shared();
        try (WatcherFixture fixture = WatcherFixture.withFakeProviders(es)) {
            fixture.ollama().respond(Reply.text("A fine review."));
            String target = TestElasticsearch.uniqueIndex("reviews");
            es.indexQueueDocument(fixture.queueIndex(), "good", Map.of("message", "ok"),
                    TestElasticsearch.pipelineMeta(target, "Summarise: {{ctx.message}}"));
            es.indexQueueDocument(fixture.queueIndex(), "broken", Map.of("message", "ok"),
                    TestElasticsearch.pipelineMeta(target, "Summarise: {{ctx.no_such_field}}"));
            Map<String, String> environment = new HashMap<>(fixture.settings());
            environment.putAll(ON_LAMBDA_IN_JSON);
            environment.put("AWS_LAMBDA_LOG_LEVEL", "DEBUG");

            ChildJava.Result result = ChildJava.run(dir, environment, Main.class.getName(),
                    "invoke", "watcher", "--event", "events/watcher-schedule-v2.json");

            assertThat(result.exitStatus()).as(result.stderr()).isZero();
            assertThat(parse(result.stdout().strip())).as("stdout is the summary alone")
                    .containsEntry("processed", 1).containsEntry("failed", 1);
            List<Map<String, Object>> lines = result.stderr().lines().map(LambdaLogLinesTest::parse).toList();
            List<Map<String, Object>> logLines = lines.stream().filter(line -> !line.containsKey("_aws")).toList();
            assertThat(logLines).isNotEmpty().allSatisfy(line -> assertThat(line)
                    .containsKeys("timestamp", "level", "message", "logger", "thread")
                    .containsEntry("AWSRequestId", logLines.getFirst().get("AWSRequestId")));
            assertThat((String) logLines.getFirst().get("AWSRequestId")).isNotBlank();
            assertThat(logLines).anySatisfy(line -> assertThat(line).containsEntry("level", "INFO")
                    .containsEntry("message", "Found 2 documents in " + fixture.queueIndex() + " to process"));
            assertThat(logLines).anySatisfy(line -> assertThat(line).containsEntry("level", "ERROR")
                    .hasEntrySatisfying("message", message -> assertThat((String) message)
                            .startsWith("Error processing document (id: broken)")));
            assertThat(logLines).extracting(line -> (String) line.get("thread")).as("the pass's threads log too")
                    .contains("claim-feed").anySatisfy(thread -> assertThat(thread)
                            .startsWith("llm-call-"));
            assertThat(logLines).as("a call worker's debug line").anySatisfy(line -> assertThat(line)
                    .containsEntry("level", "DEBUG")
                    .hasEntrySatisfying("thread", thread -> assertThat((String) thread).startsWith("llm-call-"))
                    .hasEntrySatisfying("message", message -> assertThat((String) message)
                            .contains("POST /api/generate answered HTTP 200")));
        }
    }

    @Test
    void eachLineIsOneJsonObjectWithAnExceptionAsFieldsAndTheRequestIdFromEveryThread() throws Exception {
        ChildJava.Result result = ChildJava.run(dir, ON_LAMBDA_IN_JSON, LogProbe.class.getName());

        List<Map<String, Object>> lines = result.stdout().lines().map(LambdaLogLinesTest::parse).toList();
        assertThat(result.exitStatus()).as(result.stderr()).isZero();
        assertThat(lines).extracting(line -> line.get("message")).containsExactly(
                "Found 5 documents in llm-queue to process", "library warning", "from a virtual thread",
                "from a platform thread", "write-back failed for llm-queue");
        assertThat(lines).allSatisfy(line -> assertThat(line).containsEntry("AWSRequestId", LogProbe.REQUEST_ID)
                .containsKeys("timestamp", "level", "logger", "thread"));
        assertThat(lines).extracting(line -> line.get("thread")).contains("probe-virtual", "probe-platform");
        Map<String, Object> error = lines.getLast();
        assertThat(error).containsEntry("level", "ERROR").containsEntry("logger", "dev.llmwatcher.engine.Probe")
                .containsEntry("errorType", "java.io.IOException").containsEntry("errorMessage", "connection reset");
        assertThat((String) error.get("stackTrace")).startsWith("java.io.IOException: connection reset")
                .contains("\tat dev.llmwatcher.cli.LogProbe.main(")
                .contains("Caused by: java.lang.IllegalStateException: socket closed");
        assertThat(lines.getFirst()).doesNotContainKeys("errorType", "errorMessage", "stackTrace");
    }

    @Test
    void debugLevelShowsOurDebugLinesButNotTheLibraries() throws Exception {
        Map<String, String> environment = new HashMap<>(ON_LAMBDA_IN_JSON);
        environment.put("AWS_LAMBDA_LOG_LEVEL", "DEBUG");

        ChildJava.Result result = ChildJava.run(dir, environment, LogProbe.class.getName());

        assertThat(result.stdout().lines().map(LambdaLogLinesTest::parse).map(line -> line.get("message")))
                .contains("own debug line", "Found 5 documents in llm-queue to process", "library warning")
                .doesNotContain("library debug line", "library information");
    }

    @Test
    void warnLevelHidesInformationLines() throws Exception {
        Map<String, String> environment = new HashMap<>(ON_LAMBDA_IN_JSON);
        environment.put("AWS_LAMBDA_LOG_LEVEL", "WARN");

        ChildJava.Result result = ChildJava.run(dir, environment, LogProbe.class.getName());

        assertThat(result.stdout().lines().map(LambdaLogLinesTest::parse).map(line -> line.get("message")))
                .containsExactly("library warning", "from a platform thread", "write-back failed for llm-queue");
    }

    @Test
    void errorLevelHidesTheLibrariesWarningsToo() throws Exception {
        Map<String, String> environment = new HashMap<>(ON_LAMBDA_IN_JSON);
        environment.put("AWS_LAMBDA_LOG_LEVEL", "ERROR");

        ChildJava.Result result = ChildJava.run(dir, environment, LogProbe.class.getName());

        assertThat(result.stdout().lines().map(LambdaLogLinesTest::parse).map(line -> line.get("message")))
                .containsExactly("write-back failed for llm-queue");
    }

    @Test
    void textFormatIsTheReadableLineWithTheRequestId() throws Exception {
        ChildJava.Result result = ChildJava.run(dir, Map.of("AWS_LAMBDA_FUNCTION_NAME", "llm-watcher-test",
                "AWS_LAMBDA_LOG_FORMAT", "Text"), LogProbe.class.getName());

        assertThat(result.stdout().lines().toList()).first().asString().matches(
                "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} " + LogProbe.REQUEST_ID
                        + " INFO Found 5 documents in llm-queue to process");
    }

    private static Map<String, Object> parse(String line) {
        try {
            return JSON.readValue(line, new TypeReference<>() { });
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("not one JSON object: " + line, e);
        }
    }
}
