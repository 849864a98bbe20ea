package dev.llmwatcher.llm.bedrock;

import dev.llmwatcher.llm.Formats;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import software.amazon.awssdk.core.document.Document;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SpecificToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A document's request in Converse terms. The options the other providers share become {@code inferenceConfig}
 * ({@code temperature}, {@code top_p}, {@code max_tokens} or Ollama's {@code num_predict}, {@code stop}); every other
 * option goes to {@code additionalModelRequestFields} for the model itself (e.g. Anthropic's {@code top_k}).
 *
 * <p>Converse has no JSON mode. A structured answer is asked for by offering one tool, {@value #TOOL}, and forcing
 * the model to call it: the tool's input schema is the document's schema, and the input the model produces is the
 * answer. {@code "json"} (any object) forces the same tool with a schema that allows any object, which constrains
 * the answer more reliably than asking for JSON in text would.
 */
final class ConverseRequests {

    /** The name of the forced tool; its input is the answer. */
    static final String TOOL = "answer";
    static final Map<String, Object> ANY_OBJECT = Map.of("type", "object");

    private static final String TOOL_DESCRIPTION = "Give your answer. Its input is the whole answer, shaped as the "
            + "input schema says.";

    private ConverseRequests() {
    }

    /** @throws LlmException {@code BAD_REQUEST} for an option of the wrong type, naming it */
    static ConverseRequest of(LlmRequest request) throws LlmException {
        Map<String, Object> additional = new LinkedHashMap<>(request.options());
        InferenceConfiguration inference = inference(additional);
        ConverseRequest.Builder builder = ConverseRequest.builder()
                .modelId(request.model())
                .messages(Message.builder().role(ConversationRole.USER)
                        .content(ContentBlock.fromText(request.prompt())).build());
        if (inference != null) {
            builder.inferenceConfig(inference);
        }
        if (!additional.isEmpty()) {
            builder.additionalModelRequestFields(document(additional, "options"));
        }
        if (forcesTool(request.format())) {
            Object schema = Formats.isSchema(request.format()) ? request.format() : ANY_OBJECT;
            builder.toolConfig(ToolConfiguration.builder()
                    .tools(Tool.fromToolSpec(ToolSpecification.builder().name(TOOL).description(TOOL_DESCRIPTION)
                            .inputSchema(ToolInputSchema.fromJson(document(schema, "format"))).build()))
                    .toolChoice(ToolChoice.fromTool(SpecificToolChoice.builder().name(TOOL).build()))
                    .build());
        }
        return builder.build();
    }

    /** True when the answer must come as the forced tool's input: a schema or {@code "json"}. */
    static boolean forcesTool(Object format) {
        return Formats.isPresent(format);
    }

    /** Takes the inference options out of {@code options}; null when there are none. */
    private static InferenceConfiguration inference(Map<String, Object> options) throws LlmException {
        InferenceConfiguration.Builder inference = InferenceConfiguration.builder();
        boolean any = false;
        Object temperature = options.remove("temperature");
        if (temperature != null) {
            inference.temperature(number(temperature, "temperature").floatValue());
            any = true;
        }
        Object topP = options.remove("top_p");
        if (topP != null) {
            inference.topP(number(topP, "top_p").floatValue());
            any = true;
        }
        Object numPredict = options.remove("num_predict");
        Object maxTokens = options.remove("max_tokens");
        if (maxTokens != null || numPredict != null) {
            inference.maxTokens(wholeNumber(maxTokens != null ? maxTokens : numPredict,
                    maxTokens != null ? "max_tokens" : "num_predict"));
            any = true;
        }
        Object stop = options.remove("stop");
        if (stop != null) {
            inference.stopSequences(strings(stop));
            any = true;
        }
        return any ? inference.build() : null;
    }

    private static Number number(Object value, String option) throws LlmException {
        if (value instanceof Number number) {
            return number;
        }
        throw badOption(option, "a number", value);
    }

    private static int wholeNumber(Object value, String option) throws LlmException {
        if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())
                && number.doubleValue() >= 1 && number.doubleValue() <= Integer.MAX_VALUE) {
            return number.intValue();
        }
        throw badOption(option, "a whole number of at least 1", value);
    }

    private static List<String> strings(Object value) throws LlmException {
        if (value instanceof String text) {
            return List.of(text);
        }
        if (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
            List<String> strings = new ArrayList<>(list.size());
            list.forEach(item -> strings.add((String) item));
            return strings;
        }
        throw badOption("stop", "a string or a list of strings", value);
    }

    private static Document document(Object value, String what) throws LlmException {
        try {
            return Documents.of(value);
        } catch (IllegalArgumentException e) {
            throw new LlmException(LlmException.Kind.BAD_REQUEST, what + ": " + e.getMessage());
        }
    }

    private static LlmException badOption(String option, String expected, Object value) {
        return new LlmException(LlmException.Kind.BAD_REQUEST, "option " + option + " must be " + expected
                + " for Amazon Bedrock, got " + value);
    }
}
