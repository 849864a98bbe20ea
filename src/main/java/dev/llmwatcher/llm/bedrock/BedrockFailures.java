package dev.llmwatcher.llm.bedrock;

import dev.llmwatcher.llm.LlmException;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;

/**
 * Bedrock's errors in the terms every provider shares, so the run reacts to them as it does to the others':
 * {@code ThrottlingException} and {@code ServiceUnavailableException} are Bedrock's 429 and 503 and slow the run
 * down; a model not ready yet, a model timeout and a server error are retried; a bad request, a model this identity
 * may not use and an unknown model are the document's error, with the service's own message. Credentials the
 * service does not accept stop the pass, as a refused API key does.
 */
final class BedrockFailures {

    /** AWS's common errors for credentials that are missing, unknown, expired or signed wrongly. */
    private static final Set<String> CREDENTIAL_ERRORS = Set.of("UnrecognizedClientException",
            "InvalidSignatureException", "ExpiredTokenException", "InvalidClientTokenId", "SignatureDoesNotMatch",
            "IncompleteSignature", "MissingAuthenticationToken", "ExpiredToken");

    private static final int MAX_MESSAGE_CHARS = 500;

    private BedrockFailures() {
    }

    static LlmException of(SdkException e, String label, String model, Duration timeout) {
        return switch (e) {
            case AwsServiceException service -> service(service, label, model);
            case ApiCallTimeoutException timedOut -> new LlmException(LlmException.Kind.TIMEOUT,
                    label + " did not answer within " + timeout.toMillis() + " ms", 0, null, timedOut);
            case ApiCallAttemptTimeoutException timedOut -> new LlmException(LlmException.Kind.TIMEOUT,
                    label + " did not answer within " + timeout.toMillis() + " ms", 0, null, timedOut);
            case AbortedException aborted -> {
                Thread.currentThread().interrupt();
                yield new LlmException(LlmException.Kind.INTERRUPTED, "interrupted while waiting for " + label, 0,
                        null, aborted);
            }
            case SdkClientException client -> client(client, label);
            default -> new LlmException(LlmException.Kind.CONNECTION, label + " failed: " + e.getMessage(), 0, null,
                    e);
        };
    }

    private static LlmException service(AwsServiceException e, String label, String model) {
        AwsErrorDetails details = e.awsErrorDetails();
        String code = details == null || details.errorCode() == null ? "error" : details.errorCode();
        String message = details == null || details.errorMessage() == null ? "(no message)" : details.errorMessage();
        int status = e.statusCode();
        LlmException.Kind kind = kind(code, status);
        String text = label + " answered " + code + " (HTTP " + status + ") for model \"" + model + "\": "
                + truncate(message);
        if (kind == LlmException.Kind.ACCESS_DENIED) {
            text += "; the caller needs bedrock:InvokeModel on this model's ARN (for an inference profile: on the "
                    + "profile's ARN and on the foundation models it routes to), and access to the model granted in "
                    + "the Bedrock console";
        }
        return new LlmException(kind, text, status, null, e);
    }

    static LlmException.Kind kind(String code, int status) {
        return switch (code) {
            case "ThrottlingException", "ServiceUnavailableException" -> LlmException.Kind.RATE_LIMITED;
            case "ModelNotReadyException", "InternalServerException", "ModelErrorException" ->
                    LlmException.Kind.SERVER_ERROR;
            case "ModelTimeoutException" -> LlmException.Kind.TIMEOUT;
            case "AccessDeniedException" -> LlmException.Kind.ACCESS_DENIED;
            case "ResourceNotFoundException" -> LlmException.Kind.MODEL_NOT_FOUND;
            case "ServiceQuotaExceededException" -> LlmException.Kind.QUOTA_EXHAUSTED;
            case "ValidationException" -> LlmException.Kind.BAD_REQUEST;
            default -> CREDENTIAL_ERRORS.contains(code) ? LlmException.Kind.AUTHENTICATION : byStatus(status);
        };
    }

    private static LlmException.Kind byStatus(int status) {
        return switch (status) {
            case 401 -> LlmException.Kind.AUTHENTICATION;
            case 403 -> LlmException.Kind.ACCESS_DENIED;
            case 404 -> LlmException.Kind.MODEL_NOT_FOUND;
            case 408 -> LlmException.Kind.TIMEOUT;
            case 429 -> LlmException.Kind.RATE_LIMITED;
            default -> status >= 500 ? LlmException.Kind.SERVER_ERROR : LlmException.Kind.BAD_REQUEST;
        };
    }

    /**
     * A failure before or after the exchange: no credentials in the default chain, a refused or dropped
     * connection, an unreadable answer.
     */
    private static LlmException client(SdkClientException e, String label) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (message.contains("Unable to load credentials")) {
            return new LlmException(LlmException.Kind.AUTHENTICATION, "no AWS credentials for " + label
                    + ": the AWS SDK's default chain found none (the Lambda role, AWS_ACCESS_KEY_ID/"
                    + "AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws, container or instance credentials)", 0, null, e);
        }
        if (hasCause(e, IOException.class)) {
            return new LlmException(LlmException.Kind.CONNECTION, "connection to " + label + " failed: "
                    + truncate(message), 0, null, e);
        }
        return new LlmException(LlmException.Kind.MALFORMED_RESPONSE, label + " failed: "
                + truncate(message), 0, null, e);
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    private static String truncate(String text) {
        return text.length() <= MAX_MESSAGE_CHARS ? text : text.substring(0, MAX_MESSAGE_CHARS) + "…";
    }
}
