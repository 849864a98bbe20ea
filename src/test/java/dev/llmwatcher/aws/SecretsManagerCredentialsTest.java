package dev.llmwatcher.aws;

import dev.llmwatcher.config.Setting;
import dev.llmwatcher.queue.QueueUnavailableException;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.MotoServer;
import dev.llmwatcher.testing.MutableClock;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Credentials from a Secrets Manager secret, read by the real SDK client (built as the function builds it) from
 * {@code moto_server}, a real implementation of the Secrets Manager API, against a secured Elasticsearch. Secrets are
 * created and rotated ({@code PutSecretValue}) through the same API. Everything printed or thrown is captured and
 * checked for secret values.
 */
class SecretsManagerCredentialsTest {

    private static final String REGION = "eu-west-1";
    private static MotoServer moto;
    private static SecretsManagerClient admin;

    private static final String WRONG_PASSWORD = "not-the-password-" + System.nanoTime();
    private static final String OLD_OPENAI_KEY = "sk-old-rotated-away-4711";
    private static final String NEW_OPENAI_KEY = "sk-new-current-0815";

    private final TestElasticsearch es = TestElasticsearch.secured();
    private final MutableClock clock = new MutableClock();
    private final LambdaHarness lambda = new LambdaHarness(clock);
    private final String secretName = "llm-watcher-" + System.nanoTime();
    private final AtomicInteger reads = new AtomicInteger();
    /** Until {@link #store} creates the secret, an ARN of one that does not exist. */
    private String secretId = "arn:aws:secretsmanager:" + REGION + ":" + MotoServer.ACCOUNT + ":secret:"
            + secretName + "-AbCdEf";
    private boolean created;
    private final List<String> seen = new ArrayList<>();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private PrintStream originalStderr;
    private FakeOllamaServer ollama;
    private FakeOpenAiServer openAi;
    private WatcherFixture fixture;
    private String target;

    @BeforeAll
    static void startSecretsManager() {
        moto = new MotoServer();
        admin = client(new ExecutionInterceptor() { });
    }

    @AfterAll
    static void stopSecretsManager() {
        admin.close();
        moto.close();
    }

    private static SecretsManagerClient client(ExecutionInterceptor interceptor) {
        return SecretSource.clientBuilder(REGION).endpointOverride(moto.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
                .overrideConfiguration(o -> o.addExecutionInterceptor(interceptor))
                .build();
    }

    /** The function's client, counting the {@code GetSecretValue} requests it sends. */
    private SecretsManagerClient countingClient() {
        return client(new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                if (context.request() instanceof GetSecretValueRequest) {
                    reads.incrementAndGet();
                }
            }
        });
    }

    /** Creates the secret on first use, then puts a new current version (what a rotation does). */
    private void store(String value) {
        if (created) {
            admin.putSecretValue(r -> r.secretId(secretId).secretString(value));
            return;
        }
        secretId = admin.createSecret(r -> r.name(secretName).secretString(value)).arn();
        created = true;
        fixture.with(Setting.SECRET_ID.variable(), secretId);
    }

    @BeforeEach
    void start() {
        originalStderr = System.err;
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        ollama = new FakeOllamaServer();
        openAi = new FakeOpenAiServer();
        ollama.respond(Reply.text("{\"scale\": 6}"));
        fixture = new WatcherFixture(es, ollama, openAi)
                .with("OPENAI_API_KEY", "")
                .with(Setting.SECRET_ID.variable(), secretId)
                .with(LambdaSettings.REGION_VARIABLE, REGION);
        target = TestElasticsearch.uniqueIndex("reviews");
    }

    @AfterEach
    void stop() {
        System.setErr(originalStderr);
        originalStderr.print(stderr.toString(StandardCharsets.UTF_8));
        ollama.close();
        openAi.close();
    }

    private WatcherHandler handler() {
        return new WatcherHandler(lambda.environment(fixture.settings(), Optional.of(countingClient())));
    }

    private Map<String, Object> invoke(WatcherHandler handler) {
        Map<String, Object> summary = handler.handleRequest(Map.of(), lambda.context());
        seen.add(summary.toString());
        return summary;
    }

    private void queue(String id, String provider) {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, "Rate: {{ctx.message}}");
        meta.put("provider", provider);
        meta.put("format", SampleEventsTest.SCALE_SCHEMA);
        es.indexQueueDocument(fixture.queueIndex(), id, Map.of("message", "fine"), meta);
    }

    private static String secret(String password, String openAiKey) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put(SecretCredentials.ELASTICSEARCH_USERNAME, TestElasticsearch.SUPERUSER);
        values.put(SecretCredentials.ELASTICSEARCH_PASSWORD, password);
        if (openAiKey != null) {
            values.put(SecretCredentials.OPENAI_API_KEY, openAiKey);
        }
        return TestElasticsearch.toJson(values);
    }

    private void assertNoSecretValueWasShown() {
        String everything = String.join("\n", seen) + stderr.toString(StandardCharsets.UTF_8) + lambda.metricsText();
        assertThat(everything).doesNotContain(WRONG_PASSWORD).doesNotContain(TestElasticsearch.SUPERUSER_PASSWORD)
                .doesNotContain(OLD_OPENAI_KEY).doesNotContain(NEW_OPENAI_KEY);
    }

    @Test
    void theSecretIsReadOnTheFirstInvocationNotAtInitAndThenReused() {
        store(secret(TestElasticsearch.SUPERUSER_PASSWORD, null));
        queue("1", "ollama");

        WatcherHandler handler = handler();
        int readsAtInit = reads.get();
        Map<String, Object> first = invoke(handler);
        queue("2", "ollama");
        Map<String, Object> second = invoke(handler);

        assertThat(readsAtInit).isZero();
        assertThat(first).containsEntry("processed", 1).containsEntry("credentials_refreshed", false);
        assertThat(second).containsEntry("processed", 1);
        assertThat(reads.get()).isEqualTo(1);
        assertThat(es.source(target, "2")).contains(Map.of("message", "fine", "scale", 6));
        assertNoSecretValueWasShown();
    }

    @Test
    void aSecretOlderThanItsMaximumAgeIsReadAgain() {
        fixture.with(Setting.SECRET_MAX_AGE.variable(), "300");
        store(secret(TestElasticsearch.SUPERUSER_PASSWORD, null));
        WatcherHandler handler = handler();

        invoke(handler);
        clock.advance(Duration.ofSeconds(200));
        invoke(handler);
        int readsWithinMaxAge = reads.get();
        clock.advance(Duration.ofSeconds(101));
        invoke(handler);

        assertThat(readsWithinMaxAge).isEqualTo(1);
        assertThat(reads.get()).isEqualTo(2);
    }

    @Test
    void aPasswordRotatedUnderAWarmFunctionIsReadAgainAfterElasticsearchAnswers401() {
        store(secret(WRONG_PASSWORD, null));
        WatcherHandler handler = handler();

        assertThatThrownBy(() -> invoke(handler)).isInstanceOfSatisfying(QueueUnavailableException.class, e -> {
            seen.add(e.toString());
            assertThat(e.isAuthenticationFailure()).isTrue();
            assertThat(e.getMessage()).contains("401");
        });
        int readsBeforeRotation = reads.get();
        store(secret(TestElasticsearch.SUPERUSER_PASSWORD, null));
        queue("1", "ollama");
        Map<String, Object> afterRotation = invoke(handler);

        assertThat(readsBeforeRotation).as("first read, then one re-read that found the same password").isEqualTo(2);
        assertThat(afterRotation).containsEntry("processed", 1).containsEntry("credentials_refreshed", true);
        assertThat(reads.get()).isEqualTo(3);
        assertThat(es.source(target, "1")).contains(Map.of("message", "fine", "scale", 6));
        assertNoSecretValueWasShown();
    }

    @Test
    void anOpenAiKeyRotatedUnderAWarmFunctionIsReadAgainAfterA401AndTheDocumentIsProcessed() {
        openAi.respondWith(request -> ("Bearer " + NEW_OPENAI_KEY).equals(request.header("Authorization"))
                ? Reply.text("{\"scale\": 4}") : Reply.unauthorized());
        store(secret(TestElasticsearch.SUPERUSER_PASSWORD, OLD_OPENAI_KEY));
        WatcherHandler handler = handler();
        invoke(handler);
        store(secret(TestElasticsearch.SUPERUSER_PASSWORD, NEW_OPENAI_KEY));
        queue("1", "openai");

        Map<String, Object> summary = invoke(handler);

        assertThat(summary).containsEntry("processed", 1).containsEntry("failed", 0)
                .containsEntry("credentials_refreshed", true);
        assertThat(es.source(target, "1")).contains(Map.of("message", "fine", "scale", 4));
        assertThat(reads.get()).isEqualTo(2);
        assertNoSecretValueWasShown();
    }

    @Test
    void aMissingSecretFailsTheInvocationNamingTheSecret() {
        WatcherHandler handler = handler();

        assertThatThrownBy(() -> invoke(handler)).isInstanceOf(SecretException.class)
                .hasMessageContaining(secretId).hasMessageContaining("not found");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "not JSON         | {\"elasticsearch_password\": \"hunter2-leak-check\"       | is not valid JSON (line 1, column",
        "not an object    | [\"hunter2-leak-check\"]                                 | is JSON but not an object",
        "misspelt key     | {\"elasticsearch_pasword\": \"hunter2-leak-check\"}      | unknown keys [elasticsearch_pasword]",
        "password only    | {\"elasticsearch_password\": \"hunter2-leak-check\"}     | go together",
        "not a string     | {\"openai_api_key\": [\"hunter2-leak-check\"]}           | 'openai_api_key' must be a string",
    })
    void aMalformedSecretFailsWithWhatToFixAndWithoutItsValue(String name, String value, String expected) {
        store(value);
        WatcherHandler handler = handler();

        assertThatThrownBy(() -> invoke(handler)).isInstanceOfSatisfying(SecretException.class, e -> {
            assertThat(e.getMessage()).contains(secretId).contains(expected).contains("expected a JSON object")
                    .doesNotContain("hunter2");
            assertThat(e.getCause()).isNull();
        });
        assertThat(stderr.toString(StandardCharsets.UTF_8)).doesNotContain("hunter2");
    }
}
