package dev.llmwatcher.aws;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.testing.WatcherFixture;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds handlers the way Lambda would, over a test's settings, and keeps what they print. */
final class LambdaHarness {

    static final ObjectMapper JSON = new ObjectMapper();

    private final ByteArrayOutputStream metrics = new ByteArrayOutputStream();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final Clock clock;

    LambdaHarness(Clock clock) {
        this.clock = clock;
    }

    LambdaHarness() {
        this(Clock.systemUTC());
    }

    HandlerEnvironment environment(Map<String, String> settings, Optional<SecretsManagerClient> secrets) {
        return new HandlerEnvironment(settings, clock, secrets,
                new PrintStream(metrics, true, StandardCharsets.UTF_8));
    }

    WatcherHandler watcher(WatcherFixture fixture) {
        return new WatcherHandler(environment(fixture.settings(), Optional.empty()));
    }

    RetryHandler retry(WatcherFixture fixture) {
        return new RetryHandler(environment(fixture.settings(), Optional.empty()));
    }

    LocalContext context(String functionName, Duration remaining) {
        return new LocalContext(functionName, remaining, clock, new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    LocalContext context() {
        return context("llm-watcher-test", Duration.ofSeconds(60));
    }

    String metricsText() {
        return metrics.toString(StandardCharsets.UTF_8);
    }

    /** Every EMF line printed so far, parsed. */
    List<Map<String, Object>> metricLines() {
        return Arrays.stream(metricsText().split("\n")).filter(line -> !line.isBlank()).map(LambdaHarness::parse)
                .toList();
    }

    static Map<String, Object> parse(String json) {
        try {
            return JSON.readValue(json, new TypeReference<>() { });
        } catch (java.io.IOException e) {
            throw new AssertionError("not a JSON object: " + json, e);
        }
    }
}
