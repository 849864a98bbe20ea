package dev.llmwatcher.llm.bedrock;

import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import dev.llmwatcher.llm.TokenUsage;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.StopReason;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;

import java.time.Duration;
import java.util.List;

/** The Converse call of {@link BedrockClient}: request, SDK call, stop reason, answer and failure mapping. */
final class ConverseCall {

    private ConverseCall() {
    }

    /** One Converse call; the answer's latency is the caller's to measure. */
    static LlmAnswer send(BedrockRuntime runtime, LlmRequest request) throws LlmException {
        String label = runtime.label();
        ConverseRequest converse = ConverseRequests.of(request).toBuilder()
                .overrideConfiguration(o -> o.apiCallTimeout(request.timeout()))
                .build();
        ConverseResponse response;
        try {
            response = runtime.client().converse(converse);
        } catch (SdkException e) {
            throw BedrockFailures.of(e, label, request.model(), request.timeout());
        }
        checkStop(response, label);
        String text = ConverseRequests.forcesTool(request.format()) ? toolInput(response, label) : text(response, label);
        TokenUsage usage = response.usage() == null ? TokenUsage.NONE
                : new TokenUsage(orZero(response.usage().inputTokens()), orZero(response.usage().outputTokens()));
        return new LlmAnswer(text, usage, response.stopReasonAsString(), Duration.ZERO);
    }

    private static void checkStop(ConverseResponse response, String label) throws LlmException {
        StopReason stop = response.stopReason();
        if (stop == null) {
            return;
        }
        switch (stop) {
            case MAX_TOKENS -> throw new LlmException(LlmException.Kind.TRUNCATED,
                    "answer truncated at the token limit (stopReason=max_tokens) by " + label);
            case MODEL_CONTEXT_WINDOW_EXCEEDED -> throw new LlmException(LlmException.Kind.TRUNCATED,
                    "answer truncated: the model's context window is full (stopReason=model_context_window_exceeded)"
                            + " at " + label);
            case CONTENT_FILTERED, GUARDRAIL_INTERVENED -> throw new LlmException(LlmException.Kind.REFUSED,
                    "the answer was withheld by " + label + " (stopReason=" + response.stopReasonAsString() + ")");
            case MALFORMED_MODEL_OUTPUT, MALFORMED_TOOL_USE -> throw new LlmException(
                    LlmException.Kind.MALFORMED_RESPONSE, "the model's output was malformed (stopReason="
                    + response.stopReasonAsString() + ") at " + label);
            default -> {
                // end_turn, tool_use, stop_sequence and values newer than this SDK: the content decides
            }
        }
    }

    /** The forced tool's input as JSON text; the text blocks when a model answered in text instead. */
    private static String toolInput(ConverseResponse response, String label) throws LlmException {
        for (ContentBlock block : content(response, label)) {
            ToolUseBlock toolUse = block.toolUse();
            if (toolUse != null && ConverseRequests.TOOL.equals(toolUse.name())) {
                return Documents.toJson(toolUse.input());
            }
        }
        return text(response, label);
    }

    /** Every text block, in order; reasoning blocks are left out, as {@code <think>} text is for other providers. */
    private static String text(ConverseResponse response, String label) throws LlmException {
        StringBuilder text = new StringBuilder();
        for (ContentBlock block : content(response, label)) {
            if (block.text() != null) {
                text.append(block.text());
            }
        }
        return text.toString();
    }

    private static List<ContentBlock> content(ConverseResponse response, String label) throws LlmException {
        if (response.output() == null || response.output().message() == null) {
            throw new LlmException(LlmException.Kind.MALFORMED_RESPONSE, label + " sent an answer without a "
                    + "message (stopReason=" + response.stopReasonAsString() + ")");
        }
        return response.output().message().content();
    }

    private static long orZero(Integer tokens) {
        return tokens == null ? 0 : tokens;
    }
}
