package dev.llmwatcher.llm.bedrock;

import dev.llmwatcher.app.LlmClients;
import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmClient;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.llm.retry.RetryingLlmClient;
import dev.llmwatcher.testing.FakeBedrockServer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.net.ProxySelector;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The Bedrock provider through the real AWS SDK client, against a local server speaking the Converse protocol. */
class BedrockClientTest {

    private static final String ACCESS_KEY = "AKIDBEDROCKTEST";
    private static final String SECRET_KEY = "bedrock-test-secret-key-not-real";
    private static final String REGION = "eu-west-3";
    private static final String HAIKU = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
    private static final Map<String, Object> SCALE_SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")), "required", List.of("scale"));

    @AutoClose
    private final FakeBedrockServer bedrock = new FakeBedrockServer();
    private final AtomicInteger credentialChainsBuilt = new AtomicInteger();
    @AutoClose
    private final BedrockRuntime runtime = new BedrockRuntime(new BedrockRuntime.Settings(Optional.of(REGION),
            Optional.of(bedrock.endpoint()), Duration.ofSeconds(2), Duration.ofSeconds(30), Optional.of(this::credentials)));
    private final BedrockClient client = new BedrockClient(runtime);

    private AwsCredentialsProvider credentials() {
        credentialChainsBuilt.incrementAndGet();
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));
    }

    private static LlmRequest request(String model, Object format, Map<String, Object> options) {
        return new LlmRequest(model, "Rate: I love it!", format, options, Duration.ofSeconds(10));
    }

    @Test
    void requestsAreSigV4SignedForTheRegionAndServiceBedrock() throws LlmException {
        bedrock.respond(FakeBedrockServer.text("fine"));
        String dayBefore = LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE);

        client.complete(request(HAIKU, null, Map.of()));
        String dayAfter = LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE);

        FakeBedrockServer.Signature signature = bedrock.lastRequest().signature();
        assertThat(signature.accessKeyId()).isEqualTo(ACCESS_KEY);
        assertThat(signature.region()).isEqualTo(REGION);
        assertThat(signature.service()).isEqualTo("bedrock");
        assertThat(signature.date()).as("the day of the call, UTC").isIn(dayBefore, dayAfter);
        assertThat(signature.signedHeaders()).contains("host", "x-amz-date");
        assertThat(bedrock.lastRequest().header("Authorization")).doesNotContain(SECRET_KEY);
    }

    @Test
    void thePromptIsTheUserMessageSentToTheModelsConversePath() throws LlmException {
        bedrock.respond(FakeBedrockServer.text("fine"));

        client.complete(request(HAIKU, null, Map.of()));

        FakeBedrockServer.Request sent = bedrock.lastRequest();
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.modelId()).isEqualTo(HAIKU);
        assertThat(sent.body()).containsEntry("messages",
                List.of(Map.of("role", "user", "content", List.of(Map.of("text", "Rate: I love it!")))))
                .doesNotContainKeys("toolConfig", "inferenceConfig", "additionalModelRequestFields");
    }

    @Test
    void anInferenceProfileArnIsUrlEncodedIntoThePath() throws LlmException {
        String arn = "arn:aws:bedrock:eu-west-3:123456789012:inference-profile/eu.amazon.nova-lite-v1:0";
        bedrock.respond(FakeBedrockServer.text("fine"));

        client.complete(request(arn, null, Map.of()));

        assertThat(bedrock.lastRequest().modelId()).isEqualTo(arn);
        assertThat(bedrock.lastRequest().rawPath()).startsWith("/model/arn%3Aaws%3Abedrock%3Aeu-west-3")
                .contains("inference-profile%2Feu.amazon.nova-lite-v1%3A0").endsWith("/converse");
    }

    @Test
    void sharedOptionsBecomeInferenceConfigAndTheRestGoToTheModel() throws LlmException {
        bedrock.respond(FakeBedrockServer.text("fine"));

        client.complete(request(HAIKU, null, Map.of("temperature", 0.2, "top_p", 0.9, "num_predict", 300,
                "stop", "END", "top_k", 40)));

        Map<String, Object> body = bedrock.lastRequest().body();
        assertThat(body).containsEntry("inferenceConfig", Map.of("temperature", 0.2, "topP", 0.9, "maxTokens", 300,
                "stopSequences", List.of("END")));
        assertThat(body).containsEntry("additionalModelRequestFields", Map.of("top_k", 40));
    }

    @Test
    void maxTokensIsTakenOverNumPredictAndStopMayBeAList() throws LlmException {
        bedrock.respond(FakeBedrockServer.text("fine"));

        client.complete(request(HAIKU, null, Map.of("max_tokens", 50, "num_predict", 300, "stop", List.of("a", "b"))));

        assertThat(bedrock.lastRequest().body()).containsEntry("inferenceConfig",
                Map.of("maxTokens", 50, "stopSequences", List.of("a", "b")))
                .doesNotContainKey("additionalModelRequestFields");
    }

    @Test
    void anOptionOfTheWrongTypeIsABadRequestNamingItAndNothingIsSent() {
        LlmException e = catchThrowableOfType(LlmException.class,
                () -> client.complete(request(HAIKU, null, Map.of("temperature", "warm"))));

        assertThat(e.kind()).isEqualTo(LlmException.Kind.BAD_REQUEST);
        assertThat(e).hasMessageContaining("option temperature must be a number").hasMessageContaining("warm");
        assertThat(bedrock.calls()).isZero();
    }

    @Test
    void aSchemaForcesTheAnswerToolWhoseInputIsTheAnswer() throws LlmException {
        bedrock.respond(FakeBedrockServer.answer("{\"scale\": 10}", 31, 9));

        LlmAnswer answer = client.complete(request(HAIKU, SCALE_SCHEMA, Map.of()));

        Map<String, Object> toolConfig = map(bedrock.lastRequest().body().get("toolConfig"));
        assertThat(toolConfig).containsEntry("toolChoice", Map.of("tool", Map.of("name", "answer")));
        assertThat((List<?>) toolConfig.get("tools")).singleElement().satisfies(tool -> {
            Map<String, Object> spec = map(map(tool).get("toolSpec"));
            assertThat(spec).containsEntry("name", "answer").containsEntry("inputSchema", Map.of("json", SCALE_SCHEMA));
        });
        assertThat(answer.text()).isEqualTo("{\"scale\":10}");
        assertThat(answer.finishReason()).isEqualTo("tool_use");
        assertThat(answer.usage()).isEqualTo(new TokenUsage(31, 9));
    }

    @Test
    void jsonFormatForcesTheToolWithASchemaThatAllowsAnyObject() throws LlmException {
        bedrock.respond(FakeBedrockServer.text("{\"summary\": \"great\", \"score\": 9.5}"));

        LlmAnswer answer = client.complete(request(HAIKU, "json", Map.of()));

        Map<String, Object> spec = map(map(((List<?>) map(bedrock.lastRequest().body().get("toolConfig"))
                .get("tools")).getFirst()).get("toolSpec"));
        assertThat(spec).containsEntry("inputSchema", Map.of("json", Map.of("type", "object")));
        assertThat(answer.text()).isEqualTo("{\"summary\":\"great\",\"score\":9.5}");
    }

    @Test
    void anEmptySchemaMeansFreeTextFromTheTextContent() throws LlmException {
        bedrock.respond(FakeBedrockServer.answer("A nine, clearly.", 20, 5));

        LlmAnswer answer = client.complete(request(HAIKU, Map.of(), Map.of()));

        assertThat(bedrock.lastRequest().body()).doesNotContainKey("toolConfig");
        assertThat(answer.text()).isEqualTo("A nine, clearly.");
        assertThat(answer.finishReason()).isEqualTo("end_turn");
        assertThat(answer.usage()).isEqualTo(new TokenUsage(20, 5));
    }

    @Test
    void stopReasonMaxTokensIsATruncatedAnswer() {
        bedrock.respond(FakeBedrockServer.truncated("{\"scale\": 1"));

        LlmException e = catchThrowableOfType(LlmException.class,
                () -> client.complete(request(HAIKU, SCALE_SCHEMA, Map.of())));

        assertThat(e.kind()).isEqualTo(LlmException.Kind.TRUNCATED);
        assertThat(e).hasMessageContaining("stopReason=max_tokens");
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource({
        "ThrottlingException, 429, RATE_LIMITED",
        "ServiceUnavailableException, 503, RATE_LIMITED",
        "ModelNotReadyException, 429, SERVER_ERROR",
        "ModelTimeoutException, 408, TIMEOUT",
        "InternalServerException, 500, SERVER_ERROR",
        "ValidationException, 400, BAD_REQUEST",
        "AccessDeniedException, 403, ACCESS_DENIED",
        "ResourceNotFoundException, 404, MODEL_NOT_FOUND",
        "UnrecognizedClientException, 403, AUTHENTICATION",
    })
    void eachBedrockErrorHasItsKindAndCarriesTheServicesMessage(String type, int status, LlmException.Kind kind) {
        bedrock.respond(FakeBedrockServer.error(type, status, "the service says " + type));

        LlmException e = catchThrowableOfType(LlmException.class,
                () -> client.complete(request(HAIKU, null, Map.of())));

        assertThat(e.kind()).isEqualTo(kind);
        assertThat(e.status()).isEqualTo(status);
        assertThat(e).hasMessageContaining("Amazon Bedrock (" + REGION + ") answered " + type + " (HTTP " + status
                + ") for model \"" + HAIKU + "\": the service says " + type);
        assertThat(bedrock.calls()).as("the SDK itself does not retry").isEqualTo(1);
    }

    @Test
    void anAccessErrorNamesTheModelAndThePermissionItNeeds() {
        bedrock.respond(FakeBedrockServer.error("AccessDeniedException", 403,
                "You don't have access to the model with the specified model ID."));

        assertThatThrownBy(() -> client.complete(request(HAIKU, null, Map.of())))
                .hasMessageContaining("model \"" + HAIKU + "\"")
                .hasMessageContaining("You don't have access to the model")
                .hasMessageContaining("bedrock:InvokeModel on this model's ARN");
    }

    @Test
    void anAnswerSlowerThanTheCallsTimeoutIsATimeout() {
        bedrock.respond(FakeBedrockServer.delayed(Duration.ofSeconds(2), FakeBedrockServer.text("late")));

        LlmException e = catchThrowableOfType(LlmException.class, () -> client.complete(
                new LlmRequest(HAIKU, "Rate", null, Map.of(), Duration.ofMillis(500))));

        assertThat(e.kind()).isEqualTo(LlmException.Kind.TIMEOUT);
        assertThat(e).hasMessageContaining("did not answer within 500 ms");
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void throttlingIsRetriedByOurRetriesAndTheAnswerArrives() throws LlmException {
        AtomicInteger attempts = new AtomicInteger();
        bedrock.respondWith(request -> attempts.incrementAndGet() == 1 ? FakeBedrockServer.throttled()
                : FakeBedrockServer.text("{\"scale\": 3}"));

        LlmAnswer answer = RetryingLlmClient.wrap(client).complete(request(HAIKU, SCALE_SCHEMA, Map.of()));

        assertThat(answer.text()).isEqualTo("{\"scale\":3}");
        assertThat(bedrock.calls()).isEqualTo(2);
    }

    @Test
    void theSdkClientIsBuiltOnTheFirstBedrockCallNotBefore() throws LlmException {
        LlmClients clients = LlmClients.create(Optional.empty(), null, null, Duration.ofSeconds(1),
                ProxySelector.getDefault(), runtime);
        LlmClient viaProviders = clients.forProvider("Bedrock");
        assertThat(credentialChainsBuilt).as("before any call").hasValue(0);
        bedrock.respond(FakeBedrockServer.text("fine"));

        viaProviders.complete(request(HAIKU, null, Map.of()));
        viaProviders.complete(request(HAIKU, null, Map.of()));

        assertThat(credentialChainsBuilt).as("after two calls").hasValue(1);
        assertThat(bedrock.calls()).isEqualTo(2);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}
