package dev.llmwatcher.aws.priming;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.llmwatcher.json.Json;

import java.util.List;
import java.util.Map;

/**
 * What Secrets Manager would answer to {@code GetSecretValue} (its JSON 1.1 protocol: {@code POST /} with
 * {@code X-Amz-Target: secretsmanager.GetSecretValue}) for the priming secret, whose made-up credentials the priming
 * invocation reads as a real one reads its secret. Every answer closes its connection, so the SDK's HTTP client keeps
 * none open into the snapshot.
 */
public final class PrimingSecret implements PrimingServer.Handler {

    public static final String ID = "llm-watcher-priming";
    /** Any region will do: it only names the endpoint that is overridden and the signature's scope. */
    public static final String REGION = "us-east-1";
    private static final String TARGET = "secretsmanager.GetSecretValue";

    @Override
    public PrimingServer.Response handle(PrimingServer.Request request) {
        if (!"POST".equals(request.method()) || !TARGET.equals(request.headers().get("x-amz-target"))) {
            return answer(400, Map.of("__type", "UnknownOperationException",
                    "message", "the priming server answers " + TARGET + " only"));
        }
        return answer(200, Map.of("ARN", "arn:aws:secretsmanager:" + REGION + ":000000000000:secret:" + ID,
                "Name", ID, "VersionId", "priming-1", "VersionStages", List.of("AWSCURRENT"),
                "SecretString", "{\"elasticsearch_api_key\":\"priming-not-a-key\","
                        + "\"openai_api_key\":\"priming-not-a-key\"}"));
    }

    private static PrimingServer.Response answer(int status, Map<String, Object> body) {
        try {
            return new PrimingServer.Response(status, Map.of("Content-Type", "application/x-amz-json-1.1",
                    "Connection", "close"), Json.mapper().writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
